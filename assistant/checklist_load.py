"""The checklist's rule file: reads ``checklist.toml``, validates it (each problem as
``path:line: message`` with the closest valid key or id), compiles every rule once and checks each
rule's ``fires``/``passes`` examples."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .checklist_match import _hold_test, check
from .checklist_rules import SEVERITIES, Example, FixSpec, Length, Rule, RuleSet, Trigger, When, _outside
from .checklist_text import _FOLD_REGEX, fold
from .errors import ChecklistError, Problem
from .prefilter import (
    PhraseList,
    alphabet,
    by_first,
    first_chars,
    min_digits,
    regex,
    required_literals,
    start_class,
)

TOP_KEYS = ("version", "lists", "quotes", "context", "boilerplate", "rule")
TRIGGER_KEYS = (
    "find",
    "whole",
    "except",
    "unless",
    "unless_history",
    "unless_message",
    "min_count",
    "reply_length",
    "message_length",
    "reply_chars",
    "message_chars",
    "when",
)
RULE_KEYS = (
    "id",
    "severity",
    "message",
    "guidance",
    "description",
    "fix",
    "fires",
    "passes",
    "trigger",
    *TRIGGER_KEYS,
)
WHEN_KEYS = ("scenario", "message", "except", "unknown", "recent")
FIX_KINDS = ("replace", "collapse", "prepend", "reply")
FIX_KEYS = (*FIX_KINDS, "after")
LENGTH_KEYS = ("min", "max")
EXAMPLE_KEYS = ("reply", "message", "scenario", "history")
QUOTE_KEYS = ("cues",)
CONTEXT_KEYS = ("empty", "hold")
BOILERPLATE_KEYS = ("phrases",)
_RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_LIST_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# ----------------------------------------------------------------------------- loading


class _Locator:
    """Line numbers of rules and keys in the TOML text (tomllib does not report them)."""

    _RULE = re.compile(r"^\s*\[\[\s*rule\s*\]\]")
    _TRIGGER = re.compile(r"^\s*\[\[\s*rule\.trigger\s*\]\]")

    def __init__(self, text: str):
        self.lines = text.split("\n")
        self.rule_lines = [i for i, line in enumerate(self.lines) if self._RULE.match(line)]

    def _block(self, index: int) -> tuple[int, int]:
        if index >= len(self.rule_lines):
            return 0, len(self.lines)
        start = self.rule_lines[index]
        end = self.rule_lines[index + 1] if index + 1 < len(self.rule_lines) else len(self.lines)
        return start, end

    def rule(self, index: int) -> int | None:
        return self.rule_lines[index] + 1 if index < len(self.rule_lines) else None

    def key(
        self, index: int | None, key: str, trigger: int | None = None, needle: str | None = None
    ) -> int | None:
        """The line of ``key`` (or of the text ``needle``) in rule ``index`` (or the whole file)."""
        start, end = self._block(index) if index is not None else (0, len(self.lines))
        if trigger is not None:
            headers = [i for i in range(start, end) if self._TRIGGER.match(self.lines[i])]
            if trigger < len(headers):
                start = headers[trigger]
                end = headers[trigger + 1] if trigger + 1 < len(headers) else end
        if needle:
            escaped = needle.replace("\\", "\\\\").replace('"', '\\"')
            # the quoted phrase first: "我不知道" must not be found inside "这个我不知道"
            for variant in (f'"{escaped}"', f"'{needle}'", escaped, needle):
                for i in range(start, end):
                    if variant in self.lines[i]:
                        return i + 1
        pattern = re.compile(
            rf"^\s*(?:[\w.]+\.)?{re.escape(key)}\s*=|^\s*\[\[?\s*(?:rule\.)?{re.escape(key)}\s*\]"
        )
        for i in range(start, end):
            if pattern.match(self.lines[i]):
                return i + 1
        return start + 1 if index is not None and index < len(self.rule_lines) else None


class _Loader:
    """Validates the parsed TOML and compiles it, collecting every problem."""

    def __init__(self, path: Path, text: str, data: dict, guidance_ids: set[str] | None):
        self.path = str(path)
        self.where = _Locator(text)
        self.data = data
        self.guidance_ids = guidance_ids
        self.problems: list[Problem] = []
        self.lists: dict[str, Any] = {}
        self.expanded: dict[str, tuple[list[str], list[str]]] = {}
        self.scenarios = _scenario_ids(path.parent / "taxonomy.toml")
        # identical phrase lists and conditions compile to one object, so a check can share results
        self.compiled: dict[str, re.Pattern] = {}
        self.whens: dict[When, When] = {}

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    # ----------------------------------------------------------------- phrases

    def expand(
        self, items: Any, line: int | None, what: str, stack: tuple[str, ...] = ()
    ) -> tuple[list[str], list[str]]:
        """Literal words and regexes of a phrase list, with ``@list`` references resolved."""
        from .taxonomy import did_you_mean

        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            self.problem(line, f"{what} must be a list of strings")
            return [], []
        words: list[str] = []
        regexes: list[str] = []
        for item in items:
            if item.startswith("@"):
                name = item[1:]
                if name in stack:
                    self.problem(line, f"{what}: list @{name} refers to itself")
                    continue
                if name not in self.lists:
                    self.problem(line, f"{what}: unknown list {item!r}{did_you_mean(name, list(self.lists))}")
                    continue
                if name not in self.expanded:
                    list_line = self.where.key(None, name)
                    self.expanded[name] = self.expand(
                        self.lists[name], list_line, f"list {name!r}", (*stack, name)
                    )
                w, r = self.expanded[name]
                words.extend(w)
                regexes.extend(r)
            elif item.startswith("re:"):
                pattern = item[3:].translate(_FOLD_REGEX)
                try:
                    compiled = regex(pattern)
                except re.error as exc:
                    self.problem(
                        self.where.key(None, "", needle=item) or line, f"{what}: bad regex {item!r}: {exc}"
                    )
                    continue
                if compiled.fullmatch(""):  # it would match everywhere
                    self.problem(line, f"{what}: regex {item!r} matches empty text")
                    continue
                regexes.append(pattern)
            elif item == "":
                self.problem(line, f"{what}: empty phrase")
            else:
                words.append(fold(item))
        return words, regexes

    def compile(
        self, items: Any, line: int | None, what: str, overlapping: bool = False
    ) -> re.Pattern | None:
        """One regex for a phrase list (regexes first, then words longest first); with
        ``overlapping`` it is a lookahead whose group 1 is the match (for ``except`` lists)."""
        if items is None:
            return None
        words, regexes = self.expand(items, line, what)
        parts = [f"(?:{r})" for r in regexes]
        parts += [re.escape(w) for w in sorted(set(words), key=len, reverse=True)]
        if not parts:
            return None
        joined = "|".join(parts)
        if overlapping:
            joined = f"(?=({joined}))"
        if joined in self.compiled:
            return self.compiled[joined]
        try:
            self.compiled[joined] = regex(joined, re.IGNORECASE)
            return self.compiled[joined]
        except re.error as exc:  # a regex that compiles alone but not in company (e.g. global flags)
            self.problem(line, f"{what}: bad regex: {exc}")
            return None

    def phrase_list(self, items: Any, line: int | None, what: str) -> PhraseList | None:
        """The phrases of a list for ``PhraseList`` search (shared by identical lists)."""
        words, regexes = self.expand(items, line, what)
        key = ("phrases", tuple(words), tuple(regexes))
        if key not in self.compiled:
            try:
                self.compiled[key] = PhraseList.build(sorted(set(words)), regexes)
            except re.error:  # reported by compile() already
                self.compiled[key] = None
        return self.compiled[key]

    # ----------------------------------------------------------------- parts

    def unknown_keys(
        self, table: dict, known: Sequence[str], index: int | None, what: str, trigger: int | None = None
    ) -> None:
        from .taxonomy import did_you_mean

        for key in table:
            if key not in known:
                line = self.where.key(index, key, trigger)
                self.problem(line, f"{what}: unknown key {key!r}{did_you_mean(key, list(known))}")

    def length(self, value: Any, index: int, key: str, what: str, trigger: int | None) -> Length | None:
        if value is None:
            return None
        line = self.where.key(index, key, trigger)
        if not isinstance(value, dict):
            self.problem(line, f"{what}: {key} must be a table like {{ min = 20 }} or {{ max = 2 }}")
            return None
        self.unknown_keys(value, LENGTH_KEYS, index, f"{what} {key}", trigger)
        bounds = {}
        for k in LENGTH_KEYS:
            v = value.get(k)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                self.problem(line, f"{what}: {key}.{k} must be a whole number ≥ 0")
                return None
            bounds[k] = v
        if bounds["min"] is None and bounds["max"] is None:
            self.problem(line, f"{what}: {key} needs min or max")
            return None
        if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
            self.problem(line, f"{what}: {key} min {bounds['min']} is larger than max {bounds['max']}")
            return None
        return Length(bounds["min"], bounds["max"])

    def when(self, value: Any, index: int, what: str, trigger: int | None) -> When | None:
        from .taxonomy import did_you_mean

        if value is None:
            return None
        line = self.where.key(index, "when", trigger)
        if not isinstance(value, dict):
            self.problem(line, f"{what}: when must be a table (scenario, message, except, unknown)")
            return None
        self.unknown_keys(value, WHEN_KEYS, index, f"{what} when", trigger)
        scenarios = value.get("scenario", [])
        if isinstance(scenarios, str):
            scenarios = [scenarios]
        if not isinstance(scenarios, list) or not all(isinstance(s, str) for s in scenarios):
            self.problem(line, f"{what}: when.scenario must be a list of scenario ids")
            scenarios = []
        if self.scenarios:
            for s in scenarios:
                if s not in self.scenarios:
                    self.problem(
                        self.where.key(index, "scenario", trigger, needle=s) or line,
                        f"{what}: unknown scenario {s!r}{did_you_mean(s, self.scenarios)}",
                    )
        unknown = value.get("unknown", False)
        if not isinstance(unknown, bool):
            self.problem(line, f"{what}: when.unknown must be true or false")
            unknown = False
        message = self.compile(value.get("message"), line, f"{what} when.message")
        if not scenarios and message is None:
            self.problem(line, f"{what}: when needs a scenario list or message phrases")
            return None
        recent = value.get("recent", False)
        if not isinstance(recent, bool):
            self.problem(line, f"{what}: when.recent must be true or false")
            recent = False
        except_ = self.compile(value.get("except"), line, f"{what} when.except", overlapping=True)
        literals = required_literals(message) if message is not None else None
        when = When(
            frozenset(scenarios),
            message,
            except_,
            unknown,
            recent,
            by_first(literals),
            self.phrase_list(value.get("message"), line, what) if message is not None else None,
            self.phrase_list(value.get("except"), line, what) if except_ is not None else None,
        )
        return self.whens.setdefault(when, when)

    def trigger(self, table: dict, index: int, what: str, trigger: int | None) -> Trigger | None:
        def line_of(key: str) -> int | None:
            return self.where.key(index, key, trigger)

        find = self.compile(table.get("find"), line_of("find"), f"{what} find")
        whole = self.compile(table.get("whole"), line_of("whole"), f"{what} whole")
        if find is not None and whole is not None:
            self.problem(line_of("whole"), f"{what}: use either find or whole, not both")
        min_count = table.get("min_count", 1)
        if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
            self.problem(line_of("min_count"), f"{what}: min_count must be a whole number ≥ 1")
            min_count = 1
        result = Trigger(
            find=find,
            whole=whole,
            except_=self.compile(table.get("except"), line_of("except"), f"{what} except", overlapping=True),
            unless=self.compile(table.get("unless"), line_of("unless"), f"{what} unless"),
            unless_history=self.compile(
                table.get("unless_history"), line_of("unless_history"), f"{what} unless_history"
            ),
            unless_message=self.compile(
                table.get("unless_message"), line_of("unless_message"), f"{what} unless_message"
            ),
            min_count=min_count,
            reply_length=self.length(table.get("reply_length"), index, "reply_length", what, trigger),
            message_length=self.length(table.get("message_length"), index, "message_length", what, trigger),
            reply_chars=self.length(table.get("reply_chars"), index, "reply_chars", what, trigger),
            message_chars=self.length(table.get("message_chars"), index, "message_chars", what, trigger),
            when=self.when(table.get("when"), index, what, trigger),
            first=first_chars(find) if find is not None else None,
            whole_first=first_chars(whole) if whole is not None else None,
            whole_alphabet=alphabet(whole) if whole is not None else None,
            whole_outside=_outside(alphabet(whole)) if whole is not None else None,
            unless_phrases=self.phrase_list(table.get("unless"), line_of("unless"), f"{what} unless")
            if table.get("unless") is not None
            else None,
            gate=start_class(find) if find is not None and required_literals(find) is None else None,
            digits=min_digits(find) if find is not None and required_literals(find) is None else 0,
            literals=by_first(required_literals(find)) if find is not None else None,
        )
        keys = ("message_length", "message_chars", "reply_length", "reply_chars")
        result = dataclasses.replace(
            result, lengths=tuple((k, getattr(result, k)) for k in keys if getattr(result, k) is not None)
        )
        if (
            result.find is None
            and result.whole is None
            and result.when is None
            and result.reply_length is None
            and result.message_length is None
            and result.reply_chars is None
            and result.message_chars is None
            and "find" not in table
            and "whole" not in table
        ):
            self.problem(
                line_of("trigger") or self.where.rule(index),
                f"{what}: nothing to match (add find, whole, when or a length)",
            )
            return None
        return result

    def fix(self, value: Any, index: int, what: str) -> FixSpec | None:
        from .taxonomy import did_you_mean

        if value is None:
            return None
        line = self.where.key(index, "fix")
        if not isinstance(value, dict):
            self.problem(line, f'{what}: fix must be a table, e.g. {{ replace = "您" }}')
            return None
        self.unknown_keys(value, FIX_KEYS, index, f"{what} fix")
        kinds = [k for k in FIX_KINDS if k in value]
        if len(kinds) != 1:
            self.problem(line, f"{what}: fix needs exactly one of {', '.join(FIX_KINDS)}")
            return None
        kind = kinds[0]
        text = value[kind]
        if kind == "collapse":
            if text is not True:
                self.problem(line, f"{what}: fix.collapse must be true")
                return None
            text = ""
        elif not isinstance(text, str) or (kind != "replace" and not text.strip()):
            self.problem(line, f"{what}: fix.{kind} must be text")
            return None
        after = None
        if "after" in value:
            if kind != "prepend":
                self.problem(
                    line, f"{what}: fix.after only goes with prepend{did_you_mean('after', ['prepend'])}"
                )
            after = self.compile(value["after"], line, f"{what} fix.after")
        return FixSpec(kind, text, after)

    def examples(self, value: Any, index: int, key: str, what: str) -> tuple[Example, ...]:
        if value is None:
            return ()
        line = self.where.key(index, key)
        if not isinstance(value, list):
            self.problem(line, f"{what}: {key} must be a list of replies or {{ reply, message }} tables")
            return ()
        out = []
        for item in value:
            if isinstance(item, str):
                out.append(Example(item))
            elif isinstance(item, dict) and isinstance(item.get("reply"), str):
                self.unknown_keys(item, EXAMPLE_KEYS, index, f"{what} {key}")
                history = item.get("history") or []
                out.append(Example(item["reply"], item.get("message"), item.get("scenario"), tuple(history)))
            else:
                self.problem(
                    line, f'{what}: each of {key} is a reply or a {{ reply = "...", message = "..." }} table'
                )
        return tuple(out)

    def rule(self, table: Any, index: int, seen: dict[str, int]) -> Rule | None:
        from .taxonomy import did_you_mean

        head = self.where.rule(index)
        if not isinstance(table, dict):
            self.problem(head, "each [[rule]] must be a table")
            return None
        rule_id = table.get("id")
        what = f"rule {rule_id!r}" if isinstance(rule_id, str) else f"rule #{index + 1}"
        before = len(self.problems)
        self.unknown_keys(table, RULE_KEYS, index, what)
        for key in ("id", "severity", "message", "guidance"):
            value = table.get(key)
            if not isinstance(value, str) or not value.strip():
                self.problem(
                    self.where.key(index, key) if key in table else head, f"{what}: missing or empty {key!r}"
                )
        if isinstance(rule_id, str) and rule_id:
            if not _RULE_ID.match(rule_id):
                self.problem(
                    self.where.key(index, "id"),
                    f"{what}: id must be lower-case words joined by dots (e.g. tone.blame)",
                )
            if rule_id in seen:
                self.problem(
                    self.where.key(index, "id"),
                    f"duplicate rule id {rule_id!r} (first at line {seen[rule_id]})",
                )
            else:
                seen[rule_id] = head or 0
        severity = table.get("severity")
        if isinstance(severity, str) and severity and severity not in SEVERITIES:
            self.problem(
                self.where.key(index, "severity"),
                f"{what}: unknown severity {severity!r}{did_you_mean(severity, SEVERITIES)} (error, warn or info)",
            )
        guidance = table.get("guidance")
        if (
            isinstance(guidance, str)
            and guidance
            and self.guidance_ids is not None
            and guidance not in self.guidance_ids
        ):
            self.problem(
                self.where.key(index, "guidance"),
                f"{what}: unknown guidance section {guidance!r}{did_you_mean(guidance, sorted(self.guidance_ids))}",
            )
        defaults = {k: v for k, v in table.items() if k in TRIGGER_KEYS}
        triggers: list[Trigger] = []
        blocks = table.get("trigger")
        if blocks is None:
            t = self.trigger(defaults, index, what, None)
            if t is not None:
                triggers.append(t)
        elif not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
            self.problem(self.where.key(index, "trigger"), f"{what}: trigger must be [[rule.trigger]] tables")
        else:
            for j, block in enumerate(blocks):
                self.unknown_keys(block, TRIGGER_KEYS, index, f"{what} trigger {j + 1}", j)
                t = self.trigger({**defaults, **block}, index, f"{what} trigger {j + 1}", j)
                if t is not None:
                    triggers.append(t)
        fix = self.fix(table.get("fix"), index, what)
        fires = self.examples(table.get("fires"), index, "fires", what)
        passes = self.examples(table.get("passes"), index, "passes", what)
        description = table.get("description", "")
        if len(self.problems) > before or not triggers:
            return None
        return Rule(
            id=rule_id,
            severity=severity,
            message=table["message"].strip(),
            guidance=guidance,
            triggers=tuple(triggers),
            fix=fix,
            description=description if isinstance(description, str) else "",
            fires=fires,
            passes=passes,
            path=self.path,
            line=head or 0,
        )

    def load(self) -> RuleSet:
        from .taxonomy import did_you_mean

        for key in self.data:
            if key not in TOP_KEYS:
                self.problem(
                    self.where.key(None, key), f"unknown top-level key {key!r}{did_you_mean(key, TOP_KEYS)}"
                )
        lists = self.data.get("lists", {})
        if not isinstance(lists, dict):
            self.problem(self.where.key(None, "lists"), '[lists] must be a table of name = ["phrase", ...]')
            lists = {}
        for name in lists:
            if not _LIST_NAME.match(name):
                self.problem(
                    self.where.key(None, name), f"list name {name!r} may only hold letters, digits and _"
                )
        self.lists = lists
        for name, items in lists.items():  # report problems in unused lists too
            if name not in self.expanded:
                self.expanded[name] = self.expand(
                    items, self.where.key(None, name), f"list {name!r}", (name,)
                )
        quotes = self.data.get("quotes", {})
        quote_cues = None
        if not isinstance(quotes, dict):
            self.problem(self.where.key(None, "quotes"), "[quotes] must be a table")
        else:
            self.unknown_keys(quotes, QUOTE_KEYS, None, "[quotes]")
            cues = self.compile(quotes.get("cues"), self.where.key(None, "cues"), "[quotes] cues")
            if cues is not None:
                quote_cues = re.compile(rf"(?:{cues.pattern})[的了过是]?[:：,，\s]*$", re.IGNORECASE)
        context_empty = self.section("context", CONTEXT_KEYS, "empty")
        context_hold = self.section("context", CONTEXT_KEYS, "hold")
        boilerplate = self.section("boilerplate", BOILERPLATE_KEYS, "phrases")
        raw_rules = self.data.get("rule", [])
        if not isinstance(raw_rules, list):
            self.problem(self.where.key(None, "rule"), "rules must be written as [[rule]] tables")
            raw_rules = []
        if not raw_rules:
            self.problem(None, "no [[rule]] defined")
        seen: dict[str, int] = {}
        rules = [r for i, table in enumerate(raw_rules) if (r := self.rule(table, i, seen)) is not None]
        phrases = (
            self.data.get("boilerplate", {}).get("phrases")
            if isinstance(self.data.get("boilerplate"), dict)
            else None
        )
        ruleset = RuleSet(
            tuple(rules),
            quote_cues,
            self.path,
            context_empty,
            boilerplate,
            self.phrase_list(phrases, None, "[boilerplate] phrases") if boilerplate is not None else None,
            context_hold=context_hold,
            is_hold=_hold_test(context_hold) if context_hold is not None else None,
        )
        self.check_examples(ruleset)
        return ruleset

    def section(self, name: str, keys: Sequence[str], key: str) -> re.Pattern | None:
        """The phrase list ``key`` of the top-level table ``name`` (``[context]``, ``[boilerplate]``),
        compiled; None when the table is absent."""
        table = self.data.get(name, {})
        if not isinstance(table, dict):
            self.problem(self.where.key(None, name), f"[{name}] must be a table")
            return None
        self.unknown_keys(table, keys, None, f"[{name}]")
        return self.compile(table.get(key), self.where.key(None, key), f"[{name}] {key}")

    def check_examples(self, ruleset: RuleSet) -> None:
        """Every rule's ``fires`` examples must fire it, its ``passes`` examples must not."""
        for index, rule in enumerate(ruleset.rules):
            raw_index = next(
                (
                    i
                    for i, t in enumerate(self.data.get("rule", []))
                    if isinstance(t, dict) and t.get("id") == rule.id
                ),
                index,
            )
            for key, examples, expected in (("fires", rule.fires, True), ("passes", rule.passes, False)):
                for example in examples:
                    try:
                        result = check(
                            example.reply,
                            example.message,
                            list(example.history),
                            rules=ruleset,
                            scenario=example.scenario,
                        )
                    except Exception as exc:  # noqa: BLE001 - a broken example must be reported, not crash the load
                        self.problem(
                            self.where.key(raw_index, key),
                            f"rule {rule.id!r}: example {example.reply!r} cannot be checked ({exc})",
                        )
                        continue
                    fired = rule.id in result.rules
                    if fired != expected:
                        verb = "should fire but does not" if expected else "should not fire but does"
                        context = f" (buyer: {example.message!r})" if example.message else ""
                        self.problem(
                            self.where.key(raw_index, key, needle=example.reply)
                            or self.where.key(raw_index, key),
                            f"rule {rule.id!r}: example {example.reply!r}{context} {verb}",
                        )


def _scenario_ids(path: Path) -> tuple[str, ...]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        builtin = tuple(s["id"] for s in data.get("scenario", []) if isinstance(s, dict) and "id" in s)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ()
    from .taxonomy import shop_scenarios  # a shop's own scenarios (shop.toml) are valid in rules too

    return builtin + tuple(
        s.id for s in shop_scenarios(path.parent / "shop.toml", (), dict(data.get("stages", {})), [])
    )


_TOML_LINE = re.compile(r"line (\d+)")


def load_rules(path: Path, guidance_ids: set[str] | None = None) -> tuple[RuleSet, list[Problem]]:
    """Read, validate and compile ``checklist.toml``.

    Args:
        path: the rules file.
        guidance_ids: the guidance section ids of the corpus; when given, every rule's
            ``guidance`` must be one of them.

    Returns:
        ``(rules, problems)``: the rules that are valid and every problem found, each as
        ``path:line: message`` (unknown keys and ids come with the closest valid one).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return RuleSet(path=str(path)), [Problem(str(path), None, "checklist file not found")]
    except UnicodeDecodeError:
        return RuleSet(path=str(path)), [Problem(str(path), None, "not UTF-8 text; save the file as UTF-8")]
    except OSError as exc:
        return RuleSet(path=str(path)), [Problem(str(path), None, f"cannot read file ({exc.strerror})")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        return RuleSet(path=str(path)), [
            Problem(str(path), int(m.group(1)) if m else None, f"not valid TOML: {exc}")
        ]
    loader = _Loader(path, text, data, guidance_ids)
    rules = loader.load()
    return rules, loader.problems


def load_checklist(path: str | Path, guidance_ids: set[str] | None = None) -> RuleSet:
    """``load_rules`` for callers that want the rules or an error (benchmarks, tests, notebooks).

    Raises:
        ChecklistError: the file has problems (the first one, with a count of the rest).
    """
    rules, problems = load_rules(Path(path), guidance_ids)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ChecklistError(f"{problems[0]}{more}")
    return rules
