// The control for bad_type_name.cpp: the same registration with a valid name
// compiles (so that test fails for the right reason only).
#include "fitstore/registry.hpp"

namespace mylib {
struct knn {};
}  // namespace mylib
FITSTORE_REGISTER_TYPE(mylib::knn, "mylib.knn", 1)

int main() { return fitstore::type_registration<mylib::knn>::version == 1 ? 0 : 1; }
