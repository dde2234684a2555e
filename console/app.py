"""The console: ``assistant console`` (or ``python console/serve.py``).

The entry only sets up the page frame and the navigation (``st.navigation`` with a ``url_path`` per
page, so ``/agent``, ``/trainer`` and ``/analytics`` open directly). The pages live in ``pages/``,
each also runnable on its own (``AppTest.from_file("console/pages/agent.py")``); they import the
``console`` package, never edit ``sys.path``. ``console/serve.py`` (what ``assistant console`` runs)
switches Streamlit's legacy ``pages/`` folder handling off before the server starts, so a
bookmarked ``/trainer`` opens in this frame from the first request.
"""

import streamlit as st

st.set_page_config(page_title="客服回复助手", page_icon=":material/support_agent:", layout="wide")

agent = st.Page("pages/agent.py", title="回复助手", icon=":material/chat:", url_path="agent")


def home() -> None:
    # the default page is served at "/" whatever its url_path (so "/agent" would be "not found"):
    # a hidden default that opens the agent page keeps "/agent" a real address
    st.switch_page(agent)


navigation = st.navigation(
    [
        st.Page(home, title="首页", url_path="home", default=True, visibility="hidden"),
        agent,
        st.Page("pages/trainer.py", title="语料训练", icon=":material/library_books:", url_path="trainer"),
        st.Page("pages/analytics.py", title="质检分析", icon=":material/analytics:", url_path="analytics"),
    ]
)
navigation.run()
