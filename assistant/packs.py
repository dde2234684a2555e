"""Starter packs: which pack a case belongs to, and which packs a shop chose.

The shipped starter corpus is a category-neutral ``core`` (greetings, waiting, shipping, payment,
returns, complaints, farewell; shop facts only as slots) plus one pack per product category
(``apparel``, ``shoes``, ``food`` …, the ids of ``facts.toml [categories]``). A case's pack is its
``pack`` field when set, else its ``categories`` (a case written for apparel and baby is in both
packs), else ``core``. A shop chooses packs in ``shop.toml`` (``[shop] packs = ["kitchen"]``);
starter cases of other packs are then not part of its corpus. Without ``packs`` every pack serves
(the shipped demo shop sells every category). The shop's own cases (imported, added, edited) always
serve: packs only select what came with the starter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Problem
from .files import toml_line
from .taxonomy import did_you_mean

if TYPE_CHECKING:
    from .records import Case, ShopProfile

CORE_PACK = "core"
STARTER_SOURCE = "starter"


def case_packs(case: Case) -> tuple[str, ...]:
    """The packs of a case: its ``pack``, else its ``categories``, else ``("core",)``."""
    if case.pack:
        return (case.pack,)
    return case.categories or (CORE_PACK,)


def shop_packs(shop: ShopProfile) -> tuple[str, ...] | None:
    """The packs the shop chose (``[shop] packs``, ``core`` always included); None: every pack."""
    chosen = shop.info.get("packs")
    if not isinstance(chosen, list):
        return None
    return tuple(dict.fromkeys([CORE_PACK, *(str(p) for p in chosen)]))


def serves(case: Case, chosen: Sequence[str] | None) -> bool:
    """True when the case belongs to this shop's corpus: a starter case of a chosen pack, or any
    case of the shop's own."""
    if chosen is None or case.source != STARTER_SOURCE:
        return True
    return any(pack in chosen for pack in case_packs(case))


def known_packs(category_ids: Iterable[str]) -> tuple[str, ...]:
    """Every pack id: ``core`` and the product categories of ``facts.toml``."""
    return (CORE_PACK, *category_ids)


def pack_problems(
    shop_path: Path, shop: ShopProfile, cases: Sequence[Case], category_ids: Sequence[str]
) -> list[Problem]:
    """Unknown pack ids in ``shop.toml [shop] packs`` and in cases' ``pack`` fields."""
    known = known_packs(category_ids)
    problems: list[Problem] = []
    chosen = shop.info.get("packs")
    if chosen is not None and (not isinstance(chosen, list) or not all(isinstance(p, str) for p in chosen)):
        problems.append(
            Problem(
                str(shop_path),
                toml_line(shop_path, "packs"),
                '[shop] packs must be a list such as ["kitchen"]',
            )
        )
    elif chosen is not None:
        for pack in chosen:
            if pack not in known:
                problems.append(
                    Problem(
                        str(shop_path),
                        toml_line(shop_path, "packs"),
                        f"unknown pack {pack!r}{did_you_mean(pack, known)}; packs: {', '.join(known)}",
                    )
                )
    for case in cases:
        explicit = case.pack
        if explicit and explicit not in known:
            problems.append(
                Problem(case.path, case.line, f"unknown pack {explicit!r}{did_you_mean(explicit, known)}")
            )
    return problems
