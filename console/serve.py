"""Serve the console and warm the assistant meanwhile (what ``assistant console`` runs).

``python console/serve.py [streamlit options]`` is ``streamlit run console/app.py [options]`` with two
additions: the model, the index and the detector load in a background thread as soon as the server
listens (from process start, not from the first visit), and a line ``控制台已就绪 console ready`` is printed once
they have, so that the agent's first suggestion answers at once. The pages find the same
``Assistant`` (``Assistant.load`` caches it per settings).
"""

import sys
import threading
import time
from pathlib import Path

# run as a file: the folder above console/ (the checkout, or site-packages) makes `console` importable
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(1, _ROOT)


def _wait_for_port(port: int, timeout_s: float = 10.0) -> None:
    """Wait until the server listens (the model load would otherwise slow its start on small machines)."""
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)


def _port(argv: list[str]) -> int:
    for i, arg in enumerate(argv):
        if arg == "--server.port" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--server.port="):
            return int(arg.split("=", 1)[1])
    return 8501


def warm_in_background(started: float, port: int) -> None:
    _wait_for_port(port)
    from assistant import Assistant, Settings
    from console.common import warm

    try:
        assistant = Assistant.load(Settings.load())
    except Exception as exc:  # bad settings: the page shows the error
        print(f"控制台未能加载模型 console could not load the assistant: {exc}", flush=True)
        return
    warm(assistant)
    print(
        f"控制台已就绪 console ready: model and index loaded in {time.monotonic() - started:.1f}s", flush=True
    )


if __name__ == "__main__":
    started = time.monotonic()
    port = _port(sys.argv[1:])
    threading.Thread(
        target=warm_in_background, args=(started, port), name="assistant-warm-up", daemon=True
    ).start()
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    # The app navigates with st.navigation: never run the pages/ folder as a legacy multipage app
    # (Streamlit only learns this after a first session has run the entry script).
    PagesManager.uses_pages_directory = False

    sys.argv = ["streamlit", "run", str(Path(__file__).resolve().with_name("app.py")), *sys.argv[1:]]
    sys.exit(cli.main())
