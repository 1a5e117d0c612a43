"""A team report opened in a real browser (Debian's chromium, headless): the plotly charts render, the
page fetches nothing but its own folder, and screenshots are kept under ``test-artifacts/``.

"Nothing outside loopback" is checked three ways: every ``src``/``href`` of the written page is a
relative path to a file in the folder; the loopback server answers with a Content-Security-Policy of
``'self'`` whose violation reports (any fetch elsewhere: script, style, image, font, XHR…) come back
to the same server and must not arrive; and the server's log holds exactly the page and plotly.min.js.
The browser's own background traffic (component updates, sign-in) is not the page's and is kept off
the network by resolving every host name to nothing.
"""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from dashboards import reports
from tests.dashboards.test_reports import EVIL_TEAM, TEAM, previous_snapshot, sample_snapshot

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CSP_REPORTS = "/csp-report"
# Only the page's own origin; no eval. plotly.js renders under this, which is itself part of the proof.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    f"img-src 'self'; font-src 'self'; connect-src 'self'; report-uri {CSP_REPORTS}"
)
CHARTS = ("chart-deployments", "chart-lead-time", "chart-cfr", "chart-recovery", "chart-breakdown")

pytestmark = pytest.mark.slow


@dataclass
class ServerLog:
    paths: list[str] = field(default_factory=list)
    csp_reports: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class ReportHandler(SimpleHTTPRequestHandler):
    """Serves the report folder with a strict CSP and records every request and CSP report."""

    def __init__(self, *args: Any, log: ServerLog, **kwargs: Any) -> None:
        self.request_log = log
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        with self.request_log.lock:
            self.request_log.paths.append(self.path)
        super().do_GET()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.request_log.lock:
            self.request_log.paths.append(f"POST {self.path}")
            if self.path == CSP_REPORTS:
                self.request_log.csp_reports.append(body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # recorded in do_GET/do_POST; stderr stays quiet


@contextmanager
def serving(directory: Path) -> Iterator[tuple[str, ServerLog]]:
    """The folder on a loopback port; yields its base URL and the request log."""
    log = ServerLog()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(ReportHandler, directory=str(directory), log=log))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def run_chromium(binary: Path, profile: Path, url: str, *extra: str) -> str:
    """Headless chromium on ``url``; its stdout (the DOM with ``--dump-dom``)."""
    command = [
        str(binary),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        # Every name resolves to nothing; the page is on an IP literal, which is never resolved.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        # Scripts (plotly) run to completion before the DOM is dumped or the screenshot taken.
        "--virtual-time-budget=10000",
        *extra,
        url,
    ]
    # A session of its own, so that on a timeout the whole process tree is ended, not just the launcher.
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    assert process.returncode == 0, stderr[-2000:]
    return stdout


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", header[16:24])
    return width, height


class References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.scripts = 0
        self.headings: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name in ("src", "href") and value is not None]
        self.scripts += tag == "script"
        self._in_h1 = tag == "h1"

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.headings.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False


def references_of(page: str) -> References:
    parser = References()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("reports")
    reports.write_reports(sample_snapshot(), out_dir, previous=previous_snapshot())
    return out_dir


def test_a_team_report_renders_its_charts_offline(chromium: Path, report_dir: Path, tmp_path: Path) -> None:
    page_name = reports.team_page_names(sample_snapshot().teams)[TEAM]
    for reference in references_of((report_dir / page_name).read_text(encoding="utf-8")).found:
        parts = urlsplit(reference)
        assert not parts.scheme and not parts.netloc and not reference.startswith("/"), reference
        assert (report_dir / parts.path).is_file(), reference

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "report-team.png"
    full_page = ARTIFACTS / "report-team-full.png"
    for old in (screenshot, full_page):
        old.unlink(missing_ok=True)
    with serving(report_dir) as (base, log):
        dom = run_chromium(
            chromium,
            tmp_path / "profile",
            f"{base}/{page_name}",
            "--dump-dom",
            f"--screenshot={screenshot}",
            "--window-size=1366,900",
        )
        # The whole page at the same laptop width, for a person to look at the charts.
        run_chromium(
            chromium,
            tmp_path / "profile-full",
            f"{base}/{page_name}",
            f"--screenshot={full_page}",
            "--window-size=1366,3000",
        )

    # Each chart drew its SVG: plotly replaces the empty div with <svg class="main-svg">.
    starts = [dom.index(f'id="{chart}"') for chart in CHARTS]
    for chart, start, end in zip(CHARTS, starts, [*starts[1:], len(dom)], strict=True):
        assert 'class="main-svg"' in dom[start:end], chart
    assert log.csp_reports == []
    # The browser asks for /favicon.ico on its own; everything else must be the page and plotly.js.
    fetched = [path for path in log.paths if path != "/favicon.ico"]
    assert sorted(fetched) == sorted([f"/{page_name}", f"/{reports.PLOTLY_FILE}"] * 2)
    assert png_size(screenshot) == (1366, 900)
    assert png_size(full_page) == (1366, 3000)


def test_an_injected_team_name_stays_text_in_the_browser(
    chromium: Path, report_dir: Path, tmp_path: Path
) -> None:
    page_name = reports.team_page_names(sample_snapshot().teams)[EVIL_TEAM]
    written = references_of((report_dir / page_name).read_text(encoding="utf-8"))
    with serving(report_dir) as (base, log):
        dom = run_chromium(chromium, tmp_path / "profile", f"{base}/{page_name}", "--dump-dom")
    rendered = references_of(dom)
    assert rendered.headings == [EVIL_TEAM]  # shown as text, parsed as no element
    # The browser found no script beyond those written: plotly.js and one per chart.
    charts = (report_dir / page_name).read_text(encoding="utf-8").count('class="plotly-graph-div"')
    assert charts >= 4
    assert rendered.scripts == written.scripts == 1 + charts
    assert 'class="main-svg"' in dom
    assert log.csp_reports == []
