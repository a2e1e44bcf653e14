// Must NOT compile: long double is not an element type; the static_assert
// lists the supported ones (checked by the compile_fail_unsupported_element test).
#include "fitstore/ndarray.hpp"

int main() {
    auto a = fitstore::ndarray<long double>::zeros({2});
    return static_cast<int>(a.size());
}
