"""Serve the console once the assistant is warm (what ``assistant console`` runs).

``python console/serve.py [streamlit options]`` is ``streamlit run console/app.py [options]`` with one
addition: the model, the index and the detector are loaded (and one message answered) before the
server starts, and ``控制台已就绪 console ready`` is printed when it has. So when the page opens it
is interactive at once and the agent's first suggestion answers as fast as the next ones: nothing
loads on a visit, and the load does not compete with the first page for the CPU. The pages find the
same ``Assistant`` (``Assistant.load`` caches it per settings).
"""

import sys
import time
from pathlib import Path

# run as a file: the folder above console/ (the checkout, or site-packages) makes `console` importable
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(1, _ROOT)


def load_assistant() -> None:
    """Load and warm the assistant of the current settings; a problem is printed, and the page
    shows it again (cleanly) when the agent asks."""
    from assistant import Assistant, Settings
    from console.common import warm

    started = time.monotonic()
    print("正在加载模型和索引 loading the model and index…", flush=True)
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
    load_assistant()
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    # The app navigates with st.navigation: never run the pages/ folder as a legacy multipage app
    # (Streamlit only learns this after a first session has run the entry script).
    PagesManager.uses_pages_directory = False

    sys.argv = ["streamlit", "run", str(Path(__file__).resolve().with_name("app.py")), *sys.argv[1:]]
    sys.exit(cli.main())
