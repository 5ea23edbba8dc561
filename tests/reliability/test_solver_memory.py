"""The 2D solver's memory is estimated before the grid is built: a grid that would not fit is
refused with the estimate and the available memory, and running out of memory during the solve
is the same one-line SolverError (docs/reliability.md, "Simulations that do not fit")."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import tracerdiff.simulate.memory as memory
import tracerdiff.simulate.stepping as stepping
from tracerdiff.cli.app import main
from tracerdiff.errors import SolverError
from tracerdiff.history import Stage
from tracerdiff.simulate import evolve_polycrystal, homogenised_d_eff, make_laminate
from tracerdiff.simulate.materials import MaterialLaw

HUGE = """seed = 1
[grid]
nx = 100000
ny = 100000
[[stage]]
temperature = "200 degC"
duration = "1 h"
boundary = "source"
"""


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def _one_error_line(err: str) -> str:
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_huge_grid_refused_before_anything_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tracerdiff.simulate.run as run

    def no_build(*a: object, **k: object) -> None:
        raise AssertionError("the grid was built")

    monkeypatch.setattr(run, "make_polycrystal", no_build)
    cfg = tmp_path / "sim.toml"
    cfg.write_text(HUGE)
    code, out, err = _cli(
        ["simulate", "polycrystal", "--config", str(cfg), "-o", str(tmp_path / "out")], capsys
    )
    assert code == 2 and out == ""
    line = _one_error_line(err)
    assert "100000 x 100000 cells needs about" in line and "TiB" in line
    assert "available" in line and "sparse LU factor" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim.toml"]


def test_labels_too_large_for_the_memory_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = tmp_path / "grains.npy"
    np.save(labels, np.repeat(np.arange(4), 10)[None, :].repeat(8, axis=0))
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 1 << 20)
    code, _, err = _cli(
        [
            "simulate",
            "diffusion",
            "--labels",
            str(labels),
            "--pixel-size",
            "1 um",
            "--d-bulk",
            "1e-8 cm^2/s",
            "--d-gb-over-delta",
            "1e-6 cm/s",
            "--c-initial",
            "0",
            "--c-source",
            "1",
            "--time",
            "1 h",
            "-o",
            str(tmp_path / "out"),
        ],
        capsys,
    )
    assert code == 2
    line = _one_error_line(err)
    assert "8 x 40 cells needs about" in line and "1 MiB available" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grains.npy"]


def _laminate_case() -> tuple[object, MaterialLaw, list[Stage]]:
    poly = make_laminate((6, 40), [10, 10, 10, 10])
    mat = MaterialLaw(d0_bulk=1e-8, ea_bulk_eV=0.0, k0=1e-6, ea_k_eV=0.0)
    return poly, mat, [Stage(300.0, 3600.0, "source")]


@pytest.mark.parametrize("failure", ["memory", "singular"])
def test_solver_failures_are_one_line_solver_errors(
    monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    def failing_splu(*a: object, **k: object) -> None:
        if failure == "memory":
            raise MemoryError("SUPERLU_MALLOC fails for buffer")
        raise RuntimeError("Factor is exactly singular")

    monkeypatch.setattr(stepping.spla, "splu", failing_splu)
    poly, mat, stages = _laminate_case()
    expected = (
        "out of memory during the 2D solve: the 2D grid of 6 x 40 cells needs about"
        if failure == "memory"
        else "sparse LU factorisation failed: Factor is exactly"
    )
    with pytest.raises(SolverError, match=expected) as exc:
        evolve_polycrystal(poly, mat, stages, c_initial=0.0, c_source=1.0)  # type: ignore[arg-type]
    assert "\n" not in str(exc.value)
    with pytest.raises(SolverError, match=expected):
        homogenised_d_eff(poly, d_bulk=1e-8, k_median=1e-6)  # type: ignore[arg-type]


def test_numpy_memory_error_during_the_solve(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import tracerdiff.simulate.fv2d as fv2d

    def no_memory(*a: object, **k: object) -> None:
        raise MemoryError

    monkeypatch.setattr(fv2d, "integrate_stage", no_memory)
    labels = tmp_path / "grains.npy"
    np.save(labels, np.repeat(np.arange(4), 10)[None, :].repeat(8, axis=0))
    code, _, err = _cli(
        [
            "simulate",
            "diffusion",
            "--labels",
            str(labels),
            "--pixel-size",
            "1 um",
            "--d-bulk",
            "1e-8 cm^2/s",
            "--d-gb-over-delta",
            "1e-6 cm/s",
            "--c-initial",
            "0",
            "--c-source",
            "1",
            "--time",
            "1 h",
            "-o",
            str(tmp_path / "out"),
        ],
        capsys,
    )
    assert code == 2
    assert "out of memory during the 2D solve" in _one_error_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grains.npy"]


@pytest.mark.parametrize("shape", [(50, 50), (30, 300), (120, 120), (20, 1000)])
def test_factor_estimate_bounds_the_real_fill(shape: tuple[int, int]) -> None:
    """The estimate of the LU factor is above SuperLU's real fill on the solver's own matrix,
    by less than a factor 4 (so it refuses only what is really too large)."""
    ny, nx = shape
    tx = sp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(nx, nx))
    ty = sp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(ny, ny))
    a = sp.kron(sp.identity(ny), tx) + sp.kron(ty, sp.identity(nx))
    lu = spla.splu(
        sp.csc_matrix(sp.identity(nx * ny) - 0.1 * a),
        permc_spec="MMD_AT_PLUS_A",
        options={"SymmetricMode": True},
    )
    real = lu.nnz * memory.BYTES_PER_FACTOR_ENTRY
    est = memory.solver_memory_estimate(shape).factor_bytes
    assert real < est < 4 * real


def test_available_memory_is_read_from_the_system() -> None:
    avail = memory.available_memory_bytes()
    meminfo = Path("/proc/meminfo")
    if not meminfo.is_file():
        pytest.skip("no /proc/meminfo here")
    total_kib = next(
        int(line.split()[1])
        for line in meminfo.read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    assert avail is not None and 0 < avail <= total_kib * 1024


def test_unknown_memory_refuses_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: None)
    est = memory.check_solver_memory((100_000, 100_000))
    assert est.total_bytes > 1 << 40
    assert math.isclose(est.total_bytes, est.factor_bytes + est.array_bytes)


def _npy_header(path: Path, shape: tuple[int, int], data_bytes: int) -> None:
    from numpy.lib import format as npy_format

    with open(path, "wb") as fh:
        npy_format.write_array_header_1_0(
            fh, {"descr": "<i8", "fortran_order": False, "shape": shape}
        )
        offset = fh.tell()
    os.truncate(path, offset + data_bytes)  # sparse: nothing is written


@pytest.mark.parametrize("complete", [True, False])
def test_huge_label_file_is_refused_before_it_is_read(
    tmp_path: Path, complete: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """A label image declaring 100 000 x 100 000 cells: refused by the memory check from its
    header (complete file, sparse on disk) or as unreadable (truncated), never read."""
    labels = tmp_path / "grains.npy"
    _npy_header(labels, (100_000, 100_000), 8 * 10**10 if complete else 64)
    code, _, err = _cli(
        [
            "simulate",
            "diffusion",
            "--labels",
            str(labels),
            "--pixel-size",
            "1 um",
            "--d-bulk",
            "1e-8 cm^2/s",
            "--d-gb-over-delta",
            "1e-6 cm/s",
            "--c-initial",
            "0",
            "--c-source",
            "1",
            "--time",
            "1 h",
            "-o",
            str(tmp_path / "out"),
        ],
        capsys,
    )
    assert code == 2
    line = _one_error_line(err)
    expected = "100000 x 100000 cells needs about" if complete else "unreadable (ValueError)"
    assert expected in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grains.npy"]
