"""Adapter from the ``grains`` analysis to tracerdiff.microstructure: grain sizes from a
micrograph (segmented first) or from a label image (integer ``.npy``, used as it is)."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np

from ..errors import ConfigError, DataError
from .adapters_data import _num, gb_table
from .figures import new_figure, render
from .outcome import AnalysisOutput, Table
from .schema import GBMapSpec, GrainsSpec
from .tasks import Inputs

__all__ = ["run_gb_map", "run_grains"]


def run_grains(spec: GrainsSpec, inputs: Inputs) -> AnalysisOutput:
    """Grain statistics by :func:`tracerdiff.microstructure.analyze_grains` (the ``grains``
    function): ECDs, lognormal fit, mean linear intercept, and a figure."""
    from ..microstructure.grains import GrainOptions, analyze_grains

    sample = inputs.study.sample
    path = spec.micrograph or sample.micrograph
    if path is None:
        raise ConfigError(f"analysis {spec.id!r} needs micrograph (here or in [sample])")
    fields = {name: getattr(spec, name) for name in GrainOptions.model_fields}
    if spec.pixel_size_um is None and spec.field_of_view_um is None:
        if sample.micrograph_pixel_size is None:
            raise ConfigError(
                f"analysis {spec.id!r} needs pixel_size (here or micrograph_pixel_size in [sample])"
            )
        fields["pixel_size_um"] = sample.micrograph_pixel_size
    res = analyze_grains(path, GrainOptions(**fields))
    st = res.statistics
    results = {k: v for k, v in res.to_dict().items() if k not in ("segmentation",)}
    ecd = results.pop("ecd_um", [])
    results["source"] = f"{path.name}, {res.how}"
    table = Table(
        f"{spec.id}_ecd",
        ("grain", "ecd_um"),
        tuple(enumerate(ecd)),
        caption="Equivalent-circle diameter of every whole grain",
    )
    fig = new_figure(width_in=8.0, height_in=3.2)
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[2, 1])
    labels = res.segmentation.labels
    ny, nx = labels.shape
    px, py = res.pixel_size_um
    ax1.imshow(labels % 17, cmap="tab20", extent=(0, nx * px, ny * py, 0), interpolation="nearest")
    ax1.set_xlabel("x (µm)")
    ax1.set_ylabel("y (µm)")
    ax2.hist(np.asarray(ecd, dtype=float), bins=30, color="tab:blue")
    ax2.set_xlabel("equivalent-circle diameter (µm)")
    ax2.set_ylabel("grains")
    methods = (
        f"Grain sizes from {path.name} ({res.how}): {results['n_grains']} whole grains, "
        f"mean linear intercept along {spec.direction} {st.mli_um:.3g} um."
    )
    return AnalysisOutput(
        results=results,
        tables=(table,),
        methods=methods,
        figures=(render(fig, f"{spec.id}_grains", "Grains and their sizes"),),
    )


def _registration(inputs: Inputs, fr: Any, shape: tuple[int, int]) -> Any:
    """Micrograph pixels -> map um: ``"map"`` (the micrograph covers the map's field) or the
    control points of [sample]."""
    from ..microstructure import register_field, register_points

    reg = inputs.study.sample.micrograph_registration
    if reg != "map":
        src = [cp.micrograph for cp in reg]
        dst = [cp.sims for cp in reg]
        return register_points(src, dst, micrograph_shape=shape)
    return register_field(fr["x"].values, fr["y"].values, micrograph_shape=shape)


def map_options(spec: GBMapSpec, inputs: Inputs) -> Any:
    """The :class:`~tracerdiff.grain_boundary.GBMapOptions` of ``spec`` (d_bulk and delta
    default to [sample])."""
    from ..grain_boundary.map_analysis import GBMapOptions

    sample = inputs.study.sample
    fields = {name: getattr(spec, name) for name in GBMapOptions.model_fields}
    if fields["d_bulk"] is None:
        fields["d_bulk"] = sample.d_bulk
    if fields["d_bulk"] is None:
        raise ConfigError(f"analysis {spec.id!r} needs d_bulk (here or in [sample])")
    if fields["delta_nm"] is None:
        fields["delta_nm"] = sample.gb_width
    return GBMapOptions(**fields)


def run_gb_map(spec: GBMapSpec, inputs: Inputs) -> AnalysisOutput:
    """The boundaries of a map by :func:`tracerdiff.grain_boundary.analyze_gb_map` (the
    ``gb-map`` function): every boundary between grains, or the crossings of lines with the
    boundaries of the registered micrograph."""
    fr = inputs.datasets[spec.measurement]
    if spec.resolved_route == "boundaries":
        return _boundary_route(spec, inputs, fr)
    return _micrograph_route(spec, inputs, fr)


def _boundary_route(spec: GBMapSpec, inputs: Inputs, fr: Any) -> AnalysisOutput:
    from ..grain_boundary.boundary_map import BoundaryMapResult
    from ..grain_boundary.boundary_map_plot import plot_boundary_k_map, plot_k_population
    from ..grain_boundary.map_analysis import analyze_gb_map

    lab = None
    if spec.labels is not None:
        from ..microstructure.grains import read_image

        lab = np.asarray(read_image(spec.labels)[0])
        if lab.ndim != 2 or not np.issubdtype(lab.dtype, np.integer):
            raise DataError(
                f"analysis {spec.id!r}: labels {spec.labels.name} is not a 2D integer label image"
            )
    res = analyze_gb_map(fr, map_options(spec, inputs), labels=lab)
    assert isinstance(res, BoundaryMapResult)
    out = res.to_dict()
    summary = out["summary"]
    results = {
        "route": "boundaries",
        "n_boundaries": summary["n_boundaries"],
        "n_measured": summary["n_measured"],
        "k_harmonic_mean": summary["D_gb_over_delta_hmean"],
        **out,
    }
    rows = list(csv.reader(io.StringIO(res.to_csv_text())))
    table = Table(
        f"{spec.id}_boundaries",
        tuple(rows[0]),
        tuple(tuple(_num(v) for v in r) for r in rows[1:]),
        caption="Every boundary between two grains (k along its own normal)",
    )
    fig = new_figure(width_in=11.0, height_in=4.5)
    a1, a2 = fig.subplots(1, 2, width_ratios=(1.6, 1))
    plot_boundary_k_map(fr, res, a1)
    plot_k_population(res, a2)
    where = (
        spec.labels.name if spec.labels is not None else "a segmentation of the fraction map itself"
    )
    methods = (
        f"Every boundary between two grains of {where} was fitted from the pixels of "
        f"its two grains along its own normal ({summary['n_boundaries']} boundaries, "
        f"{summary['n_measured']} with k measured); a lognormal population was fitted "
        "to all of them."
    )
    return AnalysisOutput(
        results=results,
        tables=(table,),
        methods=methods,
        figures=(
            render(fig, f"{spec.id}_kmap", "Boundaries coloured by k and the pooled population"),
        ),
    )


def _micrograph_route(spec: GBMapSpec, inputs: Inputs, fr: Any) -> AnalysisOutput:
    """Every GB crossing of the lines, located on the micrograph; table, k map, profiles."""
    from ..grain_boundary import plot_gb_map
    from ..grain_boundary.gbmap import GBMapResult, boundary_mask_on
    from ..grain_boundary.map_analysis import analyze_gb_map

    sample = inputs.study.sample
    if sample.micrograph is None or sample.micrograph_pixel_size is None:
        raise ConfigError(
            f"analysis {spec.id!r} needs micrograph and micrograph_pixel_size in [sample]"
        )
    from ..microstructure.grains import segmentation_of

    seg = segmentation_of(sample.micrograph, sample.micrograph_pixel_size)
    reg = _registration(inputs, fr, seg.shape)
    res = analyze_gb_map(fr, map_options(spec, inputs), segmentation=seg, registration=reg)
    assert isinstance(res, GBMapResult)
    out = res.to_dict()
    summary = out["summary"]
    n_lines = len(res.lines)
    results = {
        "route": "micrograph",
        "n_lines": n_lines,
        "n_boundaries": len(res.table.results),
        "n_skipped": len(res.skipped),
        "k_harmonic_mean": summary["D_gb_over_delta"].get("harmonic_mean"),
        **out,
    }
    table = gb_table(
        res.table, f"{spec.id}_boundaries", "Every analysed GB crossing (profile = line index)"
    )
    x, y = fr["x"].values, fr["y"].values
    px, py = float(x[1] - x[0]), float(y[1] - y[0])
    extent = (x[0] - px / 2, x[-1] + px / 2, y[-1] + py / 2, y[0] - py / 2)
    fig = new_figure(width_in=7.5, height_in=3.6)
    plot_gb_map(
        fr["C"].values,
        extent_um=extent,
        boundaries=boundary_mask_on(fr, seg, reg),
        segments=res.segments(),
        ax=fig.add_subplot(),
    )
    methods = (
        f"Grain boundaries were located on the registered micrograph "
        f"({sample.micrograph.name}); {results['n_boundaries']} crossings of "
        f"{n_lines} lines ({spec.width_um:.3g} um wide) were analysed for their step "
        f"(crossing angles corrected), {results['n_skipped']} skipped with a reason."
    )
    return AnalysisOutput(
        results=results,
        tables=(table,),
        methods=methods,
        figures=(
            render(
                fig,
                f"{spec.id}_kmap",
                "Fraction map with the boundaries; measured GBs coloured by k",
            ),
        ),
    )
