"""``tracerdiff view``: the interactive viewer in the browser (library :mod:`tracerdiff.view`;
Panel and Bokeh are imported only when the command runs)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..errors import InputError
from .common import FIELD_OF_VIEW_HELP, PIXEL_SIZE_HELP, calibration, emit

__all__ = ["register", "view"]


def view(
    files: Annotated[
        list[str] | None,
        typer.Argument(
            help="Count image(s) or a fraction map (.nc); default: the study's first map."
        ),
    ] = None,
    study: str | None = typer.Option(
        None, "--study", help="Study file: its first map is shown, lines are saved into it."
    ),
    port: int = typer.Option(0, "--port", help="Port on 127.0.0.1 (0: a free one)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Only print the URL."),
    pair: str | None = typer.Option(None, "--pair", help="Tracer/reference isotopes."),
    shots_per_pixel: int | None = typer.Option(
        None, "--shots-per-pixel", help="ToF shots per pixel and scan."
    ),
    scans: int | None = typer.Option(None, "--scans", help="Scans accumulated."),
    dead_time: str | None = typer.Option(None, "--dead-time", help="auto, tof, em or none."),
    bin_k: int | None = typer.Option(None, "--bin", help="Sum K x K pixels."),
    background: str | None = typer.Option(None, "--background", help="C_bg, e.g. 'natural'."),
    source: str | None = typer.Option(None, "--source", help="C_s of the tracer source."),
    pixel_size: str | None = typer.Option(None, "--pixel-size", help=PIXEL_SIZE_HELP),
    field_of_view: str | None = typer.Option(None, "--field-of-view", help=FIELD_OF_VIEW_HELP),
    d_bulk: str = typer.Option("", "--d-bulk", help="D_b to start with, e.g. '2.6e-8 cm^2/s'."),
    width: str = typer.Option("16 um", "--width", help="Line width to start with."),
    labels: str | None = typer.Option(
        None, "--labels", help="Grain-label image on the map's grid (.npy/.tif): overlays."
    ),
    micrograph: str | None = typer.Option(
        None, "--micrograph", help="Micrograph of the field (as gb-map): boundaries overlay."
    ),
    micrograph_pixel_size: str | None = typer.Option(
        None, "--micrograph-pixel-size", help="Pixel size of the micrograph (with --micrograph)."
    ),
    points: Annotated[
        list[str] | None,
        typer.Option("--points", help="Control point 'COL,ROW=X,Y' (px = um); >= 3; none: field."),
    ] = None,
    as_json: bool = typer.Option(False, "--json", help="Print the URL as JSON (url, port)."),
) -> None:
    """Interactive viewer: draw lines, boundaries and regions on the map, see k live.

    Serves a page on 127.0.0.1 and prints its URL with a session token (requests without it
    are refused); Ctrl-C stops it.  Only the files given (and the study's) are read.

    Example: tracerdiff view map_6Li.txt map_7Li.txt --shots-per-pixel 16 --scans 150
    """
    if micrograph is None and (points or micrograph_pixel_size):
        raise InputError("--points and --micrograph-pixel-size belong to --micrograph")
    try:
        from ..view.app import ViewerApp
    except ImportError as exc:  # the optional extra
        raise InputError(
            f"tracerdiff view needs the 'view' extra ({exc.name} missing): "
            "pip install 'tracerdiff[view]'"
        ) from None
    flags = {
        "shots_per_pixel": shots_per_pixel,
        "scans": scans,
        "dead_time": dead_time,
        "bin": bin_k,
        "background": background,
        "source": source,
    }
    src = _open_map(files, study, pair, flags, calibration(pixel_size, field_of_view))
    kw = _page_options(src, files, study, labels, _micrograph(micrograph, micrograph_pixel_size,
                                                              points, study))  # fmt: skip
    if not d_bulk and study is not None:
        from ..study import load_study

        db = load_study(study).spec.sample.d_bulk
        d_bulk = f"{db!r} cm^2/s" if db else ""

    def page() -> object:
        return ViewerApp(src, d_bulk=d_bulk, study=study or "", width=width, **kw).layout

    _serve(page, port, no_browser, as_json)


def _page_options(src: Any, files: list[str] | None, study: str | None, labels: str | None,
                  micrograph: Any) -> dict[str, Any]:  # fmt: skip
    """The page's labels, micrograph, study maps and what it may read (the files given, the
    study's maps and folder)."""
    from ..view.access import ReadAccess

    lab = None
    if labels is not None:
        from ..view.overlays import check_labels
        from .gb_map_boundaries import read_labels

        lab = check_labels(read_labels(labels), src.fraction)
    maps = None
    if study is not None and not files:
        from ..view.session import study_maps

        maps = study_maps(study)
    given = [*src.files, *(f for fs, _, _ in (maps or {}).values() for f in fs)]
    return {"labels": lab, "micrograph": micrograph, "study_maps": maps,
            "access": ReadAccess.of(given, study)}  # fmt: skip


def _micrograph(path: str | None, pixel_size: str | None, points: list[str] | None,
                study: str | None) -> Any:  # fmt: skip
    """The micrograph overlay: ``--micrograph`` (as ``gb-map``), else the study's [sample]
    micrograph with its pixel size and registration; None without either."""
    from ..view.overlays import open_micrograph

    if path is not None:
        from .common import parse_lengths_xy
        from .gb_map_lines import _pairs

        if pixel_size is None:
            raise InputError("--micrograph needs --micrograph-pixel-size (e.g. '0.5 um')")
        size = parse_lengths_xy(pixel_size, option="--micrograph-pixel-size")
        return open_micrograph(path, size, _pairs(points) if points else None)
    if study is None:
        return None
    from ..study import load_study

    sample = load_study(study).spec.sample
    if sample.micrograph is None or sample.micrograph_pixel_size is None:
        return None
    reg = sample.micrograph_registration
    pts = None if reg == "map" else ([c.micrograph for c in reg], [c.sims for c in reg])
    return open_micrograph(str(sample.micrograph), sample.micrograph_pixel_size, pts)


def _open_map(files: list[str] | None, study: str | None, pair: str | None,
              flags: dict[str, Any], geo: dict[str, Any]) -> Any:  # fmt: skip
    """The session's map: the files with the fraction flags, or the study's first map."""
    from ..view.session import open_map
    from .imaging_cmds import fraction_options_from_flags

    opts = fraction_options_from_flags(flags)
    if not files:
        if study is None:
            raise InputError("give the image file(s) to show, or --study STUDY.toml")
        from ..view.session import study_maps

        files, study_pair, corr = next(iter(study_maps(study).values()))
        pair = pair or study_pair
        if not any(v is not None for v in flags.values()):
            opts = corr  # the study's corrections unless flags are given
    return open_map(list(files), pair=pair, options=opts, **geo)


def _serve(page: Any, port: int, no_browser: bool, as_json: bool) -> None:
    """Serve ``page`` until Ctrl-C; the URL with the token goes to stdout."""
    import sys

    from bokeh.document import Document

    from ..view.server import make_server

    page().get_root(Document())  # a first page built here: the first visit is served faster
    srv = make_server(page, port=port)
    emit(
        {"url": srv.url, "port": srv.port},
        as_json=as_json,
        text=f"tracerdiff view: {srv.url}\n(Ctrl-C stops)",
    )
    sys.stdout.flush()
    if not no_browser:
        import webbrowser

        srv.server.io_loop.add_callback(lambda: webbrowser.open(srv.url))
    srv.run()


def register(app: typer.Typer) -> None:
    """Add ``view`` to the app."""
    app.command("view")(view)
