"""Running a graph of independent tasks through dask: local threads by default, ``"sync"`` for a
serial run, or a dask.distributed scheduler address (or Client) for an existing cluster.

Tasks are plain module-level functions of plain arguments (picklable for a process cluster);
:class:`Ref` marks an argument that is another task's result. Randomness never comes from the
scheduler: every task receives its own seed (see :mod:`tracerdiff.study.plan`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask
from dask.callbacks import Callback

from ..errors import InputError

__all__ = ["CONNECT_TIMEOUT", "Node", "Ref", "check_scheduler", "run_graph"]

#: how long to wait for a dask.distributed scheduler given by address
CONNECT_TIMEOUT = "5s"


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
    if scheduler is None or scheduler in _LOCAL:
        name = "threads" if scheduler in (None, "threads") else "sync"
        cb = _Progress(on_done) if on_done else contextlib.nullcontext()
        with cb:
            results = dask.compute(*values, scheduler=name)
    else:
        with _client(scheduler) as client:
            results = _compute_distributed(client, values, keys, on_done)
    return dict(zip(keys, results, strict=True))


_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx)://)?\[?[A-Za-z0-9_.:-]+\]?:\d{1,5}/?$")
_INPROC = re.compile(r"^inproc://\S+$")  # an in-process cluster of this interpreter
_PROBE_TIMEOUT_S = 3.0
_LOCAL = ("threads", "sync", "synchronous", "single-threaded")


def check_scheduler(scheduler: Any) -> None:
    """Refuse a ``scheduler`` that is not a local name, a Client, an address such as
    ``tcp://host:port`` or ``host:port``, or an existing scheduler file (before any work)."""
    if scheduler is None or scheduler in _LOCAL or not isinstance(scheduler, (str, Path)):
        return
    text = str(scheduler).strip()
    if _INPROC.match(text):
        return
    if _ADDRESS.match(text):
        port = int(text.rstrip("/").rsplit(":", 1)[1])
        if 0 < port < 65536:
            return
    elif Path(text).is_file():
        return
    raise InputError(
        f"--scheduler: {text!r} is not a dask scheduler address; expected 'tcp://host:port', "
        "'host:port', an existing scheduler file, or 'threads' / 'sync'"
    )


def _probe(address: str) -> None:
    """Open and close a TCP connection to ``address`` (``[proto://]host:port``) quickly."""
    import socket

    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    host = host.strip("[]")
    try:
        with socket.create_connection((host, int(port)), timeout=_PROBE_TIMEOUT_S):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(
            f"--scheduler: cannot connect to a dask scheduler at {address!r} ({reason}); "
            "expected a running scheduler such as 'tcp://127.0.0.1:8786'"
        ) from None


@contextlib.contextmanager
def _client(scheduler: Any) -> Iterator[Any]:
    from distributed import Client

    if isinstance(scheduler, Client):
        yield scheduler
        return
    check_scheduler(scheduler)
    text = str(scheduler).strip()
    is_file = not (_ADDRESS.match(text) or _INPROC.match(text))
    if _ADDRESS.match(text):
        _probe(text)  # a failed Client() hangs in its __del__; refuse unreachable ports first
    try:
        client = (Client(scheduler_file=text, timeout=CONNECT_TIMEOUT, set_as_default=False)
                  if is_file else Client(text, timeout=CONNECT_TIMEOUT, set_as_default=False))
    except (OSError, TimeoutError, ValueError, KeyError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(
            f"--scheduler: cannot connect to a dask scheduler at {text!r} within "
            f"{CONNECT_TIMEOUT} ({reason[:160]}); expected a running scheduler such as "
            "'tcp://127.0.0.1:8786'"
        ) from None
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=2)


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
