"""The Streamlit console (``assistant console``): pages for agents, trainers and analysts over the
one core API, ``assistant.Assistant``. ``app.py`` is the entry; ``pages/`` hold one page each."""
