"""Human output on a stream whose encoding cannot print the text's symbols (an ASCII locale,
``PYTHONIOENCODING=ascii``): ``±`` becomes ``+-`` and the few other symbols their ASCII forms,
so a command never fails on printing its results."""

from __future__ import annotations

import codecs
from typing import Any

__all__ = ["ASCII_FORMS", "ascii_safe"]

#: symbols of the human output and what an ASCII-only stream shows instead
ASCII_FORMS: dict[str, str] = {
    "±": "+-",
    "°": "deg",
    "µ": "u",
    "×": "x",
    "≤": "<=",
    "≥": ">=",
    "−": "-",
    "–": "-",
    "—": "--",
    "→": "->",
    "⚠": "!",
}

_HANDLER = "tracerdiff_ascii_forms"


def _replace(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(ASCII_FORMS.get(ch, "?") for ch in bad), exc.end


def _register() -> None:
    try:
        codecs.lookup_error(_HANDLER)
    except LookupError:
        codecs.register_error(_HANDLER, _replace)


def ascii_safe(stream: Any) -> None:
    """Make ``stream`` (a text stream such as ``sys.stdout``) print ``±`` as ``+-`` (and the
    other :data:`ASCII_FORMS`) when its encoding cannot encode ``±``; otherwise leave it."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "±".encode(encoding)
        return
    except (UnicodeEncodeError, LookupError):
        pass
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None:
        return
    _register()
    reconfigure(errors=_HANDLER)
