#include "layouts/hdf5_ids.hpp"

#include <cstring>

#include "fitstore/errors.hpp"
#include "layouts/hdf5_types.hpp"

namespace fitstore::detail::h5 {
namespace {

herr_t collect_error(unsigned n, const H5E_error2_t* e, void* data) {
    auto* text = static_cast<std::string*>(data);
    if (n >= 12) return 0;
    if (!text->empty()) *text += "; ";
    *text += e->func_name ? e->func_name : "?";
    *text += ": ";
    *text += e->desc ? e->desc : "";
    char minor[160];
    if (H5Eget_msg(e->min_num, nullptr, minor, sizeof minor) > 0) {
        *text += " (";
        *text += minor;
        *text += ")";
    }
    return 0;
}

}  // namespace

std::string hdf5_error_stack() {
    std::string text;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, &collect_error, &text);
    H5Eclear2(H5E_DEFAULT);
    return text.empty() ? std::string("no HDF5 error detail") : text;
}

[[noreturn]] void throw_hdf5(side s, const std::string& path, const std::string& field, const std::string& what) {
    std::string message = what + " [HDF5: " + hdf5_error_stack() + "]";
    if (s == side::write) throw io_error(path, field, std::move(message));
    throw format_error(path, field, std::move(message));
}

void write_string_attribute(hid_t obj, const char* name, const std::string& value, const std::string& path) {
    h5_id type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    h5_id space(H5Screate(H5S_SCALAR), H5Sclose);
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    h5_id attr(check_id(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), side::write, path,
                        name, "cannot create attribute"),
               H5Aclose);
    const char* data = value.c_str();
    check(H5Awrite(attr.get(), type.get(), &data), side::write, path, name, "cannot write attribute");
}

std::string read_string_attribute(hid_t obj, const char* name, std::size_t max_bytes, const std::string& path) {
    const htri_t exists = H5Aexists(obj, name);
    if (exists <= 0)
        throw format_error(path, name, "root attribute \"" + std::string(name) +
                                           "\" is missing: not an HDF5 file written by fitstore");
    h5_id attr(check_id(H5Aopen(obj, name, H5P_DEFAULT), side::read, path, name, "cannot open attribute"), H5Aclose);
    h5_id type(check_id(H5Aget_type(attr.get()), side::read, path, name, "cannot read attribute type"), H5Tclose);
    h5_id space(check_id(H5Aget_space(attr.get()), side::read, path, name, "cannot read attribute shape"), H5Sclose);
    if (H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_npoints(space.get()) != 1)
        throw format_error(path, name, "expected one string, found " + describe_type(type.get()) + " with " +
                                           std::to_string(H5Sget_simple_extent_npoints(space.get())) + " elements");
    h5_id mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    std::string text;
    if (H5Tis_variable_str(type.get()) > 0) {
        H5Tset_size(mem.get(), H5T_VARIABLE);
        char* data = nullptr;
        check(H5Aread(attr.get(), mem.get(), &data), side::read, path, name, "cannot read attribute");
        if (data) {
            text.assign(data, ::strnlen(data, max_bytes + 1));
            H5free_memory(data);
        }
    } else {
        const std::size_t size = H5Tget_size(type.get());
        if (size > max_bytes)
            throw format_error(path, name, "string of " + std::to_string(size) + " bytes exceeds the limit of " +
                                               std::to_string(max_bytes));
        H5Tset_size(mem.get(), size);
        text.assign(size, '\0');
        check(H5Aread(attr.get(), mem.get(), text.data()), side::read, path, name, "cannot read attribute");
        text.resize(::strnlen(text.data(), size));
    }
    if (text.size() > max_bytes)
        throw format_error(path, name, "string exceeds the limit of " + std::to_string(max_bytes) + " bytes");
    return text;
}

}  // namespace fitstore::detail::h5
