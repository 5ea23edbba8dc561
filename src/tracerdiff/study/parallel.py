"""Running a graph of independent tasks: local threads by default, ``"sync"`` for a serial run,
or a dask.distributed scheduler address (or Client) for an existing cluster.

The local schedulers are tracerdiff's own (a thread pool; no dask needed).  dask and distributed
are an optional extra (``pip install 'tracerdiff[parallel]'``), imported here only, and only when
a cluster is asked for; without them ``--scheduler`` is refused with one line naming the extra.
Tasks are plain module-level functions of plain arguments (picklable for a process cluster);
:class:`Ref` marks an argument that is another task's result. Randomness never comes from the
scheduler: every task receives its own seed (see :mod:`tracerdiff.study.plan`).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def _refs(obj: Any) -> set[str]:
    if isinstance(obj, Ref):
        return {obj.key}
    if isinstance(obj, dict):
        return set().union(*(_refs(v) for v in obj.values()))
    if isinstance(obj, (list, tuple)):
        return set().union(*(_refs(v) for v in obj))
    return set()


def _check_graph(nodes: list[Node]) -> dict[str, set[str]]:
    """Each node's dependencies; duplicate keys and references to later or unknown nodes are
    refused."""
    deps: dict[str, set[str]] = {}
    for n in nodes:
        if n.key in deps:
            raise InputError(f"duplicate task key {n.key!r}")
        d = _refs((n.args, dict(n.kwargs)))
        unknown = sorted(d - deps.keys())
        if unknown:
            raise InputError(
                f"task {n.key!r} refers to {unknown[0]!r}, which is not listed before it"
            )
        deps[n.key] = d
    return deps


def _run_serial(nodes: list[Node], on_done: Callable[[str], None] | None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for n in nodes:
        results[n.key] = n.func(*_subst(n.args, results), **_subst(dict(n.kwargs), results))
        if on_done is not None:
            on_done(n.key)
    return results


def _run_threads(
    nodes: list[Node], deps: dict[str, set[str]], on_done: Callable[[str], None] | None
) -> dict[str, Any]:
    """Every node on a pool of threads as soon as the results it needs are there; the first
    failing task's exception is raised (tasks not started yet are cancelled)."""
    results: dict[str, Any] = {}
    pending = list(nodes)
    running: dict[Future[Any], str] = {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        try:
            while pending or running:
                for n in [n for n in pending if deps[n.key] <= results.keys()]:
                    pending.remove(n)
                    args, kwargs = _subst(n.args, results), _subst(dict(n.kwargs), results)
                    running[pool.submit(n.func, *args, **kwargs)] = n.key
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    key = running.pop(fut)
                    results[key] = fut.result()
                    if on_done is not None:
                        on_done(key)
        except BaseException:
            for fut in running:
                fut.cancel()
            raise
    return results


def run_graph(
    nodes: list[Node],
    *,
    scheduler: Any = None,
    on_done: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Compute every node; return ``{key: result}``.

    ``scheduler``: None or ``"threads"`` (local threads), ``"sync"`` (serial, in this thread), a
    dask.distributed address such as ``"tcp://127.0.0.1:8786"``, or a ``distributed.Client``
    (these two need the ``parallel`` extra).  Nodes must be listed after the nodes they refer
    to.  ``on_done(key)`` is called in this thread after each task.
    """
    deps = _check_graph(nodes)
    if scheduler is None or scheduler in _LOCAL:
        results = (
            _run_threads(nodes, deps, on_done)
            if scheduler in (None, "threads")
            else _run_serial(nodes, on_done)
        )
    else:
        results = _run_distributed(nodes, scheduler, on_done)
    return {n.key: results[n.key] for n in nodes}


def _require_distributed() -> None:
    """:class:`InputError` naming the extra when dask.distributed is not installed."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(
            "--scheduler needs dask.distributed, which is not installed: pip install "
            "'tracerdiff[parallel]' (without --scheduler the study runs on local threads)"
        ) from None


def _run_distributed(
    nodes: list[Node], scheduler: Any, on_done: Callable[[str], None] | None
) -> dict[str, Any]:
    _require_distributed()
    import dask

    built: dict[str, Any] = {}
    for n in nodes:
        args = _subst(n.args, built)
        kwargs = _subst(dict(n.kwargs), built)
        built[n.key] = dask.delayed(n.func, pure=False)(*args, dask_key_name=n.key, **kwargs)
    keys = [n.key for n in nodes]
    with _client(scheduler) as client:
        results = _compute_distributed(client, [built[k] for k in keys], keys, on_done)
    return dict(zip(keys, results, strict=True))


_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx)://)?\[?[A-Za-z0-9_.:-]+\]?:\d{1,5}/?$")
_INPROC = re.compile(r"^inproc://\S+$")  # an in-process cluster of this interpreter
_PROBE_TIMEOUT_S = 3.0
_LOCAL = ("threads", "sync", "synchronous", "single-threaded")


def check_scheduler(scheduler: Any) -> None:
    """Refuse a ``scheduler`` that is not a local name, a Client, an address such as
    ``tcp://host:port`` or ``host:port`` where a scheduler answers (probed, <= 3 s), or an
    existing scheduler file (before any work)."""
    if scheduler is None or scheduler in _LOCAL or not isinstance(scheduler, (str, Path)):
        return
    _require_distributed()
    text = str(scheduler).strip()
    if _INPROC.match(text):
        return
    if _ADDRESS.match(text):
        port = int(text.rstrip("/").rsplit(":", 1)[1])
        if 0 < port < 65536:
            _probe(text)  # a failed Client() hangs in its __del__; refuse unreachable ports first
            return
    elif Path(text).is_file():
        return
    raise InputError(
        f"--scheduler: {text!r} is not a dask scheduler address; expected 'tcp://host:port', "
        "'host:port', an existing scheduler file, or 'threads' / 'sync'"
    )


def _probe(address: str) -> None:
    """Open a TCP connection to ``address`` (``[proto://]host:port``) quickly; on plain TCP a
    dask scheduler sends its handshake at once, so a port that stays silent or hangs up is not
    one (distributed's own connect would wait far beyond its timeout there)."""
    import socket

    scheme, _, hostport = address.rpartition("://")
    host, _, port = hostport.rstrip("/").rpartition(":")
    host = host.strip("[]")
    expected = "expected a running scheduler such as 'tcp://127.0.0.1:8786'"
    try:
        with socket.create_connection((host, int(port)), timeout=_PROBE_TIMEOUT_S) as sock:
            if scheme in ("", "tcp") and not sock.recv(1):
                raise InputError(
                    f"--scheduler: {address!r} closed the connection without a "
                    f"dask handshake; {expected}"
                )
    except TimeoutError:
        raise InputError(
            f"--scheduler: nothing at {address!r} answered like a dask scheduler "
            f"within {_PROBE_TIMEOUT_S:g} s; {expected}"
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(
            f"--scheduler: cannot connect to a dask scheduler at {address!r} ({reason}); {expected}"
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
    try:
        client = (
            Client(scheduler_file=text, timeout=CONNECT_TIMEOUT, set_as_default=False)
            if is_file
            else Client(text, timeout=CONNECT_TIMEOUT, set_as_default=False)
        )
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
