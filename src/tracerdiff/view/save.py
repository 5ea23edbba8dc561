"""Saving what was drawn: the lines and boundaries as ``gb_steps`` analyses and the regions as a
``regions`` analysis of a study file (a new one, or appended to an existing one after a
backup), so that ``tracerdiff run`` repeats every number; the regions also as a ``--roi``
shapes file; the profile and the tables as CSV.

The study text is written by hand (TOML of strings, numbers and lists), checked by
:func:`tracerdiff.study.load_study` before it replaces anything, and written atomically.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..results import ResultMixin

if TYPE_CHECKING:
    from ..imaging.options import ProfileLine
    from .regions import Polygon, Rect
    from .session import MapSource, StepSettings

__all__ = ["SavedStudy", "save_study", "study_text"]


def _value(v: Any, key: str) -> str:
    """One TOML value (strings, booleans, finite numbers, lists of them)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise InputError(f"{key}: cannot write a non-finite number to a study file")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(t, key) for t in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_value(t, k)}" for k, t in v.items()) + " }"
    raise InputError(f"{key}: a value of type {type(v).__name__} cannot be written to a study")


def _table(name: str, items: dict[str, Any]) -> str:
    body = "".join(f"{k} = {_value(v, k)}\n" for k, v in items.items() if v is not None)
    return f"[[{name}]]\n{body}\n"


def _point(p: tuple[float, float]) -> str:
    return f"{p[0]!r},{p[1]!r}"


def _analysis(aid: str, measurement: str, line: ProfileLine,
              boundaries: Sequence[float] | None,
              settings: StepSettings) -> dict[str, Any]:  # fmt: skip
    from ..grain_boundary.step import resolve_guard

    bnd: Any = "auto" if boundaries is None else [float(b) for b in sorted(boundaries)]
    return {
        "id": aid,
        "title": "Line drawn in tracerdiff view",
        "type": "gb_steps",
        "measurement": measurement,
        "lines": [
            {
                "start": _point(line.start_um),
                "end": _point(line.end_um),
                "width": f"{line.width_um!r} um",
                "boundaries": bnd,
            }
        ],
        "d_bulk": f"{settings.d_bulk!r} cm^2/s"
        if settings.d_bulk_err is None
        else f"{settings.d_bulk!r}+-{settings.d_bulk_err!r} cm^2/s",
        "delta": f"{settings.delta_nm!r} nm",
        # the guard written out, so the run does not depend on the resolution default
        "guard": f"{resolve_guard(settings.guard_um, settings.resolution_um)!r} um",
        "order": settings.order,
    }


def _measurement(mid: str, source: MapSource, base: Path) -> dict[str, Any]:
    if not source.files or source.images is None:
        raise InputError("only a map read from count-image files can be saved to a study")
    files = [os.path.relpath(Path(f).resolve(), base.resolve()) for f in source.files]
    opts: dict[str, Any] = {}
    if source.fraction.attrs.get("pixel_size_from") == "pixel size given":
        opts["pixel_size_um"] = [float(source.fraction.attrs["pixel_size_x_um"]),
                                 float(source.fraction.attrs["pixel_size_y_um"])]  # fmt: skip
    corr = {} if source.options is None else source.options.model_dump(exclude_unset=True,
                                                                        mode="json")  # fmt: skip
    return {"id": mid, "kind": "image", "files": files, "pair": source.pair,
            "corrections": corr or None, "options": opts or None}  # fmt: skip


def _regions(aid: str, measurement: str, shapes: Sequence[Rect | Polygon]) -> dict[str, Any]:
    from .regions import shapes_text

    return {"id": aid, "title": "Regions drawn in tracerdiff view", "type": "regions",
            "measurement": measurement,
            "shapes": shapes_text(shapes).splitlines()}  # fmt: skip


def study_text(*, existing: str | None, source: MapSource, base: Path, measurement: str | None,
               lines: Sequence[tuple[ProfileLine, Sequence[float] | None]], settings: StepSettings,
               taken: set[str],
               regions: Sequence[Rect | Polygon] = ()) -> tuple[str, list[str]]:  # fmt: skip
    """(new text, ids of the analyses added): ``existing`` with ``[[measurements]]`` (when
    ``measurement`` is None), one ``gb_steps`` analysis per line and one ``regions`` analysis
    of all ``regions`` appended, or a new study."""
    parts = [existing.rstrip() + "\n\n" if existing else
             _new_header(settings)]  # fmt: skip
    mid = measurement
    if mid is None:
        mid = _free("view_map", taken)
        taken.add(mid)
        parts.append(_table("measurements", _measurement(mid, source, base)))
    ids = []
    for line, bnd in lines:
        aid = _free("view_line", taken)
        taken.add(aid)
        ids.append(aid)
        parts.append(_table("analyses", _analysis(aid, mid, line, bnd, settings)))
    if regions:
        aid = _free("view_regions", taken)
        taken.add(aid)
        ids.append(aid)
        parts.append(_table("analyses", _regions(aid, mid, regions)))
    return "".join(parts), ids


def _new_header(settings: StepSettings) -> str:
    return ("# study written by tracerdiff view; run it with: tracerdiff run THIS.toml -o OUT\n"
            "[study]\ntitle = \"Lines and regions drawn in tracerdiff view\"\n\n"
            f"[sample]\nmaterial = \"\"\nd_bulk = \"{settings.d_bulk!r} cm^2/s\"\n"
            f"gb_width = \"{settings.delta_nm!r} nm\"\n\n")  # fmt: skip


def _free(stem: str, taken: set[str]) -> str:
    i = 1
    while f"{stem}{i}" in taken:
        i += 1
    return f"{stem}{i}"


@dataclass(frozen=True)
class SavedStudy(ResultMixin):
    """Where the study went, its backup (None for a new file) and the analyses added."""

    path: str
    backup: str | None
    measurement: str
    analyses: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain: path, backup, measurement, analyses."""
        return {
            "path": self.path,
            "backup": self.backup,
            "measurement": self.measurement,
            "analyses": list(self.analyses),
        }


def _backup(p: Path) -> Path:
    b = p.with_name(p.name + ".bak")
    i = 1
    while b.exists():
        b = p.with_name(f"{p.name}.bak{i}")
        i += 1
    shutil.copy2(p, b)
    return b


def _existing(p: Path, source: MapSource) -> tuple[str, str | None, set[str]]:
    """Text of the study, the id of the measurement of the same files, the ids in use."""
    from ..study import load_study

    st = load_study(p)
    spec = st.spec
    mine = [Path(f).resolve() for f in source.files]
    mid = next((m.id for m in spec.measurements
                if [Path(f).resolve() for f in m.files] == mine), None)  # fmt: skip
    taken = {m.id for m in spec.measurements} | {a.id for a in spec.analyses}
    return st.text, mid, taken


def save_study(path: str | Path, *, source: MapSource,
               lines: Sequence[tuple[ProfileLine, Sequence[float] | None]],
               settings: StepSettings,
               regions: Sequence[Rect | Polygon] = ()) -> SavedStudy:  # fmt: skip
    """Write the lines (boundaries ``None``: detected) and the regions as analyses of the study
    at ``path``: appended after a backup when it exists, else a new study beside it."""
    from ..outputs import atomic_path
    from ..study import load_study

    if not lines and not regions:
        raise InputError("nothing to save: draw a line or a region first")
    p = Path(path)
    if p.suffix.lower() != ".toml":
        raise InputError(f"{p.name}: a study file name ends in .toml")
    existing, mid, taken = _existing(p, source) if p.exists() else (None, None, set())
    text, ids = study_text(existing=existing, source=source, base=p.parent, measurement=mid,
                           lines=lines, settings=settings, taken=taken,
                           regions=regions)  # fmt: skip
    check = p.with_name(f".{p.stem}.check.toml")
    try:
        check.write_text(text, encoding="utf-8")
        load_study(check)  # refuse to write a study that would not load
    finally:
        check.unlink(missing_ok=True)
    backup = _backup(p) if p.exists() else None
    with atomic_path(p, force=True) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return SavedStudy(path=str(p), backup=None if backup is None else str(backup),
                      measurement=mid or _new_mid(text), analyses=tuple(ids))  # fmt: skip


def _new_mid(text: str) -> str:
    import tomllib

    return str(tomllib.loads(text)["measurements"][-1]["id"])


def save_profile_csv(analysis: Any, path: str | Path, *, force: bool = False) -> Path:
    """The current profile as the CSV ``tracerdiff profile -o`` writes."""
    from ..io import write_profile_csv

    return write_profile_csv(analysis.profile, path, force=force)


def save_boundaries_csv(analysis: Any, path: str | Path, *, force: bool = False) -> Path:
    """The boundary table of the current line as the CSV ``tracerdiff gb-step --csv`` writes."""
    from ..grain_boundary import GBTable

    if not analysis.results:
        raise InputError("no boundary on the line: nothing to write")
    table = GBTable(results=tuple(analysis.results), profile=(0,) * len(analysis.results))
    table.write_csv(path, force=force)
    return Path(path)


def save_regions(shapes: Sequence[Any], path: str | Path, *, force: bool = False) -> Path:
    """The regions as a shapes file ``tracerdiff fraction --roi FILE`` reads (um)."""
    from ..outputs import atomic_path
    from .regions import shapes_text

    if not shapes:
        raise InputError("no region to save: draw a rectangle or a polygon first")
    with atomic_path(path, force=force) as tmp:
        Path(tmp).write_text(shapes_text(shapes), encoding="utf-8")
    return Path(path)
