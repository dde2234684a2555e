"""What an agent was working on, kept per browser session on disk so that a reload, a page switch or
a restart of the console loses nothing.

The browser session is a random id in the page's URL (``?s=…``); its state (the message, the chat,
the draft, the nickname) is a small JSON file in ``DATA_DIR/console-sessions/``. Files untouched for
``KEEP_DAYS`` are removed when a new session starts.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.storage import atomic_write_text

SESSION_PARAM = "s"
_ID = re.compile(r"[0-9a-f]{16,32}")
KEEP_DAYS = 14
FOLDER = "console-sessions"


def session_id() -> str:
    """This browser session's id: from the URL, or new (and written into the URL)."""
    sid = st.session_state.get("_sid")
    if sid is None:
        given = st.query_params.get(SESSION_PARAM, "")
        sid = given if _ID.fullmatch(given or "") else secrets.token_hex(8)
        st.session_state["_sid"] = sid
    if st.query_params.get(SESSION_PARAM) != sid:  # page switches drop the query string
        st.query_params[SESSION_PARAM] = sid
    return sid


def _path(data_dir: Path, sid: str) -> Path:
    return Path(data_dir) / FOLDER / f"{sid}.json"


def load(data_dir: Path, sid: str) -> dict[str, Any]:
    """The saved state of a session (empty when there is none or it is unreadable)."""
    try:
        data = json.loads(_path(data_dir, sid).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(data_dir: Path, sid: str, data: dict[str, Any]) -> None:
    """Write a session's state (atomically; errors are ignored: the page keeps working from memory)."""
    path = _path(data_dir, sid)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(data, ensure_ascii=False))
    except Exception:  # a full or read-only disk must not break the agent's page
        return


def prune(data_dir: Path) -> None:
    """Remove the state of sessions untouched for ``KEEP_DAYS``."""
    cutoff = time.time() - KEEP_DAYS * 86400
    for path in (Path(data_dir) / FOLDER).glob("*.json"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue
