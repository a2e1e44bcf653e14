// Manifest parse + validate on arbitrary text. A manifest that validates must
// serialize and re-validate to the same JSON (what is accepted is stable).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fitstore/manifest.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fitstore::fuzz::expect_clean([&] {
        const fitstore::manifest m = fitstore::parse_manifest(text, "fuzz/manifest.json");
        const nlohmann::json once = fitstore::manifest_to_json(m);
        const fitstore::manifest again = fitstore::manifest_from_json(once, "fuzz/manifest.json");
        fitstore::fuzz::require(fitstore::manifest_to_json(again) == once,
                                "a valid manifest does not survive manifest_to_json -> manifest_from_json");
    });
    return 0;
}
