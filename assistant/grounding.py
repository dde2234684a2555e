"""The grounding guarantee: every concrete fact in a shown suggestion comes from this conversation,
the shop profile or the catalog, and contradicts none of the conversation.

A reply template is filled (shop slots from ``shop.toml``, conversation slots from this
conversation, or a visible fill-in such as 【身高】), then every fact it states is checked: a fact
that came from the retrieved case's own conversation is replaced with this conversation's value of
the same kind, or else with a fill-in; another catalog product becomes the buyer's item (in their
words) or a neutral 这款; wording of another product category, a contradiction of what the agent
already said, or an order event that did not happen rejects the reply. Every change is reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .conversation import ConversationState, asks
from .facts import (
    BUYER_KINDS,
    BUYER_NAMED_KINDS,
    FILL_IN_LABELS,
    KIND_FAMILIES,
    ORDER_STAGES,
    SHOP_KINDS,
    Fact,
    FactExtractor,
    FactSet,
)
from .records import Product, ShopProfile
from .sizing import MEASURE_CHARTS, ChartRow, chart_size, number, parse_chart
from .text import SLOT_PATTERN

FILL_IN = "【{}】"
FILL_IN_PATTERN = re.compile(r"【([^【】]{1,12})】")
NEUTRAL_ITEM = "这款"
_STOCK_TEXT = {"in_stock": "有现货", "low_stock": "库存不多", "sold_out": "已售罄"}
# conversation slots whose value comes from the buyer's catalog entry, not from what was said
_CATALOG_SLOTS = frozenset({"price", "stock_status"})


def _catalog_offers(product: Product, fact: Fact) -> bool:
    """Whether the catalog entry lists this size or colour (a range such as 36-37 covers 36 and 37)."""
    offered = product.sizes if fact.kind == "size" else product.colours
    value = fact.value
    for listed in offered:
        if value == listed or (fact.kind == "colour" and (value in listed or listed in value)):
            return True
        low, dash, high = listed.partition("-")
        if (
            dash
            and low.isdigit()
            and high.isdigit()
            and value.isdigit()
            and int(low) <= int(value) <= int(high)
        ):
            return True
    return False


# conversation slots filled from the buyer's facts of one kind (the newest value wins)
# variant slots written side by side; when the chat fills one, the other is left out, not a fill-in
_VARIANT_SLOTS = {"{colour}{size}": ("colour", "size"), "{size}{colour}": ("size", "colour")}
_SLOT_KINDS = {
    "height": ("height",),
    "weight": ("weight",),
    "foot_length": ("foot_length",),
    "size": ("size", "spec"),
    "colour": ("colour",),
    "amount": ("money",),
    "quantity": ("quantity",),
    "order_id": ("order_id",),
    "tracking_no": ("tracking_no",),
    "days": ("duration",),
    "material": ("material",),
    "address": ("place",),
}


@dataclass(frozen=True)
class Change:
    """One edit adaptation made to a reply: what it was, what it is now, and why."""

    was: str
    now: str
    why: str

    def to_dict(self) -> dict:
        return {"was": self.was, "now": self.now, "why": self.why}

    def __str__(self) -> str:
        return f"{self.was or '∅'} → {self.now or '∅'}（{self.why}）"


@dataclass(frozen=True)
class GroundedReply:
    """A filled and grounded reply, or the reason it cannot be shown (``rejected``)."""

    reply: str
    fill_ins: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()
    rejected: str = ""

    @property
    def ok(self) -> bool:
        return not self.rejected


class Grounder:
    """Fills and grounds reply templates for one shop.

    Args:
        shop: the shop profile (its slots are shop facts; its conversation slots get fill-ins).
        catalog: the products.
        extractor: the fact layer over the corpus's vocabulary and this catalog.
    """

    def __init__(self, shop: ShopProfile, catalog: Sequence[Product], extractor: FactExtractor):
        self.shop = shop
        self.catalog = list(catalog)
        self.extractor = extractor
        self.shop_facts = FactSet()
        for value in shop.slots.values():
            self.shop_facts.add(extractor.extract(value), value)
        if shop.name:
            self.shop_facts.add(extractor.extract(shop.name), shop.name)
        # the couriers the shop uses: a buyer may ask to switch to one (默认韵达 → 能换中通吗)
        self.usable_couriers = frozenset(f.value for f in extractor.extract(shop.slots.get("couriers", "")))
        # the one at a surcharge (补12元也可以改发顺丰) and those the shop does not use, read once here
        self.express_couriers = frozenset(
            f.value for f in extractor.extract(shop.slots.get("express_courier", ""))
        )
        self.excluded_couriers = frozenset(
            f.value for f in extractor.extract(shop.slots.get("excluded_couriers", ""))
        )
        # …used or at a surcharge: none of them is refused by name
        self.shop_couriers = self.usable_couriers | self.express_couriers

    # ------------------------------------------------------------------ allowed facts

    def allowed(self, state: ConversationState) -> FactSet:
        """The facts a suggestion may state: this conversation's, the shop's and the buyer's item's."""
        allowed = FactSet({k: set(v) for k, v in self.shop_facts.values.items()}, list(self.shop_facts.texts))
        allowed.add(s.fact for s in state.facts)
        allowed.texts.extend(s.fact.text for s in state.facts)
        product = self.extractor.product(state.item.product_id) if state.item else None
        if product is not None:
            entry = " ".join(
                [*product.names, *product.sizes, *product.colours, f"{product.price:g}元"]
                + [phrase for _, phrase in product.details]
            )
            allowed.add(self.extractor.extract(entry), entry)
            allowed.values.setdefault("size", set()).update(s.upper() for s in product.sizes)
            allowed.values.setdefault("item", set()).add(product.id)
        chart = self.size_chart(state)
        index, kind = self.chart_fit(state, chart)
        if index is not None:
            # the size the shop's chart gives this buyer is a shop fact (建议拿L read off it), and for a
            # foot the next one up (a wide foot); another size of the chart is not this buyer's
            fitted = chart[index : index + (2 if kind == "foot" else 1)]
            allowed.values.setdefault("size", set()).update(row.size.upper() for row in fitted)
        return allowed

    def chart_fit(self, state: ConversationState, chart: Sequence[ChartRow]) -> tuple[int | None, str]:
        """The index of the chart's size for the buyer's measurements and whether it was read by foot
        length (``"foot"``) or by height and weight (``"body"``); ``(None, "")`` when it cannot be."""
        if not chart:
            return None, ""
        value = {}
        for kind in ("height", "weight", "foot_length"):
            stated = state.latest(kind, "buyer")
            value[kind] = number(stated.fact.value) if stated is not None else None
        if value["foot_length"] is not None:
            index = chart_size(tuple(chart), foot=value["foot_length"])
            if index is not None:
                return index, "foot"
        index = chart_size(tuple(chart), height=value["height"], weight=value["weight"])
        return (index, "body") if index is not None else (None, "")

    def size_chart(self, state: ConversationState) -> tuple[ChartRow, ...]:
        """The shop's size chart for the buyer's item: the catalog entry's own, else the shop's chart of
        the item's category (``[size_charts]``); with no item named, a buyer who gave a height and a
        weight is sized by the clothing chart and one who gave a foot length by the shoe chart."""
        product = self.extractor.product(state.item.product_id) if state.item else None
        if product is not None and product.size_chart:
            return parse_chart(product.size_chart)
        category = (product.category if product is not None else None) or state.category
        if category is None:
            kinds = {s.fact.kind for s in state.facts if s.role == "buyer"}
            category = next((c for needs, c in MEASURE_CHARTS if needs <= kinds), None)
        chart = self.shop.size_charts.get(category or "", "")
        return parse_chart(chart) if chart else ()

    # ------------------------------------------------------------------ filling

    def slot_value(self, slot: str, state: ConversationState, scenario: str = "") -> str | None:
        """A conversation slot's value from this conversation (or the buyer's catalog item)."""
        product = self.extractor.product(state.item.product_id) if state.item else None
        if slot == "asked":
            # optional: the size, colour or spec the buyer's newest message names ("" when none); a
            # follow-up (那棕色呢 after 38码黑色有货吗) keeps the other kinds of the buyer's last ask (38码棕色)
            kinds = ("spec", "size", "colour")
            now = state.asked_now(kinds)
            newest = state.texts[-1].strip() if state.texts else ""
            if now and len(newest) <= 10 and (newest.startswith("那") or newest.rstrip("？?").endswith("呢")):
                named = {s.fact.kind for s in now}
                earlier = [s for s in state.facts if s.role == "buyer" and s.turn < len(state.texts) - 1]
                kept = {}
                for stated in earlier:
                    if stated.fact.kind in kinds and stated.fact.kind not in named:
                        kept[stated.fact.kind] = stated  # the latest of each kind
                now = sorted(
                    [*kept.values(), *now],
                    key=lambda s: kinds.index(s.fact.kind) if s.fact.kind != "spec" else -1,
                )
            mistaken = [s for s in now if _mistaken(state, s)]
            if mistaken:
                # 拍成了41 想换42: 42, not 4142; 拍成40了 能改吗 after 白色39有吗: the 39 asked before
                now = [s for s in now if s not in mistaken]
                if not now:
                    meant = _meant_instead(state, mistaken[-1])
                    if meant is None:
                        return None
                    now = [meant]
            # (1L绿色, not 1L绿色绿色; 20cm蓝色珐琅锅, not 蓝色20cm蓝色珐琅锅: the item phrase names 蓝色)
            item_text = (state.item.named or state.item.text) if state.item else ""
            asked = "".join(
                dict.fromkeys(s.fact.text for s in now if not (item_text and s.fact.text in item_text))
            )
            asked += self._variants(newest, asked, state)
            # (NB码纸尿裤: the buyer's item phrase already names it, 您问的NB码NB码纸尿裤 would repeat it)
            return "" if state.item and asked and asked in item_text else asked
        if slot == "asked_courier":
            # optional: a courier the buyer asks for that the shop does not use (能发申通吗 → 申通这家)
            newest = state.texts[-1] if state.texts else ""
            if state.nudge and state.pending_question:
                newest = state.pending_question  # ？？ chases 能发京东吗: that courier
            asked = sorted(
                (f.start, f.value, f.text) for f in self.extractor.extract(newest) if f.kind == "courier"
            )
            return next((text for _, value, text in asked if value not in self.shop_couriers), "")
        if slot == "topic":
            # optional: what the question is about, named naturally (蚕丝被的情况), "" when unknown
            return f"{state.item.text}的情况" if state.item and len(state.item.text) <= 8 else ""
        if slot == "question":
            # optional: the buyer's question, quoted when short (the pending one when they chase it)
            asked = (
                state.pending_question
                if state.nudge and state.pending_question
                else (state.texts[-1] if state.texts else "")
            )
            asked = re.sub(r"[\s?？!！。，,~～]+$", "", asked.strip())
            return f"您问的“{asked}”" if 2 <= len(asked) <= 16 and "“" not in asked else ""
        if slot == "product" and scenario == "recommendation":
            return None  # the item the agent recommends is the agent's choice, not the buyer's item
        if slot == "product":
            # with the attribute the buyer named it by (草莓图案的口水巾): which one they ask about
            return (state.item.named or state.item.text) if state.item else NEUTRAL_ITEM
        if slot == "price" and product is not None:
            return f"{product.price:g}元"
        if slot == "stock_status" and product is not None:
            # the catalog's stock is the product's; a size or colour it does not list (45码 of shoes
            # sold in 35-44) is not covered by it: the agent fills it in
            asked = state.asked_now(("size", "colour")) or [
                s for s in (state.latest("size", "buyer"), state.latest("colour", "buyer")) if s is not None
            ]
            if any(not _catalog_offers(product, s.fact) for s in asked):
                return None
            return _STOCK_TEXT.get(product.stock)
        if slot == "address":
            # the whole address the buyer wrote (上海浦东张江路100号), not only its city
            stated = state.latest("place", "buyer")
            if stated is not None:
                text = state.texts[stated.turn][stated.fact.start :]
                whole = re.match(r"[\w\-#]{0,30}(号|室|栋|单元|村|镇|小区|路|街|道)", text)
                return whole.group(0) if whole else stated.fact.text
        if slot == "date":
            return state.wanted_date()  # the day the buyer needs it by (我周六要用), else a fill-in
        if slot in ("size", "colour"):
            if self._weighed(state, _SLOT_KINDS[slot]):
                return None  # 拿M还是S: which one is the agent's call, a fill-in
            wanted = self._wanted(state, _SLOT_KINDS[slot])
            asked = state.asked_about(_SLOT_KINDS[slot])  # 42会不会大 我平时穿41 asks about 42
            wanted = wanted if wanted is not None or asked is None else asked.fact.text
            if wanted is not None:
                return wanted
        for kind in _SLOT_KINDS.get(slot, ()):
            stated = state.latest(kind, "buyer") or state.latest(kind)
            if slot in ("size", "colour") and stated is not None and _mistaken(state, stated):
                # 拍成40了 能改吗 after 白色39有吗: 40 is what the order has, not what to change it to;
                # the value asked before (39), else a fill-in
                stated = _meant_instead(state, stated)
                if stated is None:
                    return None
            if stated is not None and kind == "material" and _questioned(state, stated):
                # 是真皮的吗 asks; it states nothing (这款的用料是真皮 would be a claim nobody made)
                stated = state.latest(kind, "agent")
            if (
                stated is not None
                and kind == "spec"
                and re.search(r"体重\s*$", state_text_before(state, stated))
            ):
                continue  # 体重22斤 is a baby's weight, not a spec to take (建议拿22斤)
            if stated is not None and not re.search(r"\d", stated.fact.text):
                # 一百六十八块钱 is restated as the same value said in digits (the agent's 168元)
                stated = next(
                    (
                        s
                        for s in reversed(state.facts)
                        if s.fact.kind == kind
                        and s.fact.value == stated.fact.value
                        and re.search(r"\d", s.fact.text)
                    ),
                    stated,
                )
            if stated is not None:
                # the value without its label: 脚长{foot_length} must not read 脚长脚长25.5cm
                return re.sub(r"^(脚长|脚|身高|个子|高|体重)\s*", "", stated.fact.text) or stated.fact.text
        return None

    def _wanted(self, state: ConversationState, kinds: tuple[str, ...]) -> str | None:
        """The size or colour the buyer wants now: the one after 换成/改成/要 in their newest turn
        (我想换成白色的 刚下单选错了黑色 → 白色)."""
        for stated in state.asked_now(kinds):
            if re.search(r"(换成|改成|换|改|要|拿|选)\s*$", state_text_before(state, stated)):
                return stated.fact.text
        return None

    def _weighed(self, state: ConversationState, kinds: tuple[str, ...]) -> bool:
        """Whether the buyer's newest turn weighs two values of these kinds against each other
        (骑行裤拿M还是S): a reply that picks one must not take the pick from the chat."""
        asked = sorted(state.asked_now(kinds), key=lambda s: (s.turn, s.fact.start))
        between = self.extractor.vocabulary.choice_between
        for first, second in zip(asked, asked[1:], strict=False):
            if first.turn != second.turn or first.fact.value == second.fact.value:
                continue
            gap = state.texts[first.turn][first.fact.end : second.fact.start]
            if any(p.search(gap) for p in between):
                return True
        return False

    def fill(
        self, template: str, state: ConversationState, scenario: str = ""
    ) -> tuple[str, list[str], list[Change]]:
        """Replace every ``{slot}``: shop slots from the profile, conversation slots from this
        conversation, else a visible fill-in. Returns the text, the fill-ins and the changes."""
        fill_ins: list[str] = []
        changes: list[Change] = []
        own_dispatch = self.own_dispatch(state)

        def replace(match: re.Match) -> str:
            slot = match.group(1)
            if own_dispatch and slot in self.extractor.vocabulary.dispatch_slots:
                label = self.extractor.vocabulary.dispatch_label
                fill_ins.append(label)
                return FILL_IN.format(label)
            if slot in self.shop.conversation_slots:
                value = self.slot_value(slot, state, scenario)
                if value is None:
                    label = self.shop.conversation_slots[slot]
                    fill_ins.append(label)
                    return FILL_IN.format(label)
                if slot in _CATALOG_SLOTS:
                    changes.append(Change(match.group(0), value, "商品目录 from the catalog"))
                elif slot != "product" or value != NEUTRAL_ITEM:
                    changes.append(Change(match.group(0), value, "本次对话中的信息 from this conversation"))
                return value
            value = self.shop.slots.get(slot, match.group(0))
            said_rule = self.said_threshold(slot, state)
            if said_rule is not None and said_rule[0] != value:
                # the agent's 满59包邮 is this chat's rule, not the profile's 99元
                changes.append(Change(value, said_rule[0], "对话中客服已说的 what the agent already said"))
                return said_rule[0]
            if said_amount := self.said_amount(slot, state):
                # the agent's 新疆补运费15元 is this chat's surcharge, not the profile's 10元
                if said_amount != value:
                    changes.append(Change(value, said_amount, "对话中客服已说的 what the agent already said"))
                return said_amount
            # the conversation wins over the shop profile: the courier, coupon or gift the agent
            # already named fills the slot of the same name (not {express_courier} or {couriers})
            if slot in SHOP_KINDS:
                # (a courier the shop uses that the buyer asks to switch to: 能换中通吗 → 中通)
                said = state.settled(slot, self.usable_couriers if slot == "courier" else ())
                if said is not None and said.fact.value not in {
                    f.value for f in self.extractor.extract(value)
                }:
                    changes.append(
                        Change(value, said.fact.text, "对话中客服已说的 what the agent already said")
                    )
                    return said.fact.text
            return _unrepeated(match.string[: match.start()], value)

        # a variant named by one of two slots side by side ({colour}{size} for 原味的没了) needs no
        # fill-in for the other: 这款原味暂时拍不了, not 这款原味【尺码/规格】
        for pair, slots in _VARIANT_SLOTS.items():
            if pair in template:
                filled = [slot for slot in slots if self.slot_value(slot, state, scenario) is not None]
                if len(filled) == 1:
                    template = template.replace(pair, "{" + filled[0] + "}")
        text = SLOT_PATTERN.sub(replace, template).replace("{{", "{").replace("}}", "}")
        if "{asked}" in template:
            text = text.replace("的的", "的")  # (a variant said with 的, 42的, before the reply's own 的)
        return text, fill_ins, changes

    def said_threshold(self, slot: str, state: ConversationState) -> tuple[str, float] | None:
        """The threshold the agent stated in this chat for the shop rule ``slot`` (满59包邮 for
        ``free_shipping_threshold``): ``("59元", 59.0)``, the latest; None when the agent named none."""
        after = self.extractor.vocabulary.said_thresholds.get(slot)
        if not after:
            return None
        for stated in reversed(state.facts):
            if stated.role != "agent" or stated.fact.kind != "threshold":
                continue
            rest = state.texts[stated.turn][stated.fact.end :].lstrip(" 元块")
            if rest.startswith(after):
                amount = stated.fact.value.removeprefix("满")
                return f"{amount}元", float(amount)
        return None

    def said_amount(self, slot: str, state: ConversationState) -> str | None:
        """The amount the agent said in this chat for the shop slot ``slot`` (facts.toml
        [said_amounts]: 新疆偏远地区需要补运费15元 → ``"15元"`` for ``remote_surcharge``), the latest."""
        found = self.extractor.vocabulary.said_amounts.get(slot)
        if not found:
            return None
        for turn in reversed(state.said_by("agent")):
            for pattern in found:
                if match := pattern.search(turn):
                    return f"{match.group(1)}元"
        return None

    def own_dispatch(self, state: ConversationState) -> bool:
        """True when the shop's usual dispatch time does not fit this chat (made-to-order or
        pre-sale goods, or the agent promised another time; repeating the shop's own is fine)."""
        usual = self._usual_dispatch()
        agent = [t for t in state.said_by("agent") if not (usual and usual in t)]
        return self.extractor.own_dispatch(state.texts, agent)

    def _usual_dispatch(self) -> str:
        """The shop's dispatch time without its 内 (48小时内 → 48小时), as it appears in replies."""
        return re.sub(r"(以内|之内|内)$", "", self.shop.slots.get("dispatch_time", ""))

    # ------------------------------------------------------------------ grounding

    def ground(
        self, template: str, state: ConversationState, allowed: FactSet | None = None, scenario: str = ""
    ) -> GroundedReply:
        """Fill ``template`` and make every fact in it grounded, or reject it."""
        allowed = allowed if allowed is not None else self.allowed(state)
        own_dispatch = self.own_dispatch(state)
        rejects = self.extractor.vocabulary.dispatch_reject_slots
        if own_dispatch and any(slot in rejects for slot in SLOT_PATTERN.findall(template)):
            return GroundedReply(
                template,
                rejected="定制/预售或客服已说发货时间 the shop's same-day rule does not fit this chat",
            )
        reply, fill_ins, changes = self.fill(template, state, scenario)
        usual = self._usual_dispatch()
        if usual and usual in reply and own_dispatch:
            # a case that wrote the shop's dispatch time out: it does not fit made-to-order goods either
            label = FILL_IN.format(self.extractor.vocabulary.dispatch_label)
            reply = re.sub(re.escape(usual) + "(以内|之内|内)?", label, reply)
            changes.append(
                Change(usual, label, "定制/预售或客服已说发货时间 the shop's dispatch time does not fit")
            )
        reply, item_changes = self._retarget_items(reply, state)
        changes.extend(item_changes)
        facts = self.extractor.extract(reply) + self._shop_offers(reply)
        # the agent's own earlier facts win: a reply naming only other couriers/coupons contradicts them;
        # so does one naming only another offer than one the buyer stated in an earlier turn (the shop's
        # 满199减20 after 年货节满199减30; its gift after 上次还送了条毛巾); an offer the buyer asks about
        # (还送小样吗 / 满199减30还有吗) may be answered with the shop's own
        newest = len(state.texts) - 1

        def claimed(family: tuple[str, ...]) -> bool:
            return any(
                s.role == "buyer"
                and s.fact.kind in family
                and s.turn < newest
                and not asks(state.texts[s.turn])
                for s in state.facts
            )

        def on_waybill() -> bool:
            # a courier the buyer names beside a tracking number is the parcel's courier, stated, not
            # asked for (顺丰SF… 三天没更新了): the shop's other courier contradicts it
            waybills = {s.turn for s in state.facts if s.role == "buyer" and s.fact.kind == "tracking_no"}
            return any(
                s.role == "buyer" and s.fact.kind == "courier" and s.turn in waybills for s in state.facts
            )

        for kind in SHOP_KINDS:
            family = KIND_FAMILIES[kind]
            said = {v for k in family for v in state.values(k, "agent")}
            named = {f.value for f in facts if f.kind in family}
            buyer = {v for k in family for v in state.values(k, "buyer")}
            # (the buyer's earlier statements are read only for a reply that names another offer)
            if (
                named
                and not (named & (said | buyer))
                and (
                    said
                    or (kind == "courier" and on_waybill())
                    or (kind in BUYER_NAMED_KINDS and claimed(family))
                )
            ):
                return GroundedReply(
                    reply,
                    rejected=f"与对话中已说的{FILL_IN_LABELS.get(kind, kind)}矛盾 contradicts the conversation's {kind}",
                )
        rejected = self._unknown_stock(facts, state)
        if rejected:
            return GroundedReply(reply, rejected=rejected)
        reached = ORDER_STAGES.index(state.order_stage)
        for fact in facts:
            claimed = fact.kind == "order_event" and fact.value in ("paid", "shipped", "delivered")
            # 如果已经发出了，我帮您拦截 supposes the event; it claims nothing
            supposed = re.search(r"(如果|要是|万一|假如|若是)[^，。；！？]{0,4}$", reply[: fact.start])
            if (
                claimed
                and not supposed
                and re.search("已|了", fact.text)
                and ORDER_STAGES.index(fact.value) > reached
            ):
                return GroundedReply(
                    reply,
                    rejected=f"说订单{fact.text}，对话里没有 claims an order event ({fact.value}) the conversation lacks",
                )
        # what the buyer asks about now wins over what was said before (那L呢 after M码有吗)
        current: dict[str, list[Fact]] = {}
        for stated in state.asked_now(("size", "colour", "spec")):
            if not _mistaken(state, stated):  # 拍成M了 能改吗: M is the value to change away from
                current.setdefault(stated.fact.kind, []).append(stated.fact)
        # a person or an occasion the conversation never named (给先生买 for a buyer shopping for a
        # boyfriend, 耽误您参加婚礼 for a buyer who mentioned no wedding): another buyer's story
        for kind, named in (("person", "人：{} names a person"), ("occasion", "场合：{} names an occasion")):
            strangers = [f.text for f in facts if f.kind == kind and not allowed.allows(f)]
            if strangers:
                said = named.format("、".join(strangers))
                return GroundedReply(reply, rejected=f"提到对话里没有的{said} the chat never did")
        # replace ungrounded facts right to left so that earlier offsets stay valid
        per_kind: dict[str, int] = {}
        for fact in facts:
            per_kind[fact.kind] = per_kind.get(fact.kind, 0) + 1
        for fact in sorted(facts, key=lambda f: -f.start):
            asked = current.get(fact.kind)
            if asked and fact.value not in {a.value for a in asked}:
                now = (
                    asked[0].text
                    if len(asked) == 1 and per_kind[fact.kind] == 1
                    else FILL_IN.format(FILL_IN_LABELS[fact.kind])
                )
                reply = reply[: fact.start] + now + reply[fact.end :]
                changes.append(Change(fact.text, now, "换成买家这次问的 what the buyer asks about now"))
                continue
            if fact.kind in ("order_event", "item", "stock") or allowed.allows(fact):
                continue
            # the buyer's value replaces a lone fact of its kind; a range or a comparison becomes a fill-in
            replacement, why = self._replacement(fact, state, lone=per_kind[fact.kind] == 1)
            if replacement.startswith("【"):
                fill_ins.append(replacement[1:-1])
            reply = reply[: fact.start] + replacement + reply[fact.end :]
            changes.append(Change(fact.text, replacement, why))
        foreign = self.foreign_wording(reply, state)
        if foreign:
            return GroundedReply(
                reply,
                tuple(fill_ins),
                tuple(changes),
                rejected=f"用了其他品类的说法 wording of another category: {'、'.join(dict.fromkeys(foreign))}",
            )
        fill_ins = [m.group(1) for m in FILL_IN_PATTERN.finditer(reply)]
        return GroundedReply(reply, tuple(dict.fromkeys(fill_ins)), tuple(changes))

    def foreign_wording(self, reply: str, state: ConversationState) -> list[str]:
        """Words of another category than the buyer's item, unless this conversation used them itself."""
        return [
            w
            for w in self.extractor.foreign_wording(reply, state.category)
            if not any(w in t for t in state.texts)
        ]

    def ungrounded(self, reply: str, state: ConversationState) -> list[str]:
        """Audit of a finished reply: each fact neither this conversation, the shop nor the buyer's
        catalog entry supplied (``kind:text``), and each word of another category (``category:word``).
        Items, stock claims and order events are judged by ``ground`` itself, not listed here."""
        allowed = self.allowed(state)
        found = [
            f"{fact.kind}:{fact.text}"
            for fact in self.extractor.extract(reply)
            if fact.kind not in ("order_event", "item", "stock") and not allowed.allows(fact)
        ]
        return found + [f"category:{word}" for word in self.foreign_wording(reply, state)]

    def _shop_offers(self, reply: str) -> list[Fact]:
        """The shop's own gift, coupon and promotion texts in a reply, as facts of that kind (the
        fact grammar may not recognise 定制帆布收纳袋一个 as a gift)."""
        found = []
        for kind in ("gift", "coupon", "promotion"):
            value = self.shop.slots.get(kind, "")
            start = reply.find(value) if value else -1
            if start >= 0:
                found.append(Fact(kind, value, value, start, start + len(value)))
        return found

    def _variants(self, text: str, asked: str, state: ConversationState) -> str:
        """The buyer's variant words in ``text`` that ``asked`` and the item do not say yet (凉席1.5的 →
        1.5的 beside nothing; 6mm的TPE → TPE beside 6mm), in the order written (facts.toml [variants])."""
        found: list[tuple[int, str]] = []
        for pattern in self.extractor.vocabulary.variants:
            for match in pattern.finditer(text):
                word = match.group(0).strip()
                # (灰色40 asked already says the 40 of 灰色40的有吗: not 灰色4040的)
                core = re.escape(word.removesuffix("的"))
                if re.search(rf"(?<![\d.]){core}(?![\d.])", asked):
                    continue
                if word and word not in asked and not (state.item and word in state.item.text):
                    found.append((match.start(), word))
        words = [w for _, w in sorted(found)]
        return "".join(w for w in dict.fromkeys(words) if not any(w != o and w in o for o in words))

    def _unknown_stock(self, facts: Sequence[Fact], state: ConversationState) -> str:
        """Why a reply may not claim (no) stock: only the catalog or the agent in this chat know it."""
        claims = {f.value for f in facts if f.kind == "stock"}
        if not claims:
            return ""
        product = self.extractor.product(state.item.product_id) if state.item else None
        known = set(state.values("stock", "agent"))
        # the agent's 有现货 covered what was asked then, not a new size or colour asked now (那L呢)
        asked = state.asked_now(("size", "colour", "spec"))
        earlier = {(f.fact.kind, f.fact.value) for f in state.facts if f.turn < len(state.texts) - 1}
        if any((f.fact.kind, f.fact.value) not in earlier for f in asked):
            known = set()
        if product is not None:
            known.add("sold_out" if product.stock == "sold_out" else "in_stock")
        if claims <= known:
            return ""
        return "库存情况未知，不能替买家确认 the reply claims stock that neither the catalog nor this chat states"

    def _replacement(self, fact: Fact, state: ConversationState, lone: bool = True) -> tuple[str, str]:
        """This conversation's value of the same kind, the shop's own for shop facts, else a fill-in."""
        if fact.kind in BUYER_KINDS and lone:
            values = state.values(fact.kind, "buyer")
            if len(values) == 1:
                stated = state.latest(fact.kind, "buyer")
                return stated.fact.text, "换成买家说的 the buyer's own value"
        if fact.kind in SHOP_KINDS:
            agent = state.latest(fact.kind, "agent")
            if agent is not None:
                return agent.fact.text, "对话中客服已说的 what the agent already said"
        if fact.kind == "courier" and self.shop.slots.get("courier"):
            return self.shop.slots["courier"], "本店的快递 the shop's courier"
        if fact.kind == "shop_name" and self.shop.name:
            return self.shop.name, "本店店名 the shop's name"
        return FILL_IN.format(
            FILL_IN_LABELS.get(fact.kind, "信息")
        ), "来源案例的信息，请填写 a fact of another chat: fill in"

    def _retarget_items(self, reply: str, state: ConversationState) -> tuple[str, list[Change]]:
        """Other catalog products, and item words of the buyer's category that are not the buyer's
        item, become the buyer's item in their words (or 这款 when the buyer named none)."""
        changes: list[Change] = []
        target = state.item.text if state.item else NEUTRAL_ITEM
        wanted = state.item.product_id if state.item else None
        for fact in sorted(self.extractor.extract(reply), key=lambda f: -f.start):
            if fact.kind != "item" or (wanted and fact.value == wanted):
                continue
            if state.item and fact.text in state.item.text:
                continue
            # 里面想套个卫衣的话 to a buyer who said so of a 大衣: what they wear with it, no other item
            if fact.text in "".join(state.texts) and not self.extractor.names_item_at(
                reply, fact.start, fact.end
            ):
                continue
            reply = reply[: fact.start] + target + reply[fact.end :]
            changes.append(Change(fact.text, target, "换成买家的商品 the buyer's item"))
        if state.item is not None:
            words = [w for w, cats in self.extractor.category_words(reply) if self.extractor.is_item_word(w)]
            # a one-character item word (锅, 碗) is also part of other words (锅具, 锅底, 洗碗机)
            # (a word this chat said itself, 送湿巾一包 with 纸尿裤, is its own thing, not another item)
            said = "".join(state.texts)
            distinct = {
                w
                for w in words
                if len(w) > 1 and w not in state.item.text and w not in target and w not in said
            }
            same_category = all(
                not state.category or state.category in self.extractor.item_categories(w) for w in distinct
            )
            if len(distinct) == 1 and same_category:
                word = distinct.pop()
                reply = reply.replace(word, target)
                changes.append(Change(word, target, "换成买家的商品 the buyer's item"))
        return _tidy(reply), changes


# the value an order was placed with by mistake (拍成40了 / 下成了黑色), in a turn asking to change it
_MISTAKEN_BEFORE = re.compile(r"(拍成|拍错成|错拍成|下成|选成|买成|拍的是|拍了|拍的)了?\s*$")
_CHANGE_ASKED = re.compile(r"改|换|拍错|选错|下错|买错")


def _mistaken(state: ConversationState, stated) -> bool:
    """True when ``stated`` is the buyer's mistaken value in a turn that asks to change it."""
    text = state.texts[stated.turn]
    return (
        stated.role == "buyer"
        and _CHANGE_ASKED.search(text) is not None
        and _MISTAKEN_BEFORE.search(text[: stated.fact.start]) is not None
    )


def _meant_instead(state: ConversationState, mistaken):
    """The value the buyer asked about before the mistaken one (白色39有吗 … 拍成40了 能改吗 → 39): the
    latest earlier fact of its kind with another value, or None."""
    return next(
        (
            s
            for s in reversed(state.facts)
            if s.fact.kind == mistaken.fact.kind
            and s.turn < mistaken.turn
            and s.fact.value != mistaken.fact.value
        ),
        None,
    )


def _questioned(state: ConversationState, stated) -> bool:
    """Whether the buyer names this value in a question about it (是真皮的吗 / 纯棉的不)."""
    after = state.texts[stated.turn][stated.fact.end : stated.fact.end + 4]
    return stated.role == "buyer" and re.match(r"^(的)?(吗|么|嘛|不|没|吧|？|\?)", after) is not None


def _unrepeated(before: str, value: str) -> str:
    """A shop slot's ``value`` less the words its template says just before it (确认收货后 +
    确认收货后3个工作日 → 3个工作日; 会员有 + 会员每单额外95折 → 每单额外95折), so a filled reply
    never says the same words twice (judges mark 会员有会员… down)."""
    for size in range(min(len(value) - 1, 6), 1, -1):
        if value[:size] in before[-(size + 3) :]:
            return value[size:]
    return value


def state_text_before(state: ConversationState, stated) -> str:
    """The few characters of the buyer's text right before a stated fact."""
    text = state.texts[stated.turn] if stated.turn < len(state.texts) else ""
    return text[max(0, stated.fact.start - 3) : stated.fact.start]


def _tidy(reply: str) -> str:
    """Collapse doubled neutral words an item swap can leave (这款这款, 这件这款)."""
    return re.sub(r"(这[款件个双台])\s*这款", r"\1", reply)
