"""Downloading a published model from a local server: success, a cut transfer resumed, cancel, garbage,
a server that hangs, no server at all, a full disk. Nothing here reaches outside 127.0.0.1."""

import contextlib
import errno
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch

from engine import download as download_module
from engine.download import DownloadError, download, partial_path
from engine.events import Control, Stopped
from engine.library import Library
from engine.modelfile import ModelFileError, load_model
from tests.engine.reference_layout import resnet


class Server:
    """Serves ``body`` at any path; ``mode`` makes it misbehave: cut (half, then close), hang, garbage, drip (a
    byte each 0.1 s)."""

    def __init__(self, body: bytes):
        self.body, self.mode, self.ranges = body, "ok", []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.ranges.append(self.headers.get("Range"))
                if server.mode == "hang":
                    server.release.wait(10)
                    return
                body, start = server.body, 0
                if server.mode in ("endless", "claims"):  # bytes without end, unannounced; or an absurd length
                    self.send_response(200)
                    if server.mode == "claims":
                        self.send_header("Content-Length", str(10**12))
                    self.end_headers()
                    with contextlib.suppress(OSError):
                        while not server.release.is_set():
                            self.wfile.write(b"\0" * 65536)
                    return
                if server.mode == "garbage":
                    body = b"<html>not a model</html>" * 100
                elif self.headers.get("Range"):
                    start = int(self.headers["Range"].split("=")[1].rstrip("-"))
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                if server.mode == "drip":  # a byte at a time, as a stalling connection trickles
                    for byte in body[start:start + 200]:
                        if server.release.wait(0.1):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    return
                if server.mode == "cut":
                    self.wfile.write(body[start:start + (len(body) - start) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                self.wfile.write(body[start:])

        self.release = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def reference_file(**network) -> bytes:
    torch.manual_seed(0)
    buffer = io.BytesIO()
    torch.save(resnet(**network).state_dict(), buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def published_file():
    """A generator in the reference's layout and of its published network's kind (a ResNet of 9 blocks, narrower),
    as its server would send it."""
    return reference_file(ngf=8, blocks=9)


def nothing_in(folder) -> bool:
    return not folder.exists() or not list(folder.iterdir())


@pytest.fixture
def server(published_file, monkeypatch):
    s = Server(published_file)
    monkeypatch.setenv("CYCLEGAN_STUDIO_MIRROR", s.url)  # the reference's host, replaced
    yield s
    s.close()


def test_a_published_model_downloads_into_the_library(server, tmp_path):
    library = Library(tmp_path / "lib")
    seen = []
    path = library.download_published("horse2zebra", seen.append)
    model = load_model(path)
    assert model.name == "horse to zebra" and model.metadata["source"]["published"] == "horse2zebra"
    assert seen[-1].done == seen[-1].total == len(server.body)
    assert library.models() == [path]
    assert not (tmp_path / "lib" / "downloads").exists() or nothing_in(tmp_path / "lib" / "downloads")


def test_a_cut_transfer_resumes_with_a_range_request(server, tmp_path):
    dest = tmp_path / "m.pth"
    server.mode = "cut"
    with pytest.raises(DownloadError, match=r"connection closed after .* MB; the .* MB received are kept"):
        download(server.url + "/m.pth", dest, timeout=5)
    half = partial_path(dest).stat().st_size
    assert 0 < half < len(server.body) and not dest.exists()
    server.mode = "ok"
    download(server.url + "/m.pth", dest, timeout=5)
    assert dest.read_bytes() == server.body and server.ranges[-1] == f"bytes={half}-"
    assert not partial_path(dest).exists()


def test_cancel_keeps_what_arrived(server, tmp_path, monkeypatch):
    monkeypatch.setattr(download_module, "CHUNK", 1024)
    control = Control()
    dest = tmp_path / "m.pth"
    with pytest.raises(Stopped):
        download(server.url + "/m.pth", dest, lambda p: control.stop() if p.done >= 4096 else None, control)
    assert partial_path(dest).stat().st_size >= 4096 and not dest.exists()


def test_a_trickling_download_cancels_at_once_and_shows_its_bytes(server, tmp_path):
    """Reads of 1 MiB: Cancel waited for a whole MiB (for ever on a connection that trickles), and the first byte
    count came only after it. Progress now comes on connecting and with every read."""
    import time

    server.mode = "drip"
    control = Control()
    seen = []

    def stop_after_some_bytes(progress) -> None:
        seen.append(progress.done)
        if progress.done >= 3:
            control.stop()

    began = time.monotonic()
    with pytest.raises(Stopped):
        download(server.url + "/m.pth", tmp_path / "m.pth", stop_after_some_bytes, control, timeout=5)
    assert time.monotonic() - began < 3 and seen[0] == 0 and seen[-1] >= 3
    assert partial_path(tmp_path / "m.pth").stat().st_size == seen[-1]


def test_garbage_is_refused_and_not_kept(server, tmp_path):
    server.mode = "garbage"
    library = Library(tmp_path / "lib")
    with pytest.raises(ModelFileError, match="the file downloaded for style_monet is not a usable generator"):
        library.download_published("style_monet")
    assert library.models() == [] and nothing_in(tmp_path / "lib" / "downloads")


@pytest.mark.parametrize("mode", ["endless", "claims"])
def test_a_download_far_larger_than_its_model_is_refused_and_not_kept(server, tmp_path, mode):
    """A mirror, or anyone on the path of the reference's plain-http URLs, sent without end: the disk filled, and
    the junk was kept with advice to make room and continue it (a hostile CLI pass)."""
    server.mode = mode
    dest = tmp_path / "m.pth"
    with pytest.raises(DownloadError, match="sent more than 1 MB .*far more than the model it should be; nothing"):
        download(server.url + "/m.pth", dest, max_bytes=10**6)
    assert list(tmp_path.iterdir()) == []
    library = Library(tmp_path / "lib")  # the library's limit: twice the model's size
    with pytest.raises(DownloadError, match="sent more than 92 MB"):
        library.download_published("horse2zebra") if mode == "claims" else download(
            server.url + "/m.pth", dest, max_bytes=92 * 10**6)


def test_a_server_that_hangs_times_out(server, tmp_path):
    server.mode = "hang"
    with pytest.raises(DownloadError, match="did not answer within 0.5 s"):
        download(server.url + "/m.pth", tmp_path / "m.pth", timeout=0.5)


def test_no_server_says_offline(tmp_path):
    import socket

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match="cannot reach 127.0.0.1.*are you offline"):
        download(f"http://127.0.0.1:{port}/m.pth", tmp_path / "downloads" / "m.pth", timeout=2)
    assert not (tmp_path / "downloads").exists()  # an empty downloads/ was left behind (a README walk-through)


def test_a_full_disk_keeps_the_part_for_later(server, tmp_path, monkeypatch):
    real_open = open

    class Full(io.FileIO):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(download_module, "open", lambda p, mode: Full(p, mode.replace("b", "")), raising=False)
    with pytest.raises(DownloadError, match="no space left on device; nothing was kept"):
        download(server.url + "/m.pth", tmp_path / "m.pth")
    assert real_open  # the real open is back after the test


def test_a_downloaded_model_is_found_by_name(server, tmp_path, monkeypatch, capsys):
    from engine.cli import main

    monkeypatch.setenv("CYCLEGAN_STUDIO_HOME", str(tmp_path / "home"))
    assert main(["models", "download", "horse2zebra"]) == 0
    assert "horse2zebra:" in capsys.readouterr().out
    assert main(["models", "list"]) == 0
    assert "horse2zebra" in [line.split()[0] for line in capsys.readouterr().out.splitlines() if "downloaded" in line]
    (tmp_path / "in").mkdir()
    from PIL import Image

    Image.new("RGB", (40, 30)).save(tmp_path / "in" / "x.png")
    assert main(["convert", "--model", "horse2zebra", "--input", str(tmp_path / "in"), "--output",
                 str(tmp_path / "out"), "--work-size", "32"]) == 0
    assert Image.open(tmp_path / "out" / "x.png").size == (40, 30)
    assert main(["models", "download", "nope"]) == 1
    assert "no published model named 'nope'" in capsys.readouterr().err


def test_a_download_cancelled_with_ctrl_c_exits_as_a_cancel_not_a_failure(server, tmp_path, monkeypatch, capsys):
    """It exited 1, as a failure, where every other command exits 130 (a CLI hostile pass)."""
    import os
    import signal

    from engine.cli import main

    monkeypatch.setenv("CYCLEGAN_STUDIO_HOME", str(tmp_path / "home"))
    server.mode = "hang"
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    assert main(["models", "download", "horse2zebra"]) == 130
    assert "cancelled; what was received is kept" in capsys.readouterr().err


def test_cancel_wakes_a_download_whose_server_sends_nothing(server, tmp_path):
    """A read from a server that answered nothing held Cancel for the whole timeout (30 s), then said "did not
    answer" instead of cancelled; the connection is now shut at the stop."""
    import time

    server.mode = "hang"
    control = Control()
    threading.Timer(0.5, control.stop).start()
    began = time.monotonic()
    with pytest.raises(Stopped):
        download(server.url + "/m.pth", tmp_path / "m.pth", control=control, timeout=20)
    assert time.monotonic() - began < 3 and not (tmp_path / "m.pth").exists()


def test_a_stopped_control_stops_the_next_connection_at_once(server, tmp_path):
    control = Control()
    control.stop()
    with pytest.raises(Stopped):
        download(server.url + "/m.pth", tmp_path / "m.pth", control=control, timeout=5)
    assert not (tmp_path / "m.pth").exists()


def test_cancel_ends_the_wait_for_a_host_that_does_not_answer_the_connection(tmp_path):
    """A connection the host never accepts (here: a listening socket whose queue is full, so its SYNs go
    unanswered) held Cancel for the whole timeout: a blocking connect cannot be woken (a still-weak item)."""
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname())  # takes the one place in the queue
    try:
        control = Control()
        threading.Timer(0.5, control.stop).start()
        began = time.monotonic()
        with pytest.raises(Stopped):
            download(f"http://127.0.0.1:{listener.getsockname()[1]}/m.pth", tmp_path / "m.pth", control=control,
                     timeout=20)
        assert time.monotonic() - began < 3 and not (tmp_path / "m.pth").exists()
        began = time.monotonic()  # and with no stop, the timeout still holds
        with pytest.raises(DownloadError, match="did not answer within 1 s"):
            download(f"http://127.0.0.1:{listener.getsockname()[1]}/m.pth", tmp_path / "m.pth", control=Control(),
                     timeout=1)
        assert time.monotonic() - began < 3
    finally:
        filler.close()
        listener.close()


def test_a_host_whose_first_address_does_not_answer_is_reached_at_its_next(monkeypatch):
    """One deadline for all of a host's addresses: once the first (an IPv6 address that drops everything) had used
    it, the next (IPv4, answering) was given none, and the download failed where Python's own connect reaches it
    (a review)."""
    import socket

    from engine.download import _connect_cancellably

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(0)
    filler = socket.create_connection(silent.getsockname())  # its queue full: SYNs unanswered
    answering = socket.socket()
    answering.bind(("127.0.0.1", 0))
    answering.listen(1)
    addresses = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", s.getsockname()[1]))
                 for s in (silent, answering)]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: addresses)
    try:
        sock = _connect_cancellably(Control(), ("example.org", 80), 0.5)
        assert sock.getpeername() == answering.getsockname()
        sock.close()
    finally:
        for s in (filler, silent, answering):
            s.close()


def test_cancel_and_the_timeout_end_the_wait_for_a_name_lookup_that_stalls(tmp_path, monkeypatch):
    """A DNS server that never answers held Cancel for as long as the system's resolver tried, and past the
    download's timeout (a still-weak item). The stalled lookup here is the system's, standing still until the test
    ends."""
    import socket
    import time

    stalled = threading.Event()
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: stalled.wait(30) and [])
    try:
        control = Control()
        threading.Timer(0.5, control.stop).start()
        began = time.monotonic()
        with pytest.raises(Stopped):
            download("http://models.example/m.pth", tmp_path / "m.pth", control=control, timeout=20)
        assert time.monotonic() - began < 3 and not (tmp_path / "m.pth").exists()
        began = time.monotonic()
        with pytest.raises(DownloadError, match="did not answer within 1 s"):
            download("http://models.example/m.pth", tmp_path / "m.pth", control=Control(), timeout=1)
        assert time.monotonic() - began < 3
    finally:
        stalled.set()


def test_a_name_the_resolver_cannot_take_is_said_in_words(tmp_path):
    """A host label of more than 63 characters made the lookup's thread print a traceback, and the download failed
    with KeyError: 'addresses' (a review)."""
    with pytest.raises(DownloadError, match="cannot reach"):
        download(f"http://{'x' * 70}.example/m.pth", tmp_path / "m.pth", control=Control(), timeout=5)


def test_another_network_sent_for_a_published_model_is_refused_and_not_kept(server, tmp_path):
    """Whatever a mirror (or anyone on the plain-http path) sent for style_vangogh was added as published, and any
    file named horse2zebra.pth was labelled published on import (a models pass)."""
    small = reference_file(ngf=8, blocks=2)
    server.body = small
    library = Library(tmp_path / "lib")
    with pytest.raises(ModelFileError, match=r"the file downloaded for style_vangogh is not the published model "
                                             r"\(style_vangogh.pth is a ResNet of 2 blocks; the published "
                                             r"style_vangogh is a ResNet of 9 blocks\)"):
        library.download_published("style_vangogh")
    assert library.models() == [] and nothing_in(tmp_path / "lib" / "downloads")
    (tmp_path / "horse2zebra.pth").write_bytes(small)
    imported = library.import_model(tmp_path / "horse2zebra.pth", name_a="horse", name_b="zebra")
    assert load_model(imported).metadata["source"]["published"] is None


def test_a_model_of_ones_own_named_as_a_published_one_does_not_pass_for_it(server, tmp_path, monkeypatch, capsys):
    """A model exported as style_monet was listed as the published one "downloaded", and the published one could
    not be had: downloading it printed the person's own file (a models pass). By its file now; it comes as
    style_monet-published."""
    from engine.cli import main
    from tests.conftest import make_model_file

    monkeypatch.setenv("CYCLEGAN_STUDIO_HOME", str(tmp_path / "home"))
    library = Library()
    mine = make_model_file(library.model_path("style_monet"))
    assert library.published_copy("style_monet") is None
    assert main(["models", "list"]) == 0
    assert "downloaded" not in next(line for line in capsys.readouterr().out.splitlines()
                                    if line.startswith("style_monet "))
    assert main(["models", "download", "style_monet"]) == 0
    path = library.model_path("style_monet-published")
    assert capsys.readouterr().out == f"style_monet: {path} (a model of yours is named style_monet)\n"
    assert library.published_copy("style_monet") == path and load_model(mine).metadata.get("source") is None
    assert main(["models", "list"]) == 0
    assert "(downloaded as style_monet-published)" in capsys.readouterr().out


def test_a_read_only_library_is_said_before_the_download_and_a_write_failure_keeps_it(server, tmp_path,
                                                                                      monkeypatch):
    """Into a models folder that cannot be written, the whole file came, was called "not a usable generator", and
    was deleted (a models pass): refused before the first byte now; and a write that fails after the download
    keeps it, not fetched again."""
    import os

    from engine import imports

    library = Library(tmp_path / "lib")
    library.models_dir.parent.mkdir(parents=True)
    library.models_dir.write_text("")  # a file where the models folder goes: nothing can be written in it
    with pytest.raises(ModelFileError, match="models is not a folder"):
        library.download_published("horse2zebra")
    assert server.ranges == []  # nothing was asked of the server
    os.remove(library.models_dir)
    monkeypatch.setattr(imports, "save_model", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left")))
    with pytest.raises(OSError, match="No space left"):
        library.download_published("horse2zebra")
    assert (tmp_path / "lib" / "downloads" / "horse2zebra.pth").stat().st_size == len(server.body)  # kept
    monkeypatch.undo()
    monkeypatch.setenv("CYCLEGAN_STUDIO_MIRROR", server.url)
    asked = len(server.ranges)
    assert load_model(library.download_published("horse2zebra")).metadata["source"]["published"] == "horse2zebra"
    assert len(server.ranges) == asked and nothing_in(tmp_path / "lib" / "downloads")  # not fetched again


def test_two_downloads_into_one_library_at_once_do_not_share_a_partial_file(server, tmp_path):
    """Two windows (or the app and the command line) wrote one partial file, each at its own offset (a models
    pass): the second is refused, saying why."""
    from engine.fileio import folder_lock

    library = Library(tmp_path / "lib")
    (tmp_path / "lib" / "downloads").mkdir(parents=True)
    with folder_lock(tmp_path / "lib" / "downloads"):  # as another process downloading holds it
        with pytest.raises(ModelFileError, match="another window or command is downloading a published model"):
            library.download_published("horse2zebra")
    assert library.download_published("horse2zebra").name == "horse2zebra.pt"


def test_an_offline_download_of_a_published_model_leaves_no_folder_behind(tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        monkeypatch.setenv("CYCLEGAN_STUDIO_MIRROR", f"http://127.0.0.1:{s.getsockname()[1]}")
    library = Library(tmp_path / "lib")
    with pytest.raises(DownloadError, match="are you offline"):
        library.download_published("horse2zebra")
    assert not (tmp_path / "lib" / "downloads").exists()


def test_a_download_that_is_no_usable_generator_is_not_kept_to_fail_every_later_try(server, tmp_path):
    """A file of the published kind that does not validate (two channels) was kept as if its model could not be
    written, and every later try failed on it, never fetching again (a review)."""
    server.body = reference_file(channels=2, ngf=8, blocks=9)  # two channels: no picture has them
    library = Library(tmp_path / "lib")
    with pytest.raises(ModelFileError, match="the file downloaded for horse2zebra is not a usable generator"):
        library.download_published("horse2zebra")
    assert nothing_in(tmp_path / "lib" / "downloads")
    server.body = reference_file(ngf=8, blocks=9)
    assert library.download_published("horse2zebra").name == "horse2zebra.pt"  # fetched again, and fine
    assert nothing_in(tmp_path / "lib" / "downloads")  # and no empty folder after a success either
