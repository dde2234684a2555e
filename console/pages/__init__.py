"""The console's pages, each a Streamlit script (``st.Page`` in ``console/app.py``)."""
