"""The files of one command stand or fall together: when a command fails after it has put some
outputs in place (the CSV before the PNG), those are removed again and files it replaced with
``force`` are put back.

The CLI runs every command inside :func:`command_outputs`; :func:`~.files.commit_file` reports
each file it puts in place to the active command.  Outside a command (library calls) nothing is
recorded.  Output folders are single outputs and are not recorded.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

__all__ = ["command_outputs", "committed", "created_folders", "in_command", "keep_backup"]


class _Written:
    """What the running command has put in place: (target, backup of what it replaced)."""

    def __init__(self) -> None:
        self.entries: list[tuple[Path, Path | None]] = []
        self.folders: list[Path] = []  # made for the outputs, deepest last

    def undo(self) -> None:
        for target, backup in reversed(self.entries):
            with contextlib.suppress(OSError):
                if backup is None:
                    target.unlink(missing_ok=True)
                else:
                    os.replace(backup, target)
        for folder in reversed(self.folders):
            with contextlib.suppress(OSError):  # only if empty: never remove what it holds
                folder.rmdir()
        self.entries.clear()
        self.folders.clear()

    def forget(self) -> None:
        for _, backup in self.entries:
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink(missing_ok=True)
        self.entries.clear()


_ACTIVE: contextvars.ContextVar[_Written | None] = contextvars.ContextVar(
    "tracerdiff_command_outputs", default=None
)


@contextlib.contextmanager
def command_outputs(*, keep_on: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Run a command: if the block raises (other than one of ``keep_on``, e.g. a deliberate
    exit), every file committed inside it is removed and every file it replaced is restored."""
    log = _Written()
    token = _ACTIVE.set(log)
    try:
        yield
    except BaseException as exc:
        if isinstance(exc, keep_on):
            log.forget()
        else:
            log.undo()
        raise
    else:
        log.forget()
    finally:
        _ACTIVE.reset(token)


def in_command() -> bool:
    """True inside a command-line command (:func:`command_outputs`), False for library calls:
    messages name the command-line option or the Python keyword accordingly."""
    return _ACTIVE.get() is not None


def keep_backup(target: Path) -> Path | None:
    """Inside a command, a hard link to the file ``target`` is about to replace (so that a
    failing command can put it back); None outside a command or when there is nothing."""
    if _ACTIVE.get() is None or not os.path.isfile(target) or os.path.islink(target):
        return None
    backup = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
    try:
        os.link(target, backup)
    except OSError:  # no hard links here: the replaced file cannot be put back
        return None
    return backup


def committed(target: Path, backup: Path | None) -> None:
    """Record that ``target`` was put in place (replacing what ``backup`` now holds)."""
    log = _ACTIVE.get()
    if log is not None:
        log.entries.append((target, backup))


def created_folders(folders: list[Path]) -> None:
    """Record folders made for an output (removed again, if empty, when the command fails)."""
    log = _ACTIVE.get()
    if log is not None:
        log.folders.extend(folders)
