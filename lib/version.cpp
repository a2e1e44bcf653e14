#include "fitstore/version.hpp"

namespace fitstore {

std::string_view library_version() noexcept { return FITSTORE_VERSION_STRING; }

}  // namespace fitstore
