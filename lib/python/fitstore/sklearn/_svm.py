"""Adapters for scikit-learn's libsvm family: SVC, NuSVC, SVR, NuSVR, OneClassSVM.

They write exactly the objects of FORMAT.md section 10 (types svc, nu_svc, svr,
nu_svr, one_class_svm: what the C++ types and `fitstore fit` write), plus
sklearn_class / sklearn_version / sklearn_params and three fitted values the C++
schema does not need (fit_status, shape_fit, n_iter), which C++ ignores.

scikit-learn 1.2 predicts from private state: _dual_coef_ and _intercept_ (for
binary classifiers the sign-flipped public dual_coef_ / intercept_), _n_support
(for regressors and one-class: 2 entries), _probA/_probB, _gamma, _sparse; the
loader derives all of it from the public values, exactly (a negation is exact).
"""
import numpy as np

from .._errors import UnsupportedTypeError
from ._base import Adapter, bad

_KERNELS = ("linear", "poly", "rbf", "sigmoid")
# C++ schema params that restate a scikit-learn hyper-parameter: they must agree
# with sklearn_params, so C++ and Python never predict from different models.
_SHARED = ("kernel", "C", "nu", "epsilon", "degree", "coef0", "tol", "shrinking", "cache_size", "max_iter",
           "decision_function_shape", "break_ties", "probability")


def _gamma_text(gamma):
    return gamma if isinstance(gamma, str) else repr(float(gamma))


class SVMAdapter(Adapter):
    def __init__(self, type_name, version, sklearn_class, impl):
        self.type_name = type_name
        self.version = version
        self.sklearn_class = sklearn_class
        self.impl = impl  # scikit-learn's _impl: c_svc, nu_svc, one_class, epsilon_svr, nu_svr

    def estimator_class(self):
        from sklearn import svm  # a fixed import: the only classes this adapter builds
        return {"svc": svm.SVC, "nu_svc": svm.NuSVC, "svr": svm.SVR, "nu_svr": svm.NuSVR,
                "one_class_svm": svm.OneClassSVM}[self.type_name]

    @property
    def classifier(self):
        return self.impl in ("c_svc", "nu_svc")

    def _uses(self):
        return {"C": self.impl in ("c_svc", "epsilon_svr", "nu_svr"),
                "nu": self.impl in ("nu_svc", "nu_svr", "one_class"),
                "epsilon": self.impl == "epsilon_svr"}

    # ------------------------------------------------------------------ save
    def save_params(self, est, w):
        if not isinstance(est.kernel, str) or est.kernel not in _KERNELS:
            raise UnsupportedTypeError(
                f"fitstore: {w.where}: kernel {est.kernel!r} is not stored: the {self.type_name} schema "
                f"(FORMAT.md 10) has kernels {', '.join(_KERNELS)}", field="kernel")
        w.param("kernel", est.kernel)
        for name, used in self._uses().items():
            if used:
                w.param(name, float(getattr(est, name)))
        w.param("gamma", _gamma_text(est.gamma))
        w.param("degree", int(est.degree))
        w.param("coef0", float(est.coef0))
        w.param("tol", float(est.tol))
        w.param("shrinking", bool(est.shrinking))
        w.param("cache_size", float(est.cache_size))
        w.param("max_iter", int(est.max_iter))
        if self.classifier:
            cw = est.class_weight
            if cw is None:
                w.param("class_weight", "")
                labels, values = [], []
            elif isinstance(cw, str):
                w.param("class_weight", cw)
                labels, values = [], []
            else:
                w.param("class_weight", "custom")
                ints = all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in cw)
                labels = [int(k) for k in cw] if ints else []
                values = [float(cw[k]) for k in cw] if ints else []
            w.param("class_weight_labels", labels)
            w.param("class_weight_values", values)
            w.param("decision_function_shape", est.decision_function_shape)
            w.param("break_ties", bool(est.break_ties))
            w.param("probability", bool(est.probability))
            rs = est.random_state
            w.param("random_state", int(rs) if isinstance(rs, (int, np.integer)) and 0 <= rs < 2**32 else 0)

    def save_fitted(self, est, w):
        import scipy.sparse as sp
        d = int(est.n_features_in_)
        w.param("n_features_in", d)
        w.param("fitted_gamma", float(est._gamma))
        names = getattr(est, "feature_names_in_", None)
        w.param("feature_names_in", [str(n) for n in names] if names is not None else [])
        w.param("sparse", bool(est._sparse))
        sv = est.support_vectors_
        S = int(sv.shape[0])
        if est._sparse:
            sv = sp.csr_matrix(sv)
            sv.sort_indices()
            w.param("support_vectors_rows", S)
            w.array("support_vectors_data", sv.data, "<f8")
            w.array("support_vectors_indices", sv.indices, "<i4")
            w.array("support_vectors_indptr", sv.indptr, "<i4")
        else:
            w.array("support_vectors", sv, "<f8")
        dual = est.dual_coef_.toarray() if sp.issparse(est.dual_coef_) else est.dual_coef_
        w.array("dual_coef", dual, "<f8")
        w.array("intercept", est.intercept_, "<f8")
        # Regressors and one-class: [S] (scikit-learn's n_support_ of a CSR fit is not S).
        w.array("n_support", est.n_support_ if self.classifier else [S], "<i4")
        w.array("support", est.support_, "<i4")
        if self.classifier:
            w.labels("classes", est.classes_)
            w.array("class_weight", est.class_weight_, "<f8")
            w.array("probA", est.probA_, "<f8")
            w.array("probB", est.probB_, "<f8")
        if self.impl == "one_class":
            w.array("offset", est.offset_, "<f8")
        # scikit-learn's other public fitted values (C++ does not read them).
        w.param("fit_status", int(est.fit_status_))
        w.param("shape_fit", [int(n) for n in est.shape_fit_])
        if not hasattr(est, "n_iter_"):  # loaded from a C++ store, which has none
            pass
        elif self.classifier:
            w.array("n_iter", est.n_iter_, "<i4")
        else:
            w.param("n_iter", int(est.n_iter_))

    # ------------------------------------------------------------------ load
    def params_from_schema(self, r):
        """scikit-learn parameters of a store written by C++ (`fitstore fit`)."""
        p = {"kernel": r.param("kernel", str)}
        for name, used in self._uses().items():
            if used:
                p[name] = r.param(name, float)
        gamma = r.param("gamma", str)
        if gamma in ("scale", "auto"):
            p["gamma"] = gamma
        else:
            try:
                p["gamma"] = float(gamma)
            except ValueError:
                raise bad(f"{r.where}.params.gamma", f"expected scale, auto or a number, found {gamma!r}") from None
        p["degree"] = r.param("degree", int)
        p["coef0"] = r.param("coef0", float)
        p["tol"] = r.param("tol", float)
        p["shrinking"] = r.param("shrinking", bool)
        p["cache_size"] = r.param("cache_size", float)
        p["max_iter"] = r.param("max_iter", int)
        p["verbose"] = False
        if self.classifier:
            cw = r.param("class_weight", str)
            labels = r.param("class_weight_labels", list, [])
            values = r.param("class_weight_values", list, [])
            if cw == "":
                p["class_weight"] = None
            elif cw == "custom":
                if len(labels) != len(values) or not all(type(k) is int for k in labels) or \
                        not all(type(v) in (int, float) for v in values):
                    raise bad(f"{r.where}.params.class_weight_values",
                              "expected one number per integer label of class_weight_labels")
                p["class_weight"] = {k: float(v) for k, v in zip(labels, values)}
            else:
                p["class_weight"] = cw
            p["decision_function_shape"] = r.param("decision_function_shape", str)
            p["break_ties"] = r.param("break_ties", bool, False)
            p["probability"] = r.param("probability", bool, False)
            p["random_state"] = r.param("random_state", int, None)
        return p

    def check_params(self, r, params):
        if params.get("kernel", "rbf") not in _KERNELS:
            raise bad(f"{r.where}.params.sklearn_params.kernel",
                      f"expected one of {', '.join(_KERNELS)}, found {params.get('kernel')!r}")
        if not r.has_param("sklearn_params"):
            return
        for name in _SHARED:
            if name in params and r.has_param(name):
                stored = r.params[name]
                if stored != params[name] or (type(stored) is bool) != (type(params[name]) is bool):
                    raise bad(f"{r.where}.params.{name}",
                              f"{stored!r} disagrees with sklearn_params.{name} = {params[name]!r}")
        if "gamma" in params and r.has_param("gamma") and r.params["gamma"] != _gamma_text(params["gamma"]):
            raise bad(f"{r.where}.params.gamma",
                      f"{r.params['gamma']!r} disagrees with sklearn_params.gamma = {params['gamma']!r}")

    def check_before_construct(self, r, params):
        """Reads and checks every fitted value (FORMAT.md 10.2 shapes, CSR structure,
        finiteness): libsvm trusts them, so a hostile store must fail here."""
        import scipy.sparse as sp
        st = {}
        r.state = st
        d = r.param("n_features_in", int)
        if d < 0:
            raise bad(f"{r.where}.params.n_features_in", f"expected an integer >= 0, found {d}")
        st["d"] = d
        if d == 0:
            if r.arrays:
                raise bad(f"{r.where}.params.n_features_in", "0 (unfitted) but the model holds fitted arrays")
            return
        g = r.param("fitted_gamma", float)
        if not (np.isfinite(g) and g >= 0):
            raise bad(f"{r.where}.params.fitted_gamma", f"expected a finite number >= 0, found {g}")
        st["gamma"] = g
        st["names"] = r.feature_names(d)
        k = 2
        if self.classifier:
            classes = r.labels("classes")
            k = len(classes)
            if k < 2:
                raise bad(f"{r.where}.arrays.classes", f"expected at least 2 classes, found {k}")
            if k > 65536:
                raise bad(f"{r.where}.arrays.classes", f"expected at most 65536 classes, found {k}")
            if not all(a < b for a, b in zip(classes[:-1], classes[1:])):
                raise bad(f"{r.where}.arrays.classes", "expected strictly increasing labels")
            st["classes"] = classes
            st["class_weight"] = r.array("class_weight", "<f8", shape=(k,))
        P = k * (k - 1) // 2
        n_support = r.array("n_support", "<i4", shape=(k,) if self.classifier else (1,))
        if (n_support < 0).any():
            raise bad(f"{r.where}.arrays.n_support", "expected counts >= 0")
        S = int(n_support.astype(np.int64).sum())
        st["n_support"] = n_support
        sparse = r.param("sparse", bool, False)
        st["sparse"] = sparse
        if sparse:
            rows = r.param("support_vectors_rows", int)
            if rows != S:
                raise bad(f"{r.where}.params.support_vectors_rows", f"expected {S} (the sum of n_support), found {rows}")
            data = r.array("support_vectors_data", "<f8", 1)
            indices = r.array("support_vectors_indices", "<i4", shape=data.shape)
            indptr = r.array("support_vectors_indptr", "<i4", shape=(S + 1,))
            _check_csr(r, data, indices, indptr, d)
            st["sv"] = sp.csr_matrix((data, indices, indptr), shape=(S, d))
        else:
            st["sv"] = r.finite("support_vectors", r.array("support_vectors", "<f8", shape=(S, d)))
        st["dual"] = r.finite("dual_coef", r.array("dual_coef", "<f8", shape=(k - 1 if self.classifier else 1, S)))
        st["intercept"] = r.finite("intercept", r.array("intercept", "<f8", shape=(P if self.classifier else 1,)))
        support = r.array("support", "<i4", shape=(S,))
        if (support < 0).any():
            raise bad(f"{r.where}.arrays.support", "expected training-row indices >= 0")
        st["support"] = support
        if self.classifier:
            probA = r.array("probA", "<f8", 1, default=np.empty(0))
            probB = r.array("probB", "<f8", 1, default=np.empty(0))
            if not (probA.shape == probB.shape and probA.shape[0] in (0, P)):
                raise bad(f"{r.where}.arrays.probA", f"expected probA and probB of shape [{P}] or [0], found "
                                                     f"{list(probA.shape)} and {list(probB.shape)}")
            st["probA"], st["probB"] = probA, probB
        if self.impl == "one_class":
            st["offset"] = r.array("offset", "<f8", shape=(1,))
        st["fit_status"] = r.param("fit_status", int, 0)
        shape_fit = r.param("shape_fit", list, None)
        if shape_fit is not None and not all(type(n) is int and n >= 0 for n in shape_fit):
            raise bad(f"{r.where}.params.shape_fit", "expected a list of sizes")
        # C++ stores do not record the training-set size: the largest support index bounds it.
        st["shape_fit"] = tuple(shape_fit) if shape_fit is not None else (int(support.max()) + 1 if S else 0, d)
        if self.classifier:
            st["n_iter"] = r.array("n_iter", "<i4", default=None)
        else:
            st["n_iter"] = r.param("n_iter", int, None)

    def load_fitted(self, r, est):
        import scipy.sparse as sp
        st = r.state
        if st["d"] == 0:
            return
        est._sparse = st["sparse"]
        est.n_features_in_ = st["d"]
        if st["names"] is not None:
            est.feature_names_in_ = st["names"]
        if self.classifier:
            est.class_weight_ = st["class_weight"]
            est.classes_ = st["classes"]
        gamma = st["gamma"]
        est._gamma = np.float64(gamma) if est.gamma == "scale" else gamma
        sv = st["sv"]
        S = sv.shape[0]
        est.support_ = st["support"]
        est.support_vectors_ = sv
        n_support = st["n_support"]
        est._n_support = n_support if self.classifier else np.array([S, S], dtype=np.int32)
        dual, intercept = st["dual"], st["intercept"]
        flip = self.classifier and len(st["classes"]) == 2
        private_dual = -dual if flip else dual
        if st["sparse"]:
            # scikit-learn's own layout: every coefficient explicit, rows of S entries.
            rows = private_dual.shape[0]
            indices = np.tile(np.arange(S, dtype=np.int32), rows)
            indptr = np.arange(0, rows * S + 1, max(S, 1), dtype=np.int32)[:rows + 1]
            est._dual_coef_ = sp.csr_matrix((np.ascontiguousarray(private_dual).ravel(), indices, indptr),
                                            shape=(rows, S)) if S else sp.csr_matrix([])
            est.dual_coef_ = sp.csr_matrix((np.ascontiguousarray(dual).ravel(), indices, indptr),
                                           shape=(rows, S)) if S else sp.csr_matrix([])
        else:
            est._dual_coef_ = private_dual
            est.dual_coef_ = dual
        est.intercept_ = intercept
        est._intercept_ = -intercept if flip else intercept
        if self.classifier:
            est._probA, est._probB = st["probA"], st["probB"]
        else:
            est._probA = np.empty(0, dtype=np.float64)
            est._probB = np.empty(0, dtype=np.float64)
        if self.impl == "one_class":
            est.offset_ = st["offset"]
        est.fit_status_ = st["fit_status"]
        est.shape_fit_ = st["shape_fit"]
        if st["n_iter"] is not None:
            est.n_iter_ = st["n_iter"]
            est._num_iter = np.asarray(st["n_iter"], dtype=np.int32).reshape(-1)


def _check_csr(r, data, indices, indptr, d):
    where = f"{r.where}.arrays.support_vectors_"
    if not np.isfinite(data).all():
        raise bad(where + "data", "expected finite values")
    if indptr.shape[0] and (indptr[0] != 0 or indptr[-1] != data.shape[0]):
        raise bad(where + "indptr", f"expected indptr[0] == 0 and indptr[-1] == nnz ({data.shape[0]})")
    if (np.diff(indptr.astype(np.int64)) < 0).any():
        raise bad(where + "indptr", "expected non-decreasing offsets")
    if indices.size and (indices.min() < 0 or indices.max() >= d):
        raise bad(where + "indices", f"expected column indices in [0, {d})")
    if indices.size > 1:
        step = np.diff(indices.astype(np.int64))
        row_start = np.zeros(indices.size, dtype=bool)
        row_start[indptr[1:-1][indptr[1:-1] < indices.size]] = True
        if ((step <= 0) & ~row_start[1:]).any():
            raise bad(where + "indices", "expected strictly increasing column indices within each row")


ADAPTERS = [
    SVMAdapter("svc", 2, "sklearn.svm.SVC", "c_svc"),
    SVMAdapter("nu_svc", 1, "sklearn.svm.NuSVC", "nu_svc"),
    SVMAdapter("svr", 1, "sklearn.svm.SVR", "epsilon_svr"),
    SVMAdapter("nu_svr", 1, "sklearn.svm.NuSVR", "nu_svr"),
    SVMAdapter("one_class_svm", 1, "sklearn.svm.OneClassSVM", "one_class"),
]
