"""Text from users (file names, labels, study ids) shown literally in matplotlib figures."""

from __future__ import annotations

__all__ = ["literal"]


def literal(text: object) -> str:
    """``text`` with ``$`` escaped, so matplotlib never parses it as mathtext (a file named
    ``a$b.csv`` would otherwise raise a parse error or render as maths)."""
    return str(text).replace("$", r"\$")
