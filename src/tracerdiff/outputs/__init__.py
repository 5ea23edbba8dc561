"""Safe outputs: never half-written, never overwritten without ``force``, never onto an input,
and never deleting anything tracerdiff did not write (docs/reliability.md, "Output files and
folders").

One idea per module: where an output may go (:mod:`.places`: inputs, the current folder,
foreign folders), the output folder's marker (:mod:`.marker`), renaming without replacing
(:mod:`.rename`), atomic files (:mod:`.files`), several files that appear together
(:mod:`.batch`), atomic folders (:mod:`.folders`) and the files of one command that are undone
when it fails (:mod:`.command`).  Import the names from here.
"""

from __future__ import annotations

from .batch import OutputBatch
from .command import command_outputs
from .files import SPACE_MARGIN_BYTES, atomic_path, atomic_write_text, write_bytes_checked
from .folders import atomic_dir
from .marker import MARKER, MARKER_KIND, is_output_folder
from .places import (
    check_not_input,
    check_output_dir,
    check_writable,
    named_input_files,
    protect_inputs,
)
from .rename import rename_noreplace

__all__ = [
    "MARKER",
    "MARKER_KIND",
    "SPACE_MARGIN_BYTES",
    "OutputBatch",
    "atomic_dir",
    "atomic_path",
    "atomic_write_text",
    "check_not_input",
    "check_output_dir",
    "check_writable",
    "command_outputs",
    "is_output_folder",
    "named_input_files",
    "protect_inputs",
    "rename_noreplace",
    "write_bytes_checked",
]
