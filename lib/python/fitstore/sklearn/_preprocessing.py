"""Adapters for StandardScaler (the C++ standard_scaler schema), MinMaxScaler and PCA.

StandardScaler writes the C++ type standard_scaler (version 1): params with_mean,
with_std, n_features_in, n_samples_seen, feature_names_in; arrays mean, var,
scale ([d], or [0] where scikit-learn keeps None). C++ transforms exactly as
scikit-learn does ((x - mean) / scale), so both give the same bits."""
import numpy as np

from ._base import Adapter, AttributeAdapter, bad, expect


class StandardScalerAdapter(Adapter):
    type_name = "standard_scaler"
    version = 1
    sklearn_class = "sklearn.preprocessing.StandardScaler"

    def estimator_class(self):
        from sklearn.preprocessing import StandardScaler
        return StandardScaler

    def save_params(self, est, w):
        w.param("with_mean", bool(est.with_mean))
        w.param("with_std", bool(est.with_std))

    def save_fitted(self, est, w):
        d = int(est.n_features_in_)
        w.param("n_features_in", d)
        names = getattr(est, "feature_names_in_", None)
        w.param("feature_names_in", [str(n) for n in names] if names is not None else [])
        seen = est.n_samples_seen_
        if isinstance(seen, np.ndarray) and seen.ndim == 1:  # NaNs: a count per feature
            w.param("n_samples_seen", int(seen.max(initial=0)))
            w.array("n_samples_seen_per_feature", seen, "<i8")
        else:
            w.param("n_samples_seen", int(seen))
        for name in ("mean", "var", "scale"):
            a = getattr(est, name + "_")
            w.array(name, np.empty(0) if a is None else a, "<f8")

    def params_from_schema(self, r):
        return {"copy": True, "with_mean": r.param("with_mean", bool), "with_std": r.param("with_std", bool)}

    def check_params(self, r, params):
        for name in ("with_mean", "with_std"):
            if r.has_param(name) and r.params[name] is not params.get(name, True):
                raise bad(f"{r.where}.params.{name}",
                          f"{r.params[name]!r} disagrees with sklearn_params.{name} = {params.get(name)!r}")

    def check_before_construct(self, r, params):
        d = r.param("n_features_in", int)
        if d < 1:
            raise bad(f"{r.where}.params.n_features_in", f"expected an integer >= 1, found {d}")
        with_mean, with_std = params.get("with_mean", True), params.get("with_std", True)
        st = {"n_features_in_": d, "feature_names_in_": r.feature_names(d)}
        seen = r.param("n_samples_seen", int)
        if seen < 0:
            raise bad(f"{r.where}.params.n_samples_seen", f"expected a count >= 0, found {seen}")
        per_feature = r.array("n_samples_seen_per_feature", "<i8", shape=(d,), default=None)
        st["n_samples_seen_"] = per_feature if per_feature is not None else np.int64(seen)
        for name, kept in (("mean", with_mean or with_std), ("var", with_std), ("scale", with_std)):
            a = r.array(name, "<f8", shape=(d,) if kept else None)
            if not kept and a.size:
                raise bad(f"{r.where}.arrays.{name}", f"expected an empty array (with_mean={with_mean}, "
                                                      f"with_std={with_std}), found shape {list(a.shape)}")
            st[name + "_"] = r.finite(name, a) if kept else None
        if with_std and not (st["scale_"] > 0).all():
            raise bad(f"{r.where}.arrays.scale", "expected values > 0")
        r.state = st


def _check_min_max(r, v, params):
    d = v["n_features_in_"]
    for attr in ("scale_", "min_", "data_min_", "data_max_", "data_range_"):
        expect(r, v, attr, (d,), finite=False)


def _check_pca(r, v, params):
    d = v["n_features_in_"]
    nc = v.get("n_components_")
    if type(nc) is not int or not 0 <= nc <= d:
        raise bad(f"{r.where}.params.n_components", f"expected an integer in [0, {d}], found {nc!r}")
    expect(r, v, "mean_", (d,))
    expect(r, v, "components_", (nc, d))
    for attr in ("explained_variance_", "explained_variance_ratio_", "singular_values_"):
        expect(r, v, attr, (nc,))


ADAPTERS = [
    StandardScalerAdapter(),
    AttributeAdapter("sklearn.preprocessing.MinMaxScaler", "sklearn.preprocessing.MinMaxScaler",
                     "sklearn.preprocessing", "MinMaxScaler",
                     [("n_samples_seen_", "value", None), ("scale_", "array", "<f8"), ("min_", "array", "<f8"),
                      ("data_min_", "array", "<f8"), ("data_max_", "array", "<f8"),
                      ("data_range_", "array", "<f8")], _check_min_max),
    AttributeAdapter("sklearn.decomposition.PCA", "sklearn.decomposition.PCA", "sklearn.decomposition", "PCA",
                     [("mean_", "array", "<f8"), ("components_", "array", "<f8"), ("n_components_", "value", None),
                      ("explained_variance_", "array", "<f8"), ("explained_variance_ratio_", "array", "<f8"),
                      ("singular_values_", "array", "<f8"), ("noise_variance_", "value", None),
                      ("n_samples_", "value", None)], _check_pca),
]
