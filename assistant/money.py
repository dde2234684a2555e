"""Money: the reply templates computed from this conversation's own amounts, the shop profile and
the catalog price (``corpus/money.toml``); order changes and requests are ``orders.py``'s.

Each answer is a template whose ``<name>`` parts are filled here (an amount read off this chat, a
sum written out so the agent can check it, the buyer's own words) and whose ``{slot}`` parts the
grounder fills as in any reply. Nothing here invents an amount: when one is missing, no answer.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CorpusError, Problem
from .expiry import Expiry
from .facts import FactExtractor, chinese_count, chinese_number
from .files import toml_error_line, toml_line
from .orders import OrderAnswers, turns_of
from .sums import Sums, in_packs, packs_named
from .text import SLOT_PATTERN

_NUMBER = re.compile(r"(?<![\d.#A-Za-z])(\d+(?:\.\d+)?)(?![\d.])")
# a price in Chinese numerals has hundreds or thousands (才一百五 / 两百块): 三天 or 一双 are no price
_CN_PRICE = re.compile(
    r"(?<![一二两三四五六七八九十百千])([一二两三四五六七八九]?[百千][零一二两三四五六七八九十百]*)"
)
# a unit price the buyer gives (一包119 / 每盒89)
_UNIT_PRICE = re.compile(
    r"(?:一|1|每)\s*(?:件|包|个|瓶|盒|双|条|张|罐|袋|套|只|支|台)\s*(?:是|要)?\s*(\d+(?:\.\d+)?)"
)
# kinds whose numbers are no price (sizes, specs, quantities, dates ...): a money fact stays a price
_NOT_PRICE_KINDS = frozenset(
    {
        "account",
        "phone",
        "size",
        "spec",
        "quantity",
        "duration",
        "date",
        "time",
        "height",
        "weight",
        "foot_length",
        "coupon",
        "promotion",
        "threshold",
        "discount",
        "order_id",
        "tracking_no",
    }
)
# the patterns of money.toml: lists of them, and single ones (checked when the file loads)
_PATTERN_LISTS = (
    ("bargain", "conditional_order"),
    ("change", "new"),
    ("change", "kept"),
    ("exchange", "new"),
    ("order_request", "promised"),
    ("sums", "unit_price"),
    ("sums", "claimed"),
    ("sums", "asks_gap"),
)
_PATTERNS = (
    ("amounts", "pack_size"),
    ("arithmetic", "nth_unit"),
    ("arithmetic", "count_rate"),
    ("arithmetic", "confirm_figure"),
    ("arithmetic", "instalment"),
    ("arithmetic", "count_cut"),
    ("bargain", "per_unit_cut"),
    ("order_request", "ordered"),
    ("order_request", "question"),
    ("order_request", "ordered_opening"),
    ("gift", "asked"),
    ("sums", "flat_offer"),
    ("sums", "cut_offer"),
    ("sums", "shipping_offer"),
    ("compensation", "rate"),
    ("sums", "other_offer"),
    ("sums", "stacked_coupon"),
    ("sums", "per_unit_cut"),
    ("sums", "count"),
    ("sums", "agreed"),
    ("restated", "figure"),
    ("multi_buy", "deal"),
    ("multi_buy", "bought"),
    ("multi_buy", "asks"),
    ("restated", "threshold"),
)
_NO_SLOTS = frozenset(key for _, key in (*_PATTERNS, *_PATTERN_LISTS))


def _cut_before(text: str, start: int, cuts: Sequence[str]) -> str:
    """The reduction word right before the number at ``start`` (优惠8块 → 优惠), or ""."""
    before = text[max(0, start - 3) : start]
    return next((w for w in cuts if before.rstrip(" 个").endswith(w)), "")


def _clause_before(text: str, start: int) -> str:
    """The words of ``text``'s clause before ``start`` (运费6块 → 运费)."""
    return re.split(r"[\s，。,！!？?；;]", text[:start])[-1]


@dataclass(frozen=True)
class Amount:
    """A number of a text that reads as a price (89, 领券后330, 19元), and whether it is a cut (少20)."""

    value: float
    text: str
    start: int
    cut: str = ""  # the reduction word before it (少/减/优惠), when it is one

    @property
    def shown(self) -> str:
        # a price the buyer said in Chinese numerals (一百五) is restated as they said it
        return fmt(self.value) if self.text[:1].isdigit() else self.text


@dataclass(frozen=True)
class MoneyRules:
    """The words and replies of ``money.toml``."""

    tables: dict = field(default_factory=dict)

    def words(self, table: str, key: str) -> tuple[str, ...]:
        return tuple(self.tables.get(table, {}).get(key, ()))

    def text(self, table: str, key: str) -> str:
        return str(self.tables.get(table, {}).get(key, ""))

    def patterns(self, table: str, key: str) -> tuple[re.Pattern, ...]:
        return tuple(re.compile(p) for p in self.words(table, key))


def load_money(path: Path) -> MoneyRules:
    """Read ``money.toml``; a corpus without one computes nothing (no rules).

    Raises:
        CorpusError: the file is not valid TOML or holds a pattern that does not compile.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return MoneyRules()
    except OSError as exc:
        raise CorpusError([Problem(str(path), None, f"cannot read file ({exc.strerror})")]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError([Problem(str(path), toml_error_line(exc), f"not valid TOML: {exc}")]) from exc
    rules = MoneyRules(data)
    for table, key in _PATTERN_LISTS:
        for pattern in rules.words(table, key):
            _compile(path, table, key, pattern)
    for table, key in _PATTERNS:
        _compile(path, table, key, rules.text(table, key))
    return rules


def money_problems(path: Path, slots: dict | None = None) -> list[Problem]:
    """Every problem of ``money.toml`` for ``assistant corpus validate``: not TOML, a pattern that does
    not compile, a reply ``{slot}`` with no value in ``shop.toml`` (``slots``: its slot names)."""
    try:
        rules = load_money(path)
    except CorpusError as exc:
        return list(exc.problems)
    problems = []
    for table in rules.tables.values():
        if not isinstance(table, dict):
            continue
        for key, value in table.items():
            if slots is None or not isinstance(value, str) or key in _NO_SLOTS:
                continue
            for slot in SLOT_PATTERN.findall(value):
                if slot not in slots:
                    line = toml_line(path, value[:30])
                    problems.append(Problem(str(path), line, f"slot {{{slot}}} has no value in shop.toml"))
    return problems


def _compile(path: Path, table: str, key: str, pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        line = toml_line(path, pattern) if pattern else None
        raise CorpusError(
            [Problem(str(path), line, f"bad pattern in [{table}] {key}: {pattern!r}: {exc}")]
        ) from exc


def _rate(text: str) -> float | None:
    """A discount as a factor: 8折 → 0.8, 85折 and 8.5折 → 0.85; None when it is no discount."""
    value = float(text)
    value = value / 10 if value >= 10 else value
    return value / 10 if 0 < value < 10 else None


def fmt(value: float) -> str:
    """An amount as a person writes it: 118, 297.5, 99.83."""
    rounded = round(value, 2)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.2f}".rstrip("0").rstrip(".")


class MoneyAnswers:
    """The money and order-change answer of a message, as a template for the adapter to ground.

    Args:
        rules: ``money.toml``.
        extractor: the fact layer (which numbers are sizes, quantities, places …).
        slots: the shop profile's slot texts (its remote areas).
        policy: the shop profile's numbers (its free-shipping threshold).
    """

    def __init__(self, rules: MoneyRules, extractor: FactExtractor, slots: dict, policy: dict):
        self.rules = rules
        self.extractor = extractor
        self.slots = slots
        self.policy = policy
        self.orders = OrderAnswers(rules, extractor)
        self.expiry = Expiry(rules.tables.get("expiry", {}))
        self.sums = Sums(
            rules.tables.get("sums", {}),
            self.amounts,
            fmt,
            rules.text("amounts", "not_price_after"),
            rules.text("amounts", "pack_size"),
            rules.text("amounts", "pack_lead"),
        )

    # ------------------------------------------------------------------ reading amounts

    def amounts(self, text: str) -> list[Amount]:
        """The numbers of ``text`` that read as prices, in order (bare ones too: 450行不行, 亲 59)."""
        blocked = [(f.start, f.end) for f in self.extractor.extract(text) if f.kind in _NOT_PRICE_KINDS]
        after = self.rules.text("amounts", "not_price_after")
        cuts = self.rules.words("amounts", "cut_words")
        # (39 包邮吗: 包 opens a word there, it counts nothing)
        unit_not = self.rules.words("amounts", "not_unit_words")
        found = []
        for match in _NUMBER.finditer(text):
            start, end = match.span(1)
            if any(s <= start < e for s, e in blocked):
                continue
            rest = text[end:].lstrip(" ")
            if rest[:1] and rest[0] in after and not rest.startswith(unit_not):
                continue
            if text[:start].rstrip(" ")[-1:] in ("x", "X", "×", "*", "第", "#"):
                continue
            found.append(Amount(float(match.group(1)), match.group(1), start, _cut_before(text, start, cuts)))
        for match in _CN_PRICE.finditer(text):
            value = chinese_number(match.group(1))
            start = match.start(1)
            if value is None or any(s <= start < e for s, e in blocked):
                continue
            rest = text[match.end(1) :].lstrip(" ")
            if rest[:1] and (rest[0] in after or rest[0] in "多来万以左上"):
                continue  # (一百多 / 两百来块 / 三百以内 are no price said)
            found.append(Amount(value, match.group(1), start, _cut_before(text, start, cuts)))
        return sorted(found, key=lambda a: a.start)

    def is_total(self, text: str, start: int) -> bool:
        """False when the number at ``start`` of ``text`` is named as no order total (运费6块, 差7块,
        再加一双19块的袜子): the words of ``not_total_before`` in its clause shortly before it."""
        clause = _clause_before(text, start)[-6:]
        return not any(w in clause for w in self.rules.words("amounts", "not_total_before"))

    def prices(self, texts: Sequence[str]) -> list[Amount]:
        """The prices of these texts (no reductions), the newest last."""
        return [a for t in texts for a in self.amounts(t) if not a.cut]

    def _turns(self, state, role: str) -> list[str]:
        return turns_of(state, role)

    def ordered_first(self, reply: str, message: str, scenario: str, prices: Sequence[str] = ()) -> str:
        """``reply`` with what the buyer just ordered read back first (``orders.py``)."""
        return self.orders.ordered_first(reply, message, scenario, prices)

    # ------------------------------------------------------------------ answers

    def answer(
        self, message: str, scenario: str, state, catalog_price: float | None
    ) -> tuple[str, str] | None:
        """``(template, what)`` for this message, or None when no money answer fits it."""
        methods = (
            self.orders.change,
            self.orders.exchange,
            self.difference,
            self.instalment,
            self.cart,
            self.refund_amount,
            self.order_sum,
            self.after_offer,
            self.reach,
            self.multi_buy,
            self.total,
            self.bargain,
            self.remote,
            self.orders.request,
            self.gift,
            self.shelf_life,
            self.compensation,
        )
        for method in methods:
            found = method(message, scenario, state, catalog_price)
            if found is not None:
                return found
        return None

    def compensation(self, message: str, scenario: str, state, catalog_price: float | None):
        """The agent's per-unit rule (按个赔 一个4元) applied to the count the buyer now gives (烂了6个):
        one rate the agent stated beside a paying word, one count right after a problem word in the
        message, of the rate's own measure; None otherwise (``money.toml [compensation]``)."""
        table = self.rules.tables.get("compensation", {})
        if scenario not in table.get("scenarios", ()):
            return None
        pattern = re.compile(str(table.get("rate", "(?!)")))
        rates = {
            (m.group(0).strip(), float(m.group("amount")), m.group("unit"))
            for text in self._turns(state, "agent")
            if any(w in text for w in table.get("paid", ()))
            for m in pattern.finditer(text)
        }
        if len(rates) != 1:
            return None
        (rate_text, rate, unit), counted = next(iter(rates)), table.get("counted", ())
        newest = len(state.texts) - 1
        counts = [
            s.fact
            for s in state.facts
            if s.turn == newest
            and s.fact.kind == "quantity"
            and any(state.texts[newest][: s.fact.start].rstrip().endswith(w) for w in counted)
        ]
        lead = re.match(r"(\d+)(\D+)$", counts[0].value) if len(counts) == 1 else None
        if lead is None or lead.group(2) != unit:
            return None
        count = int(lead.group(1))
        said = state.texts[newest][: counts[0].start].rstrip()
        problem = next(w for w in counted if said.endswith(w))
        template = (
            str(table.get("reply", ""))
            .replace("<rate>", rate_text)
            .replace("<quantity>", problem + counts[0].text.strip())
            .replace("<total>", f"{fmt(rate)}×{count}={fmt(rate * count)}")
        )
        return (
            (template, "按客服说的单价乘买家说的件数 the agent's rate × the count given")
            if template
            else None
        )

    def shelf_life(self, message: str, scenario: str, state, catalog_price: float | None):
        """Whether the buyer's day is within the shelf life, or its last day (``expiry.py``): the
        production date and shelf life this chat (or the buyer's catalog entry) gives, summed."""
        product = self.extractor.product(state.item.product_id) if state.item else None
        details = [phrase for _, phrase in product.details] if product is not None else []
        return self.expiry.answer(message, state, details, self.extractor.extract)

    def order_sum(self, message: str, scenario: str, state, catalog_price: float | None):
        """The buyer's order summed against the agent's offers in this chat (``sums.py``)."""
        confirmed = self._confirmed(state)
        template = self.sums.answer(
            message, scenario, self._turns(state, "buyer"), self._turns(state, "agent"), confirmed
        )
        return (
            (template, "按对话里的价格和活动算 this chat's prices against the agent's offer")
            if template
            else None
        )

    def _confirmed(self, state) -> list[str]:
        """The buyer's turns the agent said yes to (满200减20吗 → 是的): an offer they name is the
        agent's too."""
        pairs = list(zip(state.texts[:-1], state.roles[:-1], strict=False))
        agreed = self.rules.text("sums", "agreed")
        builds_on = self.rules.text("sums", "builds_on")
        return [
            text
            for (text, role), (reply, by) in zip(pairs, pairs[1:], strict=False)
            if role == "buyer"
            and by == "agent"
            and (
                (agreed and re.match(agreed, reply))
                # (领了满199-20的券 → 加一双袜子 凑满就能用券啦: the agent goes on from the buyer's offer,
                # naming none of its own)
                or (builds_on and re.search(builds_on, reply) and not self.sums.offers([reply]))
            )
        ]

    def bargain(self, message: str, scenario: str, state, catalog_price: float | None):
        """A counter-offer (450行不行 / 别家79 / 9折我马上拍): the price held politely, naming the
        buyer's number and the agent's own last price, with the shop's coupon when none was offered."""
        conditional = any(p.search(message) for p in self.rules.patterns("bargain", "conditional_order"))
        if scenario not in self.rules.words("bargain", "scenarios"):
            return None
        if scenario not in ("bargaining", "price_objection") and not conditional:
            return None
        # an item added to the order (再加一双19块的袜子) or a freight is no price offered
        offers = [a for a in self.amounts(message) if a.cut or self.is_total(message, a.start)]
        # another shop's price (拼多多才199 / 别家一样的才299): an objection to hold, not only a haggle
        rivals = [a for a in offers if not a.cut and self._rival(message, a)]
        objection = scenario == "price_objection" and bool(rivals)
        if (
            not conditional
            and not objection
            and not any(w in message for w in self.rules.words("bargain", "asks"))
        ):
            return None
        discounts = [f for f in self.extractor.extract(message) if f.kind == "discount"]
        agent_offers = {k for k in ("coupon", "promotion", "discount", "gift") if state.values(k, "agent")}
        if discounts:
            offer = "{product}" + discounts[-1].text.strip()
            said = state.values("discount", "agent")
            agent_price = (
                next(
                    (
                        f.fact.text.strip()
                        for f in reversed(state.facts)
                        if f.role == "agent" and f.fact.kind == "discount"
                    ),
                    "",
                )
                if said
                else ""
            )
            if agent_price == offer:
                return None
        elif objection:
            ours = [a for a in offers if not a.cut and not self._rival(message, a)]
            agent = self.prices(self._turns(state, "agent"))
            agent_price = ours[-1].shown if ours else (agent[-1].shown if agent else "")
            last = rivals[-1]
            if agent_price and last.value >= float(agent_price):
                return None
            offer = (
                self.rules.text("bargain", "offer_rival")
                .replace("<n>", last.shown)
                .replace("<rival>", self._rival(message, last))
            )
        elif offers:
            agent = self.prices(self._turns(state, "agent"))
            agent_price = agent[-1].shown if agent else ""
            # the buyer's own number below the agent's price (not 369还是有点贵 restating it)
            lower = [a for a in offers if a.cut or not agent or a.value < agent[-1].value]
            if not lower:
                if not agent_price:
                    return None
                template = (
                    self.rules.text("bargain", "hold_reply")
                    .replace("<price>", agent_price)
                    .replace("<perk>", "" if agent_offers else self.rules.text("bargain", "perk"))
                )
                return (template, "还价 a counter-offer held politely") if template else None
            last = lower[-1]
            if not last.cut and last.value < float(self.rules.tables.get("bargain", {}).get("min_offer", 0)):
                return None  # 3 or 7 is no price offered
            # the buyer's own figure between the offer and the agent's price (满减完188 … 180整) is the
            # price now: the agent's promotion already took the rest off
            between = [
                a
                for a in offers
                if not a.cut and a.value > last.value and (not agent or a.value < agent[-1].value)
            ]
            if between and (agent_offers or state.values("threshold", "agent")):
                agent_price = between[-1].shown
            agreed = self._chat_total(state)
            if agreed is not None and not last.cut and abs(agreed[1] - last.value) < 0.01:
                # 再抹个零 800行不行 when this chat already adds up to 5×(168-8)=800: that is the price
                template = self.rules.text("bargain", "agreed_reply").replace("<formula>", agreed[0])
                return (
                    (template.replace("<total>", fmt(agreed[1])), "还价等于对话里算出的价")
                    if template
                    else None
                )
            rival = self._rival(message, last)
            form = "offer_cut" if last.cut else ("offer_rival" if rival else "offer_price")
            offer = (
                self.rules.text("bargain", form)
                .replace("<n>", last.shown)
                .replace("<cut>", last.cut)
                .replace("<rival>", rival)
            )
        else:
            return None
        key = "price_reply" if agent_price else "plain_reply"
        if objection and agent_price and self.rules.text("bargain", "objection_reply"):
            key = "objection_reply"
        perk = "" if agent_offers else self.rules.text("bargain", "perk")
        template = (
            self.rules.text("bargain", key)
            .replace("<offer>", offer)
            .replace("<price>", agent_price)
            .replace("<perk>", perk)
            .replace("<what>", self.rules.text("bargain", "what_discount" if discounts else "what_price"))
        )
        return (template, "还价 a counter-offer held politely") if template else None

    def multi_buy(self, message: str, scenario: str, state, catalog_price: float | None):
        """What the buyer's count gets under the agent's buy-n-get-m deal (买二送一 → 买三送几: 送一;
        买2罐送1罐小包装 → 我买4罐 送几个: 送2罐小包装), the whole deals in the count; None without the
        agent's one deal (or the buyer's the agent said yes to), the buyer's count and a question of
        what it gets."""
        table = self.rules.tables.get("multi_buy", {})
        if scenario not in table.get("scenarios", ()) or not table.get("asks"):
            return None
        if not re.search(str(table["asks"]), message):
            return None
        deals = {
            m.group(0).strip(): m
            for text in [*self._confirmed(state), *self._turns(state, "agent")]
            for m in re.finditer(str(table.get("deal", "$^")), text)
        }
        if len(deals) != 1:
            return None
        said, deal = next(iter(deals.items()))
        bought = re.search(str(table.get("bought", "$^")), message)
        if bought is None:
            return None
        n, count = chinese_count(deal.group("n")), chinese_count(bought.group("n"))
        m = chinese_count(deal.group("m") or deal.group("m2") or "")
        unit, own = deal.group("unit") or "", bought.group("unit") or ""
        if not n or not m or count < n or (unit and own and unit != own):
            return None  # (买3罐 under 买2盒送1盒 counts another unit)
        times = count // n
        # (买二送一 names no unit: the gift is counted in the buyer's, 六个 → 送3个)
        gunit = deal.group("gunit") or deal.group("gunit2") or ("" if deal.group("what") else own)
        if deal.group("named"):
            gift = f"{deal.group('named')}{fmt(m * times) if times > 1 else deal.group('m2')}{gunit}"
        else:
            gift = (fmt(m * times) if times > 1 else deal.group("m")) + gunit + (deal.group("what") or "")
        # the buyer's own count of what it gets (送两个吧): said back in their words when it is right,
        # else nothing is computed here (a correction of a deal's cap is the page's to make)
        named = re.search(
            r"送\s*(?P<c>\d{1,2}|[一二两三四五六七八九十]{1,2})\s*(?P<u>[^\s\d吧吗么嘛呢是对]?)", message
        )
        if named is not None and chinese_count(named.group("c")):
            if chinese_count(named.group("c")) != m * times:
                return None
            gift = named.group(0)[1:].strip() + (deal.group("what") or "" if not deal.group("named") else "")
            if deal.group("named"):
                gift = deal.group("named") + gift
        key = "many_reply" if times > 1 else "reply"
        template = (
            str(table.get(key, ""))
            .replace("<deal>", said)
            .replace("<bought>", bought.group(0).strip())
            .replace("<gift>", gift)
        )
        return (template, "按客服说的买赠算 the agent's buy-n-get-m deal") if template else None

    def _rival(self, message: str, amount: Amount) -> str:
        """The word naming another shop right before ``amount`` in its own phrase (别家一样的才299 →
        别家), or empty."""
        phrase = re.split(r"[\s，。,！!？?、]", message[: amount.start])[-1]
        return next((w for w in self.rules.words("bargain", "rival") if w in phrase), "")

    def total(self, message: str, scenario: str, state, catalog_price: float | None):
        """What a quantity costs (两张多少 / 我买3包是多少钱 一包119): quantity × the unit price this
        chat or the catalog gives, with a promotion on the n-th unit the agent named applied."""
        asks = self.rules.words("arithmetic", "asks_total")
        question = message
        # the buyer's own sum to confirm (我买两件 那就是133.5对吧): the one amount of the message
        claimed = [a for a in self.amounts(message) if not a.cut]
        confirm = self.rules.text("arithmetic", "confirm_figure")
        confirms = len(claimed) == 1 and (
            any(w in message for w in self.rules.words("arithmetic", "asks_confirm"))
            or bool(confirm and re.search(confirm, message))
        )
        if any(w in message for w in asks) or confirms:
            if scenario not in self.rules.words("arithmetic", "scenarios"):
                return None
        else:
            # 算一下呗 after the buyer's own 那三双到手多少: the question is their last one
            buyer = self._turns(state, "buyer")
            computes = any(w in message for w in self.rules.words("arithmetic", "asks_compute"))
            if not (computes and buyer and any(w in buyer[-1] for w in asks)):
                return None
            question = buyer[-1]
        # (a pack size, 3盒装, is no count the buyer takes)
        quantities = [
            f
            for f in self.extractor.extract(question)
            if f.kind == "quantity" and question[f.end :].lstrip()[:1] != "装"
        ]
        wanted = [q for q in quantities if not q.text.startswith(("一", "1"))]
        if len(wanted) != 1:
            return None
        lead = re.match(r"\d+", wanted[0].value)
        count = int(lead.group(0)) if lead else None
        if not count or count < 2 or count > 99:
            return None
        pack = None
        if not _UNIT_PRICE.search(question):
            # 6盒 after 3盒装89: the price this chat names is the pack's (按3盒装算，89×2, not 89×6)
            packs = packs_named(state.texts, self.rules.text("amounts", "pack_size"))
            packed = in_packs(count, wanted[0].value[lead.end() :], packs)
            if packed is None or packed[0] < 2:
                return None
            count, pack = packed
        agent_text = " ".join(self._turns(state, "agent"))
        cuts = {
            chinese_count(m.group("n")): (float(m.group("m")), m.group(0).strip())
            for m in re.finditer(self.rules.text("arithmetic", "count_cut"), agent_text)
        }
        # a rate by the number of units bought (3件8折 / 满2件9折): the rate of the largest count bought
        tier = self.rules.text("arithmetic", "count_rate")
        tiers = {
            chinese_count(m.group("n")): (_rate(m.group("rate")), m.group(0).strip())
            for m in (re.finditer(tier, agent_text) if tier else ())
        }
        tiers = {n: t for n, t in tiers.items() if n >= 2 and t[0] is not None}
        offers = (
            ("coupon", "threshold", "discount") if cuts else ("coupon", "promotion", "threshold", "discount")
        )
        if tiers:
            # (a discount of the agent's other than these tiers, 会员95折, still leaves the sum open)
            rest = re.sub(tier, " ", agent_text)
            if any(f.kind == "discount" for f in self.extractor.extract(rest)):
                return None
            offers = tuple(k for k in offers if k != "discount")
        # (a multi-buy deal, 第3包半价 or 买2包送1包, is applied below or leaves the unit price as it is)
        if any(v for k in offers for v in state.values(k, "agent") if k != "promotion" or v[0] in "满每"):
            return None  # the agent's own offer changes the sum: the case replies restate it
        unit_price = self._unit_price(
            question, state, catalog_price, exclude=claimed[0].value if confirms else None
        )
        if unit_price is None:
            return None
        if pack is not None and (
            cuts or tiers or re.search(self.rules.text("arithmetic", "nth_unit"), agent_text)
        ):
            return None  # (第二盒半价 or 两盒减5 with a pack of boxes: which unit it counts is not said)
        unit = fmt(unit_price)
        n = int(count)
        rates = [1.0] * n
        applied: list[str] = []  # the agent's promotions the sum applies (第3包半价), named in the reply
        promo = re.compile(self.rules.text("arithmetic", "nth_unit"))
        for text in self._turns(state, "agent"):
            for match in promo.finditer(text):
                nth = match.group("n")
                at = chinese_count(nth)
                rate = match.group("rate")
                if 1 <= at <= n:
                    rates[at - 1] = 0.5 if rate == "半价" else float(rate[:-1]) / 10
                    applied.append(match.group(0).strip())
        full = sum(1 for r in rates if r == 1.0)
        parts = [f"{unit}×{full}" if full > 1 else unit] if full else []
        parts += [fmt(unit_price * r) for r in rates if r != 1.0]
        total = sum(unit_price * r for r in rates)
        formula = "+".join(parts)
        cut = max(((n, m) for n, m in cuts.items() if n <= count), default=None)
        if cut is not None:  # 三双减10: the cut of the largest count bought
            total -= cut[1][0]
            formula += "-" + fmt(cut[1][0])
            applied.append(cut[1][1])
        reached = max((n for n in tiers if n <= count), default=None)
        if reached is not None:
            if applied:
                return None  # (a rate with a half-price unit or a cut: how they stack is not said)
            rate, said = tiers[reached]
            total *= rate
            formula += f"×{fmt(rate)}"
            applied.append(said)
        shipping = ""
        if any(w in message for w in self.rules.words("arithmetic", "asks_shipping")):
            threshold = self.policy.get("free_shipping_threshold_yuan")
            if threshold is None or state.values("threshold", "agent"):
                return None  # the agent named its own threshold: the case replies restate it
            key = "shipping_met" if total >= float(threshold) else "shipping_below"
            shipping = self.rules.text("arithmetic", key).replace("<gap>", fmt(float(threshold) - total))
        reply = "total_reply"
        if confirms:
            reply = "confirmed_reply" if abs(claimed[0].value - total) < 0.01 else "corrected_reply"
        template = (
            self.rules.text("arithmetic", reply)
            .replace("<claimed>", claimed[0].shown if claimed else "")
            .replace(
                "<promo>",
                self.rules.text("arithmetic", "promo").replace("<applied>", "、".join(applied))
                if applied
                else "",
            )
            .replace("<quantity>", wanted[0].text.strip())
            .replace(
                "<pack>",
                self.rules.text("amounts", "pack_lead")
                .replace("<packs>", str(n))
                .replace("<pack>", pack.text)
                if pack is not None
                else "",
            )
            .replace("<formula>", formula)
            .replace("<total>", fmt(total))
            .replace("<shipping>", shipping)
        )
        return template, "按对话里的单价算 quantity × this chat's unit price"

    def _unit_price(
        self, message: str, state, catalog_price: float | None, exclude: float | None = None
    ) -> float | None:
        """The unit price: one the buyer gives now (一包119), else the one price this chat names (two
        different prices leave it open: None; ``exclude`` is the buyer's own sum, no price), else the
        catalog's price of the buyer's item."""
        one = _UNIT_PRICE.search(message)
        if one:
            return float(one.group(1))
        said = {a.value for a in self.prices(list(state.texts[:-1]))} - {exclude}
        if len(said) > 1:
            return None
        return said.pop() if said else catalog_price

    def instalment(self, message: str, scenario: str, state, catalog_price: float | None):
        """Each instalment (6期一个月还多少 总价599): the total over the number of instalments."""
        if not any(w in message for w in self.rules.words("arithmetic", "asks_instalment")):
            return None
        found = re.search(self.rules.text("arithmetic", "instalment"), message)
        # the instalments the agent said are interest-free (支持3/6/12期 12期免息): the plan a buyer
        # asking 每月多少 without a number of their own means, when the agent named one only
        free = {
            int(n)
            for t in self._turns(state, "agent")
            for m in re.finditer(self.rules.text("arithmetic", "free_instalment") or "$^", t)
            for n in re.findall(r"\d+", m.group("n"))
        }
        if found is None and len(free) != 1:
            return None
        n = int(found.group("n")) if found is not None else next(iter(free))
        if not 2 <= n <= 36:
            return None
        own = [a for a in self.amounts(message) if not a.cut]
        said = self.prices(self._turns(state, "agent") + self._turns(state, "buyer"))
        total = own[-1].value if own else (said[-1].value if said else catalog_price)
        if not total:
            return None
        key = "free_instalment_reply" if n in free else "instalment_reply"
        template = (
            self.rules.text("arithmetic", key)
            .replace("<total>", fmt(total))
            .replace("<n>", str(n))
            .replace("<each>", fmt(total / n))
        )
        return template, "分期按总价算 instalments of this chat's total"

    def difference(self, message: str, scenario: str, state, catalog_price: float | None):
        """A price difference (能退差价吗 after 458 and 398): the two amounts, the difference and the
        shop's price-protection rule; None unless the chat holds exactly two distinct prices."""
        if not any(w in message for w in self.rules.words("arithmetic", "asks_difference")):
            return None
        if scenario not in self.rules.words("arithmetic", "difference_scenarios"):
            return None
        values = []
        for amount in self.prices(state.texts):
            if amount.value not in values:
                values.append(amount.value)
        if len(values) < 2:
            return None
        high, low = max(values[-2:]), min(values[-2:])
        template = (
            self.rules.text("arithmetic", "difference_reply")
            .replace("<high>", fmt(high))
            .replace("<low>", fmt(low))
            .replace("<diff>", fmt(high - low))
        )
        return template, "差价按对话里的两个价算 the difference of this chat's two prices"

    def remote(self, message: str, scenario: str, state, catalog_price: float | None):
        """Free shipping to a place the buyer names (我在西藏), now or earlier in this chat (我是新疆的 …
        包邮吗): the shop's excluded areas answered."""
        if scenario not in self.rules.words("free_shipping", "scenarios"):
            return None
        places = [f.text for f in self.extractor.extract(message) if f.kind == "place"]
        places = places or [s.fact.text for s in state.facts if s.role == "buyer" and s.fact.kind == "place"]
        if not places:
            return None
        place = places[-1]
        if place in self.slots.get("remote_areas", ""):
            key = "remote_reply"
        elif place in self.rules.words("free_shipping", "maybe_remote"):
            key = "other_reply"
        else:
            return None
        template = self.rules.text("free_shipping", key).replace("<place>", place)
        return (template, "偏远地区包邮 free shipping to the buyer's place") if template else None

    def cart(self, message: str, scenario: str, state, catalog_price: float | None):
        """Whether the items of this chat reach the free-shipping threshold (这双49 + 袜子10块 → 加了就
        包邮了吧): their prices added up against the agent's threshold, else the shop's."""
        table = self.rules.tables.get("cart", {})
        if scenario not in table.get("scenarios", ()):
            return None
        if not any(w in message for w in table.get("asks", ())) or not any(
            w in message for w in table.get("asks_shipping", ())
        ):
            return None
        said = state.values("threshold", "agent")
        threshold = (
            said[0].removeprefix("满") if said else str(self.policy.get("free_shipping_threshold_yuan", ""))
        )
        if not threshold:
            return None
        prices: list[Amount] = []
        # (男的43 女的38 in a shoe chat: sizes, not prices; a bare number in the category's size range
        # is no price unless 元 / 块 says so)
        sizes = table.get("size_ranges", {}).get(state.category or "", ())
        for text in state.texts:
            for amount in self.amounts(text):
                if amount.cut or amount.shown == threshold or amount.value in [p.value for p in prices]:
                    continue
                if len(sizes) == 2 and sizes[0] <= amount.value <= sizes[1]:
                    rest = text[amount.start + len(amount.text) :].lstrip(" ")
                    if not rest.startswith(("元", "块")):
                        continue
                prices.append(amount)
        if len(prices) < 2:
            return None
        total = sum(p.value for p in prices)
        key = "met" if total >= float(threshold) else "below"
        template = (
            str(table.get(key, ""))
            .replace("<formula>", "+".join(p.shown for p in prices))
            .replace("<total>", fmt(total))
            .replace("<threshold>", threshold)
            .replace("<gap>", fmt(float(threshold) - total))
        )
        return (template, "按对话里的价格凑单 this chat's prices added up") if template else None

    def reach(self, message: str, scenario: str, state, catalog_price: float | None):
        """The buyer's one amount against the threshold of the agent's own offer (店铺券满100减10, then
        鼠标89 那用不了了啊): reached, or how much is missing."""
        table = self.rules.tables.get("reach", {})
        # (那差10块 还能用吗 / 差11块 买个磨刀石行吗: the gap the buyer names asks it too)
        gap = re.compile(str(table["gap"])) if table.get("gap") else None
        gapped = gap is not None and gap.search(message) is not None
        if scenario not in table.get("scenarios", ()) or not (
            gapped or any(w in message for w in table.get("asks", ()))
        ):
            return None
        offers = [
            s.fact
            for s in reversed(state.facts)
            if s.role == "agent"
            and s.fact.kind in ("promotion", "threshold")
            and re.match(r"满\d+(?:\.\d+)?", s.fact.value)
        ]
        # the agent's newest offer, or the one whose threshold the buyer names (还差多少到满99)
        named = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", message)}
        offer = next(
            (f for f in offers if float(re.match(r"满(\d+(?:\.\d+)?)", f.value).group(1)) in named),
            offers[0] if offers else None,
        )
        if offer is None:
            return None
        threshold = re.match(r"满(\d+(?:\.\d+)?)", offer.value)
        # the threshold the buyer names (3条是87 再加点啥能凑100) is no amount of theirs
        amounts = [a for a in self.amounts(message) if not a.cut and a.value != float(threshold.group(1))]
        limit = float(threshold.group(1))
        gaps = [a for a in self.amounts(message) if a.cut and gap is not None and gap.search(a.cut)]
        if gapped and len(gaps) == 1 and gaps[0].value < limit:
            # the buyer counts the gap themselves (满99减10 … 我买了89 → 那差10块 还能用吗): the threshold
            # is named and what to add; the gap is no amount of the order
            template = (
                str(table.get("gap_reply", ""))
                .replace("<gap>", gaps[0].shown)
                .replace("<threshold>", fmt(limit))
                .replace("<offer>", offer.text.strip())
            )
            why = "对话里的门槛 the agent's own threshold, the gap the buyer named"
            return (template, why) if template else None
        totals = [a for a in amounts if self.is_total(message, a.start)]
        added = [a for a in amounts if a not in totals and self._added(message, a, table)]
        each = [
            a for a in amounts if _clause_before(message, a.start)[-3:].endswith(tuple(table.get("each", ())))
        ]
        if not amounts:
            # 鞋是279的, then 那不够300啊 还能用吗: the one price of the buyer's turn before
            earlier = [a for t in self._turns(state, "buyer")[-1:] for a in self.amounts(t) if not a.cut]
            if len(earlier) != 1 or earlier[0].value == limit:
                return None
            amount, shown = earlier[0].value, earlier[0].shown
        elif len(amounts) >= 2 and len(each) == len(amounts):
            # 一件89一件99 能用不: the items' prices summed
            amount = sum(a.value for a in amounts)
            shown = "+".join(a.shown for a in amounts) + f"={fmt(amount)}"
        elif len(totals) == 1 and added and len(totals) + len(added) == len(amounts):
            # the total and the item added to it in one message (2盒178 那再加包15块的芒果干): summed
            amount = totals[0].value + sum(a.value for a in added)
            shown = "+".join(a.shown for a in (*totals, *added)) + f"={fmt(amount)}"
        elif len(amounts) != 1:
            return None
        else:
            amount, shown = amounts[0].value, amounts[0].shown
        if len(amounts) == 1 and not totals:
            # the order's amount must be stated as one: an item added (再加一双19块的袜子) counts only
            # on top of the total the buyer stated just before (购物车现在268), else nothing is computed
            earlier = self._turns(state, "buyer")[-1:]
            before = [a for t in earlier for a in self.amounts(t) if not a.cut and self.is_total(t, a.start)]
            if not added or len(before) != 1:
                return None
            shown = f"{before[0].shown}+{fmt(amount)}={fmt(before[0].value + amount)}"
            amount += before[0].value
        template = (
            str(
                table.get(
                    ("shipping_" if offer.kind == "threshold" else "")
                    + ("met" if amount >= limit else "below"),
                    "",
                )
            )
            .replace("<amount>", shown)
            .replace("<threshold>", fmt(limit))
            .replace("<offer>", offer.text.strip())
            .replace("<gap>", fmt(limit - amount))
        )
        return (template, "对话里的门槛 the agent's own threshold compared") if template else None

    def _added(self, message: str, amount: Amount, table: dict) -> bool:
        """Whether ``amount`` is an item added to the order (再加一双19块的袜子): an added word in its clause."""
        return any(w in _clause_before(message, amount.start) for w in table.get("added", ()))

    def _chat_total(self, state) -> tuple[str, float] | None:
        """What this chat already adds up to when the agent gave a cut per unit (买五盒 … 每盒优惠8块
        on 168): ``("5×(168-8)", 800)``; None when the chat lacks the quantity, price or cut."""
        agent = " ".join(self._turns(state, "agent"))
        cut = re.search(self.rules.text("bargain", "per_unit_cut"), agent) if agent else None
        counts = [v for v in state.values("quantity", "buyer") if re.match(r"\d+", v)]
        prices = self.prices(self._turns(state, "buyer") + self._turns(state, "agent"))
        if cut is None or not counts or not prices:
            return None
        count = int(re.match(r"\d+", counts[0]).group(0))
        unit, off = prices[0].value, float(cut.group("m"))
        if count < 2 or off >= unit:
            return None
        return f"{count}×({fmt(unit)}-{fmt(off)})", count * (unit - off)

    def refund_amount(self, message: str, scenario: str, state, catalog_price: float | None):
        """How much comes back (退了1盒 … 应该退我多少钱 一盒是89的): the units the buyer returns × the
        unit price this chat gives; None without both."""
        table = self.rules.tables.get("refund_amount", {})
        if scenario not in table.get("scenarios", ()) or not any(w in message for w in table.get("asks", ())):
            return None
        returned = tuple(table.get("returned", ()))
        # the quantity right after a return word (退了1盒, not the 3盒 bought before it)
        counted = []
        for stated in state.facts:
            if stated.role != "buyer" or stated.fact.kind != "quantity":
                continue
            text = state.texts[stated.turn][: stated.fact.start]
            gaps = [len(text) - text.rfind(w) - len(w) for w in returned if w in text]
            if gaps and min(gaps) <= 2:
                counted.append(stated.fact)
        freight = self._freight_back(message, state, table)
        if freight is not None:
            return freight
        if not counted:
            return self._paid_back(state, table)
        fact = counted[-1]
        lead = re.match(r"\d+", fact.value)
        if lead is None:
            return None
        count, measure = int(lead.group(0)), fact.value[lead.end() :]
        unit_price = self._unit_price(message, state, catalog_price)
        if not measure:
            return None
        if unit_price is None:
            # 坏了7个 … 退多少: no price in this chat, so the units are named and the amount left to
            # the refund form
            template = str(table.get("count_reply", "")).replace("<quantity>", fact.text.strip())
            return (template, "退款按买家说的件数 the units returned") if template else None
        template = (
            str(table.get("reply", ""))
            .replace("<quantity>", fact.text.strip())
            .replace("<unit>", fmt(unit_price))
            .replace("<measure>", measure)
            .replace(
                "<total>",
                f"{fmt(unit_price)}×{count}={fmt(unit_price * count)}" if count > 1 else fmt(unit_price),
            )
        )
        return (
            (template, "退款按对话里的件数和单价算 units returned × this chat's price") if template else None
        )

    def gift(self, message: str, scenario: str, state, catalog_price: float | None):
        """A gift asked for (三件套能送磨刀石吗 / 送不送 送我马上拍 / 有没有赠品): the shop profile's gift and
        its condition; None once the agent offered something in this chat (its replies restate it)."""
        table = self.rules.tables.get("gift", {})
        if scenario not in table.get("scenarios", ()) or not any(w in message for w in table.get("asks", ())):
            return None
        if any(state.values(k, "agent") for k in ("gift", "coupon", "promotion", "discount")):
            return None
        # the agent's own multi-buy gift (买二送旅行装一支) that the fact layer reads as no gift
        agent = self._turns(state, "agent")
        if any(re.search(str(p), t) for p in table.get("agent_offered", ()) for t in agent):
            return None
        if any(w in message for w in table.get("other_offers", ())):
            return None
        if table.get("browsing_only") and state.order_stage != "browsing":
            return None
        buyer = self._turns(state, "buyer")
        asked = ""
        for text in [message, *reversed(buyer[-1:])]:
            for match in re.finditer(str(table.get("asked", "$^")), text):
                value = match.group("asked")
                if not any(w in match.group(0) or w in value for w in table.get("not_asked", ())):
                    asked = value
            if asked:
                break
        if not asked and not any(w in message for w in table.get("generic", ())):
            return None  # usb线有赠送吧: whether a part comes with the item, not a gift question
        key = "named_reply" if asked else "plain_reply"
        bought = re.search(r"买\s*(?:\d+|[两二三四五六七八九十])\s*[个罐瓶盒包件双条袋套支箱只台]", message)
        buy = bought.group(0) + ("的话，" if key == "plain_reply" else "") if bought else "{product}"
        if buy == "{product}" and asked and state.item is not None and state.item.text in asked:
            buy = ""  # the gift asked is the item read (再送个袜子呗): not 袜子暂时没有送袜子
        template = str(table.get(key, "")).replace("<asked>", asked).replace("<buy>", buy)
        return (template, "店铺的赠品 the shop's own gift") if template else None

    def after_offer(self, message: str, scenario: str, state, catalog_price: float | None):
        """The price after the offer under discussion (用券后多少 / 减完多少): this chat's price (× the
        quantity asked) minus the agent's own offer, else the shop's promotion when reached, else the
        shop's coupon; None without one price."""
        table = self.rules.tables.get("after_offer", {})
        if scenario not in table.get("scenarios", ()) or not any(w in message for w in table.get("asks", ())):
            return None
        unit = self._unit_price(message, state, catalog_price)
        if unit is None:
            return None
        # (a pack size is no count: 3盒装用券后多少 is one pack; 买6盒 after 3盒装 is two)
        counts = [
            f
            for f in self.extractor.extract(message)
            if f.kind == "quantity" and message[f.end :].lstrip()[:1] != "装"
        ]
        lead = re.match(r"\d+", counts[0].value) if len(counts) == 1 else None
        count = int(lead.group(0)) if lead else 1
        if lead and not _UNIT_PRICE.search(message):
            packs = packs_named(state.texts, self.rules.text("amounts", "pack_size"))
            packed = in_packs(count, counts[0].value[lead.end() :], packs)
            if packed is None:
                return None
            count = packed[0]
        price = unit * count
        # the agent's threshold offer (满100减10) first, then a coupon of theirs (10元券)
        offers = [
            s.fact for s in reversed(state.facts) if s.role == "agent" and re.search(r"\d", s.fact.value)
        ]
        said = next((f for f in offers if f.kind == "promotion"), None) or next(
            (f for f in offers if f.kind == "coupon"), None
        )
        if said is not None:
            found = re.match(r"满(\d+(?:\.\d+)?)减(\d+(?:\.\d+)?)", said.value) or re.match(
                r"()(\d+(?:\.\d+)?)元券", said.value
            )
            if found is None:
                return None
            limit = float(found.group(1) or 0)
            cut, offer = float(found.group(2)), said.text.strip()
        else:
            policy = self.policy
            limit = float(policy.get("promotion_threshold_yuan", 0) or 0)
            if policy.get("promotion_discount_yuan") and price >= limit:
                cut, offer = float(policy["promotion_discount_yuan"]), "{promotion}"
            elif policy.get("coupon_yuan"):
                limit, cut, offer = 0.0, float(policy["coupon_yuan"]), "{coupon}"
            else:
                return None
        shown = f"{fmt(unit)}×{count}" if count > 1 else fmt(unit)
        if price < limit:
            template = (
                str(table.get("short", ""))
                .replace("<price>", fmt(price) if count == 1 else f"{shown}={fmt(price)}")
                .replace("<threshold>", fmt(limit))
                .replace("<offer>", offer)
                .replace("<gap>", fmt(limit - price))
            )
        else:
            formula = f"{shown}-{fmt(cut)}" if count == 1 else f"{shown}-{fmt(cut)}"
            template = (
                str(table.get("reply", ""))
                .replace("<formula>", formula)
                .replace("<total>", fmt(price - cut))
                .replace("<offer>", offer)
            )
        return (template, "用券后按对话里的价算 this chat's price after the offer") if template else None

    def _freight_back(self, message: str, state, table: dict):
        """The return freight the buyer paid in advance (运费23 一共能退多少) refunded with the order,
        when the agent said the shop bears it: added to what the buyer said they paid, else named
        beside the goods; None without both."""
        freight = [
            a
            for a in self.amounts(message)
            if not a.cut
            and any(w in message[max(0, a.start - 4) : a.start] for w in table.get("freight", ()))
        ]
        agent = " ".join(self._turns(state, "agent"))
        if len(freight) != 1 or not any(w in agent for w in table.get("shop_pays", ())):
            return None
        paid = self._paid(state, table)
        if len(paid) == 1:
            total = f"{fmt(paid[0])}+{freight[0].shown}={fmt(paid[0] + freight[0].value)}"
            template = str(table.get("freight_paid_reply", "")).replace("<total>", total)
        else:
            template = str(table.get("freight_reply", ""))
        template = template.replace("<freight>", freight[0].shown)
        return (template, "运费和货款一起退 the freight refunded with the order") if template else None

    def _paid(self, state, table: dict) -> list[float]:
        """The amounts the buyer said they paid (我付了199), each once."""
        paid = tuple(table.get("paid", ()))
        amounts: list[float] = []
        for text, role in zip(state.texts, state.roles, strict=False):
            if role != "buyer":
                continue
            for amount in self.amounts(text):
                before = text[: amount.start].rstrip(" ")
                if not amount.cut and any(before.endswith(w) for w in paid) and amount.value not in amounts:
                    amounts.append(amount.value)
        return amounts

    def _paid_back(self, state, table: dict):
        """A refund of the whole order: what the buyer said they paid (我付了199), when they said one
        amount right after a paying word; None otherwise."""
        amounts = self._paid(state, table)
        if len(amounts) != 1:
            return None
        template = str(table.get("paid_reply", "")).replace("<paid>", fmt(amounts[0]))
        return (template, "退款按买家说的实付 what the buyer paid") if template else None
