"""Where the impedance table sits in each instrument's text export.

Each locator takes the file's lines and returns a :class:`Table`: the recognised columns, the
data lines, their delimiter and notes.  Layouts (checked on the real exports listed in
docs/impedance.md):

- ``gamry`` (.DTA): a ``ZCURVE<TAB>TABLE`` line, a header (``Freq``, ``Zreal``, ``Zimag``), a
  units line, then tab-indented rows up to the next unindented line (``EXPERIMENTABORTED`` marks
  an aborted run).
- ``zplot`` (Scribner ZPlot ``.z`` and ZView ``Z60W`` text, also what Autolab writes through its
  ZView export): columns Freq, Ampl, Bias, Time, Z', Z'', ... after ``End Comments`` (tab) or
  after the quoted header line (comma).
- ``chinstruments``: a ``Freq/Hz, Z'/ohm, Z"/ohm, ...`` header, comma-separated rows.
- ``versastudio`` (.par): the ``Definition=`` header inside ``<Segment1>``; rows up to
  ``</Segment1>``.
- ``parstat``: a tab-separated table whose rows with frequency 0 are the DC hold before the
  sweep (skipped, and counted in the notes).
- ``csv``: any delimited table (comma, semicolon, tab or spaces; PowerSuite exports are this),
  with or without a header; without one the columns are frequency, Z', Z''.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..errors import FileFormatError
from .tabular import Column, TableColumns, classify_header, parse_rows, split_line

__all__ = ["FORMATS", "Table", "detect_format", "locate_table"]

FORMATS = ("csv", "gamry", "zplot", "chinstruments", "versastudio", "parstat")
#: other names accepted for a format (the instrument that writes that layout)
ALIASES = {"autolab": "zplot", "zview": "zplot", "powersuite": "csv", "tsv": "csv", "txt": "csv"}


@dataclass(frozen=True)
class Table:
    """A located table: columns, parsed rows, notes, and the header-free flag."""

    columns: TableColumns
    data: NDArray[np.float64]
    notes: tuple[str, ...] = ()
    has_header: bool = True


def detect_format(lines: list[str]) -> str:
    """The format name from the file's content (not its extension)."""
    head = lines[:600]
    if any(line.startswith("ZCURVE") for line in lines):
        return "gamry"
    if any(line.startswith("<Segment") for line in head) and any(
        line.startswith("Definition=") for line in lines
    ):
        return "versastudio"
    first = lines[0].lstrip('\ufeff"') if lines else ""
    if first.startswith(("ZPLOT", "Z60W", "ZPlotW")) or any(
        line.strip() == "End Comments" for line in head
    ):
        return "zplot"
    if any(line.startswith("Freq/Hz") for line in head):
        return "chinstruments"
    if first.startswith("Potential (V)") and "Frequency (Hz)" in first:
        return "parstat"
    return "csv"


def _index_of(lines: list[str], test: str, where: str, what: str) -> int:
    for i, line in enumerate(lines):
        if line.startswith(test):
            return i
    raise FileFormatError(f"{where}no {what} found")


def _gamry(lines: list[str], where: str) -> Table:
    i = _index_of(lines, "ZCURVE", where, "ZCURVE table")
    names = lines[i + 1].split()
    cols = classify_header(names)
    end = i + 3
    while end < len(lines) and lines[end][:1] in ("\t", " ") and lines[end].strip():
        end += 1
    n = max(c.index for c in (cols.frequency, cols.real, cols.imag) if c is not None) + 1
    body = [line.replace(",", ".") for line in lines[i + 3 : end]]
    data = parse_rows(body, i + 3, delimiter=None, n_columns=n, where=where)
    notes = []
    if any(line.startswith("EXPERIMENTABORTED") for line in lines):
        notes.append(f"the run was aborted (EXPERIMENTABORTED); {len(data)} points were measured")
    return Table(cols, data, tuple(notes))


def _zplot(lines: list[str], where: str) -> Table:
    cols = TableColumns(Column(0), Column(4), Column(5))
    notes: list[str] = []
    declared: int | None
    ends = [i for i, line in enumerate(lines) if line.strip() == "End Comments"]
    if ends:
        start, delimiter = ends[0] + 1, "\t"
        m = [re.search(r"Data Points:\s*(\d+)", line) for line in lines[:start]]
        declared = next((int(x.group(1)) for x in m if x), None)
    else:
        header = next(
            (i + 1 for i, line in enumerate(lines[:200]) if "Freq" in line and "Z'" in line), None
        )
        if header is None:
            raise FileFormatError(f"{where}no 'Freq ... Z' ... Z''' header line found")
        start, delimiter = header, ","
        count = lines[start - 2].strip() if start >= 2 else ""
        declared = int(count) if count.isdigit() else None
    data = parse_rows(lines[start:], start, delimiter=delimiter, n_columns=6, where=where)
    if declared is not None and declared != len(data):
        notes.append(f"the header declares {declared} points; the file holds {len(data)}")
    return Table(cols, data, tuple(notes))


def _chinstruments(lines: list[str], where: str) -> Table:
    i = _index_of(lines, "Freq/Hz", where, "'Freq/Hz' header line")
    cols = classify_header(split_line(lines[i], ","))
    n = len(split_line(lines[i], ","))
    data = parse_rows(lines[i + 1 :], i + 1, delimiter=",", n_columns=min(n, 3), where=where)
    return Table(cols, data)


def _versastudio(lines: list[str], where: str) -> Table:
    i = _index_of(lines, "<Segment1>", where, "<Segment1> block")
    j = next((k for k in range(i, len(lines)) if lines[k].startswith("Definition=")), None)
    end = next((k for k in range(i, len(lines)) if lines[k].startswith("</Segment1>")), None)
    if j is None or end is None:
        raise FileFormatError(f"{where}the <Segment1> block has no Definition= line or no end")
    names = split_line(lines[j].split("=", 1)[1], ",")
    cols = classify_header(names)
    n = max(c.index for c in (cols.frequency, cols.real, cols.imag) if c is not None) + 1
    data = parse_rows(lines[j + 1 : end], j + 1, delimiter=",", n_columns=n, where=where)
    return Table(cols, data)


def _parstat(lines: list[str], where: str) -> Table:
    table = _csv(lines, where)
    f = table.columns.frequency
    assert f is not None
    dc = table.data[:, f.index] == 0
    used = [c.index for c in (table.columns.real, table.columns.imag) if c is not None]
    if np.any(dc & np.any(table.data[:, used] != 0, axis=1)):
        raise FileFormatError(f"{where}a row with frequency 0 holds a non-zero impedance")
    notes = (f"{int(dc.sum())} rows with frequency 0 (the DC hold before the sweep) skipped",)
    return Table(table.columns, table.data[~dc], notes if dc.any() else ())


def _delimiter(line: str) -> str | None:
    for d in ("\t", ";", ","):
        if d in line.strip():
            return d
    return None


def _is_numeric(fields: list[str]) -> bool:
    try:
        [float(s.strip("\"'").replace(",", ".")) for s in fields]
    except ValueError:
        return False
    return bool(fields)


def _csv(lines: list[str], where: str) -> Table:
    body = [
        (i, line)
        for i, line in enumerate(lines)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not body:
        raise FileFormatError(f"{where}no data rows found")
    i0, first = body[0]
    delimiter = _delimiter(first if len(body) < 2 else body[1][1])
    fields = split_line(first, delimiter)
    has_header = not _is_numeric(fields)
    if has_header:
        cols = classify_header(fields)
        if not cols.complete:
            raise FileFormatError(
                f"{where}the header names no frequency column and Z', Z'' "
                "(or |Z| and phase) columns; see docs/impedance.md for the "
                "names recognised"
            )
        rows = body[1:]
    else:
        cols = TableColumns(Column(0), Column(1), Column(2))  # frequency, Z', Z''
        rows = body
    n = (
        max(
            c.index
            for c in (
                cols.frequency,
                cols.real,
                cols.imag,
                cols.modulus,
                cols.phase,
                cols.temperature,
            )
            if c is not None
        )
        + 1
    )
    sample = rows[0][1] if rows else ""
    decimal_comma = delimiter in (";", "\t", None) and "," in sample and "." not in sample
    start = rows[0][0] if rows else i0 + 1
    data = parse_rows(
        [line for _, line in rows],
        start,
        delimiter=delimiter,
        n_columns=n,
        where=where,
        decimal_comma=decimal_comma,
    )
    notes = ("decimal commas read as decimal points",) if decimal_comma else ()
    return Table(cols, data, notes, has_header)


_LOCATORS = {
    "gamry": _gamry,
    "zplot": _zplot,
    "chinstruments": _chinstruments,
    "versastudio": _versastudio,
    "parstat": _parstat,
    "csv": _csv,
}


def locate_table(lines: list[str], fmt: str, where: str) -> Table:
    """The table of a file of format ``fmt`` (a name of :data:`FORMATS` or an alias)."""
    return _LOCATORS[ALIASES.get(fmt, fmt)](lines, where)
