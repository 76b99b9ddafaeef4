"""Downloading a published model: resumable, cancellable, bounded in time, atomic, checked.

Nothing is ever downloaded unless a person asks for one model (the app's gallery or
``cyclegan models download``). Bytes go to ``.NAME.download`` beside the destination; an
interrupted transfer is continued with an HTTP Range request, and only a complete file is
renamed into place. ``CYCLEGAN_STUDIO_MIRROR`` replaces the reference's host (a mirror, or a
local server in the tests).
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import os
import select
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from . import __version__
from .events import Control, Stopped
from .fileio import is_disk_full, no_room_words

CHUNK = 1 << 16  # read as it arrives, at most this much: 1 MiB reads left Cancel waiting for a whole MiB (20 s at
# 50 kB/s, for ever on a connection that trickles) and showed no bytes until then
ORIGIN = "http://efrosgans.eecs.berkeley.edu"


class DownloadError(RuntimeError):
    """A download that did not complete, with what happened and what was kept."""


@dataclass(frozen=True)
class DownloadProgress:
    done: int
    total: int | None  # None when the server does not say


class TooLarge(Exception):
    def __init__(self, host: str, size: int, limit: int):
        super().__init__(f"{host} sent more than {limit / 1e6:.0f} MB (at least {size / 1e6:.0f} MB), far more than "
                         "the model it should be; nothing of it was kept")


def partial_path(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.download")


def mirrored(url: str) -> str:
    mirror = os.environ.get("CYCLEGAN_STUDIO_MIRROR", "").rstrip("/")
    return mirror + url[len(ORIGIN):] if mirror and url.startswith(ORIGIN) else url


def download(url: str, dest: str | Path, on_progress: Callable[[DownloadProgress], None] | None = None,
             control: Control | None = None, timeout: float = 30.0, max_bytes: int | None = None) -> Path:
    """Fetch ``url`` into ``dest``; continue a partial download left by an earlier attempt.

    More than ``max_bytes`` (said by the server, or received) is not what was asked for: refused, and what came
    is deleted. A mirror, or anyone on the path of a plain-http URL, could send without end: it filled the disk,
    and the junk was kept with advice to make room and continue it.

    Raises DownloadError (offline, timeout, HTTP error, full disk: the partial file is kept
    for the next attempt) or Stopped when ``control`` cancels (also kept): at once, even in a
    read from a server that sends nothing (its connection is shut; Cancel waited 30 s).
    """
    try:
        return _fetch(url, dest, on_progress, control, timeout, max_bytes)
    except (DownloadError, OSError):
        if control is not None and control.stopped:  # the shut connection's error is no news: it was cancelled
            raise Stopped() from None
        raise


def _fetch(url: str, dest: str | Path, on_progress: Callable[[DownloadProgress], None] | None,
           control: Control | None, timeout: float, max_bytes: int | None = None) -> Path:
    url, dest = mirrored(url), Path(dest)
    host = urlsplit(url).netloc
    part = partial_path(dest)
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": f"cyclegan-studio/{__version__}"}
    if have:
        headers["Range"] = f"bytes={have}-"
    answered = False
    try:
        with _opener_that_cancels(control).open(urllib.request.Request(url, headers=headers),
                                                timeout=timeout) as response:
            answered = True
            resumed = have and response.status == 206
            length = response.headers.get("Content-Length")
            total = (have if resumed else 0) + int(length) if length else None
            done = have if resumed else 0
            if max_bytes is not None and total is not None and total > max_bytes:
                raise TooLarge(host, total, max_bytes)
            dest.parent.mkdir(parents=True, exist_ok=True)  # once a server answers: offline left an empty folder
            if on_progress:
                on_progress(DownloadProgress(done, total))  # connected: said before the first bytes arrive
            with open(part, "ab" if resumed else "wb") as fh:
                while True:
                    if control is not None:
                        control.checkpoint()
                    chunk = response.read1(CHUNK)
                    if not chunk:
                        break
                    fh.write(chunk)
                    done += len(chunk)
                    if max_bytes is not None and done > max_bytes:
                        raise TooLarge(host, done, max_bytes)
                    if on_progress:
                        on_progress(DownloadProgress(done, total))
    except Stopped:
        raise
    except TooLarge as exc:
        part.unlink(missing_ok=True)
        raise DownloadError(str(exc)) from None
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the partial file is already complete (or the server changed it)
            part.unlink()
            return download(url, dest, on_progress, control, timeout)
        raise DownloadError(f"{host} answered {exc.code} {exc.reason} for {Path(urlsplit(url).path).name}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise DownloadError(f"{host} did not answer within {timeout:g} s; try again later") from None
        raise DownloadError(f"cannot reach {host} ({reason}): are you offline? Nothing was downloaded"
                            + (f" beyond the {have / 1e6:.1f} MB kept from before" if have else "")) from None
    except (socket.timeout, TimeoutError):
        if not answered:
            raise DownloadError(f"{host} did not answer within {timeout:g} s; try again later") from None
        raise DownloadError(f"{host} stopped sending for {timeout:g} s; {_kept(part)}: run it again to "
                            "continue") from None
    except OSError as exc:
        if is_disk_full(exc):
            raise DownloadError(f"{no_room_words(exc)}; {_kept(part)}: make room and run it again to "
                                "continue") from None
        raise DownloadError(f"the download failed ({exc}); {_kept(part)}") from None
    if control is not None and control.stopped:  # a shut connection reads as its end: not a whole file
        raise Stopped()
    if total is not None and done != total:
        raise DownloadError(f"the connection closed after {done / 1e6:.1f} of {total / 1e6:.1f} MB; "
                            f"{_kept(part)}: run it again to continue")
    os.replace(part, dest)
    return dest


def _connect_cancellably(control: Control, address: tuple[str, int], timeout: float | None,
                         source_address=None) -> socket.socket:
    """socket.create_connection, but a stop ends the wait for the server's answer at once: a blocking connect
    cannot be woken from another thread, and Cancel waited out the whole timeout (30 s) for a host that never
    answered. The connection is a non-blocking one, waited on in slices of 0.1 s; each of the host's addresses has
    the whole timeout, as there (an IPv6 address that drops everything, then the IPv4 one that answers). The name
    is looked up as :func:`_look_up_cancellably` does."""
    timeout = timeout if isinstance(timeout, (int, float)) else None  # or socket's "global default": none
    waiting = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY, getattr(errno, "WSAEWOULDBLOCK", -1)}
    failure: OSError = OSError(f"no address found for {address[0]}")
    for family, kind, proto, _, where in _look_up_cancellably(control, address, timeout):
        sock = socket.socket(family, kind, proto)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            if source_address:
                sock.bind(source_address)
            sock.setblocking(False)
            code = sock.connect_ex(where)
            while code in waiting:
                if control.stopped:
                    raise ConnectionAbortedError("cancelled")
                left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if left <= 0:
                    raise TimeoutError("timed out")
                _, writable, failed = select.select([], [sock], [sock], left)  # Windows says a refusal in the third
                if writable or failed:
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, os.strerror(code))
            sock.settimeout(timeout)
            return sock
        except OSError as exc:
            sock.close()
            failure = exc
            if control.stopped:
                break
    raise failure


def _look_up_cancellably(control: Control, address: tuple[str, int], timeout: float | None) -> list:
    """socket.getaddrinfo, waited for in slices of 0.1 s so that a stop, or the timeout, ends the wait: the lookup
    itself cannot be interrupted, and a stalled DNS server held Cancel for as long as the system's resolver tries
    (its retries add up to 20 s and more). A lookup given up ends on its own thread, unseen."""
    found: dict = {}

    def look_up() -> None:
        try:
            found["addresses"] = socket.getaddrinfo(*address, 0, socket.SOCK_STREAM)
        except Exception as exc:  # noqa: BLE001 - raised again in the caller (a label over 63 characters: UnicodeError)
            found["error"] = exc

    lookup = threading.Thread(target=look_up, name=f"lookup {address[0]}", daemon=True)
    lookup.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    while lookup.is_alive():
        if control.stopped:
            raise ConnectionAbortedError("cancelled")
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError(f"looking up {address[0]} timed out")
        lookup.join(0.1)
    error = found.get("error")
    if isinstance(error, OSError):
        raise error
    if error is not None:  # a name the resolver cannot take (a label over 63 characters: UnicodeError)
        raise OSError(f"{address[0]} is not a name that can be looked up ({error})") from None
    return found["addresses"]


def _opener_that_cancels(control: Control | None) -> urllib.request.OpenerDirector:
    """urllib's opener, each of its connections given up or shut when ``control`` stops (a TLS handshake that
    stalls after the connection is made still waits for the timeout)."""
    if control is None:
        return urllib.request.build_opener()

    def shut_when_stopped(sock: socket.socket) -> None:
        def shut() -> None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # a blocked read returns at once
        control.when_stopped(shut)

    def connect(*args, **kwargs) -> socket.socket:
        return _connect_cancellably(control, *args, **kwargs)

    class Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            self._create_connection = connect
            super().connect()
            shut_when_stopped(self.sock)

    class SecureConnection(http.client.HTTPSConnection):
        def connect(self) -> None:
            self._create_connection = connect
            super().connect()
            shut_when_stopped(self.sock)

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Connection, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(SecureConnection, req, context=self._context)

    return urllib.request.build_opener(Handler, SecureHandler)


def _kept(part: Path) -> str:
    size = part.stat().st_size if part.exists() else 0
    return f"the {size / 1e6:.1f} MB received are kept" if size else "nothing was kept"
