"""Adapter for sklearn.pipeline.Pipeline: the C++ type pipeline (version 1): param
`steps` (the step names, in order) and one child object per step, named after it.
Every step needs an adapter of its own ("passthrough" steps are not stored)."""
import re

from .._errors import UnsupportedTypeError
from ._base import Adapter, bad

_NAME = re.compile(r"[A-Za-z0-9_.-]{1,255}\Z")


class PipelineAdapter(Adapter):
    type_name = "pipeline"
    version = 1
    sklearn_class = "sklearn.pipeline.Pipeline"

    def estimator_class(self):
        from sklearn.pipeline import Pipeline
        return Pipeline

    def child_params(self):
        return ("steps",)

    def save_params(self, est, w):
        names = []
        for i, step in enumerate(est.steps):
            name, value = step
            if not isinstance(name, str) or not _NAME.match(name) or name.startswith(".") or name.startswith("_py"):
                raise UnsupportedTypeError(
                    f"fitstore: {w.where}.steps[{i}]: step name {name!r} is not a stored name "
                    f"(1-255 characters of A-Z a-z 0-9 _ . -, not starting with '.' or '_py')", field="steps")
            if value is None or isinstance(value, str):
                raise UnsupportedTypeError(
                    f"fitstore: {w.where}.steps[{i}]: step {name!r} is {value!r}; fitstore stores pipelines "
                    f"whose steps are all estimators", field="steps")
            names.append(name)
        w.param("steps", names)

    def save_fitted(self, est, w):
        for name, value in est.steps:
            w.child(name, value)

    def params_from_schema(self, r):
        return {"memory": None, "verbose": False}

    def check_params(self, r, params):
        if not (params.get("memory") is None or isinstance(params.get("memory"), str)):
            raise bad(f"{r.where}.params.sklearn_params.memory", "expected null or a string")
        if type(params.get("verbose", False)) is not bool:
            raise bad(f"{r.where}.params.sklearn_params.verbose", "expected a boolean")

    def load(self, r):
        self.check_class(r)
        params = self.stored_params(r)
        if "steps" in params:
            raise bad(f"{r.where}.params.sklearn_params.steps", "steps are stored as children, not as a param")
        names = r.param("steps", list)
        if not names or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise bad(f"{r.where}.params.steps", "expected a non-empty list of distinct step names")
        if set(names) != set(r.children):
            raise bad(f"{r.where}.params.steps", f"step names {names} do not match the children {sorted(r.children)}")
        steps = [(name, r.child(name)) for name in names]
        return self.construct(r, dict(params, steps=steps))


ADAPTERS = [PipelineAdapter()]
