"""``tracerdiff depth-profile``: a raw depth profile (IONTOF / Cameca export) to a fraction-
versus-depth profile CSV that ``tracerdiff fit exchange`` reads. JSON keys in docs/cli.md."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import InputError
from ..outputs import check_writable
from .common import emit, parse_q

__all__ = ["FLAGS", "depth_profile", "depth_scale_given", "raw_depth_profile", "register"]

LAYER = typer.Option(
    [],
    "--layer",
    help="THICKNESS@RATE per layer from the surface, e.g. '50 nm@0.1 nm/s'; the last may be "
    "'@0.3 nm/s' (repeat).",
)


def _rate_um_per_s(text: str, option: str) -> float:
    v = parse_q(text, "velocity", option=option, default_unit="nm/s", positive=True)
    assert v is not None
    return v * 1e4  # cm/s -> um/s


def _layers(items: list[str]) -> tuple[Any, ...]:
    """``"50 nm@0.1 nm/s"`` per layer from the surface down; the last may be ``"@0.3 nm/s"``."""
    from ..imaging.depth import Layer

    out = []
    for item in items:
        thick, sep, rate = item.partition("@")
        if not sep or not rate.strip():
            raise InputError(
                f"--layer: expected THICKNESS@RATE, e.g. '50 nm@0.1 nm/s' (the last may be "
                f"'@0.3 nm/s'), got {item!r}"
            )
        t = None
        if thick.strip():
            t = parse_q(thick.strip(), "length", option="--layer", default_unit="um",
                        positive=True)  # fmt: skip
        out.append(Layer(t, _rate_um_per_s(rate.strip(), "--layer")))
    return tuple(out)


def _scale(crater: str | None, rate: str | None, layers: list[str]) -> Any:
    from ..imaging.depth import DepthScale

    given = [crater is not None, rate is not None, bool(layers)]
    if sum(given) != 1 and not (crater is not None and layers and rate is None):
        raise InputError(
            "give exactly one of --crater-depth (e.g. '1.2 um'), --sputter-rate (e.g. "
            "'0.2 nm/s') or --layer (repeated); --crater-depth may come with the --layer "
            "rates of the top layers"
        )
    depth = parse_q(crater, "length", option="--crater-depth", default_unit="um", positive=True)
    return DepthScale(
        crater_depth_um=depth,
        sputter_rate_um_per_s=_rate_um_per_s(rate, "--sputter-rate") if rate else None,
        layers=_layers(layers),
    )


def _window(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) != 2:
        raise InputError(f"--window: expected T0,T1 (s unless a unit is given), got {text!r}")
    lo, hi = (parse_q(p.strip(), "time", option="--window", default_unit="s") for p in parts)
    assert lo is not None and hi is not None
    return lo, hi


def _text(d: dict[str, Any]) -> str:
    c = d["C"]
    val = "n/a" if c["value"] is None else f"{c['value']:.5g} ± {c['stderr']:.2g}"
    scale = d["depth_scale"]
    crater = scale.get("crater_depth", {}).get("value")
    n_layers = len(scale.get("layers", []))
    how = {"crater_depth": f"crater depth {crater} um, constant rate",
           "crater_depth_layers": f"crater depth {crater} um below {n_layers} layer(s)",
           "sputter_rate": "constant sputter rate",
           "layers": f"{n_layers} layer(s)"}[scale["method"]]  # fmt: skip
    lines = [
        f"{d['pair']} depth profile: {d['n_points']} points to "
        f"{d['depth_max']['value']:.4g} um ({how})",
        f"C of the summed counts = {val}" + (" (normalised)" if d["normalised"] else ""),
    ]
    if d["time_from"] == "cycle_number":
        lines.append("no sputter times in the file: cycles taken as of equal duration")
    missing = d["n_points"] - d["n_points_with_counts"]
    if missing:
        lines.append(f"{missing} point(s) without counts left out of the profile")
    lines += [f"warning: {w}" for w in d["warnings"]]
    lines += [f"wrote {p}" for p in d["outputs"]]
    return "\n".join(lines)


CRATER = typer.Option(
    None, "--crater-depth", help="Measured crater depth, e.g. '1.2 um' (constant rate)."
)
RATE = typer.Option(
    None, "--sputter-rate", help="Constant sputter rate, e.g. '0.2 nm/s' (bare: nm/s)."
)
PAIR = typer.Option("18O/16O", "--pair", help="Tracer/reference isotopes.")
WINDOW = typer.Option(
    None, "--window", help="Keep the points with sputter time in T0,T1 (s), e.g. '20,900'."
)
KIND = typer.Option(
    None, "--kind", help="What the file is when its name cannot say: depth, cycles."
)
DEAD_TIME = typer.Option("auto", "--dead-time", help="auto, em or none.")
EM_DEAD_TIME = typer.Option(
    None, "--em-dead-time", help="Electron-multiplier dead time, e.g. '44 ns' (bare: ns)."
)
SATURATED = typer.Option("raise", "--saturated", help="raise or nan (mask).")
IMF_ALPHA = typer.Option(
    None, "--imf-alpha", help="IMF alpha = R_meas,std/R_true,std, e.g. '1.02+-0.01'."
)
BACKGROUND = typer.Option(
    None, "--background", help="C_bg for normalisation ('0.002', '0.002+-0.0001', 'natural')."
)
SOURCE = typer.Option(None, "--source", help="C_s of the tracer gas, e.g. 0.95.")
SYSTEMATIC = typer.Option(
    "separate", "--systematic", help="separate or combined (as for 'fraction')."
)

#: the keys of :func:`raw_depth_profile`'s ``flags``, one per depth-profile option
FLAGS = (
    "crater_depth",
    "sputter_rate",
    "layer",
    "pair",
    "window",
    "kind",
    "dead_time",
    "em_dead_time",
    "saturated",
    "imf_alpha",
    "background",
    "source",
    "systematic",
)


def depth_scale_given(flags: dict[str, Any]) -> bool:
    """Whether ``flags`` set a depth scale (``--crater-depth``, ``--sputter-rate``, ``--layer``)."""
    return bool(
        flags.get("crater_depth") is not None
        or flags.get("sputter_rate") is not None
        or flags.get("layer")
    )


def raw_depth_profile(raw: str, flags: dict[str, Any]) -> Any:
    """The :class:`~tracerdiff.imaging.depth.DepthProfile` of the raw export ``raw`` from the
    depth-profile options (``flags``: the keys of :data:`FLAGS`), as ``depth-profile`` and the
    single-profile ``fit`` commands build it."""
    from ..imaging.depth import depth_profile as make_profile
    from ..io import open_dataset
    from .imaging_cmds import fraction_options_from_flags

    scale = _scale(flags["crater_depth"], flags["sputter_rate"], flags["layer"])
    opts = fraction_options_from_flags(
        {"dead_time": flags["dead_time"], "em_tau_s": flags["em_dead_time"],
         "saturated": flags["saturated"], "imf_alpha": flags["imf_alpha"],
         "background": flags["background"], "source": flags["source"],
         "systematic": flags["systematic"]}
    )  # fmt: skip
    ds = open_dataset(raw, kind=flags["kind"] or "depth_profile")
    return make_profile(ds, scale, opts, pair=flags["pair"], window=_window(flags["window"]))


def depth_profile(
    raw: str = typer.Argument(..., help="Depth-profile export (IONTOF .txt, Cameca .is/.asc)."),
    crater_depth: str | None = CRATER,
    sputter_rate: str | None = RATE,
    layer: list[str] = LAYER,
    pair: str = PAIR,
    window: str | None = WINDOW,
    kind: str | None = KIND,
    dead_time: str = DEAD_TIME,
    em_dead_time: str | None = EM_DEAD_TIME,
    saturated: str = SATURATED,
    imf_alpha: str | None = IMF_ALPHA,
    background: str | None = BACKGROUND,
    source: str | None = SOURCE,
    systematic: str = SYSTEMATIC,
    output: str | None = typer.Option(
        None, "-o", "--output", help="Write the profile CSV (x_um, C, C_err, counts, time_s)."
    ),
    points: bool = typer.Option(False, "--points", help="Also list every point in the JSON."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (keys in docs/cli.md)."),
) -> None:
    """Depth profile to fraction versus depth (sputter time to depth), a CSV for 'fit exchange'.

    Example: tracerdiff depth-profile raw.txt --crater-depth "1.2 um" -o profile.csv --json
    """
    from ..io import write_profile_csv

    flags = {"crater_depth": crater_depth, "sputter_rate": sputter_rate, "layer": layer,
             "pair": pair, "window": window, "kind": kind, "dead_time": dead_time,
             "em_dead_time": em_dead_time, "saturated": saturated, "imf_alpha": imf_alpha,
             "background": background, "source": source, "systematic": systematic}  # fmt: skip
    _scale(crater_depth, sputter_rate, layer)
    if output is not None:
        check_writable(output, force=force)
    prof = raw_depth_profile(raw, flags)
    if output is not None:
        write_profile_csv(prof.to_dataset(), output, force=force)
    payload = {**prof.to_dict(per_point=points), "outputs": [output] if output else []}
    emit(payload, as_json=as_json, text=_text(payload))


def register(app: typer.Typer) -> None:
    """Add ``depth-profile`` to the app."""
    app.command("depth-profile")(depth_profile)
