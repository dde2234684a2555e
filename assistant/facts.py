"""Typed facts in any text: items, categories, sizes, body measurements, money, couriers, dates ...

Everything that grounds a suggestion goes through here: the conversation's facts, the shop
profile's facts, the catalog entry of the buyer's item, and the facts a candidate reply states.
The grammar of numbers and units is code; the words (couriers, colours, materials, places,
product categories, order events, escalation words) are data in the corpus's ``facts.toml``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .date_sums import is_sum
from .errors import Problem
from .events import EventRules, load_events
from .files import toml_error_line
from .text import Memo

# kinds of fact, and what each becomes as a visible fill-in when no grounded value exists
FILL_IN_LABELS: dict[str, str] = {
    "height": "身高",
    "weight": "体重",
    "foot_length": "脚长",
    "size": "尺码/规格",
    "spec": "规格",
    "colour": "颜色",
    "material": "材质",
    "money": "金额",
    "threshold": "金额",
    "coupon": "优惠券",
    "promotion": "活动",
    "discount": "折扣",
    "gift": "赠品",
    "courier": "快递",
    "duration": "时间",
    "date": "日期",
    "time": "时间",
    "quantity": "数量",
    "place": "地区",
    "order_id": "订单号",
    "tracking_no": "运单号",
    "account": "账号",
    "phone": "电话",
    "shop_name": "店名",
    "person": "对象",
    "occasion": "场合",
}
# the order a purchase goes through; a conversation's stage is the furthest event reached
ORDER_STAGES = ("browsing", "ordered", "paid", "shipped", "delivered", "after_sale")
# kinds the shop decides: once the agent stated one in this chat, a suggestion may not say another
SHOP_KINDS = frozenset({"courier", "coupon", "promotion", "threshold", "gift", "discount"})
# kinds that compete with each other: a coupon is contradicted by another offer of any of these kinds
KIND_FAMILIES = {
    "courier": ("courier",),
    "coupon": ("coupon", "promotion", "discount"),
    "promotion": ("coupon", "promotion", "discount"),
    "discount": ("coupon", "promotion", "discount"),
    "threshold": ("threshold",),
    "gift": ("gift",),
}
# offers a buyer names are the ones under discussion (满199减30 / 我那张10元券): a reply naming only another
# offer contradicts the chat even when the agent has not said it yet (a courier the buyer names is a question)
BUYER_NAMED_KINDS = frozenset({"coupon", "promotion", "discount", "gift"})
# kinds that describe the buyer: only this conversation can supply them
BUYER_KINDS = frozenset({"height", "weight", "foot_length"})

_NUM = r"\d+(?:\.\d+)?"
_CN = "零一二两三四五六七八九十百千半"
_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


@dataclass(frozen=True)
class Fact:
    """One fact found in a text: its kind, a normalised value to compare, and where it is."""

    kind: str
    value: str
    text: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return {"kind": self.kind, "value": self.value, "text": self.text}


@dataclass(frozen=True)
class Category:
    """A product category of ``facts.toml``: the items it sells and the wording only it uses."""

    id: str
    name: str
    items: tuple[str, ...]
    wording: tuple[str, ...]


@dataclass(frozen=True)
class EventModality:
    """The words of ``[order_event_modality]``: an order event counts only when it is asserted as done
    for this order, not supposed, planned, requested, another order's or a noun's word (收货地址)."""

    near: tuple[re.Pattern, ...] = ()  # searched in the few characters before the event (等收货啦)
    clause: tuple[re.Pattern, ...] = ()  # searched in its clause before it (如果签收后 / 上次在你家买的)
    after: tuple[re.Pattern, ...] = ()  # matched right after it (发货了告诉我 / 确认收货后 / 收货地址)
    # a delivery the same text denies (快递显示签收了 但我没收到): the parcel left, nobody has it
    denied: tuple[re.Pattern, ...] = ()
    # an agent's clause that only acknowledges (亲 收到了): the agent received no parcel
    acknowledges: tuple[re.Pattern, ...] = ()


@dataclass(frozen=True)
class ClauseRoles:
    """The words of ``[clause_roles]``: a clause of a buyer message that gives a reason, a worry or a
    background for the request instead of reporting what happened (``request.py``)."""

    worry: tuple[re.Pattern, ...] = ()  # a clause that fears it (我怕漏了 / 担心坏了)
    wish: tuple[re.Pattern, ...] = ()  # a clause that wants to buy (打碎了一个想补一个)
    # a word that is itself the thing asked: the question frame before it (是不是坏了) or after it (漏气正常吗)
    asked_before: tuple[re.Pattern, ...] = ()
    asked_after: tuple[re.Pattern, ...] = ()
    # what follows a word, in its clause, to ask whether it is normal (冒烟正常不): an escalation word so
    # asked reports no harm
    asked_normal: tuple[re.Pattern, ...] = ()
    # what stands before a word, in its clause, to tell the shop what not to do (送人的别整假货 / 不要发坏的):
    # a wish about goods not sent yet, no report of a problem nor an accusation
    instruction: tuple[re.Pattern, ...] = ()
    # scenarios that cannot happen in a chat still before any order (quality_complaint, review …)
    before_order: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """The words of ``facts.toml``."""

    couriers: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    people: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (group, the words that name it)
    occasions: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (group, the words that name it)
    order_events: tuple[tuple[str, tuple[re.Pattern, ...]], ...] = ()
    # [order_event_threats]: words that make what follows in their clause a threat, not an event
    # (再不回我直接申请退款了: no refund was applied for)
    event_threats: tuple[re.Pattern, ...] = ()
    # [corrections] patterns: a buyer turn taking back a measurement they gave (刚量错了 是24.8)
    corrections: tuple[re.Pattern, ...] = ()
    # [other_numbers] patterns: a long number its label names as no order's (账号 / 卡号 / 身份证):
    # the digits (group n) are an account, never read back as an order number
    other_numbers: tuple[re.Pattern, ...] = ()
    # [phone_numbers] patterns: a number its label or shape names as a phone or hotline (打400预约 /
    # 400电话 / 电话13812345678): the digits (group n) are a phone, never a price or an order number
    phone_numbers: tuple[re.Pattern, ...] = ()
    # [choice] between: what stands between two values the buyer weighs (M还是S): neither is chosen
    choice_between: tuple[re.Pattern, ...] = ()
    # [order_event_modality]: when an order event's words say something that did not happen to this order
    event_modality: EventModality = field(default_factory=lambda: EventModality())
    clause_roles: ClauseRoles = field(default_factory=lambda: ClauseRoles())
    # [claimed_events]: events a reply says happened, held against the chat's (events.py)
    claimed_events: EventRules = field(default_factory=lambda: EventRules())
    holding: tuple[re.Pattern, ...] = ()
    stock: tuple[tuple[str, tuple[re.Pattern, ...]], ...] = ()
    escalation: tuple[str, ...] = ()
    # [escalation] hearsay: leads (都说 / 有人说) that make an escalation word in their clause a worry
    hearsay: tuple[re.Pattern, ...] = ()
    # [escalation] withdrawn: a buyer taking back an earlier threat (我先不评了 / 不投诉了)
    withdrawn: tuple[re.Pattern, ...] = ()
    anger: tuple[str, ...] = ()
    # a complaint in a message that also asks something is answered first (包装破了…另外发票能开吗)
    complaint_words: tuple[str, ...] = ()
    complaint_scenario: str = "quality_complaint"
    complaint_keeps: tuple[str, ...] = ()
    complaint_topic: str = ""
    categories: tuple[Category, ...] = ()
    scenario_stages: dict[str, str] = field(default_factory=dict)
    # the shop's dispatch time does not fit made-to-order goods or a chat whose agent promised another
    made_to_order: tuple[str, ...] = ()
    agent_dispatch: tuple[re.Pattern, ...] = ()
    dispatch_slots: tuple[str, ...] = ()
    dispatch_reject_slots: tuple[str, ...] = ()
    dispatch_label: str = "发货时间"
    # a shop slot that an agent's threshold settles (满59包邮 → {free_shipping_threshold}), by the words
    # right after the threshold that say which rule it is
    said_thresholds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # [variants]: the buyer's words for a variant that no size, colour or spec fact reads (1.5的 / 红轴 /
    # 三件套 / 2段 / 15 pro max), restated where a reply names what the buyer asked for ({asked})
    variants: tuple[re.Pattern, ...] = ()
    # [said_amounts]: a shop slot whose amount the agent already said in this chat (新疆补运费15元 →
    # {remote_surcharge} is 15元), by patterns whose first group is the amount
    said_amounts: dict[str, tuple[re.Pattern, ...]] = field(default_factory=dict)
    # [item_reading] not_after: what stands before an item word in its clause when the word is no item the
    # buyer asks about (穿厚袜子 / 放微波炉 / 送的袜子 / 平时穿38的运动鞋); switch: a buyer turn that takes up
    # an item of another category than the one under discussion (想买 / 有货吗), else that one stays
    item_not_after: tuple[re.Pattern, ...] = ()
    item_switch: re.Pattern | None = None
    # [item_reading] heads: characters that end a longer item name after an item word (咖啡机 / 骑行服)
    item_heads: str = ""
    # [item_reading] fed: animal words that make a food item word in their clause the animal's food
    # (狗吃了零食 / 猫零食), of fed_category rather than fed_from
    item_fed: tuple[str, ...] = ()
    item_fed_from: str = ""
    item_fed_category: str = ""
    # [item_reading] attribute_stop: a word before 的 and an item that ends the buyer's attribute on the
    # left (要 of 要防滑的老人鞋); attribute_not: words that make it no attribute of the item (上次买的 /
    # 我妈穿的: whose or when, not which one)
    attribute_stop: re.Pattern | None = None
    attribute_not: re.Pattern | None = None

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)


def read_optional_toml(path: Path) -> tuple[dict | None, list[Problem]]:
    """An optional corpus TOML file: ``({}, [])`` when it is missing, ``(None, [problem])`` when it
    cannot be read (the problem names the file and, for bad TOML, the line)."""
    where = str(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), []
    except FileNotFoundError:
        return {}, []
    except OSError as exc:
        return None, [Problem(where, None, f"cannot read file ({exc.strerror})")]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return None, [Problem(where, toml_error_line(exc), f"not valid TOML: {exc}")]


def load_vocabulary(path: Path) -> tuple[Vocabulary, list[Problem]]:
    """Read ``facts.toml``; a missing file gives an empty vocabulary (numbers and units still work)."""
    where = str(path)
    data, problems = read_optional_toml(path)
    if data is None:
        return Vocabulary(), problems

    def words(table: str, key: str = "names") -> tuple[str, ...]:
        value = data.get(table, {}).get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            problems.append(Problem(where, None, f"[{table}] {key} must be a list of non-empty strings"))
            return ()
        return tuple(value)

    def patterns(table: str, key: str, values: object) -> tuple[re.Pattern, ...]:
        compiled = []
        for pattern in values if isinstance(values, list) else []:
            try:
                compiled.append(re.compile(str(pattern)))
            except re.error as exc:
                problems.append(Problem(where, None, f"[{table}] {key}: bad pattern {pattern!r}: {exc}"))
        return tuple(compiled)

    events = []
    for stage, values in data.get("order_events", {}).items():
        if stage not in ORDER_STAGES:
            problems.append(
                Problem(
                    where,
                    None,
                    f"[order_events] unknown stage {stage!r}; use one of {', '.join(ORDER_STAGES)}",
                )
            )
            continue
        events.append((stage, patterns("order_events", stage, values)))
    categories = []
    for category_id, table in data.get("categories", {}).items():
        if not isinstance(table, dict):
            problems.append(Problem(where, None, f"[categories.{category_id}] must be a table"))
            continue
        categories.append(
            Category(
                id=category_id,
                name=str(table.get("name", category_id)),
                items=tuple(str(w) for w in table.get("items", []) if w),
                wording=tuple(str(w) for w in table.get("wording", []) if w),
            )
        )
    scenario_stages = {}
    for scenario, stage in data.get("scenario_order_stage", {}).items():
        if stage in ORDER_STAGES:
            scenario_stages[str(scenario)] = str(stage)
        else:
            problems.append(
                Problem(where, None, f"[scenario_order_stage] {scenario}: unknown stage {stage!r}")
            )
    vocabulary = Vocabulary(
        couriers=words("couriers"),
        colours=words("colours"),
        materials=words("materials"),
        places=words("places"),
        people=tuple(
            (str(group), tuple(str(w) for w in names))
            for group, names in data.get("people", {}).items()
            if isinstance(names, list)
        ),
        occasions=tuple(
            (str(group), tuple(str(w) for w in names))
            for group, names in data.get("occasions", {}).items()
            if isinstance(names, list)
        ),
        order_events=tuple(events),
        event_threats=patterns(
            "order_event_threats", "patterns", data.get("order_event_threats", {}).get("patterns", [])
        ),
        choice_between=patterns("choice", "between", data.get("choice", {}).get("between", [])),
        corrections=patterns("corrections", "patterns", data.get("corrections", {}).get("patterns", [])),
        other_numbers=patterns(
            "other_numbers", "patterns", data.get("other_numbers", {}).get("patterns", [])
        ),
        phone_numbers=patterns(
            "phone_numbers", "patterns", data.get("phone_numbers", {}).get("patterns", [])
        ),
        event_modality=EventModality(
            **{
                key: patterns("order_event_modality", key, data.get("order_event_modality", {}).get(key, []))
                for key in ("near", "clause", "after", "denied", "acknowledges")
            }
        ),
        clause_roles=ClauseRoles(
            **{
                key: patterns("clause_roles", key, data.get("clause_roles", {}).get(key, []))
                for key in ("worry", "wish", "asked_before", "asked_after", "asked_normal", "instruction")
            },
            before_order=words("clause_roles", "before_order") if "clause_roles" in data else (),
        ),
        claimed_events=load_events(
            data.get("claimed_events", {}),
            lambda pattern, key: next(iter(patterns("claimed_events", key, [pattern])), None),
        ),
        holding=patterns("holding", "patterns", data.get("holding", {}).get("patterns", [])),
        variants=patterns("variants", "patterns", data.get("variants", {}).get("patterns", [])),
        stock=tuple(
            (status, patterns("stock", status, values))
            for status, values in data.get("stock", {}).items()
            if status in ("in_stock", "sold_out")
        ),
        escalation=words("escalation", "words"),
        hearsay=patterns("escalation", "hearsay", data.get("escalation", {}).get("hearsay", [])),
        withdrawn=patterns("escalation", "withdrawn", data.get("escalation", {}).get("withdrawn", [])),
        anger=words("anger", "words") if "anger" in data else (),
        complaint_words=words("complaint", "words") if "complaint" in data else (),
        complaint_scenario=str(data.get("complaint", {}).get("scenario", "quality_complaint")),
        complaint_keeps=words("complaint", "keeps") if "complaint" in data else (),
        complaint_topic=str(data.get("complaint", {}).get("topic", "")),
        categories=tuple(categories),
        scenario_stages=scenario_stages,
        made_to_order=words("dispatch_exceptions", "made_to_order") if "dispatch_exceptions" in data else (),
        agent_dispatch=patterns(
            "dispatch_exceptions",
            "agent_dispatch",
            data.get("dispatch_exceptions", {}).get("agent_dispatch", []),
        ),
        dispatch_slots=words("dispatch_exceptions", "slots") if "dispatch_exceptions" in data else (),
        dispatch_reject_slots=words("dispatch_exceptions", "reject_slots")
        if "dispatch_exceptions" in data
        else (),
        dispatch_label=str(data.get("dispatch_exceptions", {}).get("label", "发货时间")),
        said_thresholds={
            str(slot): tuple(str(w) for w in after) for slot, after in data.get("said_thresholds", {}).items()
        },
        said_amounts={
            str(slot): patterns("said_amounts", str(slot), found)
            for slot, found in data.get("said_amounts", {}).items()
        },
        item_not_after=patterns(
            "item_reading", "not_after", data.get("item_reading", {}).get("not_after", [])
        ),
        item_switch=next(iter(patterns("item_reading", "switch", [data["item_reading"]["switch"]])), None)
        if data.get("item_reading", {}).get("switch")
        else None,
        item_heads=str(data.get("item_reading", {}).get("heads", "")),
        item_fed=tuple(str(w) for w in data.get("item_reading", {}).get("fed", [])),
        item_fed_from=str(data.get("item_reading", {}).get("fed_from", "")),
        item_fed_category=str(data.get("item_reading", {}).get("fed_category", "")),
        attribute_stop=next(
            iter(patterns("item_reading", "attribute_stop", [data["item_reading"]["attribute_stop"]])), None
        )
        if data.get("item_reading", {}).get("attribute_stop")
        else None,
        attribute_not=next(
            iter(patterns("item_reading", "attribute_not", [data["item_reading"]["attribute_not"]])), None
        )
        if data.get("item_reading", {}).get("attribute_not")
        else None,
    )
    return vocabulary, problems


# ----------------------------------------------------------------------------- numbers


def chinese_number(text: str) -> float | None:
    """``一米六``-style numerals: 十二 → 12, 一百二 → 120, 两 → 2, 半 → 0.5; None if not a numeral."""
    if not text:
        return None
    if re.fullmatch(_NUM, text):
        return float(text)
    if text == "半":
        return 0.5
    if not all(ch in _CN for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "千":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
    # 一百二 means 120 and 两千五 2500: a trailing digit right after 百 or 千 counts one place lower
    if current and re.search("百[一二两三四五六七八九]$", text):
        current *= 10
    elif current and re.search("千[一二两三四五六七八九]$", text):
        current *= 100
    return float(total + current)


def chinese_count(text: str) -> int:
    """A count written either way (3 / 三 / 两 / 十一 / 12): the whole number ``chinese_number``
    reads, 0 when ``text`` is none or not whole (半, 1.5). The one reader of counts in money, sums and
    facts, so that 十一 is eleven everywhere."""
    value = chinese_number(text.strip()) if text else None
    return int(value) if value and value == int(value) else 0


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


# an order event after these words, or followed by 吗, has not happened (还没发货, 怎么申请退款)
_NOT_HAPPENED_BEFORE = re.compile(
    r"(没|未|不|别|何时|什么时候|啥时候|多久|几天|能不能|能否|可以|可不可以|怎么|如何|要|想|会|才能|就能|后|前)$"
)
_ASKED_AFTER = re.compile(r"^(吗|么|没|嘛|不)")
# where a clause of a buyer's message starts (punctuation or the spaces of unpunctuated chat)
_CLAUSE_START = re.compile(r"[，。！？,.!?；;\s]")

# words ending in 色 that are not colours
_NOT_COLOURS = (
    "颜色",
    "特色",
    "出色",
    "角色",
    "脸色",
    "成色",
    "货色",
    "本色",
    "掉色",
    "褪色",
    "退色",
    "变色",
    "串色",
    "染色",
    "调色",  # 怎么调色温 / 调色盘: adjusting a colour is no colour of the goods
    "肤色",
    "杂色",
    "配色",
    "同色",
    "单色",
    "多色",
    "纯色",
    "什么色",
    "啥色",
    "的色",
    "个色",
    "景色",
    "气色",
    "音色",
    "夜色",
    "声色",
    "逊色",
    "失色",
    "润色",
    "物色",
    "好色",
    "血色",
    "神色",
    "款色",
    "花色",
    "试色",
    "浅色",
    "深色",
    "亮色",
    "暗色",
    "底色",
    "原色",
    "撞色",
    "显色",
    "上色",
    "发色",
    "唇色",
    "浮色",
    "固色",
    "无色",
    "有色",
    "彩色",
    "黑白色",
    "同款色",
    "正色",
    "偏色",
)
# characters that stand before a colour word without being part of it
_COLOUR_LEAD = set("的是搭和或跟与配选挑要拿买换发个这那件双条款也都")

_WIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20


def _normalised(text: str) -> str:
    """Full-width ASCII to half-width and Traditional to Simplified, keeping every offset."""
    from .text import to_simplified

    narrow = text.translate(_WIDTH)
    simplified = to_simplified(narrow)
    return simplified if len(simplified) == len(narrow) else narrow


# ----------------------------------------------------------------------------- extraction

_UNITS = {
    "cm": "cm",
    "厘米": "cm",
    "公分": "cm",
    "mm": "mm",
    "毫米": "mm",
    "l": "L",
    "升": "L",
    "ml": "ml",
    "毫升": "ml",
    "g": "g",
    "克": "g",
    "kg": "kg",
    "千克": "kg",
    "公斤": "kg",
    "斤": "斤",
    "寸": "寸",
    "英寸": "英寸",
    "米": "m",
    "m": "m",
    "人份": "人份",
    "w": "W",
    "瓦": "W",
    "mah": "mAh",
    "毫安": "mAh",
    "gb": "GB",
    "tb": "TB",
    "片": "片",
    "粒": "粒",
    "抽": "抽",
    "只装": "只装",
}
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_LETTER_SIZES = r"XXXXL|XXXL|XXL|XL|XS|[2-6]XL|S|M|L|均码|加大码|大码|小码"
_DURATION_UNITS = r"个?小时|个?钟头|天|个?工作日|个?自然日|周|个?星期|个?月|分钟|秒"

_MEASURE = r"件|盒|瓶|条|个|双|包|份|支|袋|罐|套|只|片|箱"
_PATTERNS: list[tuple[str, re.Pattern]] = [
    # a multi-buy deal the agent names (第二件半价 / 第2盒8折 / 买二送一 / 买五条送一条): before the gifts,
    # so 送一条 is not read as a gift of 条
    (
        "promotion",
        re.compile(
            rf"第[二两三2-3](?:{_MEASURE})(?:半价|[0-9.]+折|[一二三四五六七八九]折|免费|{_NUM}元)"
            rf"|(?<!没有)(?<!不是)买[一二两三四五六七八九十\d]+(?:{_MEASURE})?送[一二两三\d](?!\d)(?:{_MEASURE})?"
        ),
    ),
    (
        "gift",
        re.compile(
            r"(?:送|赠送|赠)(?:您|你)?(?:一|两|\d)(?:双|个|份|张|条|支|瓶|盒|包|件|只|副|套)([\w\u4e00-\u9fff]{1,8})"
        ),
    ),
    (
        "gift",
        re.compile(
            r"(?:赠品是|赠品为|下单送|购送|现在送|还送|加送|已经送了|(?<![\u4e00-\u9fff])送了?(?![\d一二两三几半了得前女男朋老长爸妈家人礼个点些啥东]))(?:您|你)?(?:同款)?"
            r"(?!上门|货|到|达|出|去|回|给|的|随|按|活动|统一|什么|不|是否|吗|哪|人|礼|我|他|她|过|错|件|完)"
            r"([\w\u4e00-\u9fff+＋]{1,10}?)(?=了?[哦啊呀啦呢吧哈]|[，。！？!?,.~～ ]|$)"
        ),
    ),
    ("order_id", re.compile(r"(?<![\dA-Za-z])\d{15,22}(?!\d)")),
    # an order's tail (订单后四位8876 / 尾号8876), not a phone's (手机尾号1234): the digits alone
    (
        "order_id",
        re.compile(
            r"(?:(?<=后[四4六6]位)|(?<=后[四4六6]位[是为:：\s])|(?<=(?<!手机|电话)尾[号数])"
            r"|(?<=(?<!手机|电话)尾[号数][是为:：\s]))\d{4,6}(?!\d)"
        ),
    ),
    # the number after 订单号 is the order's, not a tracking number's (单号 ends 订单号 too)
    # (the label's colon or space is no part of the number: 订单号：2718… reads 2718…, not ：2718…)
    (
        "order_id",
        re.compile(r"(?:(?<=订单号)|(?<=订单编号)|(?<=订单号[：: ])|(?<=订单编号[：: ]))\d{10,22}(?!\d)"),
    ),
    (
        "tracking_no",
        re.compile(r"(?<![A-Za-z0-9])(?:SF|YT|ZTO|JD|JT|YD|STO|EMS|DPK|YTO)\d{8,16}(?!\d)", re.I),
    ),
    ("tracking_no", re.compile(r"(?:(?<=单号)|(?<=单号[：: ]))\d{10,15}(?!\d)")),
    # a courier's prefix with fewer digits, said as the 单号 (单号YT123456)
    ("tracking_no", re.compile(r"(?<=单号)[：: ]?(?:SF|YT|ZTO|JD|JT|YD|STO|EMS|YTO)\d{6,7}(?!\d)", re.I)),
    (
        "promotion",
        re.compile(rf"(?:每|满)({_NUM})\s*(?:元|块)?\s*(?:立?减|减|送|返)\s*({_NUM})\s*(?:元|块)?"),
    ),
    (
        "promotion",
        re.compile(
            rf"(?<![\d.])({_NUM}|[两三四五])\s*(?:件|瓶|个|盒|双|包)\s*(?:立?减|减)\s*({_NUM})\s*(?:元|块)?"
        ),
    ),
    ("coupon", re.compile(rf"({_NUM})\s*(?:元|块)?\s*(?:无门槛|店铺|新人|全店)?\s*(?:优惠)?券")),
    (
        "threshold",
        re.compile(
            rf"满\s*({_NUM})\s*(?:元|块)?(?=包邮|免邮|可用|才|就|即|可以|使用|减|打|送|$|[，。,.！!~～ ])"
        ),
    ),
    ("discount", re.compile(rf"(?<![\d.])({_NUM})\s*折")),
    ("money", re.compile(rf"(?:¥|￥|RMB|rmb)\s*({_NUM})|(?<![\d.])({_NUM})\s*(?:元|块钱|块|rmb|RMB)(?!券)")),
    ("money", re.compile(r"([" + _CN + r"]+)\s*(?:块钱|元)(?!券)")),
    ("height", re.compile(rf"(?:身高|个子|高)\s*({_NUM})\s*(?:cm|CM|厘米|公分|m|米)?")),
    # not a bed, a width or a length (1.8米的床, 宽150cm, 150x200cm被子): those are specs
    (
        "height",
        re.compile(r"(?<![\d.xX×*宽长])(1[4-9]\d|2[01]\d)\s*(?:cm|CM|厘米|公分)(?![\s的]*[床宽长xX×*])"),
    ),
    ("height", re.compile(r"(?<![\d.宽长])(1\.[4-9]\d?)\s*(?:m|米)(?![a-zA-Z\d])(?![\s的]*[床宽长])")),
    ("height", re.compile(r"(?<![\d.])1\s*米\s*([4-9])\s*([0-9])?(?![\d.])")),
    ("height", re.compile(r"一米([四五六七八九])([一二三四五六七八九])?")),
    ("weight", re.compile(rf"(?:体重)\s*({_NUM})\s*(斤|kg|KG|公斤|千克)?")),
    ("weight", re.compile(rf"(?<![\d.])({_NUM}|[{_CN}]+)\s*(斤|kg|KG|Kg|公斤|千克)(?!装)")),
    ("foot_length", re.compile(rf"脚长?\s*({_NUM})\s*(?:cm|CM|厘米|公分|mm)?")),
    ("foot_length", re.compile(rf"({_NUM})\s*(?:cm|CM|厘米|公分)\s*的?脚")),
    # a span of years (保质期1年 / 两年); not a year itself (2024年), a school year (三年级) nor 年前/年底
    ("duration", re.compile(rf"(?<![\d.第])(\d{{1,2}}|[{_CN}]{{1,2}})\s*个?年(?![级前后底初中份代半])")),
    # a date with its year (2024.3.1 / 2024-03-01 / 2025年3月1日): the month and day are its value, the
    # year stays in its text for the sums that need it (expiry.py)
    (
        "date",
        re.compile(
            r"(?<![\d.])20\d{2}\s*(?:[.\-/]\s*(\d{1,2})\s*[.\-/]|年\s*(\d{1,2})\s*月)\s*(\d{1,2})\s*[日号]?(?![\d.])"
        ),
    ),
    (
        "date",
        re.compile(
            r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?|(?<!\d)(\d{1,2})\s*号(?=前|后|之前|以前|左右|发|到|之内|内|那天|要|得用|出发|出差|生日|能(?:不能)?[送收发]?到|能发|下单|来得及|赶)"
        ),
    ),
    # (核实一下周五: the 下 of 一下 begins no 下周五)
    (
        "date",
        re.compile(
            r"今天|今日|明天|明日|后天|大后天|昨天|前天|本周[一二三四五六日末]?|(?<!一)下周[一二三四五六日]?"
            r"|这周[一二三四五六日末]?|周[一二三四五六日末]|星期[一二三四五六日天]|月底|月初|月中|双十一|双11|双十二|618|年前|年后|节后"
        ),
    ),
    (
        "duration",
        re.compile(
            rf"(?<![\d.第周])({_NUM}|[{_CN}]+)\s*(?:(?:到|-|~|～|至)\s*({_NUM}|[{_CN}]+)\s*)?({_DURATION_UNITS})"
        ),
    ),
    (
        "time",
        re.compile(r"(上午|下午|晚上|中午|早上|凌晨|傍晚)?\s*(\d{1,2})\s*(?:点|:|：)\s*(\d{2}|半)?(?!\d)"),
    ),
    # (38 米色 is a size and a colour, not 38 metres)
    ("spec", re.compile(rf"(?<![\d.A-Za-z])({_NUM})\s*({_UNIT_RE})(?![A-Za-z]|(?<=米)色)", re.I)),
    # (多大码 asks for a size: its 大码 is no size)
    ("size", re.compile(rf"(?<![A-Za-z\d.多])({_LETTER_SIZES})(?![A-Za-z])\s*(?:码|号)?")),
    ("size", re.compile(r"(?<![\d.])(\d{2}(?:\.5)?)\s*(?:码|号)")),
    # children's sizes by height (110码 / 130码); only with 码 (3号 is a date)
    ("size", re.compile(r"(?<![\d.])(1[0-7]\d)\s*码")),
    # newborn size (NB码; a bare NB is the shoe brand) and shade numbers (#02 / 色号316)
    ("size", re.compile(r"(?<![A-Za-z])(NB)\s*码")),
    ("size", re.compile(r"(?:色号\s*)?(#\s?\d{2,4}|(?<=色号)\d{2,4})(?!\d)")),
    # a shade named before its word (01色号) and letter sizes typed in lower case (xl / xxl; never a
    # lone s, m or l, which are units and words)
    ("size", re.compile(r"(?<![\d.])(\d{2,4})(?=\s*色号)")),
    ("size", re.compile(r"(?<![A-Za-z\d.])((?:xxxxl|xxxl|xxl|xl|xs|[2-6]xl))(?![A-Za-z])\s*(?:码|号)?")),
    (
        "quantity",
        re.compile(
            # (十二件 is twelve, never 二件; 二十件 never 十件)
            r"(?<![\d.零一二两三四五六七八九十百千])(\d+|[二两三四五六七八九]?十[一二三四五六七八九]?|[两三四五六七八九])"
            # (39 包邮吗: 包邮 is free shipping, the 39 a price, never 39 packs)
            r"\s*(件|个|双|条|包(?!邮)|盒|瓶|箱|套|只|台|袋|份|支|张|罐|副|卷)(?!工作日)"
        ),
    ),
    ("shop_name", re.compile(r"([\u4e00-\u9fffA-Za-z]{2,10})(?:旗舰店|专营店|专卖店|官方店)")),
]


def _value(kind: str, match: re.Match) -> str | None:
    """The normalised value of one match (None drops it: not really a fact of this kind)."""
    groups = [g for g in match.groups() if g is not None]
    text = match.group(0)
    if kind == "money":
        number = chinese_number(groups[0]) if groups else None
        return _number(number) if number is not None else None
    if kind == "promotion":
        if not groups:
            return text  # a multi-buy deal is its own words (第二件半价, 买二送一)
        first = chinese_number(groups[0])
        return f"满{_number(first)}减{_number(float(groups[1]))}" if first is not None else None
    if kind == "coupon":
        return f"{_number(float(groups[0]))}元券"
    if kind == "threshold":
        return f"满{_number(float(groups[0]))}"
    if kind == "discount":
        value = float(groups[0])
        if value >= 10:  # 95折 means 9.5折
            value = value / 10
        return f"{_number(value)}折" if 0 < value < 10 else None
    if kind == "height":
        if text.startswith("一米"):
            tens = _CN_DIGITS[groups[0]]
            ones = _CN_DIGITS[groups[1]] if len(groups) > 1 else 0
            return str(100 + tens * 10 + ones)
        if "米" in text and re.match(r"1\s*米", text):
            return str(100 + int(groups[0]) * 10 + (int(groups[1]) if len(groups) > 1 else 0))
        value = float(groups[0])
        if value < 3:
            value *= 100
        return _number(value) if 120 <= value <= 220 else None
    if kind == "weight":
        number = chinese_number(groups[0])
        if number is None:
            return None
        unit = groups[1] if len(groups) > 1 else "斤"
        jin = number if unit == "斤" else number * 2
        return f"{_number(jin)}斤" if 50 <= jin <= 400 else None
    if kind == "foot_length":
        value = float(groups[0])
        if value > 100:  # millimetres
            value /= 10
        return _number(value) if 10 <= value <= 32 else None
    if kind == "duration":
        first = chinese_number(groups[0])
        if first is None:
            return None
        if match.group(0).endswith("年"):
            return f"{_number(first)}年" if 0 < first <= 10 and first == int(first) else None
        unit = re.sub("^个", "", groups[-1])
        if len(groups) == 3:
            second = chinese_number(groups[1])
            if second is None:
                return None
            return f"{_number(first)}-{_number(second)}{unit}"
        return f"{_number(first)}{unit}"
    if kind == "date":
        if re.match(r"20\d{2}", text) and len(groups) == 2:
            return f"{int(groups[0])}月{int(groups[1])}号"
        if match.group(0)[0].isdigit():
            return re.sub(r"\s+", "", text).replace("日", "号")
        return text
    if kind == "time":
        part, hour, minutes = match.group(1), int(match.group(2)), match.group(3)
        if hour > 24:
            return None
        if part in ("下午", "晚上", "傍晚") and hour < 12:
            hour += 12
        return f"{hour}:{'30' if minutes == '半' else (minutes or '00')}"
    if kind == "spec":
        unit = _UNITS.get(groups[1].lower(), groups[1])
        return f"{_number(float(groups[0]))}{unit}"
    if kind == "size":
        return groups[0].upper().lstrip("#").strip()  # a shade is the same as #316 or 色号316
    if kind == "quantity":
        number = chinese_number(groups[0])
        return f"{_number(number)}{groups[1]}" if number is not None else None
    if kind == "gift":
        # a question names the gift without its particle (还送挂钩吗 → 挂钩); 送一条是吗 / 送啥 name none
        gift = re.sub(r"[吗嘛么呢呗吧不]+$", "", groups[0])
        return None if not gift or re.search(r"^是|啥|什么|哪|不如|也行|的话", gift) else gift
    if kind == "shop_name":
        return (
            text if groups[0] not in ("我们", "我家", "本", "咱们", "你们", "您们", "他们", "这家") else None
        )
    return text


@dataclass(frozen=True)
class ItemRef:
    """The item a text is about: a catalog product, or the buyer's own words for one."""

    text: str
    product_id: str | None = None
    category: str | None = None
    word: str = ""  # the item word or product name the text ends in (牛仔外套 → 外套)
    # the buyer's words that say which one, before 的 and the item (草莓图案的口水巾 / 防滑的老人鞋), with
    # it: what a reply names the item by when it says it back; "" when none are said
    named: str = ""

    def to_dict(self) -> dict:
        return {"text": self.text, "product_id": self.product_id, "category": self.category}


# parts of speech (jieba's, by first letter) that end the buyer's attribute of an item on the left: a
# pronoun, a time or place word, a number or measure word, a particle, a preposition or conjunction, a
# punctuation mark (那个 / 上次 / 3条 / 的 / 给)
_NOT_ATTRIBUTE_FLAGS = frozenset("rtfmqupcxyeos")
# what may follow the 的 of a 的 phrase that stands for the item (蓝色条纹的还有吗 / 要防滑的呢)
_NOMINAL_AFTER = frozenset("还有吗呢吧啊哈呀也就")

# characters that end an item phrase on the left (这个牛仔外套 → 牛仔外套, 问下砂锅 → 砂锅)
_ITEM_STOP = set(
    "这那个款件的了我你您他她它们什么啥哪些买拍是有吗呢在亲和跟与给把被要想看问说还再就都也很太还到从对用个只双条把套瓶盒包台下，。！？!?,. ~～"
)

# 双 counts a pair only after a demonstrative or a number (这双 / 两双); else it begins the name (双面羊毛大衣 /
# 双人床 / 双肩包), not 面羊毛大衣
_COUNTED = re.compile(r"[这那哪每一二两三四五六七八九十几\d]")


def _begins_name(source: str, at: int) -> bool:
    return source[at] == "双" and not (at > 0 and _COUNTED.match(source[at - 1]))


def _phrase_start(source: str, start: int, limit: int = 6) -> int:
    """Where the item phrase ending at an item word begins (这个牛仔外套 → 牛仔外套)."""
    begin = start
    while (
        begin > 0
        and start - begin < limit
        and (source[begin - 1] not in _ITEM_STOP or _begins_name(source, begin - 1))
        and not source[begin - 1].isspace()
        # 你们家猫粮 / 你家的 → 猫粮: the shop's 家, not part of the item (家用吸尘器 keeps it)
        and not (source[begin - 1] == "家" and begin >= 2 and source[begin - 2] in "们你我他她咱俺")
    ):
        begin -= 1
    # a model code is one token (iPhone15手机壳, never hone15手机壳): a Latin-and-digit run the phrase
    # would cut is taken whole where it ends at the item word, else left out (oversize纯棉短袖 → 纯棉短袖)
    if 0 < begin < start and _token(source[begin - 1]) and _token(source[begin]):
        end = begin
        while end < start and _token(source[end]):
            end += 1
        if end == start:
            while begin > 0 and _token(source[begin - 1]):
                begin -= 1
        else:
            begin = end
    return begin


def _token(char: str) -> bool:
    return char.isascii() and char.isalnum()


# facts of these kinds are no item where they hold an item word or its first character: 燕麦色 is a
# colour, 送一双袜子 a gift, 5包包邮 a quantity (materials name items: 铁锅, 乳胶枕)
_NOT_ITEM_KINDS = frozenset(
    {"colour", "gift", "promotion", "quantity", "money", "threshold", "coupon", "discount", "courier"}
    | {"place", "person", "occasion", "order_id", "tracking_no", "size", "spec", "date", "time", "duration"}
)


# after 色 these make another word (色号 / 色差), not a colour
_NOT_COLOUR_AFTER = set("差号系调泽彩")


class FactExtractor:
    """Finds typed facts, the item and the product category in text.

    Args:
        vocabulary: the words of ``facts.toml``.
        catalog: the shop's products (``corpus.Product``); their names, aliases, colours and sizes
            count as facts too.
    """

    def __init__(self, vocabulary: Vocabulary, catalog: Sequence = ()):
        self.vocabulary = vocabulary
        self.catalog = list(catalog)
        self._products = {p.id: p for p in self.catalog}
        names = {(n, p.id) for p in self.catalog for n in p.names if n and n.strip()}
        self._product_names = sorted(names, key=lambda x: -len(x[0]))
        self._product_pattern = _alternation([n for n, _ in self._product_names])
        self._product_of_name = {}
        for name, pid in self._product_names:
            self._product_of_name.setdefault(name.lower(), pid)
        colours = set(vocabulary.colours) | {c for p in self.catalog for c in p.colours if c}
        self._colour_pattern = _alternation(colours)
        self._material_pattern = _alternation(vocabulary.materials)
        self._place_pattern = _alternation(vocabulary.places)
        self._person_group = {w: group for group, names in vocabulary.people for w in names}
        self._people_pattern = _alternation(self._person_group)
        self._occasion_group = {w: group for group, names in vocabulary.occasions for w in names}
        self._occasion_pattern = _alternation(self._occasion_group)
        self._courier_pattern = _alternation(vocabulary.couriers, ignore_case=True)
        item_words: dict[str, set[str]] = {}
        wording: dict[str, set[str]] = {}
        for category in vocabulary.categories:
            for word in category.items:
                item_words.setdefault(word, set()).add(category.id)
            for word in category.wording:
                wording.setdefault(word, set()).add(category.id)
        self._item_categories = item_words
        self._item_pattern = _alternation(item_words)
        self._wording_categories = wording
        self._wording_pattern = _alternation(wording)
        plain = [
            w for w in vocabulary.escalation if not (len(w) > 2 and w.startswith("/") and w.endswith("/"))
        ]
        regexes = [w[1:-1] for w in vocabulary.escalation if w not in plain]
        alternatives = [re.escape(w) for w in sorted(plain, key=len, reverse=True)] + regexes
        self._escalation_pattern = re.compile("|".join(alternatives)) if alternatives else None
        self._anger_pattern = _words_pattern(vocabulary.anger)
        self._complaint_pattern = _words_pattern(vocabulary.complaint_words)
        self._category_of_product = {
            p.id: (p.category if p.category in vocabulary.category_ids else None) for p in self.catalog
        }
        self._extracted: Memo = Memo(20_000)

    # ------------------------------------------------------------------ facts

    def extract(self, text: str) -> list[Fact]:
        """Every fact in ``text``, in order of position; overlapping matches keep the more specific kind."""
        if not text:
            return []
        # the same texts come back on every suggestion (case replies, the history): found once
        seen = self._extracted.get(text)
        if seen is None:
            seen = self._extracted.keep(text, tuple(self._extract(text)))
        return list(seen)

    def _extract(self, text: str) -> list[Fact]:
        source = _normalised(text)
        taken: list[tuple[int, int]] = []
        facts: list[Fact] = []

        def add(kind: str, start: int, end: int, value: str | None) -> None:
            if value is None or start >= end:
                return
            if any(start < e and s < end for s, e in taken):
                return
            taken.append((start, end))
            facts.append(Fact(kind, value, text[start:end], start, end))

        for kind, pattern in _PATTERNS[:3]:  # deals and gifts first: 送您一双袜子 names a gift, not an item
            for match in pattern.finditer(source):
                # the gift itself, not the words that announce it (送一双 / 赠品是)
                group = 1 if pattern.groups else 0
                add(kind, match.start(group), match.end(group), _value(kind, match))
        for match in _finditer(self._product_pattern, source):
            start = _phrase_start(source, match.start())
            if self._names_product(source[start : match.end()], match.group(0)):
                add("item", match.start(), match.end(), self._product_of_name.get(match.group(0).lower()))
        for pattern in self.vocabulary.other_numbers:
            # (账号1202021109900123456: a bank account, not the order's number a bare 19 digits would be)
            for match in pattern.finditer(source):
                add("account", match.start("n"), match.end("n"), match.group("n"))
        for pattern in self.vocabulary.phone_numbers:
            # (打400预约 / 那个400电话多少: a hotline, never the price a bare 400 would be)
            for match in pattern.finditer(source):
                add("phone", match.start("n"), match.end("n"), re.sub(r"[-\s]", "", match.group("n")))
        for kind, pattern in _PATTERNS[3:]:
            for match in pattern.finditer(source):
                add(kind, match.start(), match.end(), _value(kind, match))
        # a bare 3-digit height before a weight: 我165 110斤
        for match in re.finditer(
            r"(?<![\d.])(1[4-9]\d)(?=\s*[,，/ ]?\s*\d{2,3}\s*(?:斤|kg|KG|公斤))", source
        ):
            add("height", match.start(), match.end(), match.group(1))
        for kind, pattern in (
            ("courier", self._courier_pattern),
            ("colour", self._colour_pattern),
            ("material", self._material_pattern),
            ("place", self._place_pattern),
            ("person", self._people_pattern),
            ("occasion", self._occasion_pattern),
        ):
            for match in _finditer(pattern, source):
                value = match.group(0)
                if kind == "courier":
                    value = _courier_name(value)
                elif kind == "person":
                    value = self._person_group.get(value, value)
                elif kind == "occasion":
                    value = self._occasion_group.get(value, value)
                add(kind, match.start(), match.end(), value)
        # any other 「X色」 names a colour (燕麦色, 雾霾蓝色) unless it is a word such as 颜色 or 掉色
        for match in re.finditer(r"[\u4e00-\u9fff]{1,2}色(?![差号系调泽彩])", source):
            start = match.start()
            while start < match.end() - 2 and source[start] in _COLOUR_LEAD:
                start += 1  # 搭浅色 → 浅色
            word = source[start : match.end()]
            if not any(word.endswith(stop) for stop in _NOT_COLOURS):
                add("colour", start, match.end(), word)
        for status, patterns in self.vocabulary.stock:
            for pattern in patterns:
                for match in pattern.finditer(source):
                    add("stock", match.start(), match.end(), status)
        modality = self.vocabulary.event_modality
        for stage, patterns in self.vocabulary.order_events:
            for pattern in patterns:
                for match in pattern.finditer(source):
                    if _NOT_HAPPENED_BEFORE.search(source[max(0, match.start() - 5) : match.start()]) or (
                        _ASKED_AFTER.match(source[match.end() : match.end() + 2])
                    ):
                        continue  # 还没发货 / 什么时候到 / 怎么申请退款 / 发货了吗: not an event
                    clause = _CLAUSE_START.split(source[: match.start()])[-1]
                    if any(t.search(clause) for t in self.vocabulary.event_threats):
                        continue  # 再不回我直接申请退款了: threatened, not done
                    if not self._asserted(source, match.start(), match.end(), clause):
                        continue  # 等收货啦 / 发货了告诉我 / 如果签收后 / 上次买的 / 收货地址
                    if stage == "delivered" and any(d.search(source) for d in modality.denied):
                        stage_said = "shipped"  # 显示签收了 但我没收到: gone, not in the buyer's hands
                    else:
                        stage_said = stage
                    facts.append(
                        Fact(
                            "order_event",
                            stage_said,
                            text[match.start() : match.end()],
                            match.start(),
                            match.end(),
                        )
                    )
        facts.sort(key=lambda f: (f.start, f.end))
        return facts

    def _asserted(self, source: str, start: int, end: int, clause: str) -> bool:
        """Whether the order event at ``source[start:end]`` is said as done: not after a plan or a
        wait (等收货啦 / 我就拍了), a supposition or another order in its clause (要是到了不合适 /
        上次在你家买的 / 同事在别家买的), nor before a request, a condition or a noun (发货了告诉我 /
        确认收货后 / 收到的话 / 收货地址)."""
        modality = self.vocabulary.event_modality
        near = source[max(0, start - 4) : start]
        after = _CLAUSE_START.split(source[end:])[0]
        return not (
            any(p.search(near) for p in modality.near)
            or any(p.search(clause) for p in modality.clause)
            or any(p.match(after) for p in modality.after)
        )

    def acknowledges(self, text: str, fact: Fact) -> bool:
        """Whether ``fact`` (an order event an agent said) is only the agent's 收到 of the buyer's
        message: its clause says nothing else (亲 收到了 48小时内发货)."""
        source = _normalised(text)
        clause = _CLAUSE_START.split(source[: fact.start])[-1] + _CLAUSE_START.split(source[fact.start :])[0]
        return any(p.search(clause) for p in self.vocabulary.event_modality.acknowledges)

    # ------------------------------------------------------------------ items and categories

    def item(self, text: str) -> ItemRef | None:
        """The item ``text`` names: a catalog product first, else the longest category item word
        (with the words before it that belong to the name: 这个牛仔外套 → 牛仔外套). A word that is
        part of another fact (燕麦色), of a longer item word (猫砂 of 猫砂盆), or follows a usage, gift or
        reference lead in its clause (穿厚袜子 / 送的袜子, facts.toml [item_reading]) names no item."""
        source = _normalised(text)
        words = [
            m
            for m in _finditer(self._item_pattern, source)
            if self._may_be_item(text, source, m.start(), m.end())
        ]
        for match in _finditer(self._product_pattern, source):
            if not self._may_be_item(text, source, match.start(), match.end()) or any(
                w.start() <= match.start()
                and match.end() <= w.end()
                and len(w.group(0)) > len(match.group(0))
                for w in _finditer(self._item_pattern, source)
            ):
                continue  # 全封闭猫砂盆: the longer word 猫砂盆 wins over the product 猫砂
            name = match.group(0)
            start = _phrase_start(source, match.start())
            if self._names_product(source[start : match.end()], name):
                pid = self._product_of_name.get(name.lower())
                return ItemRef(
                    text[match.start() : match.end()],
                    pid,
                    self._category_of_product.get(pid),
                    name,
                    self._attributed(text, source, match.start(), match.end()),
                )
            # the buyer's own item (牛仔外套) that shares a word with a product (外套): their words
            category = self._category_of_product.get(self._product_of_name.get(name.lower(), ""))
            named = self._attributed(text, source, start, match.end())
            return ItemRef(text[start : match.end()].strip(), None, category, name, named)
        # item words written together are one name whose last word is the head (短袖T恤 → T恤)
        chains: list[list[re.Match]] = []
        for match in words:
            if chains and chains[-1][-1].end() == match.start():
                chains[-1].append(match)
            else:
                chains.append([match])
        best = None
        for chain in chains:
            if best is None or chain[-1].end() - chain[0].start() > best[-1].end() - best[0].start():
                best = chain
        if best is None:
            return None
        head, end = best[-1].group(0), best[-1].end()
        categories = self._item_categories.get(head, set())
        if len(head) > 1 and source[end : end + 1] and source[end] in self.vocabulary.item_heads:
            # an item word before a head character is its modifier (咖啡机 / 骑行服; not 鞋 of 鞋盒): the whole is named,
            # in the head's own category where the head is an item word (裤 of 裤子), else the modifier's
            char = source[end]
            categories = (
                self._item_categories.get(char) or self._item_categories.get(char + "子") or categories
            )
            head, end = head + char, end + 1
        start = _phrase_start(source, best[0].start())
        category = next(iter(categories)) if len(categories) == 1 else None
        if category and category == self.vocabulary.item_fed_from and self._fed(source, start, end):
            category = self.vocabulary.item_fed_category  # 狗吃了零食: the dog's snack, a pet product
        return ItemRef(
            text[start:end].strip(), None, category, head, self._attributed(text, source, start, end)
        )

    def _fed(self, source: str, start: int, end: int) -> bool:
        """Whether the clause of the item word at ``source[start:end]`` names an animal it feeds
        (``[item_reading] fed``: 狗吃了你们家零食 / 猫零食): the food is the animal's."""
        clause = (
            _CLAUSE_START.split(source[:start])[-1] + source[start:end] + _CLAUSE_START.split(source[end:])[0]
        )
        return any(w in clause for w in self.vocabulary.item_fed)

    def _attributed(self, text: str, source: str, start: int, end: int) -> str:
        """The item phrase at ``text[start:end]`` with the buyer's attribute before it and 的 (草莓图案的
        口水巾 / 燕麦色的毛呢半身裙 / 要防滑的老人鞋 → 防滑的老人鞋), or "" when none is said."""
        if start < 3 or source[start - 1] != "的":
            return ""
        at = self._attribute_at(text, source, start - 1)
        return text[at:end].strip() if at >= 0 else ""

    def wanted(self, text: str) -> list[str]:
        """The attributes the buyer wants the item to have, said as a 的 phrase of its own (要防滑的 /
        蓝色条纹的还有吗 / 有没有不太甜的 → 防滑 / 蓝色条纹 / 不太甜), or before 的 and the item (纯棉的T恤 →
        纯棉), in order."""
        source = _normalised(text)
        found = []
        for match in re.finditer("的", source):
            after = source[match.end() : match.end() + 1]
            item = self.item(source[match.end() :]) if after and not _CLAUSE_START.match(after) else None
            ends = not after or _CLAUSE_START.match(after) or after in _NOMINAL_AFTER
            if not ends and not (item is not None and source[match.end() :].startswith(item.text)):
                continue
            at = self._attribute_at(text, source, match.start())
            if at >= 0 and text[at : match.start()] not in found:
                found.append(text[at : match.start()])
        return found

    def attribute_breaks(self, words: str) -> bool:
        """Whether ``words`` before an item word hold a word that is no part of an attribute (必须 of
        必须卸妆油, 那 / 我 / 3条: an adverb, a part of speech of ``_NOT_ATTRIBUTE_FLAGS`` or an
        ``attribute_stop``)."""
        import jieba.posseg

        from .text import _jieba

        _jieba()
        stop = self.vocabulary.attribute_stop
        return any(
            w.flag[:1] in _NOT_ATTRIBUTE_FLAGS
            or w.flag == "d"
            or (stop is not None and stop.fullmatch(w.word))
            for w in jieba.posseg.cut(words)
        )

    def _attribute_at(self, text: str, source: str, de: int) -> int:
        """Where the buyer's attribute ending at the 的 at ``source[de]`` begins, or -1: the words of its
        clause before 的, back to a pronoun, a time, a number, another 的 or a stop word
        (``attribute_stop``: 要 / 买), 2 to 6 characters, naming no person, occasion or item of their own
        (我妈的 / 孩子的 / 衣服的扣子: whose, not which) and none of ``attribute_not`` (上次买的)."""
        import jieba.posseg

        from .text import _jieba

        clause = _CLAUSE_START.split(source[:de])[-1]
        if not clause:
            return -1
        _jieba()
        cut = [(w.word, w.flag) for w in jieba.posseg.cut(clause)]
        vocabulary = self.vocabulary
        words: list[str] = []
        for word, flag in reversed(cut):
            if flag[:1] in _NOT_ATTRIBUTE_FLAGS or (
                vocabulary.attribute_stop is not None and vocabulary.attribute_stop.fullmatch(word)
            ):
                break
            words.insert(0, word)
        attribute = "".join(words)
        if not 2 <= len(attribute) <= 6 or any(ch.isdigit() for ch in attribute):
            return -1
        if vocabulary.attribute_not is not None and vocabulary.attribute_not.search(attribute):
            return -1
        at = de - len(attribute)
        facts = self.extract(text)
        if any(f.kind in ("person", "occasion") and f.start < de and at < f.end for f in facts):
            return -1
        if any(
            self._may_be_item(text, source, at + m.start(), at + m.end())
            for m in _finditer(self._item_pattern, attribute)
        ):
            return -1  # 衣服的扣子: the item's owner, not an attribute
        return at

    def names_item_at(self, text: str, start: int, end: int) -> bool:
        """Whether the item word at ``text[start:end]`` may name the item talked about: not part of
        another fact (燕麦色) nor in a usage, gift or reference clause (里面套个卫衣 / 送的袜子)."""
        return self._may_be_item(text, _normalised(text), start, end)

    def _may_be_item(self, text: str, source: str, start: int, end: int) -> bool:
        if source[end : end + 1] == "色" and source[end + 1 : end + 2] not in _NOT_COLOUR_AFTER:
            return False  # 燕麦色 / 咖啡色 / 巧克力色: the colour word is the longer one (not 口红色号)
        for fact in self.extract(text):
            if fact.kind in _NOT_ITEM_KINDS and fact.start < end and start < fact.end:
                inside = start <= fact.start and fact.end <= end
                # a fact of the same span names the item unless it is a gift (燕麦 is a colour and a food)
                if not inside or (fact.end - fact.start == end - start and fact.kind == "gift"):
                    return False
        clause = re.split(r"[，。！？!?,.;；~～\s]", source[:start])[-1]
        return not any(p.search(clause) for p in self.vocabulary.item_not_after)

    def takes_over(self, current: ItemRef | None, found: ItemRef, text: str) -> bool:
        """Whether ``found``, read in a later buyer turn ``text``, becomes the item under discussion:
        the item stays until the buyer clearly switches. An item of another category takes over only
        when the turn asks to buy it (蜂蜜 … 微波炉行不 is still about the honey; 那烤箱有货吗 is not); in
        the same category a catalog product stays over the buyer's own words, and a generic word for
        the item (鞋子 / 新鞋 / 开锅 after 铸铁锅) is no switch."""
        if current is None:
            return True
        if found.text == current.text and not found.product_id:
            return False
        switch = self.vocabulary.item_switch
        other = bool(found.category and current.category and found.category != current.category)
        if other and switch is not None:
            return bool(switch.search(_normalised(text)))
        if current.product_id and not found.product_id:
            return False
        # (德比鞋 after 皮鞋 is another shoe: only a word of one character more is generic)
        generic = found.word.removesuffix("子")
        return not (
            generic
            and generic in current.text
            and len(found.text) - len(found.word) <= 1
            and not found.product_id
        )

    def _names_product(self, phrase: str, name: str) -> bool:
        """True when a phrase ending in a product name or alias means that product: nothing stands
        before the name, or what stands before it is part of the product's own name."""
        extra = phrase[: len(phrase) - len(name)]
        if not extra:
            return True
        product = self._products.get(self._product_of_name.get(name.lower(), ""))
        if product is None:
            return False
        # 28cm不粘锅 / 白色T恤: a size or colour of the product stands before its name
        variant = extra.strip().rstrip("的").lower()
        if variant and any(variant == v.lower() for v in (*product.sizes, *product.colours)):
            return True
        return any(extra + name in n or extra in n for n in product.names)

    def product(self, product_id: str | None):
        return self._products.get(product_id) if product_id else None

    def category_words(self, text: str) -> list[tuple[str, frozenset[str]]]:
        """Words in ``text`` that only fit some categories: (word, the categories it fits)."""
        source = _normalised(text)
        found = []
        for pattern, table in (
            (self._item_pattern, self._item_categories),
            (self._wording_pattern, self._wording_categories),
        ):
            for match in _finditer(pattern, source):
                found.append((match.group(0), frozenset(table.get(match.group(0), ()))))
        for match in _finditer(self._product_pattern, source):
            category = self._category_of_product.get(self._product_of_name.get(match.group(0).lower(), ""))
            if category:
                found.append((match.group(0), frozenset({category})))
        return found

    def is_item_word(self, word: str) -> bool:
        return word in self._item_categories

    def item_categories(self, word: str) -> frozenset[str]:
        return frozenset(self._item_categories.get(word, ()))

    def foreign_wording(self, text: str, category: str | None) -> list[str]:
        """Words in ``text`` that belong to other categories than ``category`` (none when unknown)."""
        if not category:
            return []
        return [word for word, cats in self.category_words(text) if cats and category not in cats]

    def categories_in(self, text: str) -> set[str]:
        """Categories whose items or wording ``text`` uses."""
        found: set[str] = set()
        for _, cats in self.category_words(text):
            if len(cats) == 1:
                found |= cats
        return found

    def escalation(self, text: str) -> list[str]:
        """Escalation and anger words in ``text`` (投诉, 差评, 平台介入, swearing …), not a harm word the
        buyer asks is normal (有点冒烟正常不): that asks how the goods behave, reports no harm and is no
        complaint (judges: "treats normal first-use smoke as a safety complaint"). A sarcastic question
        (是用脚在送吗 / 骗子吗) stays upset: only the normality frame, ``[clause_roles] asked_normal``."""
        words = self._own_words(self._escalation_pattern, text)
        if not words:
            return words
        source = _normalised(text)
        roles = self.vocabulary.clause_roles
        if roles.instruction and self._complaint_pattern is not None:
            # a problem word the buyer tells the shop not to send (送人的别整假货) accuses nobody; a threat
            # so framed (别逼我投诉) still is one, as 投诉 is no problem word
            words = [
                w
                for w in words
                if not (
                    self._complaint_pattern.fullmatch(w) and self._instructed(source, w, roles.instruction)
                )
            ]
        frames = roles.asked_normal
        if not words or not frames:
            return words
        return [w for w in words if not self._asked_normal(source, w, frames)]

    @staticmethod
    def _instructed(source: str, word: str, leads: tuple[re.Pattern, ...]) -> bool:
        """Whether every place ``word`` stands in ``source`` follows, in its clause, an instruction not
        to do it (别整 / 不要发)."""
        for m in re.finditer(re.escape(word), source):
            before = _CLAUSE_START.split(source[: m.start()])[-1]
            if not any(p.search(before) for p in leads):
                return False
        return True

    @staticmethod
    def _asked_normal(source: str, word: str, frames: tuple[re.Pattern, ...]) -> bool:
        """Whether every place ``word`` stands in ``source`` is followed, in its clause, by the question
        whether it is normal, or by a clause that asks only that (有点冒烟 是正常的吗)."""
        for m in re.finditer(re.escape(word), source):
            rest = _CLAUSE_START.split(source[m.end() :])
            after = rest[0] or next((c for c in rest[1:] if c), "")
            if not any(p.search(after) for p in frames):
                return False
        return True

    def withdrawn(self, text: str) -> str | None:
        """``text`` less the threat the buyer takes back in it (算了 不投诉了 补发的呢 → 算了  补发的呢),
        or None when it takes none back."""
        source = _normalised(text)
        if not any(p.search(source) for p in self.vocabulary.withdrawn):
            return None
        for pattern in self.vocabulary.withdrawn:
            source = pattern.sub(" ", source)
        return source

    def _own_words(self, pattern: re.Pattern | None, text: str) -> list[str]:
        """The matches of ``pattern`` in ``text`` (normalised) that the buyer says as their own, not
        after a hearsay lead (有人说你们卖假货 is a worry asked about, not an accusation)."""
        source = _normalised(text)
        return [m.group(0) for m in _finditer(pattern, source) if not self._hearsay(source[: m.start()])]

    def _hearsay(self, before: str) -> bool:
        """True when the clause ending at ``before`` opens with a hearsay lead (都说 / 有人说): what
        follows repeats what others say, a worry asked about rather than the buyer's accusation."""
        clause = re.split(r"[，,。！!？?；;\s]", before)[-1]
        return any(p.search(clause) for p in self.vocabulary.hearsay)

    def complaint(self, text: str) -> list[str]:
        """Words of a product complaint in ``text`` (包装破了, 拉肚子, 假货 …), from ``[complaint]``, said
        as a report of what happened: not aside (``complaint_aside``)."""
        source = _normalised(text)
        return [m.group(0) for m in self._complaints(source) if not self._aside(source, m.start(), m.end())]

    def complaint_aside(self, text: str) -> list[str]:
        """Complaint words of ``text`` said aside, in a clause that gives a reason, a worry or a
        background instead of reporting a problem: it fears it (我怕漏了), wants to buy (打碎了一个想
        补一个), or the word is itself what is asked (是不是坏了 / 漏气正常吗); ``[clause_roles]``.
        (Not another order's: 上次买的饼干碎了 alone complains of it.)"""
        source = _normalised(text)
        return [m.group(0) for m in self._complaints(source) if self._aside(source, m.start(), m.end())]

    def _complaints(self, source: str) -> list[re.Match]:
        return [
            m for m in _finditer(self._complaint_pattern, source) if not self._hearsay(source[: m.start()])
        ]

    def _aside(self, source: str, start: int, end: int) -> bool:
        roles = self.vocabulary.clause_roles
        before = _CLAUSE_START.split(source[:start])[-1]
        after = _CLAUSE_START.split(source[end:])[0]
        return (
            any(p.search(before + source[start:end] + after) for p in roles.wish)
            or any(p.search(before) for p in roles.worry)
            or any(p.search(before) for p in roles.asked_before)
            or any(p.search(after) for p in roles.asked_after)
            or any(p.search(before) for p in roles.instruction)
        )

    def complaint_clause(self, text: str) -> str:
        """The clause of ``text`` that holds a complaint word, or ""."""
        for clause in re.split(r"[，,。！!？?；;\s]+", text):
            if self.complaint(clause):
                return clause
        return ""

    def anger(self, text: str) -> list[str]:
        """Anger cues in ``text`` (怎么回事, 人呢, ！！ …): the reply opens with an apology."""
        return [m.group(0) for m in _finditer(self._anger_pattern, _normalised(text))]

    def own_dispatch(self, texts: Sequence[str], agent_texts: Sequence[str]) -> bool:
        """True when the shop's usual dispatch time does not fit this chat: the goods are made to
        order or pre-sale (定制/预售 in any turn), or the agent already promised a dispatch time."""
        vocabulary = self.vocabulary
        return any(w in t for t in texts for w in vocabulary.made_to_order) or any(
            p.search(t) for t in agent_texts for p in vocabulary.agent_dispatch
        )

    def is_holding(self, text: str) -> bool:
        """True when an agent's turn only holds the line (好的 / 稍等 / 在的) without answering."""
        stripped = text.strip()
        return any(p.search(stripped) for p in self.vocabulary.holding)


def _words_pattern(words: Iterable[str]) -> re.Pattern | None:
    """Plain words and ``/regex/`` entries as one pattern (the convention of ``[escalation]``)."""
    words = list(words)
    plain = [w for w in words if not (len(w) > 2 and w.startswith("/") and w.endswith("/"))]
    regexes = [w[1:-1] for w in words if w not in plain]
    alternatives = [re.escape(w) for w in sorted(plain, key=len, reverse=True)] + regexes
    return re.compile("|".join(alternatives)) if alternatives else None


def _alternation(words: Iterable[str], ignore_case: bool = False) -> re.Pattern | None:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.I if ignore_case else 0)


def _finditer(pattern: re.Pattern | None, text: str):
    return pattern.finditer(text) if pattern is not None else iter(())


def _courier_name(text: str) -> str:
    upper = text.upper()
    if upper.startswith("京东"):
        return "京东"
    if upper in ("EMS", "邮政"):
        return "EMS"
    return text


# ----------------------------------------------------------------------------- fact sets


def weight_in_other_unit(value: str) -> str | None:
    """``6kg`` for ``12斤`` and back (one 公斤 is two 斤), as the fact grammar writes weights; None for
    any other value."""
    found = re.fullmatch(r"(\d+(?:\.\d+)?)(kg|斤)", value)
    if not found:
        return None
    amount = float(found[1])
    return f"{amount * 2:g}斤" if found[2] == "kg" else f"{amount / 2:g}kg"


@dataclass
class FactSet:
    """The facts a suggestion may state: values by kind, and the texts they were found in."""

    values: dict[str, set[str]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)

    def add(self, facts: Iterable[Fact], text: str = "") -> None:
        for fact in facts:
            self.values.setdefault(fact.kind, set()).add(fact.value)
        if text:
            self.texts.append(text)

    def allows(self, fact: Fact) -> bool:
        """True when ``fact`` is one of these values, or is written in one of these texts."""
        if fact.value in self.values.get(fact.kind, ()):
            return True
        # 满99元 is the shop's 99元 threshold
        if fact.kind == "threshold" and fact.value.removeprefix("满") in self.values.get("money", ()):
            return True
        # the agent's 满59包邮 grounds 包邮门槛是59元
        if fact.kind == "money" and f"满{fact.value}" in self.values.get("threshold", ()):
            return True
        # the chat's 12斤 grounds the same weight written as 6kg (a conversion shown to the buyer)
        other = weight_in_other_unit(fact.value)
        if other and any(other in self.values.get(kind, ()) for kind in ("spec", "weight")):
            return True
        # the chat's 生产日期11月20 + 保质期45天 grounds 1月4号 (an expiry worked out and shown with them)
        dates, durations = self.values.get("date", set()), self.values.get("duration", set())
        if fact.kind == "date" and is_sum(fact.value, dates, durations):
            return True
        return bool(fact.text.strip()) and any(fact.text in t for t in self.texts)
