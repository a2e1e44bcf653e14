"""fitstore.sklearn: fitted scikit-learn estimators without pickle.

    import fitstore
    clf = svm.SVC().fit(X, y)
    fitstore.dump(clf, "model")                  # plain dump recognises estimators
    clf = fitstore.load("model", mmap_mode="r")  # a real sklearn.svm.SVC again

Each supported class has an adapter storing a version-neutral schema
(FORMAT.md section 11): the public class name, get_params(deep=False), nested
estimators as children, and the fitted state by its public attribute names, each
array its own dataset. SVC, NuSVC, SVR, NuSVR, OneClassSVM, StandardScaler and
Pipeline share the C++ types' schema (FORMAT.md section 10), so `fitstore
predict` serves them and `fitstore fit` models load here as scikit-learn objects.
DecisionTree*, RandomForest*, ExtraTrees* and KNeighbors* (classifiers and
regressors) are the C++ types decision_tree, random_forest and kneighbors
(FORMAT.md sections 12-13): one stored type per family, the class and task as
params (FamilyAdapter).

Loading never imports a module or calls a constructor named by the file: the
type name is looked up in the adapter table (registered_types()), every type in
the store is checked before anything is built, and parameters are checked against
scikit-learn's declared constraints before the class is constructed.

There is no pickle path. To migrate a joblib/pickle file, load it with joblib
in a trusted environment and fitstore.dump() the estimator.
"""
from ._base import CHECKED_VERSIONS, Adapter, FamilyAdapter, NodeReader, NodeWriter, SklearnVersionWarning
from ._registry import adapter_for_type, is_estimator, register_adapter, registered_types

__all__ = ["Adapter", "FamilyAdapter", "NodeReader", "NodeWriter", "SklearnVersionWarning", "CHECKED_VERSIONS",
           "register_adapter", "registered_types", "adapter_for_type", "is_estimator"]
