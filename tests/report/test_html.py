"""The HTML report is self-contained and shows results, failures, methods and provenance."""

from __future__ import annotations

import base64
import re
from typing import Any

from tracerdiff.study.figures import format_duration


def test_self_contained(report_run: Any) -> None:
    page = (report_run.out_dir / "report.html").read_text(encoding="utf-8")
    # no external resources: no links, no remote or file sources, no imports
    assert "<link" not in page and "@import" not in page
    srcs = re.findall(r"""\ssrc=['"]([^'"]*)['"]""", page)
    assert len(srcs) == 7 and all(s.startswith("data:image/png;base64,") for s in srcs)
    for s in srcs:
        assert base64.b64decode(s.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r"""(href|src)=['"](https?:|file:|//)""", page)
    assert 'data-check="pending"' in page  # the self-check script is in the page


def test_content(report_run: Any) -> None:
    page = (report_run.out_dir / "report.html").read_text(encoding="utf-8")
    quench = next(o for o in report_run.outcomes if o.id == "quench")
    assert quench.status == "failed" and quench.reason
    assert "status-failed" in page and "status-ok" in page
    assert "9 of 10 analyses succeeded" in page
    # the failure reason, the methods paragraph, the study file and the input hashes
    assert quench.reason.split(":")[0].replace("'", "&#x27;") in page
    assert "History A: isotope exchange for 59 h at 22 °C, then storage for 16 d at 22 °C." in page
    assert "Recovered, true and published values" in page
    assert "[[analyses]]" in page and "seed = 7" in page
    assert re.search(r"<code>[0-9a-f]{64}</code>", page)
    assert "tables/gb_prof_boundaries.csv" in page


def test_format_duration() -> None:
    assert format_duration(59 * 3600) == "59 h"
    assert format_duration(16 * 86400) == "16 d"
    assert format_duration(90) == "1.5 min"
    assert format_duration(2.0) == "2 s"


def test_comparisons_show_the_errors_column_and_flag_beyond_three() -> None:
    from tracerdiff.report.html import _comparisons

    def row(label: str, n: float | None) -> dict[str, Any]:
        q = {"value": 1.0, "stderr": 0.1, "unit": "eV"}
        return {
            "label": label,
            "recovered": q,
            "truth": q,
            "ratio_to_truth": 1.0,
            "n_errors": n,
            "published": None,
            "note": "",
        }

    page = _comparisons([row("close", -1.4), row("far", 3.8), row("none", None)])
    assert "<th>errors</th>" in page
    cells = re.findall(r"<td class='num( off)?'[^>]*>([^<]*)</td>", page)
    errors = [(off, text) for off, text in cells if text == "" or text[0] in "+-"]
    assert ("", "-1.4") in errors
    assert (" off", "+3.8 &#9888;") in errors  # flagged
    assert page.count("class='num off'") == 1
