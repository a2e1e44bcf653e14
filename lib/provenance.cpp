#include "fitstore/provenance.hpp"

#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <sys/utsname.h>

#include <H5public.h>
#include <blosc.h>
#include <lz4.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include <boost/version.hpp>
#include <xtensor-blas/xblas_config.hpp>
#include <xtensor/xtensor_config.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>

#include "build_info.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/manifest.hpp"
#include "io/posix_file.hpp"
#include "io/sha256.hpp"

namespace fitstore {
namespace {

using detail::sha256;
using nlohmann::json;

#define FITSTORE_STR2(x) #x
#define FITSTORE_STR(x) FITSTORE_STR2(x)

/// Feeds `array`'s canonical bytes (header line + little-endian C-order data) to `h`.
void hash_array(sha256& h, const std::string& name, const any_array& array) {
    if (!is_valid_name(name)) throw usage_error("", "fingerprint", "invalid array name \"" + name + "\"");
    std::string header = name + " " + numpy_typestr(array.type()) + " ";
    for (std::size_t d = 0; d < array.rank(); ++d) header += (d ? "," : "") + std::to_string(array.shape()[d]);
    h.update(header + "\n");
    const auto* bytes = static_cast<const unsigned char*>(array.data());
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    // The canonical bytes are little-endian whatever the host: swap block by block.
    const std::size_t item = itemsize(array.type());
    const std::size_t block = (std::size_t(1) << 20) / item * item;
    std::vector<unsigned char> scratch;
    for (std::size_t off = 0; off < array.nbytes(); off += block) {
        const std::size_t n = std::min(block, array.nbytes() - off);
        scratch.assign(bytes + off, bytes + off + n);
        byteswap_inplace(scratch.data(), n / item, item);
        h.update(scratch.data(), n);
    }
#else
    h.update(bytes, array.nbytes());
#endif
}

json array_description(const std::string& name, const any_array& array) {
    return {{"dtype", std::string(dtype_name(array.type()))},
            {"shape", array.shape()},
            {"sha256", data_fingerprint({{name, array}})}};
}

std::string hdf5_version() {
    unsigned major = 0, minor = 0, release = 0;
    if (H5get_libversion(&major, &minor, &release) < 0) return "unknown";
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

/// The BLAS this process runs with: OpenBLAS describes its build; otherwise
/// the real file names of loaded libraries with "blas" in their name.
std::string blas_version() {
    using config_fn = char* (*)();
    if (auto fn = reinterpret_cast<config_fn>(::dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
        if (const char* config = fn()) return config;
    }
    std::string names;
    ::dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            const std::string name = info->dlpi_name ? info->dlpi_name : "";
            const std::string base = name.substr(name.find_last_of('/') + 1);
            if (base.find("blas") != std::string::npos) {
                char real[PATH_MAX];
                auto& out = *static_cast<std::string*>(data);
                out += (out.empty() ? "" : ", ") + std::string(::realpath(name.c_str(), real) ? real : name.c_str());
            }
            return 0;
        },
        &names);
    return names.empty() ? "none loaded" : names;
}

std::string trimmed(const char* text) {
    std::string s = text ? text : "";
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.pop_back();
    return s;
}

const std::vector<std::string>& reserved_keys() {
    static const std::vector<std::string> keys = {"provenance_version", "created_utc",   "software",
                                                  "training_data",      "source",        "cross_validation",
                                                  "training_score"};
    return keys;
}

}  // namespace

std::string data_fingerprint(const std::vector<std::pair<std::string, any_array>>& arrays) {
    sha256 h;
    h.update(std::string(fingerprint_scheme) + "\n");
    for (const auto& [name, array] : arrays) hash_array(h, name, array);
    return h.hex();
}

std::string file_sha256(const std::string& path) {
    std::uint64_t size = 0;
    detail::unique_fd fd = detail::open_regular_readonly(path, size);
    sha256 h;
    std::vector<unsigned char> buffer(std::size_t(1) << 20);
    for (std::uint64_t offset = 0; offset < size;) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - offset));
        detail::pread_exact(fd.get(), buffer.data(), n, offset, path);
        h.update(buffer.data(), n);
        offset += n;
    }
    return h.hex();
}

std::string utc_timestamp() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buf;
}

json software_provenance() {
    json s;
    s["fitstore"] = FITSTORE_VERSION_STRING;
    if (*detail::build_info::git_describe) s["git_describe"] = detail::build_info::git_describe;
    s["format_version"] = std::to_string(format_major) + "." + std::to_string(format_minor);
    s["compiler"] = FITSTORE_COMPILER;
    s["cxx_flags"] = detail::build_info::cxx_flags;
    s["build_type"] = detail::build_info::build_type;
    s["built_for"] = detail::build_info::system_name;
    json libs;
    libs["hdf5"] = hdf5_version();
    libs["xtensor"] = FITSTORE_STR(XTENSOR_VERSION_MAJOR) "." FITSTORE_STR(XTENSOR_VERSION_MINOR) "." FITSTORE_STR(
        XTENSOR_VERSION_PATCH);
    libs["xtensor-blas"] = FITSTORE_STR(XTENSOR_BLAS_VERSION_MAJOR) "." FITSTORE_STR(
        XTENSOR_BLAS_VERSION_MINOR) "." FITSTORE_STR(XTENSOR_BLAS_VERSION_PATCH);
    libs["blas"] = trimmed(blas_version().c_str());
    libs["zstd"] = ZSTD_versionString();
    libs["lz4"] = LZ4_versionString();
    libs["blosc"] = blosc_get_version_string();
    libs["zlib"] = zlibVersion();
    libs["boost"] = std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                    std::to_string(BOOST_VERSION % 100);
    libs["openssl"] = OpenSSL_version(OPENSSL_VERSION);
    s["libraries"] = libs;
    utsname u{};
    if (::uname(&u) == 0)
        s["os"] = {{"sysname", u.sysname}, {"release", u.release}, {"version", u.version}, {"machine", u.machine}};
    return s;
}

provenance::provenance() {
    m_json = json::object();
    m_json["provenance_version"] = provenance_version;
    m_json["created_utc"] = utc_timestamp();
    m_json["software"] = software_provenance();
}

provenance& provenance::training_data(const any_array& X, const any_array& y,
                                      const std::vector<std::string>& feature_names, const std::string& uri,
                                      const std::string& target) {
    if (!feature_names.empty() && (X.rank() != 2 || feature_names.size() != X.shape()[1]))
        throw usage_error("", "provenance.training_data.feature_names",
                          "expected one name per column of X (" + shape_to_string(X.shape()) + "), found " +
                              std::to_string(feature_names.size()));
    json t;
    t["fingerprint_scheme"] = fingerprint_scheme;
    t["sha256"] = data_fingerprint({{"X", X}, {"y", y}});
    t["X"] = array_description("X", X);
    t["y"] = array_description("y", y);
    t["feature_names"] = feature_names;
    if (!uri.empty()) t["uri"] = uri;
    if (!target.empty()) t["target"] = target;
    m_json["training_data"] = std::move(t);
    return *this;
}

provenance& provenance::source(const std::string& reference) {
    m_json["source"] = {{"kind", "reference"}, {"reference", reference}};
    return *this;
}

provenance& provenance::source_file(const std::string& path) {
    const std::string digest = file_sha256(path);
    const auto slash = path.find_last_of('/');
    m_json["source"] = {
        {"kind", "file"}, {"name", slash == std::string::npos ? path : path.substr(slash + 1)}, {"sha256", digest}};
    return *this;
}

provenance& provenance::cross_validation(std::size_t k, const std::string& metric, const std::vector<double>& scores,
                                         const std::string& splitter) {
    if (scores.size() != k)
        throw usage_error("", "provenance.cross_validation.scores",
                          "expected " + std::to_string(k) + " fold scores, found " + std::to_string(scores.size()));
    double mean = 0;
    for (double s : scores) mean += s;
    mean = k ? mean / static_cast<double>(k) : 0.0;
    double var = 0;
    for (double s : scores) var += (s - mean) * (s - mean);
    const double std = k ? std::sqrt(var / static_cast<double>(k)) : 0.0;
    m_json["cross_validation"] = {{"k", k},         {"metric", metric}, {"splitter", splitter},
                                  {"shuffle", false}, {"scores", scores}, {"mean", mean},
                                  {"std", std}};
    return *this;
}

provenance& provenance::training_score(const std::string& metric, double value) {
    m_json["training_score"] = {{"metric", metric}, {"value", value}};
    return *this;
}

provenance& provenance::set(const std::string& key, json value) {
    for (const auto& reserved : reserved_keys())
        if (key == reserved)
            throw usage_error("", "provenance." + key, "reserved key: use its own setter");
    m_json[key] = std::move(value);
    return *this;
}

}  // namespace fitstore
