"""One profile's grain boundaries, the step analysis of ``tracerdiff gb-step`` and of a study's
``gb_steps`` (one line): positions given or detected, optionally the flux from a later profile of
the same line (:func:`.flux.two_map_flux`), all from one :class:`~.options.StepOptions`.

Units: positions um, D cm^2/s, k cm/s, times s.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import DataError, InputError
from ..quantities import quantity
from ..results import ResultMixin
from .detect import StepDetection
from .options import StepOptions
from .result import StepResult
from .table import GBTable

__all__ = ["ANGLES_UNKNOWN", "ProfileSteps", "analyze_profile_steps"]

#: what the JSON says about automatically found steps (their GB angles are unknown)
ANGLES_UNKNOWN: dict[str, Any] = {
    "known": False,
    "assumed_deg": 0.0,
    "note": (
        "GB angles unknown (steps found automatically): k assumes every GB normal to the line; "
        "a GB inclined across a profile of finite width smears and biases its step. On a map "
        "use 'tracerdiff gb-map MAP.nc --labels LABELS' (each boundary along its own normal)."
    ),
    "use": "tracerdiff gb-map",
}

Arr = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ProfileSteps(ResultMixin):
    """The boundaries of one profile: ``results`` (one :class:`StepResult` per boundary), the
    profile analysed (``x_um``, ``C``, ``C_err``: the mean of the two with a flux), the
    ``detection`` (for ``"auto"``), the two-profile ``flux`` record and the ``options``."""

    results: tuple[StepResult, ...]
    x_um: Arr
    C: Arr
    C_err: Arr
    options: StepOptions
    detection: StepDetection | None = None
    flux: dict[str, Any] | None = None

    @property
    def table(self) -> GBTable:
        """The boundaries as a :class:`GBTable` (profile 0)."""
        return GBTable(results=self.results, profile=(0,) * len(self.results))

    @property
    def summary(self) -> dict[str, Any]:
        """Statistics of k and D_gb (:func:`tracerdiff.grain_boundary.summarize`)."""
        return self.table.summary

    @property
    def left_out(self) -> list[dict[str, Any]]:
        """Detected steps left out of ``results`` (within twice the guard band of a larger
        step: one boundary, the larger step analysed), each with its position, dC and why."""
        if self.detection is None or not self.results:
            return []
        kept = np.array([r.position_um for r in self.results])
        guard = 2 * max(r.guard_um for r in self.results)
        det = self.detection
        out = []
        for p, e, j, je in zip(
            det.positions_um, det.position_err_um, det.jumps, det.jump_err, strict=True
        ):
            near = kept[np.argmin(np.abs(kept - p))]
            if near != p:
                out.append({
                    "position": quantity(float(p), float(e), "um"),
                    "dC": quantity(float(j), float(je), ""),
                    "reason": f"within twice the guard band ({guard:.3g} um) of the larger "
                    f"step at {float(near):.4g} um: taken as one boundary, the larger analysed",
                })  # fmt: skip
        return out

    def to_dict(self) -> dict[str, Any]:
        """Keys: boundaries, summary, resolution; detection (with ``left_out``) and angles
        (auto); flux."""
        out: dict[str, Any] = {}
        if self.flux is not None:
            out["flux"] = self.flux
        if self.detection is not None:
            out["detection"] = {**self.detection.to_dict(), "left_out": self.left_out}
            out["angles"] = ANGLES_UNKNOWN
        out["resolution"] = quantity(self.options.resolution_um, None, "um")
        out["boundaries"] = [r.to_dict() for r in self.results]
        out["summary"] = self.summary
        return out


def _arrays(profile: Any) -> tuple[Arr, Arr, Arr]:
    x, c, e = (np.asarray(profile[v].values, dtype=float) for v in ("x_um", "C", "C_err"))
    if not np.any(np.isfinite(e)):
        raise DataError("the profile has no C_err column; the step analysis needs errors")
    return x, c, e


def _two_profile_flux(
    x: Arr, c1: Arr, e1: Arr, later: Any, opts: StepOptions
) -> tuple[Any, dict[str, Any]]:
    """The TwoMapFlux of the two profiles and its JSON record (with the far-end notes)."""
    from .flux import two_map_flux

    if opts.dt_s is None:
        raise InputError("the two-profile flux needs dt (the time between the profiles)")
    x2, c2, e2 = _arrays(later)
    if x2.shape != x.shape or not np.allclose(x2, x, rtol=0, atol=1e-6):
        raise InputError("the later profile is not on the grid of the first profile")
    end = opts.closed_end if opts.closed_end is not None or opts.time_s is not None else "right"
    tm = two_map_flux(x, c1, e1, c2, e2, dt_s=opts.dt_s, closed_end=end, t1_s=opts.time_s)
    info: dict[str, Any] = {"dt": quantity(opts.dt_s, None, "s"), **tm.to_dict()}
    if opts.closed_end is None and opts.time_s is None:
        info["note"] = (
            "far end assumed closed (no closed_end, no time): k is biased when "
            "the far end changed (flag flux_far_end_open)"
        )
    elif opts.closed_end == "left" and opts.time_s is None:
        info["note"] = "give time (the exchange time of the first profile) for a tighter model"
    elif "flux_source_off" in tm.flags:
        info["note"] = (
            "the surface fraction fell between the profiles (flag flux_source_off): the source "
            "was not on during both, so the erfc far-end flux does not apply and k is biased; "
            "for a storage or anneal after the exchange integrate from the closed sample edge "
            "(--closed-end left --time T1; options closed_end='left', time)"
        )
    return tm, info


def analyze_profile_steps(profile: Any, options: StepOptions, *, later: Any = None) -> ProfileSteps:
    """k = D_gb/delta at each boundary of ``profile`` (a profile dataset: ``x_um``, ``C``,
    ``C_err``, as :func:`tracerdiff.io.read_profile_csv` or
    :func:`tracerdiff.imaging.line_profile` give), with ``options``.

    With ``later`` (a later profile of the same line on the same grid) and ``options.dt_s``
    the flux J at each GB comes from the change between the two and k = -J/dC_gb is analysed
    on their mean profile. Every point is passed on: invalid points (NaN, zero error) are left
    out of the fits, never removed from the grid.
    """
    from .pipeline import analyze_detected
    from .step import analyze_steps

    if options.d_bulk is None:
        raise InputError("the step analysis needs d_bulk (D_b, e.g. '2.6e-8 cm^2/s')")
    x, c, e = _arrays(profile)
    tm, flux_info = None, None
    if later is not None:
        tm, flux_info = _two_profile_flux(x, c, e, later, options)
        c, e = tm.C_mean, tm.C_mean_err
    elif options.dt_s is not None:
        raise InputError("dt belongs to the two-profile flux: give the later profile too")
    width = options.width_um
    if width is None:
        width = float(getattr(profile, "attrs", {}).get("width_um", 0.0) or 0.0)
    kw: dict[str, Any] = {
        "d_bulk_err": options.d_bulk_err,
        "delta_nm": options.delta,
        "window_um": options.window_um,
        "guard_um": options.guard_um,
        "resolution_um": options.resolution_um,
        "order": options.order,
        "curvature": options.curvature,
        "width_um": width,
        "flux_angle_deg": options.flux_angle_deg,
        "flux": None if tm is None else tm.flux,
    }
    detection = None
    if options.detected:
        detection, res = analyze_detected(x, c, e, d_bulk=options.d_bulk, **kw)
        res = [
            dataclasses.replace(r, flags=(*r.flags, "angle_unknown")) if r.analysable else r
            for r in res
        ]
    else:
        assert not isinstance(options.boundaries, str)
        res = analyze_steps(
            x,
            c,
            e,
            list(options.boundaries),
            d_bulk=options.d_bulk,
            angle_deg=options.angle_deg,
            **kw,
        )
    if tm is not None:
        res = tm.flag(res)
    return ProfileSteps(
        results=tuple(res),
        x_um=x,
        C=np.asarray(c, float),
        C_err=np.asarray(e, float),
        options=options,
        detection=detection,
        flux=flux_info,
    )
