"""Serving the viewer: a Bokeh server (through Panel) bound to 127.0.0.1, every page and
websocket request checked against a random session token (in the URL, then in a cookie), a
clean stop on Ctrl-C."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["ViewServer", "make_server", "new_token"]

COOKIE = "tracerdiff_view_token"


def new_token() -> str:
    """A random URL-safe session token (32 bytes)."""
    return secrets.token_urlsafe(32)


def _auth_provider(token: str) -> Any:
    """Bokeh auth provider: the token as query argument (sets the cookie) or cookie; anything
    else goes to ``/refused`` (HTTP 403)."""
    from bokeh.server.auth_provider import AuthProvider
    from tornado.web import RequestHandler

    class Refused(RequestHandler):
        def get(self) -> None:
            self.set_status(403)
            self.finish(
                "403: this tracerdiff view session needs the token printed by the "
                "command (open the URL it printed)"
            )

        post = get

    def get_user(handler: Any) -> str | None:
        given = handler.get_argument("token", default=None)
        if given is not None and hmac.compare_digest(given, token):
            try:
                handler.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
            except Exception:  # websocket handshakes cannot set cookies: the page did
                pass
            return "viewer"
        cookie = handler.get_cookie(COOKIE)
        if cookie is not None and hmac.compare_digest(cookie, token):
            return "viewer"
        return None

    class TokenAuth(AuthProvider):
        @property
        def get_user(self) -> Any:
            return get_user

        @property
        def login_url(self) -> str:
            return "/refused"

        @property
        def login_handler(self) -> type[RequestHandler]:
            return Refused

    return TokenAuth()


@dataclass
class ViewServer:
    """A started-or-not server, its port and the URL with the token."""

    server: Any
    port: int
    token: str

    @property
    def url(self) -> str:
        """The URL to open (with the token)."""
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def run(self) -> None:
        """Serve until Ctrl-C (or :meth:`stop`), then stop cleanly."""
        try:
            self.server.io_loop.start()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        srv, self.server = self.server, None
        if srv is not None:
            srv.stop()
            srv.io_loop.stop()


def make_server(app: Callable[[], Any], *, port: int = 0, token: str | None = None,
                title: str = "tracerdiff view") -> ViewServer:  # fmt: skip
    """A Panel server of ``app`` (a function returning the page) on 127.0.0.1:``port`` (0: a
    free port), not yet running; requests need ``token`` (a new random one by default)."""
    import panel as pn

    tok = token or new_token()
    port = port or _free_port()
    server = pn.serve(
        {"/": app}, port=port, address="127.0.0.1", show=False, start=False, title=title,
        websocket_origin=[f"127.0.0.1:{port}", f"localhost:{port}"],
        auth_provider=_auth_provider(tok),
        verbose=False,
    )  # fmt: skip
    server.start()
    return ViewServer(server=server, port=int(server.port), token=tok)


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
