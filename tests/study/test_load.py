"""Study files: parsing into internal units, and one clear message per mistake (key and line)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracerdiff.errors import ConfigError, FileFormatError
from tracerdiff.study import load_study, make_plan
from tracerdiff.study.tomlpos import format_loc, key_lines


def _line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    return next(i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln)


def _write(folder: Path, text: str) -> Path:
    p = folder / "study.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_fixture_study_parses_into_internal_units(fixture_study: Path) -> None:
    st = load_study(fixture_study)
    s = st.spec
    assert s.sample.li_density == pytest.approx(5.0e21)
    assert s.sample.grain_size is not None
    assert (s.sample.grain_size.value, s.sample.grain_size.stderr) == (16.0, 11.0)
    assert s.sample.d_bulk == pytest.approx(2.6e-8)
    ex, storage = s.histories[0].stages
    assert ex.temperature == pytest.approx(295.15)
    assert ex.duration == pytest.approx(59 * 3600)
    assert storage.duration == pytest.approx(16 * 86400)
    assert ex.boundary_resolved == "source" and storage.boundary_resolved == "closed"
    assert s.measurements[0].files[0].is_file()  # relative to the study file
    plan = make_plan(st)
    t = plan.timings["prof0"]
    assert t is not None and t.time_since_exchange_s == pytest.approx((59 * 3600) + 16 * 86400)


def test_seeds_are_spawned_per_analysis_in_file_order(fixture_study: Path) -> None:
    plan = make_plan(load_study(fixture_study))
    keys = [pa.seed.spawn_key for pa in plan.analyses]
    assert keys == [(i,) for i in range(len(plan.analyses))]
    assert all(pa.seed.entropy == 7 for pa in plan.analyses)


@pytest.mark.parametrize(
    ("old", "new", "anchor", "path", "expected"),
    [
        (
            'material = "LLTO (fixture)"',
            'material = "LLTO (fixture)"\ncolour = "red"',
            "colour",
            "sample.colour",
            "unknown key; expected one of material",
        ),
        (
            'li_density = "5.0e21 cm^-3"',
            'li_density = "5 um"',
            "li_density",
            "sample.li_density",
            "is not a number density",
        ),
        (
            'pair = "6Li/7Li"',
            'pair = "6Li-7Li"',
            'pair = "6Li-7Li"',
            "measurements[3].pair",
            "expected 'A/B' such as '6Li/7Li'",
        ),
        (
            'files = ["map_6Li.txt", "map_7Li.txt"]',
            'files = ["map_6Li.txt", "nothere.txt"]',
            "nothere",
            "measurements[3].files[1]",
            "no such file 'nothere.txt'",
        ),
        (
            'duration = "59 h"',
            "duration = 59",
            "duration = 59",
            "histories[0].stages[0].duration",
            "expected a quantity with units such as '110 h'",
        ),
        (
            'duration = "16 d"',
            'duration = "16 K"',
            'duration = "16 K"',
            "histories[0].stages[1].duration",
            "is not a time",
        ),
        (
            'kind = "exchange"',
            'kind = "anneal"',
            "[[histories.stages]]",
            "histories[0].stages",
            "no stage of kind 'exchange'",
        ),
        (
            'type = "series_model"',
            'type = "series_modle"',
            'type = "series_modle"',
            "analyses[3].type",
            "unknown analysis type",
        ),
        (
            'k_from = "gb_prof"',
            'k_from = "gb_prof"\nbogus = 1',
            "bogus",
            "analyses[3].bogus",
            "unknown key",
        ),
        (
            'after = "storage"',
            'after = "anneal"',
            'after = "anneal"',
            "measurements[4].after",
            "unknown stage 'anneal' of history 'A'",
        ),
        (
            'k_from = "gb_prof"',
            'k_from = "nope"',
            'k_from = "nope"',
            "analyses[3].k_from",
            "unknown analysis 'nope'",
        ),
        (
            'stage_temperature = "-110 degC"',
            'stage_temperature = "5 h"',
            "stage_temperature",
            "analyses[7].stage_temperature",
            "is not a temperature",
        ),
        (
            'pair = "6Li/7Li"\nhistory = "A"',
            'pair = "6Li/7Li"\nhistory = "A"\ncorrections = { background = 1.5 }',
            "background = 1.5",
            "measurements[3].corrections.background",
            "expected 'natural' or an isotope fraction between 0 and 1 such as 0.0759, got 1.5",
        ),
        (
            'resolution = "1 um"',
            'resolution = "-1 um"',
            "resolution",
            "analyses[7].resolution",
            "greater than 0",
        ),
        (
            'result = "arr.Ea"',
            'result = "ar.Ea"',
            'result = "ar.Ea"',
            "comparisons[1].result",
            "unknown analysis 'ar'",
        ),
    ],
)
def test_bad_study_names_key_and_line(
    fixture_study: Path, tmp_path: Path, old: str, new: str, anchor: str, path: str, expected: str
) -> None:
    text = fixture_study.read_text(encoding="utf-8")
    assert old in text
    bad = text.replace(old, new, 1)
    for f in fixture_study.parent.iterdir():
        if f.name != "study.toml":
            (tmp_path / f.name).write_bytes(f.read_bytes())
    p = _write(tmp_path, bad)
    with pytest.raises(ConfigError) as exc:
        load_study(p)
    msg = str(exc.value)
    line = _line_of(bad, anchor)
    assert msg.startswith(f"study.toml:{line}: {path}: "), msg
    assert expected in msg
    assert "\n" not in msg


def test_anneal_before_exchange(fixture_study: Path, tmp_path: Path) -> None:
    text = fixture_study.read_text(encoding="utf-8")
    first = '[[histories.stages]]\nname = "exchange"'
    anneal = (
        '[[histories.stages]]\nname = "early"\nkind = "anneal"\ntemperature = "200 degC"\n'
        'duration = "1 h"\n\n'
    )
    bad = text.replace(first, anneal + first, 1)
    for f in fixture_study.parent.iterdir():
        if f.name != "study.toml":
            (tmp_path / f.name).write_bytes(f.read_bytes())
    line = _line_of(bad, "[[histories.stages]]")
    with pytest.raises(
        ConfigError,
        match=re.escape(
            f"study.toml:{line}: histories[0].stages: stage 'early' (anneal) comes before the "
            "exchange 'exchange'; expected the exchange first"
        ),
    ):
        load_study(_write(tmp_path, bad))


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    p = _write(tmp_path, '[study]\ntitle = "x"\nseed = = 3\n')
    with pytest.raises(ConfigError, match=r"^study.toml:3: not valid TOML"):
        load_study(p)


def test_missing_section_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^study.toml: sample: missing required key"):
        load_study(_write(tmp_path, '[study]\ntitle = "x"\n'))
    with pytest.raises(FileFormatError, match="no such study file"):
        load_study(tmp_path / "absent.toml")


def test_key_lines_inline_tables_and_arrays() -> None:
    text = (
        '[a]\nx = 1\n[[b]]\nitems = [\n  { p = 1, q = "s" },\n  { p = 2,\n    q = "t" },\n]\n'
        '[[b]]\ns = """multi\nline = 5\n"""\nz = 3\n'
    )
    pos = key_lines(text)
    assert pos[("a", "x")] == 2
    assert pos[("b", 0, "items", 1)] == 6
    assert pos[("b", 0, "items", 1, "q")] == 7
    assert pos[("b", 1, "s")] == 10
    assert pos[("b", 1, "z")] == 13
    assert ("b", 1, "line") not in pos  # inside a multi-line string
    assert format_loc(("b", 0, "items", 1, "q")) == "b[0].items[1].q"
