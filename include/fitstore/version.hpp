// The version of the fitstore library a program runs with.
#pragma once

#include <string_view>

namespace fitstore {

/// The library's version, "MAJOR.MINOR.PATCH" (the CMake project version it
/// was built as; the installed package's fitstoreConfigVersion.cmake agrees).
std::string_view library_version() noexcept;

}  // namespace fitstore
