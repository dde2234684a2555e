"""The console: ``assistant console`` (or ``streamlit run console/app.py``).

The entry only sets up the page frame and the navigation (``st.navigation``). The pages live in
``pages/``, each also runnable on its own (``AppTest.from_file("console/pages/agent.py")``).
Streamlit treats a ``pages/`` folder beside the entry as a legacy multipage app until a session
has run ``st.navigation``; ``console/serve.py`` (what ``assistant console`` runs) switches that off
before the server starts, so a bookmarked ``/trainer`` opens in this frame from the first request.
"""

import streamlit as st

st.set_page_config(page_title="客服回复助手", page_icon=":material/support_agent:", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/agent.py", title="回复助手", icon=":material/chat:", url_path="agent", default=True),
        st.Page("pages/trainer.py", title="语料训练", icon=":material/library_books:", url_path="trainer"),
        st.Page("pages/analytics.py", title="质检分析", icon=":material/analytics:", url_path="analytics"),
    ]
)
navigation.run()
