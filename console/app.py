"""The console: ``streamlit run console/app.py`` (or ``assistant console``).

The entry only sets up the page frame and the navigation (``st.navigation``). The pages live in
``views/``, each also runnable on its own (``AppTest.from_file("console/views/agent.py")``). The
folder is not called ``pages/`` on purpose: Streamlit treats a ``pages/`` folder beside the entry
as a legacy multipage app until a session has run ``st.navigation``, so after a restart a
bookmarked ``/trainer`` would open without this frame and with a second, file-named menu.
"""

import streamlit as st

st.set_page_config(page_title="客服回复助手", page_icon=":material/support_agent:", layout="wide")

navigation = st.navigation(
    [
        st.Page("views/agent.py", title="回复助手", icon=":material/chat:", url_path="agent", default=True),
        st.Page("views/trainer.py", title="语料训练", icon=":material/library_books:", url_path="trainer"),
        st.Page("views/analytics.py", title="质检分析", icon=":material/analytics:", url_path="analytics"),
    ]
)
navigation.run()
