"""The agent's reply editor: one component owns the draft, so the text, its live check and what the
copy button copies are always the same.

The textarea lives in the browser (a ``st.components.v2`` component, no iframe). While the agent
types, the draft is sent to the page after a short pause (debounced); the page checks it through the
core (``Assistant.check_draft``) and sends the verdict back with the text it was computed for. The
panel shows the verdict only when that text is the text in the box (otherwise "检查中…"), and copy
waits for the verdict of exactly the text it copies; a draft that is not ready (errors, warnings,
open fill-ins, too long) asks for confirmation first. Alt+C copies from anywhere on the page.

The page replaces the text (a suggestion picked, a fix applied) by raising ``version``; otherwise the
box keeps what the agent typed, whatever the page sends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

DEBOUNCE_MS = 300

HTML = """
<div class="draft">
  <label class="draft-label" for="draft-box">回复（可修改，边打字边检查）</label>
  <textarea id="draft-box" class="draft-box" rows="5" aria-label="回复草稿"></textarea>
  <div class="draft-bar">
    <span class="draft-count"></span>
    <button type="button" class="draft-copy" title="复制这条回复（Alt+C）">复制回复 <kbd>Alt+C</kbd></button>
  </div>
  <div class="draft-status" role="status" aria-live="polite"></div>
  <div class="draft-check"></div>
</div>
"""

CSS = """
.draft { font-family: var(--st-font, "Source Sans Pro", sans-serif); color: var(--st-text-color, #31333f); }
.draft-label { font-size: 0.875rem; display: block; margin-bottom: 0.25rem; }
.draft-box { width: 100%; box-sizing: border-box; min-height: 7.5em; resize: vertical; font: inherit;
  font-size: 1rem; line-height: 1.6; padding: 0.5rem 0.75rem; border-radius: 0.5rem;
  border: 1px solid var(--st-border-color, #d5d7dd); background: var(--st-secondary-background-color, #f0f2f6); }
.draft-box:focus { outline: 2px solid var(--st-primary-color, #ff4b4b); outline-offset: -1px; }
.draft-bar { display: flex; justify-content: space-between; align-items: center; margin: 0.35rem 0; gap: 0.5rem; }
.draft-count { font-size: 0.8rem; color: #777; }
.draft-count.over { color: #c62828; font-weight: 600; }
.draft-copy { font: inherit; padding: 0.3rem 0.9rem; border-radius: 0.5rem; cursor: pointer;
  border: 1px solid var(--st-primary-color, #ff4b4b); background: var(--st-primary-color, #ff4b4b); color: #fff; }
.draft-copy kbd { font-size: 0.7rem; opacity: 0.8; }
.draft-status { font-size: 0.95rem; padding: 0.4rem 0.6rem; border-radius: 0.4rem; margin-bottom: 0.35rem; }
.draft-status.ok { background: #e8f5e9; color: #1b5e20; }
.draft-status.warn { background: #fff4e5; color: #8a4b00; }
.draft-status.error { background: #fdecea; color: #b71c1c; }
.draft-status.pending { background: #f3f4f6; color: #555; }
.draft-status.copied { background: #e3f2fd; color: #0d47a1; }
.draft-check mark { border-radius: 2px; }
.draft-check ul { margin: 0.25rem 0 0 1.1rem; padding: 0; font-size: 0.9rem; }
"""

JS = """
export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  const root = parentElement;
  const box = root.querySelector(".draft-box");
  const count = root.querySelector(".draft-count");
  const status = root.querySelector(".draft-status");
  const panel = root.querySelector(".draft-check");
  const copyButton = root.querySelector(".draft-copy");
  if (!box) return;
  const me = root.__draft || (root.__draft = { version: null, timer: null, copyWaiting: false, sent: null });
  me.data = data;

  const checked = () => me.data.check && me.data.check.text === box.value;
  const render = () => {
    const limit = me.data.limit;
    count.textContent = box.value.length + " / " + limit + " 字";
    count.classList.toggle("over", box.value.length > limit);
    if (!box.value.trim()) {
      status.className = "draft-status pending"; status.textContent = "回复为空"; panel.innerHTML = ""; return;
    }
    if (!checked()) {
      status.className = "draft-status pending"; status.textContent = "检查中…"; return;
    }
    const c = me.data.check;
    status.className = "draft-status " + c.level;
    status.textContent = c.summary;
    panel.innerHTML = c.html;  // built by the page from escaped text only
  };
  const send = () => {
    clearTimeout(me.timer); me.timer = null;
    if (me.sent === box.value) return;
    me.sent = box.value;
    setStateValue("text", box.value);
  };
  const copyNow = async () => {
    const c = me.data.check;
    const text = box.value;
    if (!c.ready && !window.confirm("这条回复" + c.blockers.join("，") + "。仍要复制吗？")) return;
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {  // no clipboard permission: copy through a selection
      const scratch = document.createElement("textarea");
      scratch.value = text; document.body.appendChild(scratch); scratch.select();
      document.execCommand("copy"); scratch.remove();
    }
    window.__draftCopied = text;
    status.className = "draft-status copied"; status.textContent = "已复制，可以粘贴到聊天窗口";
    setTriggerValue("copied", text);
  };
  const copy = () => {
    if (!box.value.trim()) return;
    if (checked()) { copyNow(); return; }
    me.copyWaiting = true;  // copy once the verdict of exactly this text is back
    status.className = "draft-status pending"; status.textContent = "检查中…（检查完就复制）";
    send();
  };
  me.copy = copy;

  if (me.version !== data.version) {
    box.value = data.text; me.version = data.version; me.sent = data.text;
  }
  if (!me.bound) {
    me.bound = true;
    box.addEventListener("input", () => {
      render(); clearTimeout(me.timer); me.timer = setTimeout(send, data.debounce);
    });
    box.addEventListener("blur", send);
    copyButton.addEventListener("click", () => me.copy());
    me.keys = (event) => {
      if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyC") {
        event.preventDefault(); me.copy();
      }
    };
    document.addEventListener("keydown", me.keys);
    // Alt+1..9 picks a suggestion. The page's shortcuts ignore keys typed into a text box, so from
    // inside the draft the pick is sent together with the text typed so far (one message: the page
    // sees the edit and asks before replacing it). Outside the box the text went on blur.
    me.flushKeys = (event) => {
      if (!event.altKey || event.ctrlKey || event.metaKey || !/^Digit[1-9]$/.test(event.code)) return;
      if (!event.composedPath().includes(box)) { send(); return; }
      event.preventDefault(); event.stopImmediatePropagation();
      clearTimeout(me.timer); me.timer = null; me.sent = box.value;
      setTriggerValue("pick", { rank: Number(event.code.slice(5)) - 1, text: box.value });
    };
    window.addEventListener("keydown", me.flushKeys, true);
  }
  render();
  if (me.copyWaiting && checked()) { me.copyWaiting = false; copyNow(); }
  return () => {
    document.removeEventListener("keydown", me.keys);
    window.removeEventListener("keydown", me.flushKeys, true);
    me.bound = false;
  };
}
"""

_editor = st.components.v2.component("shop_assistant.draft_editor", html=HTML, css=CSS, js=JS)


def draft_editor(
    text: str,
    version: int,
    check: dict[str, Any] | None,
    limit: int,
    key: str,
    on_change: Callable[[], None],
    on_pick: Callable[[], None],
) -> Any:
    """Mount the editor.

    Args:
        text: the draft the page holds; shown when ``version`` is new to the browser.
        version: raised by the page each time it replaces the text.
        check: the verdict for ``check["text"]`` (``text``, ``level``, ``summary``, ``html``,
            ``ready``, ``blockers``), or None.
        limit: the length shown as the limit.
        key: the widget key (its state, ``{"text": ...}``, is in ``st.session_state[key]``).
        on_change: called when the browser sends new text.
        on_pick: called when Alt+1..9 is pressed inside the box; ``st.session_state[key]["pick"]`` is
            ``{"rank": 0-based, "text": the text in the box}`` during the call.

    Returns:
        The component's result (``.text``: the last text the browser sent, or None).
    """
    return _editor(
        key=key,
        data={"text": text, "version": version, "check": check, "limit": limit, "debounce": DEBOUNCE_MS},
        default={"text": None},
        on_text_change=on_change,
        on_copied_change=lambda: None,
        on_pick_change=on_pick,
    )
