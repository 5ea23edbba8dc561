"""A conductivity the spectrum did not determine is left out of the Arrhenius fit, never fitted
unweighted with the others."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from tracerdiff.impedance.series import _arrhenius

K_B = 8.617333262e-5


def _result(t_k: float, value: float, err: float | None) -> SimpleNamespace:
    return SimpleNamespace(
        success=True,
        temperature_K=t_k,
        derived=SimpleNamespace(values={"sigma_gb": (value, err), "D_sigma_gb": (value, err)}),
    )


def test_undetermined_point_is_left_out_with_a_note() -> None:
    temps = np.array([260.0, 300.0, 340.0, 380.0])
    d = 0.2 * np.exp(-0.43 / (K_B * temps))
    results = [_result(t, v, 0.01 * v) for t, v in zip(temps, d, strict=True)]
    results.append(_result(250.0, 1e-3, None))  # undetermined: a wild value without an error
    fit, note = _arrhenius(results, "sigma_gb", "D_sigma_gb")
    assert fit is not None and note is not None and "250.0 K" in note
    assert abs(fit.ea_eV - 0.43) < 0.01
