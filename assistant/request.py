"""Which clauses of a buyer message carry the request, and which only give its reason (issue 12).

A buyer often says why they ask or what they fear besides the request itself: 那个陶瓷碗还能买到吗
打碎了一个想补一个 asks whether the bowl is in stock, 腰带是自己选还是你们直接放 我怕漏了 asks how the gift
is added. A problem word in such a clause (碎了 / 漏了) reports nothing about this order: it must not put a complaint first,
nor let a complaint reading of the whole message stand. Read by the clause's structure, not by more
phrasings: the clause fears it or wants to buy (``facts.toml [clause_roles]``), or the word is itself
what is asked (是不是坏了 / 漏气正常吗). (Another order's problem told alone, 上次买的饼干碎了, is still a
complaint: a background clause is told from a report only beside a request, which this does not read.)

The order stage vetoes too: in a chat whose buyer has asked before-sale questions and said no order event,
a scenario that needs an order (``[clause_roles] before_order``: a quality complaint, a review) cannot
happen yet (``before_order``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .conversation import asks
from .facts import ORDER_STAGES, FactExtractor

# clause boundaries of a buyer message (spaces separate clauses in unpunctuated chat)
_CLAUSES = re.compile(r"[，,。！!？?；;~～\s]+")


def clauses(text: str) -> list[str]:
    """The clauses of ``text``, in order."""
    return [c for c in _CLAUSES.split(text) if c]


def request_text(extractor: FactExtractor, text: str) -> str:
    """``text`` without its clauses whose complaint words are all said aside (``FactExtractor.
    complaint_aside``: a reason, a worry, a background): ``text`` itself when none is, "" when every
    clause is."""
    kept = [c for c in clauses(text) if not (extractor.complaint_aside(c) and not extractor.complaint(c))]
    return text if len(kept) == len(clauses(text)) else " ".join(kept)


def reports_problem(extractor: FactExtractor, text: str) -> bool:
    """Whether ``text`` tells of a problem as done: a complaint word (not aside) in a clause that
    asks nothing (收到就裂了, not 电机坏了上门修吗 asked before buying)."""
    return any(extractor.complaint(c) and not asks(c) for c in clauses(text))


def before_order(order_stage: str, earlier: Sequence[tuple[str, str]], pre_sale: str) -> bool:
    """Whether the chat is still before any order: no order event said (``order_stage`` browsing), and
    the buyer's earlier turns (``earlier``: each turn's text and the stage of its reading, newest first)
    all read as ``pre_sale`` questions, at least one of them asked as one (升降桌保修几年; a bare
    跳绳计数不准 may tell of goods in hand)."""
    return (
        order_stage == "browsing"
        and bool(earlier)
        and all(stage == pre_sale for _, stage in earlier)
        and any(asks(text) for text, _ in earlier)
    )


def implied_stage(stage: str | None, before_order: bool) -> str | None:
    """The order ``stage`` a scenario implies ([scenario_order_stage]), or None where it cannot be
    reached yet: before any order (``before_order``) no goods are in hand, so a usage question or a
    return asked about (能进洗碗机吗 / 拆了能退吗) implies no delivery; a parcel's or a payment's
    scenario still tells of an order the chat's words did not."""
    if before_order and stage in ORDER_STAGES[ORDER_STAGES.index("delivered") :]:
        return None
    return stage
