// Stores and reloads a user type through the installed package.
#include <iostream>

#include <fitstore/store.hpp>

struct user_model {
    double C = 0;
    fitstore::ndarray<double> weights;
    template <class Archive>
    void persist(Archive& ar) {
        ar.param("C", C);
        ar.array("weights", weights);
    }
};
FITSTORE_REGISTER_TYPE(user_model, "user_model", 1)

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    user_model m;
    m.C = 2.5;
    m.weights = fitstore::ndarray<double>::from_values({1.0, 2.0, 3.0});
    fitstore::dump(m, argv[1]);
    const auto back = fitstore::load<user_model>(argv[1], {fitstore::mmap_mode::r});
    if (back.C != 2.5 || !(back.weights == m.weights) || !back.weights.is_mapped()) return 1;
    std::cout << "consumer ok\n";
    return 0;
}
