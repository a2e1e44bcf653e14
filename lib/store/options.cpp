#include "fitstore/options.hpp"

#include "fitstore/errors.hpp"

namespace fitstore {

std::string_view mmap_mode_name(mmap_mode m) noexcept {
    switch (m) {
        case mmap_mode::none: return "none";
        case mmap_mode::r: return "r";
        case mmap_mode::c: return "c";
        case mmap_mode::r_plus: return "r+";
    }
    return "none";
}

mmap_mode parse_mmap_mode(std::string_view text) {
    if (text == "none") return mmap_mode::none;
    if (text == "r") return mmap_mode::r;
    if (text == "c") return mmap_mode::c;
    if (text == "r+") return mmap_mode::r_plus;
    throw usage_error("", "mmap", "expected none, r, c or r+, found \"" + std::string(text) + "\"");
}

}  // namespace fitstore
