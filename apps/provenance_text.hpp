// Human-readable provenance for `fitstore inspect` (the manifest's
// "provenance" object, FORMAT.md §6). Stored provenance is untrusted input:
// missing or mistyped members are shown as they are, never thrown on.
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

namespace fitstore::cli {

/// Writes `provenance` as indented "label: value" lines; never throws on content.
void print_provenance(std::ostream& out, const nlohmann::json& provenance);

}  // namespace fitstore::cli
