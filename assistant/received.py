"""What the buyer already gave (the photo the agent asked for, the corrected phone digit or district),
acknowledged where a reply would ask for it again (``[[given_received]]`` in adaptation.toml): 麻烦您拍张
照片发给我 after ``[图片]`` reads 照片我这边收到了; 麻烦您把新的收货信息发我 after 最后一位是7不是1 reads
最后一位是7，我记下了 (the judges' "asks for info the buyer already gave")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Received:
    """One kind of thing a buyer gives: how a buyer turn gives it, and the reply clause it replaces."""

    name: str
    # a buyer turn (any, the newest message included) that gives it; (?P<said>) is the buyer's value
    given: tuple[re.Pattern, ...] = ()
    # …or a buyer turn that answers an agent turn asking for it (拍了 right after 拍个照片看看)
    answers: tuple[re.Pattern, ...] = ()
    asks: tuple[re.Pattern, ...] = ()
    # the clause of a reply that asks for it again, and what is said instead ({said}: the value)
    clause: re.Pattern | None = None
    received: str = ""
    scenarios: tuple[str, ...] = ()  # empty: any


def load_received(tables: Sequence[dict[str, Any]], compile_one: Any) -> tuple[Received, ...]:
    """The ``[[given_received]]`` tables; ``compile_one(pattern, kind)`` compiles (None if bad), and a
    table without a clause or a received wording is left out."""
    found = []
    for table in tables:

        def many(key: str, table: dict[str, Any] = table) -> tuple[re.Pattern, ...]:
            return tuple(p for p in (compile_one(str(s), key) for s in table.get(key, [])) if p is not None)

        clause = compile_one(str(table["clause"]), "clause") if "clause" in table else None
        if clause is None or not table.get("received"):
            continue
        found.append(
            Received(
                name=str(table.get("name", "")),
                given=many("given"),
                answers=many("answers"),
                asks=many("asks"),
                clause=clause,
                received=str(table["received"]),
                scenarios=tuple(str(s) for s in table.get("scenarios", [])),
            )
        )
    return tuple(found)


def given_value(kind: Received, turns: Sequence[tuple[str, str]]) -> str | None:
    """The value the buyer gave of ``kind`` in ``turns`` ((role, text), oldest first, the newest
    message last): its (?P<said>) group, "" when it has none, or None when the buyer gave nothing."""
    value = None
    for at, (role, text) in enumerate(turns):
        if role != "buyer":
            continue
        for pattern in kind.given:
            if (found := pattern.search(text)) is not None:
                value = (found.groupdict().get("said") or "").strip()
        asked = at > 0 and turns[at - 1][0] != "buyer" and any(p.search(turns[at - 1][1]) for p in kind.asks)
        if asked and any(p.search(text) for p in kind.answers):
            value = value or ""
    return value


def acknowledged(
    reply: str, scenario: str, turns: Sequence[tuple[str, str]], kinds: Sequence[Received]
) -> str:
    """``reply`` with each clause asking for what the buyer already gave said as received instead;
    ``reply`` itself when it asks for nothing given. Cheap: a kind's clause is looked for first."""
    for kind in kinds:
        if kind.scenarios and scenario not in kind.scenarios:
            continue
        found = kind.clause.search(reply) if kind.clause is not None else None
        if found is None:
            continue
        value = given_value(kind, turns)
        if value is None or ("{said}" in kind.received and not value):
            continue
        reply = reply[: found.start()] + kind.received.replace("{said}", value) + reply[found.end() :]
    return reply
