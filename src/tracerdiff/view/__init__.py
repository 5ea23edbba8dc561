"""Interactive viewer (``tracerdiff view``, or ``tracerdiff.view(ds)`` in Jupyter): the
fraction map, lines with their profile and k = D_gb/delta per boundary, regions, saved as a
study.  A thin layer over the library (:mod:`tracerdiff.view.session`); Panel and Bokeh are
the ``view`` extra and are imported only when a page is made.  See docs/view.md.

``tracerdiff.view`` is this package and is callable: ``td.view(ds)`` is :func:`view` whether
the package or the function was reached first (importing a submodule such as
``tracerdiff.view.session`` makes ``tracerdiff.view`` the package).
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import xarray as xr

    from ..imaging.options import FractionOptions

__all__ = ["view"]


def view(ds: xr.Dataset, *, pair: str | None = None, options: FractionOptions | None = None,
         d_bulk: str = "", width: str = "16 um") -> Any:  # fmt: skip
    """The viewer page for ``ds`` (count images or a fraction map) as a Panel object; shown
    by Jupyter as the cell's output (``pn.extension()`` first), or ``.show()`` in a script.

    ``d_bulk`` (e.g. ``"2.6e-8 cm^2/s"``) and ``width`` prefill the page's inputs.

    >>> import tracerdiff as td                    # doctest: +SKIP
    >>> td.view(td.open("A_map1.nc"), d_bulk="2.6e-8 cm^2/s")  # doctest: +SKIP
    """
    from .app import ViewerApp
    from .session import as_map_source

    return ViewerApp(
        as_map_source(ds, pair=pair, options=options), d_bulk=d_bulk, width=width
    ).layout


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`view`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
