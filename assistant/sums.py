"""Sums: what the buyer's order adds up to, against the offers the agent stated in this chat
(满199减20 / 满59包邮 / 满299送化妆包 / 三个以上每个减5 / 还能用店铺券10元), so that a buyer who asks
够不够 / 能用吗 / 包邮吗 / 减完多少 / 那就是308对吧 hears yes or no with the sum written out
(两件是109×2=218，满199了…). Its words and replies are ``corpus/money.toml`` ``[sums]``.

Only numbers of this chat are used: the buyer's prices, quantities and totals, the agent's unit price
and offers. When a number is missing (no unit price, two readings of the order, no offer), nothing is
computed and the other answers (or a holding reply) take over.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.facts import chinese_count

_NUM = r"\d+(?:\.\d+)?"
_CLAUSE_END = re.compile(r"[\s，。,！!？?；;]+")


@dataclass(frozen=True)
class Offer:
    """An offer the agent stated: 满``limit``减``cut`` (kind ``cut``), 满``limit``包邮 (``shipping``),
    满``limit`` with something else (a gift, instalments: ``other``)."""

    limit: float
    cut: float
    kind: str
    text: str


@dataclass(frozen=True)
class Order:
    """What the order adds up to and how (``169×2`` / ``159+40`` / ``219``); ``lead``: the packs the
    units make when the chat prices a pack (``按5包装算，`` for 10包 after 5包装49.9)."""

    total: float
    formula: str
    lead: str = ""

    def written(self, fmt: Callable[[float], str]) -> str:
        """The sum as the reply writes it: ``169×2=338``, or the amount alone when it was stated."""
        shown = fmt(self.total)
        return self.lead + (shown if self.formula == shown else f"{self.formula}={shown}")


@dataclass(frozen=True)
class Pack:
    """A pack size the chat names (3盒装 / 5包装): ``size`` units of ``unit`` sold as one."""

    size: int
    unit: str
    text: str


def packs_named(texts: Sequence[str], pattern: str) -> list[Pack]:
    """The pack sizes these texts name (money.toml ``[amounts] pack_size``), each once."""
    found: list[Pack] = []
    for text in texts:
        for match in re.finditer(pattern, text) if pattern else ():
            size, unit = chinese_count(match.group("n")), match.group("unit")
            if size >= 2 and all((p.size, p.unit) != (size, unit) for p in found):
                found.append(Pack(size, unit, match.group(0).strip()))
    return found


def in_packs(count: int, unit: str, packs: Sequence[Pack]) -> tuple[int, Pack | None] | None:
    """``count`` units of ``unit`` counted in the packs the chat prices: ``(2, 5包装)`` for 10包 after
    5包装 (the price said is the pack's, so 10包 is two of them, never 10 × it); ``(count, None)``
    when no pack of that unit is named (两套 after 3盒装 counts packs already); None when the count
    is no whole number of packs (7盒 after 3盒装) or two pack sizes of its unit are named."""
    same = [p for p in packs if p.unit == unit]
    if not same:
        return count, None
    if len(same) > 1 or count % same[0].size:
        return None
    return count // same[0].size, same[0]


class Sums:
    """The order of this chat summed and held against the agent's offers.

    Args:
        table: ``money.toml`` ``[sums]``.
        amounts: the money layer's reading of the prices of a text (``MoneyAnswers.amounts``).
        fmt: how an amount is written (118, 297.5).
        not_price_after: characters after a number that make it no price (3个, 10斤: ``[amounts]``).
        pack_size: what a pack size is (3盒装: ``[amounts] pack_size``); pack_lead: how the packs
            an order makes are written before its sum (``按<pack>算，``).
    """

    def __init__(
        self,
        table: dict,
        amounts: Callable,
        fmt: Callable[[float], str],
        not_price_after: str = "",
        pack_size: str = "",
        pack_lead: str = "",
    ):
        self.table = table
        self.amounts = amounts
        self.fmt = fmt
        self.not_price_after = not_price_after
        self.pack_size = pack_size
        self.pack_lead = pack_lead

    def words(self, key: str) -> tuple[str, ...]:
        return tuple(self.table.get(key, ()))

    # ------------------------------------------------------------------ reading the chat

    def offers(self, agent_texts: Sequence[str]) -> list[Offer]:
        """The agent's threshold offers, the newest turn first (each once)."""
        found: list[Offer] = []
        patterns = (
            ("flat", self.table.get("flat_offer", "")),
            ("cut", self.table.get("cut_offer", "")),
            ("shipping", self.table.get("shipping_offer", "")),
            ("other", self.table.get("other_offer", "")),
        )
        for text in reversed(agent_texts):
            for kind, pattern in patterns:
                if not pattern:
                    continue
                for match in re.finditer(pattern, text):
                    limit = float(match.group("limit")) if kind != "flat" else 0.0
                    if any(o.limit == limit for o in found):
                        continue
                    cut = float(match.group("cut")) if kind in ("cut", "flat") else 0.0
                    text = match.group(0).strip()
                    if kind == "cut" and not re.fullmatch(
                        r"满\s*[\d.]+\s*(?:元|块)?\s*(?:立|再)?减\s*[\d.]+", text
                    ):
                        # (满199可以减30 / 满199-20 is said back by its threshold, 够满199了: words the
                        # chat never said, 满199减30, would be an offer of the reply's own)
                        text = f"满{self.fmt(limit)}"
                    found.append(Offer(limit, cut, kind, text))
        return found

    def coupon(self, agent_texts: Sequence[str]) -> tuple[float, str] | None:
        """A coupon the agent said comes on top (还可以领个5元券 / 还能用店铺券10元 / 叠加领10元券):
        its amount and words; None when the agent named none or two."""
        found = {
            float(m.group("cut")): m.group(0).strip()
            for text in agent_texts
            for m in re.finditer(self.table.get("stacked_coupon", "$^"), text)
        }
        if len(found) != 1:
            return None
        return next(iter(found.items()))

    def unit_prices(self, texts: Sequence[str]) -> list[float]:
        """The unit prices these texts state (一件109 / 每个68 / 单价169 / 29.9一盒), in order."""
        units = []
        for text in texts:
            found = {}
            for pattern in self.words("unit_price"):
                found.update({m.start("p"): float(m.group("p")) for m in re.finditer(pattern, text)})
            units.extend(found[k] for k in sorted(found))
        return units

    def count(self, text: str) -> int:
        """The number of units the buyer takes in ``text`` (两件 / 买3包 / 要两袋), 0 when none or two."""
        return self.counted(text)[0]

    def counted(self, text: str) -> tuple[int, str]:
        """The number of units the buyer takes in ``text`` and their unit (``(10, "包")``), ``(0, "")``
        when none or two numbers."""
        counts = {
            (chinese_count(m.group("n")), m.groupdict().get("unit") or "")
            for m in re.finditer(self.table.get("count", "$^"), text)
        }
        counts = {c for c in counts if c[0]}
        if len({n for n, _ in counts}) != 1:
            return 0, ""
        return min(counts)

    def order(
        self,
        message: str,
        buyer: Sequence[str],
        agent: Sequence[str],
        claimed: float | None,
        limits: frozenset[float] = frozenset(),
        before: bool = True,
    ) -> Order | None:
        """What the order adds up to, from the buyer's message and turn before and the agent's unit
        price; None when the chat does not say it in one way. ``limits``: the offers' thresholds,
        which the buyer may name (不到200啊) and are no amount of theirs."""
        fmt = self.fmt
        own = [
            a
            for a in self.amounts(message)
            if not a.cut
            and a.value != claimed
            and a.value not in limits
            and not self._not_order(message, a.start)
        ]
        added = [a for a in own if self._added(message, a.start)]
        items = [a for a in own if a not in added]
        if len(own) >= 2 and any(
            w in message[own[0].start : own[-1].start] for w in self.words("alternatives")
        ):
            return None  # 308…还是…600: two amounts the buyer weighs, not one order to add up
        units = set(self.unit_prices([message]))
        count = self.count(message)
        if before and buyer and not items and not count:
            # 那还差8块呢 after 我拍两盒112, 够包邮了吗 after 那我买两双: the order the buyer's turn
            # before stated, read as that turn is read
            earlier = self.order(buyer[-1], buyer[:-1], agent, None, limits, before=False)
            if earlier is not None:
                return self._with(earlier, added)
        if count >= 2:
            # 我买两条279的: a price said of the item (…的) is each unit's, not the order's
            units |= {a.value for a in items if message[a.start + len(a.text) :].lstrip(" 元块")[:1] == "的"}
        if count >= 2 and len(items) == count and len(units) != 1:
            # 我拿两件 一件89一件99: each unit's price listed
            base = Order(sum(a.value for a in items), "+".join(a.shown for a in items))
        elif count >= 2 and len(items) == 1 and not units:
            # 2盒178 / 3条是87: the buyer's own total of the units, written as the units of the one
            # price this chat states when they make it (两份 79.8 after 39.9: 39.9×2=79.8)
            said = {a.value for t in [*buyer, *agent] for a in self.amounts(t) if not a.cut} - limits
            one = next(iter(said)) if len(said) == 1 else None
            formula = items[0].shown
            if one is not None and abs(one * count - items[0].value) < 0.01:
                formula = f"{fmt(one)}×{count}"
            base = Order(items[0].value, formula)
        elif count >= 2 and not units and (stated := self._stated_total([*buyer[-1:], *agent[-1:]])):
            # 三个一共87元: the total the chat already gave for the units
            base = Order(stated.value, stated.shown)
        elif count >= 2 and len(units) == 1 and (mixed := self._mixed(message, items, count)):
            # 四件套399 枕头要两个 一个69: an item priced on its own beside the units of one price
            base = mixed
        elif count >= 2:
            unit = units.pop() if len(units) == 1 else None
            if unit is None and not units:
                stated_units = self.unit_prices([*buyer[-1:], *agent])
                unit = stated_units[-1] if stated_units else None
            pack = None
            if unit is None and not units:
                # 10包 after 5包装49.9: the price this chat names is the pack's, so the units are
                # counted in packs (never 49.9×10); a count that makes no whole packs is not summed
                packed = in_packs(
                    count, self.counted(message)[1], packs_named([message, *buyer, *agent], self.pack_size)
                )
                if packed is None:
                    return None
                count, pack = packed
                # the one price this chat names (两件一共多少 after 399是吧); two numbers that could be
                # prices (大号59 小号39) leave it open
                said = {a.value for t in [*buyer, *agent] for a in self.amounts(t) if not a.cut}
                loose = {n for t in [*buyer, *agent] for n in self._loose(t)}
                said -= {claimed}
                loose -= {claimed}
                unit = said.pop() if len(said) == 1 and len(loose) <= 1 else None
            if unit is None or any(a.value != unit for a in items):
                return None
            lead = ""
            if pack is not None and count > 1:
                lead = self.pack_lead.replace("<packs>", str(count)).replace("<pack>", pack.text)
            formula = f"{fmt(unit)}×{count}" if count > 1 else fmt(unit)
            base = Order(unit * count, formula, lead)
        elif len(items) >= 2 and not units:
            # 枕头39 抱枕25: the items' prices
            base = Order(sum(a.value for a in items), "+".join(a.shown for a in items))
        elif len(items) == 1:
            base = Order(items[0].value, items[0].shown)
        elif added:
            # 那我再凑个40的袜子 after 鞋子159 (or the agent's 299): the one price said just before
            base = None
            for text in (buyer[-1:], agent[-1:]):
                prices = [a for t in text for a in self.amounts(t) if not a.cut]
                if len(prices) == 1:
                    base = Order(prices[0].value, prices[0].shown)
                    break
                if prices:
                    return None
            if base is None:
                return None
        elif self._unread(message, claimed, limits):
            return None  # 6个装能减多少: a number of the message this reading cannot place
        else:
            # 不到200啊 还能用吗 after 外套是189的, 那我到手是多少 after 活动价459: the one price the
            # buyer's turn before states, else the one the agent stated
            base = None
            for texts in (buyer[-1:], agent):
                said = {
                    a.value: a
                    for t in texts
                    for a in self.amounts(t)
                    if not a.cut and a.value != claimed and a.value not in limits
                }
                if len(said) == 1:
                    one = next(iter(said.values()))
                    base = Order(one.value, one.shown)
                    break
            if base is None:
                return None
        return self._with(base, added)

    def _mixed(self, message: str, items: Sequence, count: int) -> Order | None:
        """The order of ``message`` when it prices the counted units by one unit price (两个 一个69)
        and names other items, each by its price alone in a clause of its own (四件套399): those
        prices plus the units (399+69×2); None when an amount may be a total or belongs to no item."""
        starts = {
            m.start("p"): float(m.group("p"))
            for pattern in self.words("unit_price")
            for m in re.finditer(pattern, message)
        }
        if len(set(starts.values())) != 1:
            return None
        unit = next(iter(starts.values()))
        others = [a for a in items if a.start not in starts]
        if not others or len(others) + 1 != len(items):
            return None
        for a in others:
            clause_start = max((m.end() for m in _CLAUSE_END.finditer(message, 0, a.start)), default=0)
            clause_end = next((m.start() for m in _CLAUSE_END.finditer(message, a.start)), len(message))
            clause = message[clause_start:clause_end]
            if re.search(self.table.get("count", "$^"), clause) or any(
                w in message[clause_start : a.start] for w in self.words("total_words")
            ):
                return None  # (两个130 / 一共138: the units' own total, never added to them again)
            if abs(a.value - unit * count) < 0.01:
                return None
        formula = "+".join([*(a.shown for a in others), f"{self.fmt(unit)}×{count}"])
        return Order(sum(a.value for a in others) + unit * count, formula)

    @staticmethod
    def _with(base: Order, added: Sequence) -> Order:
        """``base`` with the items the buyer adds to it (再加个10块的零食)."""
        if not added:
            return base
        total = base.total + sum(a.value for a in added)
        return Order(total, "+".join([base.formula, *(a.shown for a in added)]), base.lead)

    def _loose(self, text: str) -> set[float]:
        """The numbers of ``text`` that may be prices: none inside an offer (满99减10), none that
        counts or measures right after it (3个, 10斤, 42码: the money layer's ``not_price_after``)."""
        for key in (
            "flat_offer",
            "cut_offer",
            "shipping_offer",
            "other_offer",
            "stacked_coupon",
            "per_unit_cut",
        ):
            if self.table.get(key):
                text = re.sub(self.table[key], " ", text)
        after = self.not_price_after
        return {
            float(m.group(0))
            for m in re.finditer(_NUM, text)
            if not text[m.end() : m.end() + 1] or text[m.end()] not in after
        }

    def _stated_total(self, texts: Sequence[str]):
        """The one amount these texts name as a total (三个一共87元), or None."""
        found = [
            a
            for t in texts
            for a in self.amounts(t)
            if not a.cut and any(t[: a.start].rstrip(" 是").endswith(w) for w in self.words("total_words"))
        ]
        return found[-1] if len(found) == 1 else None

    def _unread(self, message: str, claimed: float | None, limits: frozenset[float]) -> bool:
        """Whether ``message`` names a number (or a count: 两个) that is neither the buyer's figure,
        an offer's threshold nor a gap or cut (差4块)."""
        if re.search(self.table.get("count", "$^"), message):
            return True
        cuts = {a.start for a in self.amounts(message) if a.cut}
        return any(
            float(m.group(0)) not in limits and float(m.group(0)) != claimed and m.start() not in cuts
            for m in re.finditer(_NUM, message)
        )

    def _not_order(self, message: str, start: int) -> bool:
        """Whether the number at ``start`` is named as no part of the order (运费6块 / 邮费8元)."""
        clause = re.split(r"[\s，。,！!？?；;]", message[:start])[-1]
        return any(w in clause for w in self.words("not_order"))

    def _added(self, message: str, start: int) -> bool:
        clause = re.split(r"[\s，。,！!？?；;]", message[:start])[-1]
        return any(w in clause for w in self.words("added"))

    def claimed(self, message: str) -> float | None:
        """The buyer's own figure to confirm (那就是308是吧 / 是不是279 / 749对吧), or None."""
        for pattern in self.words("claimed"):
            found = re.search(pattern, message)
            if found:
                return float(found.group("c"))
        return None

    # ------------------------------------------------------------------ the answer

    def answer(
        self,
        message: str,
        scenario: str,
        buyer: Sequence[str],
        agent: Sequence[str],
        confirmed: Sequence[str] = (),
    ) -> str | None:
        """The reply template (``<…>`` filled, shop ``{slots}`` left to the grounder), or None.
        ``confirmed``: the buyer's turns the agent said yes to (满200减20吗 → 是的), whose offers count."""
        table = self.table
        if scenario in table.get("not_scenarios", ()) or not agent:
            return None
        claimed = self.claimed(message)
        # (差4块钱 能给包个邮吗: the gap the buyer counts asks it too)
        asks_reach = any(w in message for w in self.words("asks_reach")) or any(
            re.search(p, message) for p in (*self.words("asks_gap"), *self.words("asks_enough"))
        )
        asks_price = any(w in message for w in self.words("asks_price"))
        if claimed is None and not asks_reach and not asks_price:
            return None
        offers = self.offers([*confirmed, *agent])
        per_unit = self._per_unit_cut(agent)
        if not offers and per_unit is None:
            return None
        if any(re.search(p, t) for t in agent for p in self.words("not_summed")):
            # (店铺券 还能叠加跨店每满300减50: offers that stack or repeat are no one cut to take off;
            # one of them alone would be a wrong price)
            return None
        order = self.order(message, buyer, agent, claimed, frozenset(o.limit for o in offers if o.limit))
        if order is None:
            return None
        fmt = self.fmt
        if per_unit is not None:
            # 三个以上每个减5: every unit is cheaper once the count is reached
            from_count, each, said = per_unit
            count = self.count(message) or (self.count(buyer[-1]) if buyer else 0)
            match = re.fullmatch(rf"({_NUM})×(\d+)", order.formula)
            if match is None or count < from_count or order.lead:
                return None
            unit = float(match.group(1))
            final = (unit - each) * count
            formula = f"({fmt(unit)}-{fmt(each)})×{count}"
            return self._fill("per_unit_reply", claimed, final, formula=formula, offer=said, total=fmt(final))
        offer = self._offer_for(offers, message, order.total)
        if offer is None:
            return None
        sum_text = order.written(fmt)
        gap = offer.limit - order.total
        if gap > 0:
            if claimed is not None and abs(claimed - order.total) >= 0.01:
                return None  # the buyer's figure is neither the sum nor reached: a lookup
            key = {"cut": "below_cut", "shipping": "below_shipping"}.get(offer.kind, "below_other")
            if key == "below_shipping" and any(w in message for w in self.words("asks_waiver")):
                key = "below_shipping_waiver"  # 包一下呗 / 就一次: the threshold is the system's, not ours
            return self._fill(
                key, None, 0, sum=sum_text, threshold=fmt(offer.limit), gap=fmt(gap), offer=offer.text
            )
        if offer.kind == "flat":
            # 领券减50 on 799 (用完券就是749对吧): whether the agent's price was before the coupon is not
            # said, so only the buyer's own figure that takes it off is agreed
            final = order.total - offer.cut
            if claimed is None or abs(claimed - final) >= 0.01:
                return None
            formula = f"{fmt(order.total)}-{fmt(offer.cut)}"
            return self._fill("met_flat", claimed, final, formula=formula, total=fmt(final))
        if offer.kind != "cut":
            key = "met_shipping" if offer.kind == "shipping" else "met_other"
            if claimed is not None and abs(claimed - order.total) >= 0.01:
                return None
            return self._fill(
                key, claimed, order.total, sum=sum_text, threshold=fmt(offer.limit), offer=offer.text
            )
        final = order.total - offer.cut
        formula = f"{fmt(order.total)}-{fmt(offer.cut)}"
        coupon = self.coupon(agent)
        named = {float(n) for n in re.findall(_NUM, message)}
        # the coupon on top is taken off when the buyer's figure, the cut they name (减30 = 20+10) or a
        # question of the price asks for it
        if coupon is not None and (
            (claimed is not None and abs(claimed - (final - coupon[0])) < 0.01)
            or (claimed is None and (asks_price or offer.cut + coupon[0] in named))
        ):
            final -= coupon[0]
            formula += f"-{fmt(coupon[0])}"
        if final <= 0:
            return None
        upper = self._next_tier(offers, offer, order.total) if claimed is None else None
        return self._fill(
            "met_cut_next" if upper else "met_cut",
            claimed,
            final,
            sum=sum_text,
            threshold=fmt(offer.limit),
            offer=offer.text,
            formula=formula,
            total=fmt(final),
            next=upper.text if upper else "",
            next_gap=fmt(upper.limit - order.total) if upper else "",
        )

    def _offer_for(self, offers: list[Offer], message: str, total: float) -> Offer | None:
        """The offer asked about: the one whose threshold or cut the buyer names, a free-shipping one
        when the buyer asks 包邮, else of the agent's cuts (满99减10 满160减20) the highest the order
        reaches, or the lowest it does not."""
        named = {float(n) for n in re.findall(_NUM, message)}
        for offer in offers:
            if offer.limit in named or (offer.cut and offer.cut in named):
                return offer
        if any(w in message for w in self.words("asks_shipping")):
            return next((o for o in offers if o.kind == "shipping"), None)
        cuts = [o for o in offers if o.kind == "cut"]
        if cuts:
            reached = [o for o in cuts if o.limit <= total]
            if reached:
                return max(reached, key=lambda o: o.limit)
            return min(cuts, key=lambda o: o.limit)
        return next((o for o in offers if o.kind != "shipping"), offers[0] if offers else None)

    def _next_tier(self, offers: list[Offer], offer: Offer, total: float) -> Offer | None:
        """The agent's next cut above the one reached (满160减20 after 满99减10), or None."""
        above = [o for o in offers if o.kind == "cut" and o.limit > total and o.cut > offer.cut]
        return min(above, key=lambda o: o.limit) if above and offer.kind == "cut" else None

    def _per_unit_cut(self, agent: Sequence[str]) -> tuple[int, float, str] | None:
        for text in reversed(agent):
            found = re.search(self.table.get("per_unit_cut", "$^"), text)
            if found:
                return chinese_count(found.group("n")), float(found.group("m")), found.group(0).strip()
        return None

    def _fill(self, key: str, claimed: float | None, result: float, **parts: str) -> str | None:
        """The reply ``key`` (its ``confirmed_``/``corrected_`` form when the buyer gave a figure)."""
        if claimed is not None:
            key = ("confirmed_" if abs(claimed - result) < 0.01 else "corrected_") + key
            parts["claimed"] = self.fmt(claimed)
        template = str(self.table.get(key, ""))
        if not template:
            return None
        for name, value in parts.items():
            template = template.replace(f"<{name}>", value)
        return template
