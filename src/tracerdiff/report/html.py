"""The self-contained HTML report: every figure embedded (base64 PNG), tables, parameters,
methods text, the study file and the provenance; no external resources.

A small inline script records script errors and image decoding into attributes of ``<body>``
(``data-check="done"``, ``data-images-total``, ``data-images-loaded``, ``data-errors``), which a
headless browser can read back (``chromium --dump-dom``).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import Any

from ..results import render_html
from .content import AnalysisOutcome, Table

__all__ = ["MAX_TABLE_ROWS", "ReportPage", "render_report"]

#: rows of a table shown in the page (the CSV under tables/ has all of them)
MAX_TABLE_ROWS = 40

_e = html.escape


def _template(name: str) -> str:
    return (resources.files("tracerdiff.report") / "templates" / name).read_text(encoding="utf-8")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if v is None:
        return ""
    return str(v)


def _table_html(t: Table) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in t.columns)
    rows = []
    for r in t.rows[:MAX_TABLE_ROWS]:
        cells = "".join(
            f"<td class='num'>{_e(_fmt(v))}</td>"
            if isinstance(v, (int, float))
            else f"<td>{_e(_fmt(v))}</td>"
            for v in r
        )
        rows.append(f"<tr>{cells}</tr>")
    more = len(t.rows) - MAX_TABLE_ROWS
    note = (
        f"<p class='meta'>{more} more rows in tables/{_e(t.name)}.csv</p>"
        if more > 0
        else f"<p class='meta'>tables/{_e(t.name)}.csv</p>"
    )
    cap = f"<caption>{_e(t.caption)}</caption>" if t.caption else ""
    return f"<div class='scroll'><table>{cap}<tr>{head}</tr>{''.join(rows)}</table></div>{note}"


def _display(obj: Any) -> Any:
    """Results prepared for the page: short lists of plain values joined as text, long ones
    summarised (results.json keeps them all)."""
    if isinstance(obj, dict):
        return {k: _display(v) for k, v in obj.items()}
    if isinstance(obj, list):
        if all(isinstance(v, (str, int, float, bool)) or v is None for v in obj):
            if len(obj) > 12:
                return f"[{len(obj)} values in results.json]"
            return "; ".join(_fmt(v) for v in obj) if obj else "(none)"
        if all(isinstance(v, dict) and "value" in v and "unit" in v for v in obj):
            return "; ".join(_q(v) or "n/a" for v in obj[:12]) + ("; ..." if len(obj) > 12 else "")
        return f"[{len(obj)} entries in results.json]"
    return obj


def _status(status: str) -> str:
    return f"<span class='status status-{_e(status)}'>{_e(status)}</span>"


def _summary(outcomes: Sequence[AnalysisOutcome]) -> str:
    rows = []
    for o in outcomes:
        detail = _e(o.reason) if not o.ok else _e(_headline(o.results))
        rows.append(
            f"<tr><td><a href='#a-{_e(o.id)}'>{_e(o.id)}</a></td><td>{_e(o.type)}</td>"
            f"<td>{_status(o.status)}</td><td>{detail}</td></tr>"
        )
    return (
        "<table><tr><th>analysis</th><th>type</th><th>status</th><th>result / reason</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _headline(results: dict[str, Any], n: int = 3) -> str:
    """The first few quantities of a result, as text."""
    parts = []
    for k, v in results.items():
        if isinstance(v, dict) and "value" in v and "unit" in v and v.get("value") is not None:
            s = f"{k} = {v['value']:.3g}"
            if v.get("stderr") is not None:
                s += f" ± {v['stderr']:.2g}"
            parts.append(f"{s} {v['unit']}".strip())
        if len(parts) >= n:
            break
    return "; ".join(parts)


def _q(v: dict[str, Any] | None) -> str:
    if not v or v.get("value") is None:
        return ""
    s = f"{v['value']:.3g}"
    if v.get("stderr") is not None:
        s += f" ± {v['stderr']:.2g}"
    return f"{s} {v.get('unit', '')}".strip()


#: |recovered - true| in standard errors above which the comparisons table flags a row
FLAG_N_ERRORS = 3.0


def _n_errors_cell(n: Any) -> str:
    """The signed distance to the truth in standard errors; flagged beyond FLAG_N_ERRORS."""
    if not isinstance(n, (int, float)):
        return "<td class='num'></td>"
    if abs(n) > FLAG_N_ERRORS:
        return (
            f"<td class='num off' title='more than {FLAG_N_ERRORS:g} standard errors from "
            f"the truth'>{n:+.1f} &#9888;</td>"
        )
    return f"<td class='num'>{n:+.1f}</td>"


def _comparisons(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return ""
    body = []
    for r in rows:
        ratio = r.get("ratio_to_truth")
        body.append(
            f"<tr><td>{_e(r['label'])}</td><td class='num'>{_e(_q(r.get('recovered')))}</td>"
            f"<td class='num'>{_e(_q(r.get('truth')))}</td>"
            f"<td class='num'>{_e('' if ratio is None else f'{ratio:.3f}')}</td>"
            f"{_n_errors_cell(r.get('n_errors'))}"
            f"<td class='num'>{_e(_q(r.get('published')))}</td>"
            f"<td>{_e(r.get('note', ''))}</td></tr>"
        )
    return (
        "<h2 id='comparison'>Recovered, true and published values</h2>"
        "<p class='meta'>errors: (recovered - true) / standard error (the recovered and the "
        "true standard errors in quadrature); beyond "
        f"{FLAG_N_ERRORS:g} flagged &#9888;</p><table><tr>"
        "<th>quantity</th><th>recovered</th><th>true</th><th>recovered / true</th>"
        "<th>errors</th><th>published</th><th>note</th></tr>" + "".join(body) + "</table>"
    )


def _analysis(o: AnalysisOutcome) -> str:
    out = [f"<section id='a-{_e(o.id)}'><h3>{_e(o.title)} {_status(o.status)}</h3>"]
    if o.reason:
        out.append(f"<p class='reason'>{_e(o.reason)}</p>")
    if o.methods:
        out.append(f"<p class='methods'>{_e(o.methods)}</p>")
    for w in o.warnings:
        out.append(f"<p class='meta'>warning: {_e(w)}</p>")
    if o.results:
        out.append(render_html(_display(o.results), "results"))
    for t in o.tables:
        out.append(_table_html(t))
    for f in o.figures:
        b64 = base64.b64encode(f.png).decode("ascii")
        out.append(
            f"<figure><img alt='{_e(f.name)}' src='data:image/png;base64,{b64}'>"
            f"<figcaption>{_e(f.caption)} (figures/{_e(f.name)}.png, .svg)</figcaption>"
            "</figure>"
        )
    out.append(
        f"<details><summary>parameters</summary>{render_html(_display(o.params))}</details>"
        "</section>"
    )
    return "".join(out)


def _provenance(prov: dict[str, Any]) -> str:
    deps = "".join(
        f"<tr><td>{_e(k)}</td><td>{_e(str(v))}</td></tr>"
        for k, v in prov.get("dependencies", {}).items()
    )
    files = "".join(
        f"<tr><td>{_e(f['path'])}</td><td><code>{_e(f['sha256'])}</code></td></tr>"
        for f in prov.get("inputs", [])
    )
    seeds = prov.get("seeds", {})
    return (
        "<h2 id='provenance'>Provenance</h2>"
        f"<p class='meta'>tracerdiff {_e(str(prov.get('tracerdiff')))}, Python "
        f"{_e(str(prov.get('python')))}, {_e(str(prov.get('created_utc')))}, scheduler: "
        f"{_e(str(prov.get('scheduler')))}, root seed {_e(str(seeds.get('root')))} "
        f"({_e(str(seeds.get('method', '')))})</p>"
        f"<details><summary>dependency versions</summary><table>{deps}</table></details>"
        f"<details open><summary>input files (sha256)</summary><table>{files}</table></details>"
    )


@dataclass(frozen=True)
class ReportPage:
    """What the page says of the study itself: title, material, description, the methods text
    (paragraphs separated by blank lines) and the study file's text."""

    title: str
    material: str
    description: str
    methods: str
    study_text: str


def render_report(
    page: ReportPage,
    outcomes: Sequence[AnalysisOutcome],
    comparisons: Sequence[dict[str, Any]],
    prov: dict[str, Any],
) -> str:
    """The report page as one HTML string."""
    n_ok = sum(o.ok for o in outcomes)
    body = [
        f"<h1>{_e(page.title)}</h1>",
        f"<p class='meta'>{_e(page.material)} &middot; {n_ok} of {len(outcomes)} analyses "
        f"succeeded &middot; tracerdiff {_e(str(prov.get('tracerdiff')))} &middot; "
        f"{_e(str(prov.get('created_utc')))}</p>",
    ]
    if page.description:
        body.append(f"<p>{_e(page.description)}</p>")
    body += [
        "<h2 id='summary'>Summary</h2>",
        _summary(outcomes),
        _comparisons(comparisons),
        "<h2 id='methods'>Methods</h2>",
        "<div class='methods'>"
        + "".join(f"<p>{_e(par)}</p>" for par in page.methods.split("\n\n"))
        + "</div>",
        "<h2 id='analyses'>Analyses</h2>",
        *(_analysis(o) for o in outcomes),
        "<h2 id='study-file'>Study file</h2>",
        f"<pre>{_e(page.study_text)}</pre>",
        _provenance(prov),
    ]
    return Template(_template("page.html")).substitute(
        version=_e(str(prov.get("tracerdiff"))),
        title=_e(page.title),
        style=_template("report.css"),
        script=_template("check.js"),
        body="\n".join(body),
    )
