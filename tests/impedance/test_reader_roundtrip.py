"""Property: a spectrum written in any supported table convention reads back the same."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tracerdiff.impedance import read_spectrum

F = np.logspace(6, -1, 15)
Z = 50 + 1000 / (1 + 1j * F / 300.0) ** 0.9

_UNITS = {"ohm": 1.0, "kOhm": 1e3, "mOhm": 1e-3}
_FREQ = {"Hz": 1.0, "kHz": 1e3}


@settings(max_examples=40, deadline=None)
@given(
    sep=st.sampled_from([",", ";", "\t"]),
    minus=st.booleans(),
    z_unit=st.sampled_from(sorted(_UNITS)),
    f_unit=st.sampled_from(sorted(_FREQ)),
    rising=st.booleans(),
    comma=st.booleans(),
)
def test_roundtrip(
    sep: str, minus: bool, z_unit: str, f_unit: str, rising: bool, comma: bool
) -> None:
    f, z = (F[::-1], Z[::-1]) if rising else (F, Z)
    im_name = "-Z''" if minus else "Z''"
    header = sep.join([f"freq ({f_unit})", f"Z' ({z_unit})", f"{im_name} ({z_unit})"])
    im = -z.imag if minus else z.imag
    rows = [
        sep.join(f"{v:.15g}" for v in (a / _FREQ[f_unit], b / _UNITS[z_unit], c / _UNITS[z_unit]))
        for a, b, c in zip(f, z.real, im, strict=True)
    ]
    text = "\n".join([header, *rows]) + "\n"
    if comma and sep != ",":
        text = text.replace(".", ",")
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "s.txt"
        p.write_text(text, encoding="utf-8")
        s = read_spectrum(p)
    np.testing.assert_allclose(s.frequency_Hz, f, rtol=1e-12)
    np.testing.assert_allclose(s.z, z, rtol=1e-12)
