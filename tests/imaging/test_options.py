"""FractionOptions: the one options object of fraction_map, the CLI and study files."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import xarray as xr
from pydantic import ValidationError

from tracerdiff.errors import InputError
from tracerdiff.imaging import FractionOptions, fraction_map, fraction_options


def test_file_keys_take_quantities_python_names_take_seconds() -> None:
    o = FractionOptions.model_validate({"dwell_time": "1 ms", "em_dead_time": "40 ns"})
    assert o.dwell_time_s == pytest.approx(1e-3) and o.em_tau_s == pytest.approx(40e-9)
    assert FractionOptions(dwell_time_s=2e-3).dwell_time_s == pytest.approx(2e-3)
    with pytest.raises(ValidationError, match="with its unit"):
        FractionOptions.model_validate({"dwell_time": 0.001})  # a bare number is never guessed
    with pytest.raises(ValidationError):
        FractionOptions.model_validate({"dwell_time": "1 m"})  # a length, not a time


@pytest.mark.parametrize(
    ("given", "expected"),
    [(0.0759, 0.0759), ("0.0759+-0.001", (0.0759, 0.001)), ([0.0759, 0.002], (0.0759, 0.002)),
     ("natural", "natural")],
)  # fmt: skip
def test_background_forms(given: object, expected: object) -> None:
    o = FractionOptions.model_validate({"background": given, "source": 0.95})
    if expected == "natural":
        assert o.background == "natural"
    else:
        assert o.background == pytest.approx(expected)
    assert o.normalised


@pytest.mark.parametrize(
    ("options", "message"),
    [({"background": 1.5, "source": 0.9}, "between 0 and 1"),
     ({"source": 0.95}, "needs both background and source"),
     ({"bin": 0}, "bin"), ({"dead_time": "fast"}, "dead_time"),
     ({"systematic": "both"}, "systematic"), ({"imf_alpha": -1}, "imf_alpha"),
     ({"binning": 2}, "unknown fraction option 'binning'")],
)  # fmt: skip
def test_bad_options_are_one_line_input_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message) as exc:
        fraction_options(**options)
    assert "\n" not in str(exc.value)


def test_options_object_equals_keywords(step_image: Callable[..., xr.Dataset]) -> None:
    ds = step_image(ny=20, nx=30)
    kw = {"bin": 2, "background": "natural", "source": (0.95, 0.01), "imf_alpha": 1.01}
    a = fraction_map(ds, **kw)
    b = fraction_map(ds, FractionOptions(**kw))
    np.testing.assert_array_equal(a["C"].values, b["C"].values)
    np.testing.assert_array_equal(a["C_err_sys"].values, b["C_err_sys"].values)
    with pytest.raises(InputError, match="not both"):
        fraction_map(ds, FractionOptions(), bin=2)
