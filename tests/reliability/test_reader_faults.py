"""Every bad input file gives one ``error: ...`` line and exit code 2 from ``tracerdiff info``
(no traceback, no hang, no third-party noise on stderr); where the fault would otherwise give a
silently wrong number, the library refuses it too."""

from __future__ import annotations

import json
import os
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
import tifffile
import xarray as xr

from tracerdiff.cli.app import main
from tracerdiff.errors import DataError, FileFormatError
from tracerdiff.io import open_dataset, read_npz, write_dataset
from tracerdiff.io.micrograph import read_micrograph

Build = Callable[[Path], Path]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    _, err = capsys.readouterr()
    return int(exc.value.code or 0), err


def _assert_one_error_line(code: int, err: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), err


# --- builders --------------------------------------------------------------------------------
def _image_ds(**attrs: Any) -> xr.Dataset:
    a = np.arange(12.0).reshape(3, 4)
    base = {"pixel_size_x_um": 1.0, "pixel_size_y_um": 1.0, "instrument": "t", "format": "t"}
    return xr.Dataset({"Li": (("y", "x"), a)}, attrs={**base, **attrs})


def _text(name: str, content: str) -> Build:
    def build(tmp: Path) -> Path:
        p = tmp / name
        p.write_text(content, encoding="utf-8")
        return p

    return build


def _iontof(fov: str, row2: str = "3 4") -> Build:
    return _text("img.txt", f"# Species: ^6Li+\n# Field of view (um): {fov}\n1 2\n{row2}\n")


def _npz_ok(tmp: Path) -> Path:
    return write_dataset(_image_ds(), tmp / "ok.npz")


def _truncated(build: Build, keep: float) -> Build:
    def b(tmp: Path) -> Path:
        p = build(tmp)
        data = p.read_bytes()
        p.write_bytes(data[: int(len(data) * keep)])
        return p

    return b


def _npy(tmp: Path) -> Path:
    p = tmp / "a.npy"
    np.save(p, np.arange(20000.0).reshape(100, 200))
    return p


def _npy_header_only(shape: tuple[int, ...], name: str = "big.npy") -> Build:
    def b(tmp: Path) -> Path:
        p = tmp / name
        with open(p, "wb") as fh:
            header = {"descr": "<f8", "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_1_0(fh, header)
            fh.write(b"\0" * 64)
        return p

    return b


def _zip(members: dict[str, bytes], name: str = "z.npz") -> Build:
    def b(tmp: Path) -> Path:
        p = tmp / name
        with zipfile.ZipFile(p, "w") as z:
            for k, v in members.items():
                z.writestr(k, v)
        return p

    return b


def _npy_bytes(a: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=True)
    return buf.getvalue()


def _npz_meta(meta: Any) -> Build:
    def b(tmp: Path) -> Path:
        p = tmp / "m.npz"
        text = meta if isinstance(meta, str) else json.dumps(meta)
        np.savez(p, Li=np.ones((3, 4)), __tracerdiff__=np.array(text))
        return p

    return b


def _meta(**attrs: Any) -> dict[str, Any]:
    base = {"pixel_size_x_um": 1.0, "pixel_size_y_um": 1.0}
    return {"__tracerdiff__": 1, "species": ["Li"], "attrs": {**base, **attrs}, "var_attrs": {}}


def _tiff(description: str | None, data: Any = None) -> Build:
    def b(tmp: Path) -> Path:
        p = tmp / "t.tif"
        a = np.ones((3, 4), dtype=np.uint16) if data is None else data
        tifffile.imwrite(p, a, description=description, metadata=None)
        return p

    return b


def _tiff_ok(tmp: Path) -> Path:
    return _tiff(None, np.arange(20000, dtype=np.uint16).reshape(100, 200))(tmp)


def _nc(ds: xr.Dataset) -> Build:
    def b(tmp: Path) -> Path:
        p = tmp / "d.nc"
        ds.to_netcdf(p, engine="h5netcdf")
        return p

    return b


def _foreign_h5(tmp: Path) -> Path:
    p = tmp / "foreign.h5"
    with h5py.File(p, "w") as f:
        f["some/random"] = np.arange(12.0).reshape(3, 4)
    return p


def _write(p: Path, a: np.ndarray) -> Path:
    p.write_bytes(_npy_bytes(a))
    return p


def _savez(p: Path, **arrays: np.ndarray) -> Path:
    np.savez(p, **arrays)  # type: ignore[arg-type]
    return p


def _huge_header(shape: tuple[int, ...]) -> bytes:
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f8", "fortran_order": False, "shape": shape}
    )
    return buf.getvalue() + b"\0" * 64


def _missing(tmp: Path) -> Path:
    return tmp / "missing.npy"


def _folder(tmp: Path) -> Path:
    (tmp / "folder.npy").mkdir()
    return tmp / "folder.npy"


def _parent_is_file(tmp: Path) -> Path:
    (tmp / "file.txt").write_text("x")
    return tmp / "file.txt" / "data.npy"


def _fifo(tmp: Path) -> Path:
    p = tmp / "pipe.txt"
    os.mkfifo(p)
    return p


def _dev_zero(tmp: Path) -> Path:
    return Path("/dev/zero")


_COMPLEX = np.ones((3, 4)) + 1j
_PX = ["--pixel-size", "1"]

# (id, builder, extra CLI args, library keyword arguments or None when only the CLI is checked)
CASES: list[tuple[str, Build, list[str], dict[str, Any] | None]] = [
    # OS errors and non-regular files
    ("missing", _missing, [], {}),
    ("folder", _folder, [], {}),
    ("parent-is-file", _parent_is_file, [], {}),
    ("fifo", _fifo, [], {}),
    ("dev-zero", _dev_zero, [], {}),
    ("empty", _text("empty.txt", ""), [], {}),
    # truncated / garbage npz and npy
    ("npz-truncated", _truncated(_npz_ok, 0.5), [], {}),
    ("npz-garbage", _text("g.npz", "PK\x03\x04" + "garbage " * 40), [], {}),
    ("npz-member-garbage", _zip({"Li.npy": b"not an npy header at all"}), [], {}),
    ("npz-member-truncated", _zip({"Li.npy": _npy_bytes(np.ones((50, 50)))[:300]}), _PX, None),
    ("npz-empty-zip", _zip({}), [], {}),
    ("npy-truncated", _truncated(_npy, 0.5), _PX, {"pixel_size_um": 1.0}),
    ("npy-garbage-header", _text("g.npy", "\x93NUMPY\x01\x00garbage"), _PX, None),
    ("npy-pickled", lambda t: _write(t / "p.npy", np.array([{}, 1], dtype=object)), _PX, None),
    ("npz-pickled", _zip({"Li.npy": _npy_bytes(np.array([{}, 1], dtype=object))}), _PX, None),
    # malformed tracerdiff metadata
    ("npz-meta-not-json", _npz_meta('{"__tracerdiff__": 1, "species": '), [], {}),
    ("npz-meta-wrong-types", _npz_meta({**_meta(), "species": 5}), [], {}),
    ("npz-meta-species-mismatch", _npz_meta({**_meta(), "species": ["O"]}), [], {}),
    ("npz-meta-px-string", _npz_meta(_meta(pixel_size_x_um="wide")), [], {}),
    ("tiff-meta-not-json", _tiff('{"__tracerdiff__": 1, "species": ['), [], {}),
    ("tiff-meta-wrong-types", _tiff(json.dumps({**_meta(), "attrs": [1]})), [], {}),
    ("tiff-meta-bad-shape", _tiff(json.dumps({**_meta(), "shape": [2, 5, 5]})), [], {}),
    ("nc-px-string", _nc(_image_ds(pixel_size_x_um="wide")), [], {}),
    # decompression bombs
    ("npy-declares-huge", _npy_header_only((100_000, 100_000)), _PX, {"pixel_size_um": 1.0}),
    ("npz-declares-huge", _zip({"Li.npy": _huge_header((50_000, 50_000))}), [], {}),
    ("tiff-over-limit", _tiff_ok, [*_PX, "--max-pixels", "1000"], None),
    ("npz-over-limit", _npz_ok, ["--max-pixels", "5"], {"max_pixels": 5}),
    ("nc-over-limit", _nc(_image_ds()), ["--max-pixels", "5"], {"max_pixels": 5}),
    ("tiff-truncated", _truncated(_tiff_ok, 0.5), _PX, {"pixel_size_um": 1.0}),
    # non-finite counts in text images
    ("iontof-inf", _iontof("4 x 2", "3 inf"), [], {}),
    ("iontof-nan", _iontof("4 x 2", "nan 4"), [], {}),
    ("iontof-missing-value", _iontof("4 x 2", "3"), [], {}),
    # complex values
    ("npz-complex", lambda t: _savez(t / "c.npz", Li=_COMPLEX), _PX, {"pixel_size_um": 1.0}),
    ("npy-complex", lambda t: _write(t / "c.npy", _COMPLEX), _PX, {"pixel_size_um": 1.0}),
    ("tiff-complex", _tiff(None, _COMPLEX.astype(np.complex64)), _PX, {"pixel_size_um": 1.0}),
    ("nc-complex", _nc(xr.Dataset({"Li": (("y", "x"), _COMPLEX)})), [], {}),
    # CSV profiles
    ("csv-semicolon-decimal-comma", _text("p.csv", "x_um;C\n0,5;0,3\n1,5;0,2\n"), [], {}),
    ("csv-quoted-decimal-comma", _text("p.csv", 'x_um,C\n0.5,"0,3"\n1.5,0.2\n'), [], {}),
    ("csv-unquoted-decimal-comma", _text("p.csv", "x_um,C\n0,5,0,3\n1,5,0,2\n"), [], {}),
    ("csv-extra-field", _text("p.csv", "x_um,C\n0.5,0.3\n1.5,0.2,9\n2.5,0.1\n"), [], {}),
    ("csv-extra-field-every-row", _text("p.csv", "x_um,C\n0,5,0.3\n1,5,0.2\n"), [], {}),
    # impossible field of view / pixel size
    ("fov-1e400", _iontof("1e400 x 200"), [], {}),
    ("fov-inf", _iontof("inf x 200"), [], {}),
    ("fov-negative", _iontof("-500 x 200"), [], {}),
    ("fov-zero", _iontof("0 x 0"), [], {}),
    ("npz-meta-px-1e400", _npz_meta(_meta(pixel_size_x_um=1e400)), [], {}),
    ("npz-meta-px-negative", _npz_meta(_meta(pixel_size_y_um=-1.0)), [], {}),
    (
        "tiff-meta-px-zero",
        _tiff(json.dumps({**_meta(pixel_size_x_um=0), "shape": [1, 3, 4]})),
        [],
        {},
    ),
    ("nc-px-inf", _nc(_image_ds(pixel_size_x_um=np.inf)), [], {}),
    ("nc-fov-negative", _nc(_image_ds(field_of_view_x_um=-3.0)), [], {}),
    (
        "header-shots-inf",
        _text("h.txt", "# Shots per pixel: inf\n# Field of view (um): 4\n1\n"),
        [],
        {},
    ),
    ("header-scans-fraction", _text("h.txt", "# Scans: 2.5\n# Field of view (um): 4\n1\n"), [], {}),
    # a foreign HDF5 file
    ("foreign-hdf5", _foreign_h5, [], {}),
]


@pytest.mark.parametrize(
    ("build", "extra", "lib_kw"),
    [pytest.param(b, e, k, id=i) for i, b, e, k in CASES],
)
def test_bad_file_gives_one_error_line(
    build: Build,
    extra: list[str],
    lib_kw: dict[str, Any] | None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = build(tmp_path)
    start = time.monotonic()
    code, err = _run(["info", str(path), *extra], capsys)
    assert time.monotonic() - start < 20
    _assert_one_error_line(code, err)
    if lib_kw is not None:
        with pytest.raises((FileFormatError, DataError)):
            open_dataset(path, **lib_kw)


def test_fifo_is_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Opening a FIFO with no writer would block for ever: it must be refused from stat."""
    p = _fifo(tmp_path)
    start = time.monotonic()
    code, err = _run(["info", str(p)], capsys)
    assert time.monotonic() - start < 2
    _assert_one_error_line(code, err)
    assert "not a regular file" in err


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_permission_denied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _npz_ok(tmp_path)
    p.chmod(0)
    try:
        code, err = _run(["info", str(p)], capsys)
    finally:
        p.chmod(0o644)
    _assert_one_error_line(code, err)
    assert "permission denied" in err


def _png(path: Path, width: int, height: int) -> Path:
    """A PNG whose header declares width x height grey pixels (the data are a few bytes)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


@pytest.mark.parametrize(
    ("size", "max_pixels"),
    [pytest.param(30_000, None, id="default-limit"), pytest.param(40, 1000, id="own-limit")],
)
def test_png_bomb(
    size: int, max_pixels: int | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = _png(tmp_path / "bomb.png", size, size)
    kw = {} if max_pixels is None else {"max_pixels": max_pixels}
    with pytest.raises(FileFormatError, match="max_pixels"):
        read_micrograph(p, **kw)
    if max_pixels is None:
        code, err = _run(["grains", str(p), "--pixel-size", "0.5 um"], capsys)
        _assert_one_error_line(code, err)


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, b"not an image at all"],
    ids=["bad-png", "not-an-image"],
)
def test_bad_micrograph(content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "m.png"
    p.write_bytes(content)
    code, err = _run(["grains", str(p), "--pixel-size", "0.5 um"], capsys)
    _assert_one_error_line(code, err)


def test_max_pixels_option_allows_what_fits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = _npz_ok(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["info", str(p), "--max-pixels", "12", "--json"])
    assert exc.value.code == 0
    assert read_npz(p, max_pixels=12)["Li"].shape == (3, 4)
    code, err = _run(["info", str(p), "--max-pixels", "0"], capsys)
    _assert_one_error_line(code, err)


@pytest.mark.parametrize(
    ("build", "where"),
    [
        pytest.param(_iontof("4 x 2", "3 inf"), "line 4, column 2", id="iontof-inf"),
        pytest.param(_text("p.csv", "x_um,C\n0.5,0.3\n1.5,0.2,9\n"), "line 3", id="csv-extra"),
        pytest.param(_text("p.csv", 'x_um,C\n0.5,"0,3"\n'), "line 2, column 2", id="csv-comma"),
        pytest.param(_text("p.csv", "# c\nx_um;C\n0,5;0,3\n"), "line 2", id="csv-semicolon"),
    ],
)
def test_text_errors_name_the_position(build: Build, where: str, tmp_path: Path) -> None:
    with pytest.raises((FileFormatError, DataError), match=where):
        open_dataset(build(tmp_path))


def test_complex_is_not_truncated_to_real(tmp_path: Path) -> None:
    p = _savez(tmp_path / "c.npz", Li=_COMPLEX)
    with pytest.raises(FileFormatError, match="complex"):
        read_npz(p, pixel_size_um=1.0)


def test_foreign_hdf5_message(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="not a tracerdiff/NetCDF count file"):
        open_dataset(_foreign_h5(tmp_path))


def test_good_files_still_read(tmp_path: Path) -> None:
    """The checks refuse only bad files: what tracerdiff writes reads back unchanged."""
    ds = _image_ds()
    for suffix in (".npz", ".tif", ".nc"):
        back = open_dataset(write_dataset(ds, tmp_path / f"ok{suffix}"))
        np.testing.assert_array_equal(back["Li"].values, ds["Li"].values)
        assert back.attrs["pixel_size_x_um"] == 1.0
