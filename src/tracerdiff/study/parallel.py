"""Running a graph of independent tasks through dask: local threads by default, ``"sync"`` for a
serial run, or a dask.distributed scheduler address (or Client) for an existing cluster.

Tasks are plain module-level functions of plain arguments (picklable for a process cluster);
:class:`Ref` marks an argument that is another task's result. Randomness never comes from the
scheduler: every task receives its own seed (see :mod:`tracerdiff.study.plan`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import dask
from dask.callbacks import Callback

from ..errors import InputError

__all__ = ["CONNECT_TIMEOUT", "Node", "Ref", "run_graph"]

#: how long to wait for a dask.distributed scheduler given by address
CONNECT_TIMEOUT = "10s"


@dataclass(frozen=True)
class Ref:
    """An argument that is the result of the task ``key``."""

    key: str


@dataclass(frozen=True)
class Node:
    """One task: ``func(*args, **kwargs)`` with :class:`Ref` values replaced by results."""

    key: str
    func: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    label: str = ""


def _subst(obj: Any, built: dict[str, Any]) -> Any:
    if isinstance(obj, Ref):
        return built[obj.key]
    if isinstance(obj, dict):
        return {k: _subst(v, built) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_subst(v, built) for v in obj)
    return obj


class _Progress(Callback):
    """Advances a callback after each finished task of the local schedulers."""

    def __init__(self, on_done: Callable[[str], None]) -> None:
        super().__init__()
        self._on_done = on_done

    def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
        self._on_done(str(key[0] if isinstance(key, tuple) else key))


def run_graph(
    nodes: list[Node],
    *,
    scheduler: Any = None,
    on_done: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Compute every node; return ``{key: result}``.

    ``scheduler``: None or ``"threads"`` (local threads), ``"sync"`` (serial, in this thread), a
    dask.distributed address such as ``"tcp://127.0.0.1:8786"``, or a ``distributed.Client``.
    Nodes must be listed after the nodes they refer to.
    """
    built: dict[str, Any] = {}
    for n in nodes:
        if n.key in built:
            raise InputError(f"duplicate task key {n.key!r}")
        args = _subst(n.args, built)
        kwargs = _subst(dict(n.kwargs), built)
        built[n.key] = dask.delayed(n.func, pure=False)(*args, dask_key_name=n.key, **kwargs)
    keys = [n.key for n in nodes]
    values = [built[k] for k in keys]
    if scheduler is None or scheduler in ("threads", "sync", "synchronous", "single-threaded"):
        name = "threads" if scheduler in (None, "threads") else "sync"
        cb = _Progress(on_done) if on_done else contextlib.nullcontext()
        with cb:
            results = dask.compute(*values, scheduler=name)
    else:
        with _client(scheduler) as client:
            results = _compute_distributed(client, values, keys, on_done)
    return dict(zip(keys, results, strict=True))


@contextlib.contextmanager
def _client(scheduler: Any) -> Iterator[Any]:
    from distributed import Client

    if isinstance(scheduler, Client):
        yield scheduler
        return
    try:
        client = Client(str(scheduler), timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            f"--scheduler: cannot connect to a dask scheduler at {scheduler!r} ({exc}); "
            "expected an address such as 'tcp://127.0.0.1:8786'"
        ) from None
    try:
        yield client
    finally:
        client.close()


def _compute_distributed(
    client: Any, values: list[Any], keys: list[str], on_done: Callable[[str], None] | None
) -> list[Any]:
    from distributed import as_completed

    futures = client.compute(values)
    if on_done is not None:
        index = {f.key: k for f, k in zip(futures, keys, strict=True)}
        for fut in as_completed(futures):
            on_done(index.get(fut.key, str(fut.key)))
    return list(client.gather(futures))
