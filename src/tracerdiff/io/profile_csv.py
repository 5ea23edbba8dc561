"""CSV profiles (the profile contract of ``docs/architecture.md``): reader and atomic writer.

Header row; ``#`` comment lines (``# key: value`` lines become attrs); a position column
``x_<unit>`` (``x_um``, ``x_mm``, ``x_cm``, ``x_nm``) or ``x`` with ``x_unit``; then either a
fraction column ``C`` (optional ``C_err``) or two count columns named by isotope (``6Li``,
``7Li``) from which ``C = n_a / (n_a + n_b)`` and ``C_err = sqrt(C (1 - C) / (n_a + n_b))``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import DataError, FileFormatError, InputError
from ..outputs import atomic_path
from ._common import PathLike, existing_file, source_attrs

__all__ = ["binomial_fraction", "read_profile_csv", "write_profile_csv"]

TO_UM = {"um": 1.0, "µm": 1.0, "micron": 1.0, "nm": 1e-3, "mm": 1e3, "cm": 1e4, "m": 1e6}
_ISOTOPE = re.compile(r"^\d+[A-Z][a-z]?$")
_META = re.compile(r"^#\s*([A-Za-z_]\w*)\s*:\s*(.*?)\s*$")


def binomial_fraction(n_a: Any, n_b: Any) -> tuple[np.ndarray, np.ndarray]:
    """C = n_a / (n_a + n_b) and its binomial error sqrt(C (1 - C) / (n_a + n_b)).

    Where n_a + n_b = 0 both are NaN (undefined, not zero).
    """
    a, b = np.asarray(n_a, dtype=float), np.asarray(n_b, dtype=float)
    n = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(n > 0, a / n, np.nan)
        err = np.where(n > 0, np.sqrt(c * (1.0 - c) / n), np.nan)
    return c, err


def _comments(text: str) -> tuple[dict[str, Any], list[str]]:
    meta: dict[str, Any] = {}
    free: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            continue
        m = _META.match(line)
        if m:
            meta[m.group(1)] = _value(m.group(2))
        elif line.lstrip("#").strip():
            free.append(line.lstrip("#").strip())
    return meta, free


def _value(v: str) -> Any:
    try:
        f = float(v)
    except ValueError:
        return v
    return int(f) if f.is_integer() and re.fullmatch(r"[-+]?\d+", v) else f


_DECIMAL = "expected comma-separated fields with '.' as the decimal mark"


def _data_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text without comment) of the header and data lines, as pandas sees them."""
    out = []
    for i, line in enumerate(text.splitlines()):
        body = line.split("#", 1)[0]
        if body.strip():
            out.append((i + 1, body))
    return out


def _check_fields(lines: list[tuple[int, str]], src: str) -> None:
    """FileFormatError on ``;``-separated files and rows whose field count differs from the
    header's (decimal commas, stray separators): never guess which field is which."""
    if not lines:
        return
    head_no, head = lines[0]
    if ";" in head or "\t" in head:
        sep = "';'" if ";" in head else "tabs"
        raise FileFormatError(f"{src}: line {head_no}: header is separated by {sep}; {_DECIMAL}")
    n_head = len(next(csv.reader([head])))
    for no, body in lines[1:]:
        n = len(next(csv.reader([body], skipinitialspace=True)))
        if n != n_head:
            raise FileFormatError(
                f"{src}: line {no} has {n} fields but the header (line {head_no}) has {n_head} "
                f"(decimal commas or a stray separator?); {_DECIMAL}"
            )


def _numeric(df: pd.DataFrame, lines: list[tuple[int, str]], src: str) -> pd.DataFrame:
    """All columns as numbers; FileFormatError naming line and column of the first that is not."""
    num = df.apply(pd.to_numeric, errors="coerce")
    bad = num.isna() & df.notna()
    if bad.to_numpy().any():
        row, col = (int(v[0]) for v in np.nonzero(bad.to_numpy()))
        no = lines[row + 1][0] if row + 1 < len(lines) else row + 2
        raise FileFormatError(
            f"{src}: line {no}, column {col + 1}: not a number (a decimal comma?); {_DECIMAL}"
        )
    return num


def _table(text: str, src: str) -> pd.DataFrame:
    """The numeric table of a CSV profile, field counts and numbers checked line by line."""
    lines = _data_lines(text)
    _check_fields(lines, src)
    try:
        df = pd.read_csv(io.StringIO(text), comment="#", skipinitialspace=True)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FileFormatError(
            f"{src}: not a CSV profile (expected a header row and rows of "
            f"comma-separated numbers; {type(exc).__name__})"
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise FileFormatError(f"{src}: CSV profile has a header but no data rows")
    return _numeric(df, lines, src)


def _position(
    df: pd.DataFrame, x_unit: str, src: str, x_column: str | None = None
) -> tuple[str, np.ndarray]:
    if x_column is not None:
        if x_column not in df.columns:
            raise FileFormatError(
                f"{src}: position column {x_column!r} (x_column) not found "
                f"among its {len(df.columns)} columns"
            )
        if x_unit not in TO_UM:
            raise InputError(f"unknown x_unit {x_unit!r}; expected one of {sorted(TO_UM)}")
        return x_column, df[x_column].to_numpy(dtype=float) * TO_UM[x_unit]
    cols = [c for c in df.columns if c == "x" or c.startswith("x_")]
    if not cols:
        raise FileFormatError(
            f"{src}: no position column; expected 'x_um' (or x_mm, x_cm) or 'x', or name it "
            "with x_column= (CLI: --x-column)"
        )
    col = cols[0]
    unit = col[2:] if col.startswith("x_") else x_unit
    if unit not in TO_UM:
        raise FileFormatError(
            f"{src}: unknown position unit in the position column; "
            f"expected x_um, x_mm, x_cm (one of {sorted(TO_UM)})"
        )
    return col, df[col].to_numpy(dtype=float) * TO_UM[unit]


def read_profile_csv(
    path: PathLike,
    *,
    x_unit: str = "um",
    column: str | None = None,
    isotopes: Sequence[str] | None = None,
    x_column: str | None = None,
) -> xr.Dataset:
    r"""Read a CSV profile into the profile dataset (dim ``x_um``; vars ``C``, ``C_err`` and the
    counts and other columns when given). ``column`` names the fraction column when it is not
    ``C`` (its error column is ``<column>_err`` if present); ``isotopes=("6Li", "7Li")`` picks the
    two count columns. A file with one value column besides x uses it as the fraction.
    ``C_err`` is NaN when the file gives no errors (``attrs["C_err_given"] = 0``).
    ``x_column`` names the position column when it is not ``x_<unit>`` or ``x`` (its unit is
    ``x_unit``).

    The dataset is what :func:`tracerdiff.fit_profile` takes:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from tracerdiff import erfc_profile, fit_profile
    >>> x = np.arange(0.0, 30.0)
    >>> c = erfc_profile(x, C_s=0.9, C_0=0.076, D=1e-10, time_s=3600.0)
    >>> c += np.random.default_rng(3).normal(0.0, 0.005, x.size)
    >>> rows = "".join(f"{xi},{ci:.5f},0.005\n" for xi, ci in zip(x, c))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "profile.csv"
    ...     _ = path.write_text("x_um,C,C_err\n" + rows)
    ...     prof = read_profile_csv(path)
    >>> print(prof.sizes["x_um"], prof.attrs["C_err_given"])
    30 1
    >>> res = fit_profile("erfc", prof, time_s=3600.0)
    >>> print(f"D_eff = {res.D_eff.value:.2g} +- {res.D_eff.stderr:.1g} {res.D_eff.unit}")
    D_eff = 9.9e-11 +- 1e-12 cm^2/s
    """
    p = existing_file(path)
    text = p.read_text(encoding="utf-8", errors="replace")
    src = str(p)
    df = _table(text, src)
    xcol, x_um = _position(df, x_unit, src, x_column)
    num = df.drop(columns=[xcol])
    if not np.all(np.isfinite(x_um)):
        raise DataError(f"{src}: non-finite positions")
    meta, free = _comments(text)
    c, c_err, used, pair, given = _fraction(num, column=column, isotopes=isotopes, src=src)
    data_vars: dict[str, Any] = {
        "C": ("x_um", c, {"units": ""}),
        "C_err": ("x_um", c_err, {"units": ""}),
    }
    for k in num.columns:
        if k not in used:
            data_vars[k] = ("x_um", num[k].to_numpy(dtype=float))
    attrs: dict[str, Any] = {
        **meta,
        "format": "profile_csv",
        "x_column": xcol,
        "C_err_given": int(given),
        **source_attrs(p),
    }
    if pair:
        attrs["pair"] = pair
    if free:
        attrs["comment"] = " | ".join(free)
    return xr.Dataset(data_vars, coords={"x_um": ("x_um", x_um, {"units": "um"})}, attrs=attrs)


def _fraction(
    num: pd.DataFrame, *, column: str | None, isotopes: Sequence[str] | None, src: str
) -> tuple[np.ndarray, np.ndarray, set[str], str, bool]:
    """(C, C_err, columns not to copy as variables, pair, errors given)."""
    cols = list(num.columns)
    if isotopes is not None:
        iso = list(isotopes)
        if len(iso) != 2 or any(i not in cols for i in iso):
            raise FileFormatError(
                f"{src}: isotope columns {iso!r} not found among its {len(cols)} value columns"
            )
        c, err = _counts(num, iso, src)
        # counts stay as variables; a C column in the file is replaced by the recomputed one
        return c, err, {"C", "C_err"}, f"{iso[0]}/{iso[1]}", True
    name = column or ("C" if "C" in cols else None)
    if name is None:
        isos = [k for k in cols if _ISOTOPE.match(k)]
        if len(isos) == 2:
            c, err = _counts(num, isos, src)
            return c, err, set(), f"{isos[0]}/{isos[1]}", True
        if len(cols) == 1:
            name = cols[0]
        else:
            raise FileFormatError(
                f"{src}: no fraction column 'C' and no two isotope count "
                f"columns among its {len(cols)} value columns; pass column= or isotopes="
            )
    if name not in cols:
        raise FileFormatError(
            f"{src}: fraction column {name!r} not found among its {len(cols)} value columns"
        )
    c = num[name].to_numpy(dtype=float)
    err_col = "C_err" if name == "C" else f"{name}_err"
    given = err_col in cols
    err = num[err_col].to_numpy(dtype=float) if given else np.full(c.shape, np.nan)
    return c, err, {name, err_col}, "", given


def _counts(num: pd.DataFrame, iso: Sequence[str], src: str) -> tuple[np.ndarray, np.ndarray]:
    a, b = (num[i].to_numpy(dtype=float) for i in iso)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))) or min(a.min(), b.min()) < 0:
        raise DataError(f"{src}: isotope counts must be finite and >= 0")
    return binomial_fraction(a, b)


def _attr_text(v: Any) -> str:
    if isinstance(v, str):
        return " ".join(v.split())
    if isinstance(v, np.generic):
        v = v.item()
    return json.dumps(v) if isinstance(v, list | dict | tuple) else str(v)


def write_profile_csv(profile_ds: xr.Dataset, path: PathLike, *, force: bool = False) -> Path:
    """Write a profile dataset as CSV (``x_um,C,C_err[,counts...,n_pixels,...]``), atomically.

    Attrs become ``# key: value`` comment lines; numbers are written with 17 significant
    digits so that reading gives the same floats.
    """
    if "x_um" not in profile_ds.dims or "C" not in profile_ds or "C_err" not in profile_ds:
        raise InputError("a profile dataset needs dim 'x_um' and variables 'C', 'C_err'")
    cols = ["C", "C_err"] + [
        k
        for k in profile_ds.data_vars
        if k not in ("C", "C_err")
        and profile_ds[k].dims == ("x_um",)
        and np.issubdtype(profile_ds[k].dtype, np.number)
    ]
    df = pd.DataFrame(
        {"x_um": profile_ds["x_um"].values, **{str(k): profile_ds[k].values for k in cols}}
    )
    skip = {"source_sha256", "format", "x_column", "C_err_given"}
    head = "".join(
        f"# {k}: {_attr_text(v)}\n"
        for k, v in profile_ds.attrs.items()
        if k not in skip and re.fullmatch(r"[A-Za-z_]\w*", str(k))
    )
    with atomic_path(path, force=force) as tmp:
        tmp.write_text(head + df.to_csv(index=False, float_format="%.17g"), encoding="utf-8")
    return Path(path)
