"""Count matrices as CSV / TSV / ';' / whitespace text, and what is refused with one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tracerdiff.errors import DataError, FileFormatError, InputError
from tracerdiff.io import detect_kind, open_dataset, read_text_matrix

TRUTH = np.array([[0, 3, 5], [7, 11, 13]], dtype=float)


@pytest.mark.parametrize(
    ("suffix", "sep", "kind"),
    [
        (".csv", ",", "text_matrix"),
        (".tsv", "\t", "text_matrix"),
        (".txt", ";", "text_matrix"),
        (".txt", ",", "text_matrix"),
        (".dat", " ", "iontof_image"),  # whitespace .txt/.dat: the IONTOF reader, same numbers
    ],
)
def test_delimiters(tmp_path: Path, suffix: str, sep: str, kind: str) -> None:
    f = tmp_path / f"18O{suffix}"
    f.write_text("\n".join(sep.join(f"{v:g}" for v in row) for row in TRUTH) + "\n")
    assert detect_kind(f) == kind
    ds = open_dataset(f, pixel_size_um=0.5)
    np.testing.assert_array_equal(ds["18O"].values, TRUTH)
    assert ds.attrs["pixel_size_x_um"] == 0.5


def test_whitespace_matrix_forced(tmp_path: Path) -> None:
    f = tmp_path / "m.txt"
    f.write_text("# exported counts\n0  3\t5\n7 11 13\n\n")
    ds = read_text_matrix(f, species="^16O-", field_of_view_um=(3.0, 4.0))
    assert list(ds.data_vars) == ["16O"]
    assert ds.attrs["delimiter"] == "whitespace"
    assert (ds.attrs["pixel_size_x_um"], ds.attrs["pixel_size_y_um"]) == (1.0, 2.0)
    np.testing.assert_array_equal(ds["16O"].values, TRUTH)


def test_csv_profile_still_a_profile(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("x_um,C\n0,0.5\n1,0.4\n")
    assert detect_kind(f) == "profile_csv"


@pytest.mark.parametrize(
    ("text", "err", "match"),
    [
        ("1;2,5;3\n4;5;6\n", FileFormatError, r"line 1, column 2: decimal comma"),
        ("1\t2,5\t3\n", FileFormatError, "decimal comma"),
        ("1,2,3\n4,5\n", FileFormatError, r"line 2 has 2 values but line 1 has 3"),
        ("1,2,3\n4,,6\n", FileFormatError, r"line 2, column 2: empty field"),
        ("1,2,3\n4,nan,6\n", DataError, r"line 2, column 2: NaN or infinite"),
        ("1,2,3\n4,inf,6\n", DataError, r"line 2, column 2: NaN or infinite"),
        ("1,2,3\n4,x,6\n", FileFormatError, r"line 2, column 2: not a number"),
        ("1,2,3\n4,-5,6\n", DataError, "negative"),
    ],
)
def test_refused_one_line(tmp_path: Path, text: str, err: type[Exception], match: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(err, match=match) as info:
        read_text_matrix(f, pixel_size_um=1.0)
    assert "\n" not in str(info.value)


def test_trailing_separator(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("0,3,5,\r\n7,11,13,\r\n")
    np.testing.assert_array_equal(read_text_matrix(f, pixel_size_um=1.0)["m"].values, TRUTH)


def test_needs_pixel_size(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("1,2\n3,4\n")
    with pytest.raises(FileFormatError, match="pixel_size_um"):
        read_text_matrix(f)


def test_max_pixels_and_delimiter_option(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("1,2\n3,4\n5,6\n")
    with pytest.raises(FileFormatError, match="max_pixels=4"):
        open_dataset(f, pixel_size_um=1.0, max_pixels=4)
    with pytest.raises(InputError, match="delimiter must be"):
        read_text_matrix(f, delimiter="|", pixel_size_um=1.0)
    ds = read_text_matrix(f, delimiter="comma", pixel_size_um=1.0)
    assert ds.sizes["y"] == 3


def test_fractional_counts_are_dead_time_corrected(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("1.5,2\n3,4\n")
    assert read_text_matrix(f, pixel_size_um=1.0).attrs["dead_time_corrected"] == 1
