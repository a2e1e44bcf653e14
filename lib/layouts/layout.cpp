#include "layouts/layout.hpp"

#include "fitstore/errors.hpp"

namespace fitstore::detail {

manifest read_manifest_for(std::string_view text, std::string_view expected, const std::string& path,
                           nlohmann::json& json, std::string_view where) {
    json = parse_manifest_json(text, path);
    manifest m = manifest_from_json(json, path);
    if (m.layout != expected)
        throw format_error(path, "layout", "expected \"" + std::string(expected) + "\"" + std::string(where) +
                                               ", found \"" + m.layout + "\"");
    return m;
}

}  // namespace fitstore::detail
