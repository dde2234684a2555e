"""Details a buyer sends for the agent to record (``[[given_details]]`` in adaptation.toml): an invoice's
title, the name on a personal invoice, a tax number, an e-mail; a new address or phone. The reply says
them back (抬头杭州启明软件有限公司、税号9133…，我记下了), and a message that gives nothing else is answered
with the kind's confirmation instead of a holding reply or a stock answer that asks for them again (the
judges' "does not confirm the title I sent")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Details:
    """One kind of details a buyer sends: where they belong, how each field is found, how they are said."""

    name: str
    # the chats they belong to: these scenarios, or any chat whose newest agent turn asks for them
    scenarios: frozenset[str] = frozenset()
    asked: re.Pattern | None = None
    # (label, pattern): the pattern's group ``v`` (or the whole match) is the value
    fields: tuple[tuple[str, re.Pattern], ...] = ()
    # labels that count only beside another field (the invoice type of 普票就行 is no detail sent)
    companions: frozenset[str] = frozenset()
    # a value matching ``not_value`` is no value (个人就行 is no name); ``strip`` is cut off its start
    not_value: re.Pattern | None = None
    strip: re.Pattern | None = None
    # what else a message that only gives the details says (labels, 的, punctuation)
    filler: re.Pattern | None = None
    # the clause put after a reply's opening words ({fields}: label+value, joined by 、)
    named: str = ""
    # (chat pattern or None for any, reply): the first whose pattern the chat matches answers a
    # message that only gives the details
    confirms: tuple[tuple[re.Pattern | None, str], ...] = ()
    # (agent pattern, reply): tried before ``confirms`` on the agent's turn that asked for them, so the
    # confirmation follows what the agent asked for them for (a phone to pass to the courier is no
    # order change)
    purposes: tuple[tuple[re.Pattern, str], ...] = ()


def load_details(tables: Sequence[dict[str, Any]], compile_one: Any) -> tuple[Details, ...]:
    """The ``[[given_details]]`` tables; ``compile_one(pattern, kind)`` compiles (None if bad); a table
    without fields or a ``named`` wording is left out."""
    found = []
    for table in tables:
        fields = tuple(
            (str(label), pattern)
            for label, source in table.get("fields", [])
            if (pattern := compile_one(str(source), "fields")) is not None
        )
        if not fields or not table.get("named"):
            continue

        def one(key: str, table: dict[str, Any] = table) -> re.Pattern | None:
            return compile_one(str(table[key]), key) if table.get(key) else None

        found.append(
            Details(
                name=str(table.get("name", "")),
                scenarios=frozenset(str(s) for s in table.get("scenarios", [])),
                asked=one("asked"),
                fields=fields,
                companions=frozenset(str(c) for c in table.get("companions", [])),
                not_value=one("not_value"),
                strip=one("strip"),
                filler=one("filler"),
                named=str(table["named"]),
                confirms=tuple(
                    (compile_one(str(when), "confirms") if when else None, str(reply))
                    for when, reply in table.get("confirms", [])
                ),
                purposes=tuple(
                    (pattern, str(reply))
                    for when, reply in table.get("purposes", [])
                    if (pattern := compile_one(str(when), "purposes")) is not None
                ),
            )
        )
    return tuple(found)


def confirmation(kind: Details, turns: Sequence[tuple[str, str]]) -> str:
    """The reply confirming details of ``kind`` that the newest of ``turns`` gives: the first purpose
    the agent's newest turn matches where that turn asked for them, else the first of ``confirms``
    whose pattern the buyer's turns match; "" when none fits."""
    last_agent = next((text for role, text in reversed(turns[:-1]) if role != "buyer"), "")
    if kind.asked is not None and kind.asked.search(last_agent):
        for when, reply in kind.purposes:
            if when.search(last_agent):
                return reply
    buyer = " ".join(text for role, text in turns if role == "buyer")
    return next((t for when, t in kind.confirms if when is None or when.search(buyer)), "")


def _values(kind: Details, text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, label, value) of each field ``text`` gives, in order, none overlapping."""
    found = []
    for label, pattern in kind.fields:
        for match in pattern.finditer(text):
            value = (match.groupdict().get("v") or match.group(0)).strip()
            if kind.strip is not None:
                value = kind.strip.sub("", value)
            if len(value) < 2 or (kind.not_value is not None and kind.not_value.search(value)):
                continue
            found.append((match.start(), match.end(), label, value))
    found.sort(key=lambda f: (f[0], -f[1]))
    kept: list[tuple[int, int, str, str]] = []
    for f in found:
        if not kept or f[0] >= kept[-1][1]:
            kept.append(f)
    return kept


def given_details(
    kinds: Sequence[Details], scenario: str, turns: Sequence[tuple[str, str]]
) -> tuple[Details, list[tuple[str, str]], bool] | None:
    """The kind of details the newest message (the last of ``turns``, (role, text)) gives, its
    (label, value) pairs with those of the buyer's turns since the agent last asked (newest first per
    label), and whether the message gives nothing else; None when it gives none. Cheap: nothing is
    searched in a chat that is not about them."""
    if not turns:
        return None
    message = turns[-1][1]
    last_agent = next((text for role, text in reversed(turns[:-1]) if role != "buyer"), "")
    for kind in kinds:
        asked = kind.asked is not None and kind.asked.search(last_agent) is not None
        if not asked and scenario not in kind.scenarios:
            continue
        now = _values(kind, message)
        if not any(label not in kind.companions for _, _, label, _ in now):
            continue
        pairs: dict[str, str] = {}
        for _, _, label, value in now:
            pairs.setdefault(label, value)
        # the buyer's earlier turns since the agent's last turn (普票 抬头 杭州… before 税号9133…)
        for role, text in reversed(turns[:-1]):
            if role != "buyer":
                break
            for _, _, label, value in _values(kind, text):
                pairs.setdefault(label, value)
        rest = message
        for start, end, _, _ in reversed(now):
            rest = rest[:start] + rest[end:]
        if kind.filler is not None:
            rest = kind.filler.sub("", rest)
        bare = not re.search(r"[\u4e00-\u9fff]", rest)
        order = [label for label, _ in kind.fields]
        return kind, sorted(pairs.items(), key=lambda p: order.index(p[0])), bare
    return None
