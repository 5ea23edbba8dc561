"""Memory of the 2D solver, estimated before anything is built, and the memory available.

The 2D finite-volume solver (``fv2d``) holds one sparse LU factorisation (SuperLU, minimum-degree
ordering) of an ``n = ny * nx`` five-point system plus a few sparse matrices and dense arrays
per cell.  Measured fill of the factor on square and elongated grids (2 500 to 360 000 cells) is
``nnz(L + U) = c n log2(n)`` with ``c`` between 1.4 and 3.7, at about 15.5 bytes of peak memory
per entry (value, index and SuperLU's work space); the estimate takes ``c = 4`` and 16 bytes.
Arrays (label image, face maps, conductances, the sparse operator and its COO build, the vectors
of the time stepping and of the preview) are taken as 800 bytes per cell, each kept field as 8,
plus a fixed 64 MiB (plotting, imports).  A 200 x 600 run peaks at ~170 MB; the estimate says
~290 MB.

Available memory is read, never guessed: ``MemAvailable`` of ``/proc/meminfo`` (else
``os.sysconf`` free physical pages), bounded by the cgroup limit minus its usage where one is set.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import SolverError

__all__ = [
    "MemoryEstimate",
    "available_memory_bytes",
    "check_solver_memory",
    "format_bytes",
    "out_of_memory",
    "solver_memory_estimate",
]

FILL_PER_CELL_LOG2 = 4.0
BYTES_PER_FACTOR_ENTRY = 16
BYTES_PER_CELL = 800
FIXED_BYTES = 64 << 20

_CGROUP_FILES = (  # (limit, usage): cgroup v2, then v1
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
)


@dataclass(frozen=True)
class MemoryEstimate:
    """Estimated peak memory (bytes) of a 2D solve: the LU factor, the arrays, the total."""

    shape: tuple[int, int]
    factor_bytes: int
    array_bytes: int

    @property
    def total_bytes(self) -> int:
        """Factor + arrays."""
        return self.factor_bytes + self.array_bytes


def format_bytes(n: float) -> str:
    """``n`` bytes as a short string in MiB, GiB or TiB."""
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / (1 << 20):.0f} MiB"


def solver_memory_estimate(
    shape: tuple[int, int], *, n_fields: int = 1, extra_bytes: int = 0
) -> MemoryEstimate:
    """Estimated peak memory of the 2D solver on a grid of ``shape = (ny, nx)`` cells keeping
    ``n_fields`` fields, plus ``extra_bytes`` of the caller's (e.g. SIMS images)."""
    ny, nx = (int(v) for v in shape)
    n = max(ny, 1) * max(nx, 1)
    fill = FILL_PER_CELL_LOG2 * n * math.log2(max(n, 2)) + 5 * n
    arrays = n * (BYTES_PER_CELL + 8 * max(int(n_fields), 1)) + FIXED_BYTES + int(extra_bytes)
    return MemoryEstimate((ny, nx), int(fill * BYTES_PER_FACTOR_ENTRY), int(arrays))


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _meminfo_available() -> int | None:
    try:
        lines = Path("/proc/meminfo").read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        key, _, rest = line.partition(":")
        parts = rest.split()
        if key == "MemAvailable" and parts and parts[0].isdigit():
            return int(parts[0]) * 1024
    return None


def _sysconf_available() -> int | None:
    try:
        pages, size = os.sysconf("SC_AVPHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return int(pages) * int(size) if pages > 0 and size > 0 else None


def available_memory_bytes() -> int | None:
    """Memory this process can still use (bytes), or None when the system does not say."""
    avail = _meminfo_available()
    if avail is None:
        avail = _sysconf_available()
    for limit_file, usage_file in _CGROUP_FILES:
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        if limit is not None and usage is not None and limit < (1 << 60):
            room = max(limit - usage, 0)
            avail = room if avail is None else min(avail, room)
    return avail


def _message(est: MemoryEstimate, available: int | None) -> str:
    ny, nx = est.shape
    have = "unknown" if available is None else format_bytes(available)
    return (
        f"the 2D grid of {ny} x {nx} cells needs about {format_bytes(est.total_bytes)} of "
        f"memory (sparse LU factor {format_bytes(est.factor_bytes)}, arrays "
        f"{format_bytes(est.array_bytes)}), {have} available; use fewer or larger cells"
    )


def check_solver_memory(
    shape: tuple[int, int], *, n_fields: int = 1, extra_bytes: int = 0
) -> MemoryEstimate:
    """Raise :class:`SolverError` (estimate and available memory in the message) when the 2D
    solve of ``shape`` would not fit; returns the estimate.  Unknown memory: no refusal."""
    est = solver_memory_estimate(shape, n_fields=n_fields, extra_bytes=extra_bytes)
    available = available_memory_bytes()
    if available is not None and est.total_bytes > available:
        raise SolverError(_message(est, available))
    return est


def out_of_memory(shape: tuple[int, int], *, n_fields: int = 1) -> SolverError:
    """The :class:`SolverError` for a solve that failed for lack of memory (SuperLU or numpy)."""
    est = solver_memory_estimate(shape, n_fields=n_fields)
    return SolverError(
        "out of memory during the 2D solve: " + _message(est, available_memory_bytes())
    )
