"""Etiquette checklist (质检): the public face of the checklist modules, rules as data, exact spans,
severities and safe fixes.

The rules live in ``corpus/checklist.toml`` (the rule language is documented for trainers in
``docs/checklist-rules.md``); the code holds only the generic matchers, one job per module:

- ``checklist_text``: the same-length matching form of text (``fold``) and the two length measures.
- ``checklist_rules``: the records (``Violation``, ``Fix``, ``CheckResult``, ``Rule``, ``RuleSet`` …)
  and the prefilter plan a rule set is checked by.
- ``checklist_load``: ``load_rules`` reads and validates the TOML and compiles every rule once (one
  combined regular expression per phrase list), reporting each problem as ``path:line: message``.
- ``checklist_match``: ``check`` judges one reply (optionally with the buyer message, earlier turns
  and the scenario) and returns a ``CheckResult``: ``passed``, the ``violations`` with character
  spans into the original reply, and the reply with every safe fix applied (``fixed``).
- ``checklist_fix``: the safe fixes, kept only when the fixed reply passes.
- ``checklist_render``: ``render_text`` / ``render_html`` / ``render_rich`` show a reply with its
  offending spans marked.

Matching works on a folded copy of the reply of exactly the same length (full-width letters and
digits to ASCII, ASCII lower case, Traditional to Simplified when that keeps the length), so spans
found on it are spans of the original. The buyer's words quoted inside the reply (您说的“不行”是指…)
are blanked out of that copy first, so no rule ever fires on them and no fix ever touches them.

Import from here (``from assistant.checklist import check, load_checklist``): the names below are the
checklist's public contract whichever module holds them.
"""

from __future__ import annotations

from .checklist_load import (
    BOILERPLATE_KEYS,
    CONTEXT_KEYS,
    EXAMPLE_KEYS,
    FIX_KEYS,
    FIX_KINDS,
    LENGTH_KEYS,
    QUOTE_KEYS,
    RULE_KEYS,
    TOP_KEYS,
    TRIGGER_KEYS,
    WHEN_KEYS,
    load_checklist,
    load_rules,
)
from .checklist_match import check
from .checklist_render import REWRITE_NOTE, render_html, render_rich, render_text
from .checklist_rules import (
    BLOCKING,
    SEVERITIES,
    CheckResult,
    Example,
    Fix,
    FixSpec,
    Length,
    Rule,
    RuleSet,
    Trigger,
    Violation,
    When,
)
from .checklist_text import char_length, content_length, fold
from .prefilter import first_chars, required_literals

__all__ = [
    "BLOCKING",
    "BOILERPLATE_KEYS",
    "CONTEXT_KEYS",
    "EXAMPLE_KEYS",
    "FIX_KEYS",
    "FIX_KINDS",
    "LENGTH_KEYS",
    "QUOTE_KEYS",
    "REWRITE_NOTE",
    "RULE_KEYS",
    "SEVERITIES",
    "TOP_KEYS",
    "TRIGGER_KEYS",
    "WHEN_KEYS",
    "CheckResult",
    "Example",
    "Fix",
    "FixSpec",
    "Length",
    "Rule",
    "RuleSet",
    "Trigger",
    "Violation",
    "When",
    "char_length",
    "check",
    "content_length",
    "first_chars",
    "fold",
    "load_checklist",
    "load_rules",
    "render_html",
    "render_rich",
    "render_text",
    "required_literals",
]
