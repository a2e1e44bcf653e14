// Fits an svc on iris through the installed estimators component, stores it
// and checks the mapped reload predicts the same labels.
#include <iostream>

#include <fitstore/datasets.hpp>
#include <fitstore/estimators/svc.hpp>
#include <fitstore/store.hpp>

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const auto iris = fitstore::datasets::load_iris();
    fitstore::svc model;
    model.fit(iris.X, iris.y);
    fitstore::dump(model, argv[1]);
    const auto back = fitstore::load<fitstore::svc>(argv[1], {fitstore::mmap_mode::r});
    if (!(back.predict(iris.X) == model.predict(iris.X))) return 1;
    std::cout << "estimators consumer ok\n";
    return 0;
}
