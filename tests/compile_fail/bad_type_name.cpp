// Must NOT compile: "mylib::knn" breaks the type naming rule; the static_assert
// in FITSTORE_REGISTER_TYPE says so (checked by the compile_fail_bad_type_name test).
#include "fitstore/registry.hpp"

namespace mylib {
struct knn {};
}  // namespace mylib
FITSTORE_REGISTER_TYPE(mylib::knn, "mylib::knn", 1)

int main() { return 0; }
