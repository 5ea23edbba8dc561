"""Polycrystal benchmark: tracerdiff.simulate (TR-BDF2 + one sparse LU per step size) vs FiPy.

Cases (each in its own process so that peak memory is per case):
  peer   1000 x 200 cells of 1 um, 59 h exchange at 22 C with the study's parameters; FiPy
         backward Euler, 50 steps, PCG at tolerance 1e-12, same face coefficients; errors against
         a converged answer (TR-BDF2, 2048 steps).  Our run at default rtol 1e-4 and at a rtol
         giving FiPy's error.
  history  1000 x 500 cells through sample A's history (59 h exchange, 16 d storage).
  scale  the 59 h exchange at 100k, 200k, 500k, 800k cells: time and peak memory.

Usage: python benchmarks/bench_polycrystal.py [--case peer|history|scale|all] [--no-fipy]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from tracerdiff.history import Stage
from tracerdiff.simulate import (
    diffusion_operator,
    evolve_polycrystal,
    face_conductances_2d,
    grid_geometry,
    integrate_stage,
    llto_material,
    make_polycrystal,
)

T22, H = 295.15, 3600.0
C0, CS = 0.0759, 0.95


def _setup(ny: int, nx: int, seed: int = 1):
    mat = llto_material()
    poly = make_polycrystal((ny, nx), rng=seed)
    h = 1e-4
    db, k = mat.d_bulk(T22), mat.k_gb(T22)
    geo = grid_geometry(poly.labels)
    gx, gy = face_conductances_2d(geo, k * poly.k_factor, h_cm=h, d_bulk=db, gb_faces="corrected")
    a, b = diffusion_operator(gx, gy, h_cm=h, boundary={"left": (2 * db / h, CS)})
    return mat, poly, gx, gy, a, b, db


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def case_peer(use_fipy: bool) -> dict:
    _, _, gx, gy, a, b, db = _setup(200, 1000)
    c0 = np.full(a.shape[0], C0)
    t = 59 * H
    ref, *_ = integrate_stage(a, b, c0, duration_s=t, steps=2048)
    out: dict = {"cells": a.shape[0]}
    for rtol in (1e-4, 1e-3, 3e-3):
        t0 = time.perf_counter()
        c, n, nf, _ = integrate_stage(a, b, c0, duration_s=t, rtol=rtol, scale=CS - C0)
        out[f"ours_rtol_{rtol:g}"] = {
            "time_s": time.perf_counter() - t0,
            "steps": n,
            "factorisations": nf,
            "max_error": float(np.max(np.abs(c - ref))),
        }
    if use_fipy:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "simulate"))
        from fipy_peer import fipy_backward_euler

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            peer = fipy_backward_euler(
                gx,
                gy,
                h_cm=1e-4,
                d_bulk=db,
                c0=C0,
                c_source=CS,
                time_s=t,
                steps=50,
                solver="pcg",
                tolerance=1e-12,
            )
            out["fipy_be_50"] = {
                "time_s": time.perf_counter() - t0,
                "max_error": float(np.max(np.abs(peer.ravel() - ref))),
            }
    out["peak_rss_mb"] = _maxrss_mb()
    return out


def case_history() -> dict:
    mat = llto_material()
    t0 = time.perf_counter()
    poly = make_polycrystal((500, 1000), rng=2)
    t_ms = time.perf_counter() - t0
    t0 = time.perf_counter()
    ev = evolve_polycrystal(
        poly,
        mat,
        [Stage(T22, 59 * H, "source"), Stage(T22, 16 * 86400.0)],
        c_initial=C0,
        c_source=CS,
        gb_faces="corrected",
        rtol=1e-4,
    )
    return {
        "cells": 500 * 1000,
        "microstructure_s": t_ms,
        "history_s": time.perf_counter() - t0,
        "pieces": [r.to_dict() for r in ev.reports],
        "peak_rss_mb": _maxrss_mb(),
    }


def case_scale(ny: int, nx: int) -> dict:
    _, _, _, _, a, b, _ = _setup(ny, nx)
    t0 = time.perf_counter()
    _, n, nf, _ = integrate_stage(
        a, b, np.full(a.shape[0], C0), duration_s=59 * H, rtol=1e-4, scale=CS - C0
    )
    return {
        "cells": ny * nx,
        "time_s": time.perf_counter() - t0,
        "steps": n,
        "factorisations": nf,
        "peak_rss_mb": _maxrss_mb(),
    }


def _sub(args: list[str]) -> dict:
    r = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--case", default="all")
    p.add_argument("--no-fipy", action="store_true")
    p.add_argument("--shape", default="")
    ns = p.parse_args()
    if ns.case == "peer":
        print(json.dumps(case_peer(not ns.no_fipy)))
    elif ns.case == "history":
        print(json.dumps(case_history()))
    elif ns.case == "scale" and ns.shape:
        ny, nx = (int(v) for v in ns.shape.split("x"))
        print(json.dumps(case_scale(ny, nx)))
    else:
        res = {
            "peer": _sub(["--case", "peer"] + (["--no-fipy"] if ns.no_fipy else [])),
            "history": _sub(["--case", "history"]),
            "scale": [
                _sub(["--case", "scale", "--shape", s])
                for s in ("200x500", "200x1000", "500x1000", "800x1000")
            ],
        }
        print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
