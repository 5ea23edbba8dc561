"""Readers: the real instrument exports give the README's numbers; CSV/TSV conventions are
detected or given; bad files are refused with one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tracerdiff.errors import DataError, FileFormatError, InputError
from tracerdiff.impedance import read_spectra, read_spectrum

# (file, format detected, points, f_min, f_max, first Z) as docs of the real-data folder state
REAL = [
    ("exampleData.csv", "csv", 66, 3.162e-3, 1e4, 0.0494999 - 0.0204387j),
    ("exampleDataAutolab.txt", "zplot", 41, 0.1, 1e4, 0.0137859 + 0.00719195j),
    ("exampleDataCHInstruments.txt", "chinstruments", 73, 0.1, 9.961e4, 98.91 - 2.748j),
    ("exampleDataGamry.DTA", "gamry", 72, 0.01589, 2e5, 825.858 - 1367.24j),
    ("exampleDataParstat.txt", "parstat", 31, 10, 1e4, -0.000498163 + 0.0175143j),
    ("exampleDataPowersuite.txt", "csv", 30, 0.1, 2e6, 423929 - 49014.1j),
    ("exampleDataVersaStudio.par", "versastudio", 61, 0.02154, 1e5, 55.3157 + 4.57543j),
]


@pytest.mark.parametrize(("name", "fmt", "n", "fmin", "fmax", "z0"), REAL)
def test_real_exports(
    real_data: Path, name: str, fmt: str, n: int, fmin: float, fmax: float, z0: complex
) -> None:
    s = read_spectrum(real_data / "impedance_py" / name)
    assert s.format == fmt
    assert s.n_points == n
    assert s.frequency_Hz.min() == pytest.approx(fmin, rel=1e-3)
    assert s.frequency_Hz.max() == pytest.approx(fmax, rel=1e-3)
    assert s.z[0].real == pytest.approx(z0.real, rel=1e-5)
    assert s.z[0].imag == pytest.approx(z0.imag, rel=1e-5)


def test_gamry_aborted_run_is_said(real_data: Path) -> None:
    s = read_spectrum(real_data / "impedance_py" / "exampleDataGamryABORT.DTA")
    assert s.n_points == 72
    assert any("aborted" in n for n in s.notes)


def test_parstat_dc_rows_counted(real_data: Path) -> None:
    s = read_spectrum(real_data / "impedance_py" / "exampleDataParstat.txt")
    assert any("frequency 0" in n for n in s.notes)


def test_zplot_fixture(test_data: Path) -> None:
    """ZPlot .z export from impedance.py's data folder (MIT): 21 rows, header says 56."""
    s = read_spectrum(test_data / "impedance" / "exampleDataZPlot.z")
    assert s.format == "zplot" and s.n_points == 21
    assert s.frequency_Hz.max() == pytest.approx(3e5)
    assert s.z[0] == pytest.approx(147.77 - 11.335j)
    assert any("declares 56" in n for n in s.notes)


@pytest.mark.parametrize(
    ("name", "instrument"),
    [
        ("exampleData.csv", None),
        ("exampleDataAutolab.txt", "autolab"),
        ("exampleDataCHInstruments.txt", "chinstruments"),
        ("exampleDataGamry.DTA", "gamry"),
        ("exampleDataParstat.txt", "parstat"),
        ("exampleDataPowersuite.txt", "powersuite"),
        ("exampleDataVersaStudio.par", "versastudio"),
    ],
)
def test_same_as_impedance_py(real_data: Path, name: str, instrument: str | None) -> None:
    """Peer check: impedance.py's own readers give the same arrays."""
    pp = pytest.importorskip("impedance.preprocessing")
    f, z = pp.readFile(str(real_data / "impedance_py" / name), instrument=instrument)
    s = read_spectrum(real_data / "impedance_py" / name)
    np.testing.assert_allclose(s.frequency_Hz, f, rtol=1e-12)
    np.testing.assert_allclose(s.z, z, rtol=1e-12)


def _write(tmp_path: Path, text: str, name: str = "s.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


F = np.logspace(5, 0, 12)
ZR = 100 + 900 / (1 + (F / 1e3) ** 2)
ZI = -900 * (F / 1e3) / (1 + (F / 1e3) ** 2)


def _table(fmt: str, cols: list[np.ndarray], sep: str = ",") -> str:
    return "\n".join(sep.join(fmt.format(v) for v in row) for row in zip(*cols, strict=True))


@pytest.mark.parametrize(
    ("header", "cols", "scale_z"),
    [
        ("f,Z',Z''", [F, ZR, ZI], 1.0),
        ("Frequency (Hz),Z' (Ohm),-Z'' (Ohm)", [F, ZR, -ZI], 1.0),
        ("freq/Hz,Zre/kOhm,Zim/kOhm", [F, ZR / 1e3, ZI / 1e3], 1.0),
        ("Freq (kHz),Re(Z),Im(Z)", [F / 1e3, ZR, ZI], 1.0),
        ("omega (rad/s),Z',Z''", [2 * np.pi * F, ZR, ZI], 1.0),
    ],
)
def test_header_conventions(
    tmp_path: Path, header: str, cols: list[np.ndarray], scale_z: float
) -> None:
    s = read_spectrum(
        _write(tmp_path, header + "\n" + _table("{:.12g}", cols) + "\n"), min_points=10
    )
    np.testing.assert_allclose(s.frequency_Hz, F, rtol=1e-10)
    np.testing.assert_allclose(s.z, (ZR + 1j * ZI) * scale_z, rtol=1e-10)


def test_modulus_phase_columns(tmp_path: Path) -> None:
    z = ZR + 1j * ZI
    text = (
        "Freq/Hz,|Z|/ohm,Phase/deg\n"
        + _table("{:.15g}", [F, np.abs(z), np.degrees(np.angle(z))])
        + "\n"
    )
    s = read_spectrum(_write(tmp_path, text))
    np.testing.assert_allclose(s.z, z, rtol=1e-10)
    assert any("phase" in n for n in s.notes)


def test_semicolon_decimal_comma(tmp_path: Path) -> None:
    body = _table("{:.10g}", [F, ZR, -ZI], ";").replace(".", ",")
    s = read_spectrum(_write(tmp_path, "Frequency (Hz);Z' (Ω);-Z'' (Ω)\n" + body + "\n"))
    np.testing.assert_allclose(s.z, ZR + 1j * ZI, rtol=1e-8)
    assert any("decimal commas" in n for n in s.notes)


def test_headerless_positive_imaginary_is_minus_z(tmp_path: Path) -> None:
    p = _write(tmp_path, _table("{:.12g}", [F, ZR, -ZI], "\t") + "\n", "s.tsv")
    s = read_spectrum(p)
    np.testing.assert_allclose(s.z_imag_ohm, ZI, rtol=1e-10)
    assert any("read as -Z''" in n for n in s.notes)
    kept = read_spectrum(p, imag_sign="z")
    np.testing.assert_allclose(kept.z_imag_ohm, -ZI, rtol=1e-10)


def test_temperature_column_splits(tmp_path: Path) -> None:
    t = np.r_[np.full(12, 25.0), np.full(12, 75.0)]
    cols = [np.r_[F, F], np.r_[ZR, ZR / 3], np.r_[ZI, ZI / 3], t]
    s = read_spectra(_write(tmp_path, "f,Z',Z'',T (degC)\n" + _table("{:.12g}", cols) + "\n"))
    assert [round(x.temperature_K or 0, 2) for x in s] == [298.15, 348.15]
    np.testing.assert_allclose(s[1].z, (ZR + 1j * ZI) / 3, rtol=1e-10)
    with pytest.raises(DataError, match="2 spectra"):
        read_spectrum(tmp_path / "s.csv")


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("f,Z',Z''\n1,2,3\n2,3,4\n", DataError, "at least 10 points"),
        (
            "f,Z',Z''\n" + _table("{:.6g}", [np.r_[F[:5], F[6], F[5], F[7:]], ZR, ZI]),
            DataError,
            "monotonic",
        ),
        (
            "f,Z',Z''\n" + _table("{:.6g}", [F, np.r_[ZR[:3], np.nan, ZR[4:]], ZI]),
            DataError,
            "Z' of point 4 is not a finite",
        ),
        ("a,b,c\n" + _table("{:.6g}", [F, ZR, ZI]), FileFormatError, "header names no frequency"),
        (
            "f,Z',Z''\n" + _table("{:.6g}", [F, ZR, ZI]) + "\n1,2,x\n",
            FileFormatError,
            "not a number",
        ),
        ("f,Z',Z''\n" + _table("{:.6g}", [-F, ZR, ZI]), DataError, "not > 0"),
    ],
)
def test_bad_tables(tmp_path: Path, text: str, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        read_spectrum(_write(tmp_path, text + "\n"))


def test_binary_and_options_refused(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(FileFormatError, match="binary"):
        read_spectrum(p)
    with pytest.raises(InputError, match="format"):
        read_spectrum(p, format="nope")
    with pytest.raises(InputError, match="imag_sign"):
        read_spectrum(p, imag_sign="up")
    with pytest.raises(FileFormatError, match="no such file"):
        read_spectrum(tmp_path / "missing.csv")


def test_error_messages_do_not_quote_the_file(tmp_path: Path) -> None:
    secret = "SECRET-CONTENT"
    text = "f,Z',Z''\n" + _table("{:.6g}", [F, ZR, ZI]) + f"\n1,2,{secret}\n"
    with pytest.raises(FileFormatError) as info:
        read_spectrum(_write(tmp_path, text))
    assert secret not in str(info.value)
