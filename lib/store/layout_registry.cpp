#include "store/layout_registry.hpp"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <deque>
#include <mutex>

#include "fitstore/errors.hpp"

namespace fitstore::detail {
namespace {

struct registry {
    std::mutex mutex;
    std::deque<layout_backend> backends;  // a deque: entries never move, so names stay valid

    registry() {
        // The built-ins, in the order names are listed ("directory, hdf5 or blob").
        add(directory_layout_backend());
        add(hdf5_layout_backend());
        add(blob_layout_backend());
    }

    void add(layout_backend b) {
        for (const auto& have : backends) {
            if (have.name == b.name) throw usage_error("", "layout", "a layout named \"" + b.name + "\" is already registered");
            for (const auto& e : b.extensions)
                for (const auto& taken : have.extensions)
                    if (e == taken)
                        throw usage_error("", "layout", "extension ." + e + " of layout \"" + b.name +
                                                            "\" already belongs to layout \"" + have.name + "\"");
        }
        backends.push_back(std::move(b));
    }
};

registry& the_registry() {
    static registry r;  // function-local: built on first use, whatever the static initialization order
    return r;
}

}  // namespace

path_probe::path_probe(const std::string& path) : m_path(path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        throw_errno(path, "cannot stat");
    }
    m_exists = true;
    m_folder = S_ISDIR(st.st_mode);
    if (S_ISREG(st.st_mode)) {
        m_file = true;
        m_fd = open_regular_readonly(path, m_size);
    }
}

bool path_probe::read(std::uint64_t offset, void* dst, std::size_t n) const {
    if (!m_file || offset > m_size || n > m_size - offset) return false;
    pread_exact(m_fd.get(), dst, n, offset, m_path);
    return true;
}

bool path_probe::folder_has(const char* name) const {
    struct stat inner {};
    return m_folder && ::lstat((m_path + "/" + name).c_str(), &inner) == 0;
}

void register_layout(layout_backend backend) {
    registry& r = the_registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.add(std::move(backend));
}

const layout_backend* find_layout_backend(std::string_view name) {
    registry& r = the_registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    for (const auto& b : r.backends)
        if (b.name == name) return &b;
    return nullptr;
}

const layout_backend& layout_backend_for(fitstore::layout l) {
    if (const layout_backend* b = find_layout_backend(l.name())) return *b;
    throw usage_error("", "layout", "expected " + layout_choices() + ", found \"" + std::string(l.name()) + "\"");
}

std::vector<const layout_backend*> registered_layouts() {
    registry& r = the_registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::vector<const layout_backend*> out;
    for (const auto& b : r.backends) out.push_back(&b);
    return out;
}

std::string layout_choices(bool quote) {
    const auto all = registered_layouts();
    std::string text;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (i != 0) text += i + 1 == all.size() ? " or " : ", ";
        text += quote ? "\"" + all[i]->name + "\"" : all[i]->name;
    }
    return text;
}

}  // namespace fitstore::detail

namespace fitstore {

std::string_view layout_name(layout l) noexcept { return l.name(); }

layout parse_layout(std::string_view text) {
    if (const detail::layout_backend* b = detail::find_layout_backend(text)) return b->id();
    throw usage_error("", "layout", "expected " + detail::layout_choices() + ", found \"" + std::string(text) + "\"");
}

layout layout_for_path(std::string_view path) noexcept {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    const std::size_t slash = path.find_last_of('/');
    const std::string_view leaf = slash == std::string_view::npos ? path : path.substr(slash + 1);
    const std::size_t dot = leaf.find_last_of('.');
    if (dot == std::string_view::npos || dot == 0) return layout::directory;
    std::string ext(leaf.substr(dot + 1));
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    try {
        for (const detail::layout_backend* b : detail::registered_layouts())
            for (const auto& e : b->extensions)
                if (e == ext) return b->id();
    } catch (...) {
        // Only allocation can fail here; the default layout is the safe answer.
    }
    return layout::directory;
}

layout effective_layout(const dump_options& options, std::string_view path) noexcept {
    return options.layout ? *options.layout : layout_for_path(path);
}

}  // namespace fitstore
