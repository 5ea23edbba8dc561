"""Reading and validating a study file, with messages that name the key and its line.

``study.toml:23: measurements[2].pair: expected 'A/B' such as '6Li/7Li', got '6Li-7Li'``
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ConfigError, FileFormatError
from .schema import ANALYSIS_TYPES, StudyFile
from .tomlpos import format_loc, key_lines, line_of

__all__ = ["Study", "load_study"]


@dataclass(frozen=True)
class Study:
    """A validated study: the parsed file, its text, path and key positions."""

    spec: StudyFile
    path: Path
    text: str
    positions: dict[tuple[str | int, ...], int] = field(repr=False)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def base_dir(self) -> Path:
        """Folder the study's relative paths start from."""
        return self.path.parent

    @property
    def sha256(self) -> str:
        """sha256 of the study file's text (UTF-8)."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def where(self, loc: tuple[str | int, ...]) -> str:
        """``"study.toml:12: analyses[1].k_from"`` for a key path."""
        line, path = line_of(self.positions, loc)
        where = f"{self.path.name}:{line}" if line is not None else self.path.name
        return f"{where}: {format_loc(path)}"


def load_study(path: str | Path, *, allow_outside: Sequence[str | Path] = ()) -> Study:
    """Read, parse and validate a study file; raise :class:`ConfigError` naming key and line.

    Every path of the study must be inside the study's folder, a ``[paths] roots`` folder or
    one of ``allow_outside`` (relative ones start at the current folder)."""
    p = Path(path)
    text = _read_text(p)
    data = _parse_toml(text, p.name)
    positions = key_lines(text)
    roots = _roots(data, p, positions, allow_outside)
    try:
        spec = StudyFile.model_validate(data, context={"base_dir": str(p.parent), "roots": roots})
    except ValidationError as exc:
        raise ConfigError(_first_error(exc, p.name, positions)) from None
    except RecursionError:
        raise ConfigError(f"{p.name}: study file nests too deeply") from None
    study = Study(spec=spec, path=p.resolve(), text=text, positions=positions, raw=data)
    _cross_check(study)
    return study


def _read_text(p: Path) -> str:
    """The study file's text; only a regular UTF-8 file is read (a FIFO would block)."""
    try:
        st = os.stat(p)
    except OSError:
        raise FileFormatError(f"no such study file: {p}") from None
    if not stat.S_ISREG(st.st_mode):
        raise FileFormatError(f"{p}: not a regular file; expected a study file (TOML)")
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            f"cannot read study file {p}: not UTF-8 text (byte {exc.start})"
        ) from None
    except OSError as exc:
        raise FileFormatError(
            f"cannot read study file {p}: {exc.strerror or type(exc).__name__}"
        ) from None


def _parse_toml(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        where = f"{name}:{m.group(1)}" if m else name
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(f"{where}: not valid TOML: {msg}") from None
    except RecursionError:
        raise ConfigError(f"{name}: study file nests too deeply") from None


def _roots(
    data: dict[str, Any], p: Path, positions: dict[Any, int], allow_outside: Sequence[str | Path]
) -> tuple[Path, ...]:
    """Folders besides the study's own that its paths may lead into: ``[paths] roots``
    (relative to the study's folder) and ``allow_outside`` (relative to the current folder)."""
    out = [Path(r).resolve() for r in allow_outside]
    sec = data.get("paths")
    roots = sec.get("roots") if isinstance(sec, dict) else None
    if not isinstance(roots, list):
        return tuple(out)  # a wrong type is reported by the schema, with its line
    for i, r in enumerate(roots):
        if not isinstance(r, str) or not r:
            continue
        folder = (p.parent / r).resolve()
        if not folder.is_dir():
            line, _ = line_of(positions, ("paths", "roots", i))
            where = f"{p.name}:{line}" if line is not None else p.name
            raise ConfigError(
                f"{where}: paths.roots[{i}]: no such folder {r!r} (roots are "
                "relative to the study file's folder)"
            )
        out.append(folder)
    return tuple(out)


def _first_error(exc: ValidationError, name: str, positions: dict[Any, int]) -> str:
    """One line for the first validation error (the count of further errors appended)."""
    errors = exc.errors(include_url=False)
    err = errors[0]
    kind = err["type"]
    loc = (*err["loc"], "type") if kind == "union_tag_invalid" else err["loc"]
    line, path = line_of(positions, loc, tags=frozenset(ANALYSIS_TYPES))
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        msg = "unknown key; " + _allowed_hint(path)
    elif kind == "missing":
        msg = "missing required key"
    elif kind == "union_tag_invalid":
        msg = f"unknown analysis type; expected one of {', '.join(ANALYSIS_TYPES)}"
    elif kind == "union_tag_not_found":
        msg = f"missing key 'type'; expected one of {', '.join(ANALYSIS_TYPES)}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    where = f"{name}:{line}" if line is not None else name
    return f"{where}: {format_loc(path)}: {msg}{more}"


def _allowed_hint(path: tuple[str | int, ...]) -> str:
    """``expected one of ...`` for the keys allowed where an unknown key was found."""
    from . import schema

    sections = {
        "study": schema.StudyInfo,
        "sample": schema.Sample,
        "histories": schema.History,
        "measurements": schema.Measurement,
        "comparisons": schema.Comparison,
        "paths": schema.PathsSpec,
    }
    model: Any = None
    if len(path) == 1:
        model = StudyFile
    elif path and path[0] in sections:
        model = sections[str(path[0])]
        if "stages" in path:
            model = schema.StageSpec
        if "corrections" in path:
            model = schema.Corrections
    if model is None:
        return "check the spelling against docs/study.md"
    keys = [f.alias or n for n, f in model.model_fields.items()]
    return f"expected one of {', '.join(keys)}"


def _cross_check(study: Study) -> None:
    """References between sections: ids unique and known, histories and stages exist."""
    s = study.spec

    def fail(loc: tuple[str | int, ...], msg: str) -> None:
        raise ConfigError(f"{study.where(loc)}: {msg}")

    hist = {h.name: h for h in s.histories}
    if len(hist) != len(s.histories):
        fail(("histories",), "history names must be unique")
    mids: dict[str, int] = {}
    for i, m in enumerate(s.measurements):
        if m.id in mids:
            fail(("measurements", i, "id"), f"duplicate measurement id {m.id!r}")
        mids[m.id] = i
        if m.history is not None and m.history not in hist:
            fail(
                ("measurements", i, "history"),
                f"unknown history {m.history!r}; expected one of {sorted(hist)}",
            )
        if m.after is not None:
            if m.history is None:
                fail(("measurements", i, "after"), "'after' needs 'history' to be set")
            stages = [st.name for st in hist[str(m.history)].stages]
            if m.after not in stages:
                fail(
                    ("measurements", i, "after"),
                    f"unknown stage {m.after!r} of history {m.history!r}; expected one of {stages}",
                )
    _check_analyses(study, mids, fail)


def _check_analyses(study: Study, mids: dict[str, int], fail: Any) -> None:
    s = study.spec
    aids: dict[str, int] = {}
    for i, a in enumerate(s.analyses):
        if a.id in aids or a.id in mids:
            fail(("analyses", i, "id"), f"duplicate id {a.id!r}")
        aids[a.id] = i
    for i, a in enumerate(s.analyses):
        for key in ("measurement", "initial"):
            mid = getattr(a, key, None)
            if mid is not None and mid not in mids:
                fail(
                    ("analyses", i, key),
                    f"unknown measurement {mid!r}; expected one of {sorted(mids)}",
                )
        for j, mid in enumerate(getattr(a, "later", [])):
            if mid not in mids:
                fail(("analyses", i, "later", j), f"unknown measurement {mid!r}")
        for dep in a.depends_on():
            if dep not in aids:
                fail(
                    ("analyses", i, _dep_key(a, dep)),
                    f"unknown analysis {dep!r}; expected one of {sorted(aids)}",
                )
            if aids[dep] >= i:
                fail(
                    ("analyses", i, _dep_key(a, dep)),
                    f"analysis {dep!r} must be listed before {a.id!r}, which uses its results",
                )
    for i, c in enumerate(s.comparisons):
        head = c.result.split(".")[0]
        if head not in aids:
            fail(
                ("comparisons", i, "result"),
                f"expected '<analysis id>.<key>', unknown analysis {head!r}",
            )


def _dep_key(a: Any, dep: str) -> str:
    for key in ("k_from", "grain_size_from", "d_eff_from", "tracer", "arrhenius"):
        if getattr(a, key, None) == dep:
            return key
    return "from_analyses"
