"""Serve the console and warm the assistant meanwhile (what ``assistant console`` runs).

``python console/serve.py [streamlit options]`` is ``streamlit run console/app.py [options]`` with one
addition: the model, the index and the detector start loading in a background thread as the server
starts, while the browser connects, so the agent's first suggestion does not wait for them. The
page finds the same ``Assistant`` (``Assistant.load`` caches it per settings).
"""

import sys
import threading
from pathlib import Path


def warm_in_background() -> None:
    from common import warm  # console/ is this script's folder, first on sys.path

    from assistant import Assistant, Settings

    try:
        assistant = Assistant.load(Settings.load())
    except Exception:  # bad settings: the page shows the error
        return
    warm(assistant)


if __name__ == "__main__":
    threading.Thread(target=warm_in_background, name="assistant-warm-up", daemon=True).start()
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    # The app navigates with st.navigation: never run the pages/ folder as a legacy multipage app
    # (Streamlit only learns this after a first session has run the entry script).
    PagesManager.uses_pages_directory = False

    sys.argv = ["streamlit", "run", str(Path(__file__).resolve().with_name("app.py")), *sys.argv[1:]]
    sys.exit(cli.main())
