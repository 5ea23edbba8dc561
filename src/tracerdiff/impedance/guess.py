"""Starting values of a circuit fit, found from the spectrum itself.

Arcs are the local maxima of -Z'' along falling frequency: an arc R||CPE has its apex at
w = 1/tau (tau = (R Q)^(1/n)) with the height ~R/2, and spans R along Z' between the minima of
-Z'' around it.  A series resistance is the part of Z' at the highest frequency that the arcs do
not explain, an inductance the positive Z'' there, a blocking-electrode CPE the low-frequency
tail.  Where fewer apices are visible than the circuit has arcs (overlapping or partly measured
arcs), several placements of the missing ones are proposed; the fit keeps the best.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.signal import find_peaks

from .circuits import Circuit
from .spectrum import Spectrum

__all__ = ["Arc", "find_arcs", "initial_guesses"]

FloatArray = NDArray[np.float64]
_N0 = 0.9  #: starting CPE exponent of an arc
_N_ELECTRODE = 0.85


@dataclass(frozen=True)
class Arc:
    """A visible arc: apex frequency (Hz), resistance estimate (ohm), apex height (ohm)."""

    f_apex_Hz: float
    R_ohm: float
    height_ohm: float


def _smooth(y: FloatArray) -> FloatArray:
    if y.size < 5:
        return y
    return np.convolve(np.pad(y, 1, mode="edge"), np.ones(3) / 3, mode="valid")


def find_arcs(spectrum: Spectrum) -> list[Arc]:
    """Visible arcs, from high to low frequency."""
    order = np.argsort(spectrum.frequency_Hz)[::-1]
    f = spectrum.frequency_Hz[order]
    x, y = spectrum.z_real_ohm[order], _smooth(-spectrum.z_imag_ohm[order])
    found, props = find_peaks(y, prominence=0.0)
    peaks = [
        int(i)
        for i, prom in zip(found, props["prominences"], strict=True)
        if y[i] > 0 and prom > 0.05 * y[i]
    ]
    arcs = []
    for k, i in enumerate(peaks):
        lo = peaks[k - 1] if k else 0
        hi = peaks[k + 1] if k + 1 < len(peaks) else y.size - 1
        left = lo + int(np.argmin(y[lo : i + 1])) if k else None
        right = i + int(np.argmin(y[i : hi + 1]))
        x_left = x[left] if left is not None else x[0] - max(y[i] - y[0], 0.0)
        span = float(x[right] - x_left) if right != i else 0.0
        r = span if span > y[i] else 2.0 * y[i]
        arcs.append(Arc(float(f[i]), float(r), float(y[i])))
    return arcs


def _q_from(r: float, f_apex: float, n: float) -> float:
    """Q of R||CPE with its apex at ``f_apex``: (R Q)^(1/n) = 1/w."""
    w = 2.0 * np.pi * f_apex
    return float(w ** (-n) / r)


def _placements(arcs: list[Arc], k: int, spectrum: Spectrum) -> list[list[Arc]]:
    """Candidate sets of ``k`` arcs (high to low frequency)."""
    if len(arcs) >= k:
        best = sorted(sorted(arcs, key=lambda a: -a.height_ohm)[:k], key=lambda a: -a.f_apex_Hz)
        return [best]
    f = spectrum.frequency_Hz
    zmax = float(np.max(np.abs(spectrum.z)))
    x_hf = float(spectrum.z_real_ohm[np.argmax(f)])
    base = arcs or [Arc(float(np.sqrt(f.min() * f.max())), zmax / 2, zmax / 4)]
    extra = [
        Arc(float(f.max()) * 10.0, max(x_hf, 0.05 * zmax), 0.0),  # above the measured range
        Arc(base[-1].f_apex_Hz / 100.0, base[-1].R_ohm, 0.0),  # below the last apex
        Arc(base[0].f_apex_Hz * 100.0, base[0].R_ohm / 4, 0.0),  # overlapping, faster
        Arc(float(f.min()) * 3.0, zmax / 2, 0.0),  # near the lowest frequency
    ]
    out = []
    for e in extra:
        cand = sorted([*base, e], key=lambda a: -a.f_apex_Hz)
        while len(cand) < k:
            cand = sorted(
                [*cand, Arc(cand[-1].f_apex_Hz / 100.0, cand[-1].R_ohm, 0.0)],
                key=lambda a: -a.f_apex_Hz,
            )
        out.append(cand[:k])
    return out


def _electrode_q(spectrum: Spectrum, n: float) -> float:
    i = int(np.argmin(spectrum.frequency_Hz))
    w = 2.0 * np.pi * spectrum.frequency_Hz[i]
    mag = max(abs(spectrum.z_imag_ohm[i]) / np.sin(n * np.pi / 2), 1e-300)
    return float(1.0 / (mag * w**n))


def _arc_values(circuit: Circuit, arcs: list[Arc]) -> dict[str, float]:
    values: dict[str, float] = {}
    for (r_name, c_name), arc in zip(circuit.rc_pairs(), arcs, strict=False):
        values[r_name] = arc.R_ohm
        if c_name.startswith("CPE"):
            values[f"{c_name}_Q"] = _q_from(arc.R_ohm, arc.f_apex_Hz, _N0)
            values[f"{c_name}_n"] = _N0
        else:
            values[c_name] = 1.0 / (2.0 * np.pi * arc.f_apex_Hz * arc.R_ohm)
    return values


def _series_values(spectrum: Spectrum, circuit: Circuit, arcs: list[Arc]) -> dict[str, float]:
    f, z = spectrum.frequency_Hz, spectrum.z
    i_hf = int(np.argmax(f))
    w_hf = 2.0 * np.pi * f[i_hf]
    zmax = float(np.max(np.abs(z)))
    arc_re = sum(a.R_ohm / (1.0 + (f[i_hf] / a.f_apex_Hz) ** 2) for a in arcs)
    values: dict[str, float] = {}
    for e in circuit.series_elements():
        if e.kind == "R":
            values[e.name] = max(float(z[i_hf].real) - arc_re, 1e-3 * zmax)
        elif e.kind == "L":
            values[e.name] = max(float(z[i_hf].imag), 1e-4 * zmax) / w_hf
        elif e.kind == "CPE":
            values[f"{e.name}_Q"] = _electrode_q(spectrum, _N_ELECTRODE)
            values[f"{e.name}_n"] = _N_ELECTRODE
        else:
            values[e.name] = _electrode_q(spectrum, 1.0)
    return values


def _generic(spectrum: Spectrum, name: str) -> float:
    zmed = float(np.median(np.abs(spectrum.z)))
    fmid = float(np.sqrt(spectrum.frequency_Hz.min() * spectrum.frequency_Hz.max()))
    if name.endswith("_n"):
        return _N0
    if name.startswith("L"):
        return 1e-3 * zmed / (2 * np.pi * spectrum.frequency_Hz.max())
    if name.startswith(("C", "CPE")):
        return 1.0 / (2 * np.pi * fmid * zmed)
    return zmed


def initial_guesses(spectrum: Spectrum, circuit: Circuit) -> list[FloatArray]:
    """Starting parameter vectors (order of ``circuit.parameters``), the most likely first."""
    arcs = find_arcs(spectrum)
    k = len(circuit.rc_pairs())
    out = []
    for cand in _placements(arcs, k, spectrum) if k else [[]]:
        values = {**_arc_values(circuit, cand), **_series_values(spectrum, circuit, cand)}
        out.append(
            np.array(
                [values.get(p, _generic(spectrum, p)) for p in circuit.parameters], dtype=float
            )
        )
    return out
