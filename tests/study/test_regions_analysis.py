"""The ``regions`` analysis of a study: the numbers of ``tracerdiff fraction --roi`` on the same
map and shapes (the function both call), from shapes or from a shapes file; bad shapes refused
at load with the key's line."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from tracerdiff.cli.app import app
from tracerdiff.errors import ConfigError
from tracerdiff.study import load_study

SHAPES = ["rect 300 60 360 120", "poly 100 120 180 120 150 180"]
FLAGS = ["--shots-per-pixel", "16", "--scans", "150"]


def _study(folder: Path, body: str) -> Path:
    p = folder / "regions.toml"
    p.write_text(
        '[study]\ntitle = "regions"\n\n[sample]\nmaterial = "LLTO"\n\n'
        '[[measurements]]\nid = "A1"\nkind = "image"\n'
        'files = ["A_map1_6Li.txt", "A_map1_7Li.txt"]\npair = "6Li/7Li"\n'
        "corrections = { shots_per_pixel = 16, scans = 150 }\n\n"
        f'[[analyses]]\nid = "roi1"\ntype = "regions"\nmeasurement = "A1"\n{body}\n',
        encoding="utf-8",
    )
    return p


def _cli(args: list[str], cwd: Path) -> dict[str, Any]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(app, args)
    finally:
        os.chdir(old)
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tracerdiff.examples import write_example_data

    d = tmp_path_factory.mktemp("demo")
    write_example_data(d)
    return d


def _compare(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert len(got) == len(want) == 2
    for g, w in zip(got, want, strict=True):
        assert g["n_pixels"] == w["n_pixels"] > 100
        assert g["counts"].keys() == w["counts"].keys() == {"6Li", "7Li"}
        for k in g["counts"]:
            assert math.isclose(g["counts"][k], w["counts"][k], rel_tol=1e-12)
        assert math.isclose(g["C"]["value"], w["C"]["value"], rel_tol=1e-12)
        assert math.isclose(g["C"]["stderr"], w["C"]["stderr"], rel_tol=1e-12)


@pytest.mark.parametrize("how", ["shapes", "roi"])
def test_regions_equal_fraction_roi(demo: Path, tmp_path: Path, how: str) -> None:
    if how == "shapes":
        body = f"shapes = {json.dumps(SHAPES)}"
    else:
        (demo / "shapes.txt").write_text("\n".join(SHAPES) + "\n", encoding="utf-8")
        body = 'roi = "shapes.txt"'
    study = _study(demo, body)
    out = tmp_path / "out"
    _cli(["run", str(study), "-o", str(out), "--json"], demo)
    res = json.loads((out / "results.json").read_text())["analyses"]["roi1"]
    assert res["status"] == "ok", res
    want = _cli(["fraction", "A_map1_6Li.txt", "A_map1_7Li.txt", *FLAGS, "--roi",
                 "\n".join(SHAPES), "--json"], demo)["regions"]  # fmt: skip
    _compare(res["results"]["regions"], want)
    table = (out / "tables" / "roi1_regions.csv").read_text().splitlines()
    assert table[0].startswith("label,n_pixels,n_excluded,counts_6Li,counts_7Li,C,C_err")
    assert len(table) == 3


def test_regions_c_is_the_ratio_of_the_summed_counts(demo: Path, tmp_path: Path) -> None:
    """A truth independent of the library's ROI code: the corrected counts summed by hand."""
    from tracerdiff.imaging import fraction_map, open_counts

    study = _study(demo, 'shapes = ["rect 300 60 360 120"]')
    out = tmp_path / "out"
    _cli(["run", str(study), "-o", str(out), "--json"], demo)
    r = json.loads((out / "results.json").read_text())["analyses"]["roi1"]["results"]
    ds = open_counts([str(demo / "A_map1_6Li.txt"), str(demo / "A_map1_7Li.txt")])
    fds = fraction_map(ds, pair="6Li/7Li", shots_per_pixel=16, scans=150)
    x, y = fds["x"].values, fds["y"].values
    inside = ((x >= 300) & (x <= 360))[None, :] & ((y >= 60) & (y <= 120))[:, None]
    na, nb = (np.nansum(fds[v].values[inside], dtype=np.float64) for v in ("n_a", "n_b"))
    (reg,) = r["regions"]
    assert reg["n_pixels"] == int(inside.sum())
    assert math.isclose(reg["C"]["value"], na / (na + nb), rel_tol=1e-9)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('shapes = ["rect 1 2 3"]', "shapes"),
        ('shapes = ["rect 0 0 5 5; rect 1 1 4 4"]', "one shape per entry"),
        ("", "shapes = [...] or as roi"),
    ],
)
def test_bad_regions_are_refused_at_load(demo: Path, body: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle.replace("[", r"\[").replace(".", r"\.")):
        load_study(_study(demo, body))
