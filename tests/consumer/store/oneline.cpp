#include <fitstore/array_bundle.hpp>
#include <fitstore/store.hpp>
int main(int, char** argv) { fitstore::array_bundle b; b.add("x", fitstore::ndarray<float>::full({2, 3}, 1.5f)); fitstore::dump(b, argv[1]); return fitstore::bit_equal(fitstore::load<fitstore::array_bundle>(argv[1], {fitstore::mmap_mode::r}).at("x"), b.at("x")) ? 0 : 1; }
