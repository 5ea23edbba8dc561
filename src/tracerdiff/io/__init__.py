"""Reading and writing SIMS data: one reader per format, :func:`open_dataset` dispatch, writers.

Formats: IONTOF ASCII images (matrix and ``x y [scan] counts``) and depth profiles, Cameca
NanoSIMS ``.im``/``.is`` (via ``sims``), Cameca IMS ``.asc`` reports, TIFF (ImageJ / OME
calibration), ``.npy``/``.npz``, NetCDF, text count matrices (CSV / TSV / whitespace), LANS
``.mat`` ion maps, CSV profiles, spot line scans. See ``docs/io.md``.
"""

from __future__ import annotations

from ._common import normalize_species, sha256_file
from .arrays import read_netcdf, read_npy, read_npz, read_tiff, write_dataset
from .cameca import read_cameca_im, read_cameca_is
from .cameca_ims import ims_corrected_rates, read_cameca_ims_asc
from .dispatch import GENERIC_KINDS, KINDS, detect_kind, open_dataset, open_images
from .iontof import read_iontof_image, write_iontof_columns, write_iontof_image
from .iontof_profile import read_iontof_depth_profile, write_iontof_depth_profile
from .lans import read_lans_cells, read_lans_mat
from .linescan import SpotDrift, position_from_name, read_spot_linescan, spot_drift
from .profile_csv import binomial_fraction, read_profile_csv, write_profile_csv
from .text_matrix import read_text_matrix

__all__ = [
    "GENERIC_KINDS",
    "KINDS",
    "SpotDrift",
    "binomial_fraction",
    "detect_kind",
    "ims_corrected_rates",
    "normalize_species",
    "open_dataset",
    "open_images",
    "position_from_name",
    "read_cameca_im",
    "read_cameca_ims_asc",
    "read_cameca_is",
    "read_iontof_depth_profile",
    "read_iontof_image",
    "read_lans_cells",
    "read_lans_mat",
    "read_netcdf",
    "read_npy",
    "read_npz",
    "read_profile_csv",
    "read_spot_linescan",
    "read_text_matrix",
    "read_tiff",
    "sha256_file",
    "spot_drift",
    "write_dataset",
    "write_iontof_columns",
    "write_iontof_depth_profile",
    "write_iontof_image",
    "write_profile_csv",
]
