"""One-dimensional diffusion solvers: exact transforms (uniform D) and finite volumes (any D).

Only the solvers of this package's own modules are re-exported here; ``bicrystal`` (models) is
imported by its full path.
"""

from __future__ import annotations

from .exact import SpectralEvolver, evolve_exact
from .fv1d import boundary_vector, evolve_fv1d, face_conductances, grid_operator

__all__ = [
    "SpectralEvolver",
    "boundary_vector",
    "evolve_exact",
    "evolve_fv1d",
    "face_conductances",
    "grid_operator",
]
