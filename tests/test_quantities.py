"""The JSON form of quantities (science.md section 9)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from tracerdiff.quantities import bound, jsonable, quantity, to_json
from tracerdiff.results import ResultMixin


def test_quantity_plain_and_nonfinite() -> None:
    assert quantity(1.5e-6, 2e-7, "cm/s") == {"value": 1.5e-6, "stderr": 2e-7, "unit": "cm/s"}
    q = quantity(float("nan"), None, "cm/s")
    assert q["value"] is None and "NaN" in q["note"]
    q = quantity(1.0, float("inf"), "")
    assert q["stderr"] is None and "infinite" in q["note"]


def test_bound_has_null_value() -> None:
    b = bound(lower=1e-7, unit="cm/s", note="k only bounded from below")
    assert b["value"] is None and b["lower"] == 1e-7 and b["unit"] == "cm/s"


def test_jsonable_numpy_and_strict_json() -> None:
    obj = {"a": np.float32(1.5), "b": np.arange(3), "c": np.nan, "d": (np.int64(2), np.bool_(True))}
    plain = jsonable(obj)
    assert plain == {"a": 1.5, "b": [0, 1, 2], "c": None, "d": [2, True]}
    json.loads(to_json(obj))  # no NaN tokens


@dataclass(frozen=True)
class _Demo(ResultMixin):
    k: float
    k_err: float

    def to_dict(self) -> dict[str, Any]:
        return {"k": quantity(self.k, self.k_err, "cm/s"), "flags": {"uphill": False}}


def test_result_mixin_text_html_json() -> None:
    r = _Demo(1.43e-6, 2e-7)
    assert "1.43e-06 ± 2e-07 cm/s" in str(r)
    assert "<table>" in r._repr_html_()
    assert json.loads(r.to_json())["k"]["unit"] == "cm/s"
    with pytest.raises(AttributeError):
        r.k = 2.0  # type: ignore[misc]
