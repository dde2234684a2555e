"""Adapting retrieved replies to this message, this conversation and this shop.

For each retrieved case: rerank on what the buyer asks (question type and object, the order stage,
the product category), fill and ground its reply (``grounding.py``: every fact from this
conversation, the shop profile or the catalog, or a visible fill-in), drop a second greeting
mid-conversation, put empathy first in complaints, run the etiquette checklist and apply its safe
fixes. Suggestions that say the same thing are merged. When no grounded, on-intent reply is good
enough the assistant holds back: a holding reply in the shop's voice, ``abstained`` and the reason.
Angry or escalating buyers get apology-first replies that need no unknown fact, flagged for a person.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .agent_range import RangeRules, load_range_rules, read_back
from .agent_said import WHEN_KINDS, contradicted, stated, whens
from .asked_object import (
    another_object,
    another_value,
    asked_clause,
    asked_object,
    asked_values,
    compared_measure,
    takes_up_measure,
)
from .conversation import ConversationState, chases, waiting_questions
from .conversation import asks as asks_something
from .errors import Problem
from .events import denies_stated, unheld
from .facts import BUYER_KINDS, ORDER_STAGES, FactSet, chinese_number
from .files import toml_error_line, toml_line
from .grounding import Change, Grounder
from .handover import Handover, load_handover
from .holding import (
    Clause,
    HoldingWording,
    asking_clauses,
    asks_yes_no,
    covers,
    fault_in,
    fault_said,
    load_wording,
    own_values,
    whole_value,
)
from .intent import Intent, IntentLexicon, word_bounds
from .missing import MissingRules, load_missing, missing_reply, read_missing
from .money import MoneyAnswers
from .offer_answer import OfferRules, answer_template, load_offer_rules, read_answer
from .premise import Chat, PremiseRules, Premises, load_premise
from .received import Received, acknowledged, load_received
from .recorded import Details, confirmation, given_details, load_details
from .records import Turn
from .refund_time import RefundTime, load_refund_time, restated
from .request import clauses as message_clauses
from .request import request_text
from .sizing import number
from .text import SLOT_PATTERN, Memo, to_simplified
from .unasked import Unasked, load_unasked
from .usage_help import UsageHelp, load_usage_help

# the buyer's values a holding reply may name as what it checks (那30cm的呢 → 30cm锅的情况)
HOLDING_FACT_KINDS = ("size", "spec", "colour", "height", "weight", "foot_length")
# a reply's clauses, for what its opening already names (纸尿裤的话，)
_CLAUSE = re.compile(r"[，,；;。]")
# …and an item named as the condition of the answer (粽子的话，), no condition of its own (没满的话)
_ITEM_IF = re.compile(r"(?:^|[，,～~])(?P<item>[^，,；;。～~满没不是有要买拍\d]{1,6})的话[，,]")
# the agent's offers a follow-up may ask about (送几瓶 after 满99送一瓶250g小瓶装)
REFERRED_KINDS = ("gift", "promotion", "coupon", "threshold")
# what the buyer paid (花两千多块 / 花了199元): a clause saying so names no part that broke
_AMOUNT = re.compile(r"花了?[\d一二两三四五六七八九十百千万几]+多?[块元]")


@dataclass(frozen=True)
class AdaptationRules:
    """The phrases and thresholds of ``adaptation.toml``."""

    greeting_openers: tuple[re.Pattern, ...] = ()
    empathy_scenarios: tuple[str, ...] = ()
    empathy_markers: tuple[str, ...] = ()
    empathy_opening_chars: int = 20
    empathy_prefix: str = ""
    # a calm buyer asking about these objects (能冷冻吗 / 会起球吗) is not apologised to, even when the
    # message reads like a complaint scenario, unless it names a problem (坏了 / 起球了)
    calm_objects: frozenset[str] = frozenset()
    # the apology formula a reply to a calm buyer does not open with, and what replaces it
    calm_apology: re.Pattern | None = None
    calm_opening: str = "亲，"
    # [thanks]: a reply opening that answers a thanks (不客气 / 不用谢), the words of a message that
    # thanks, and the opening said instead to a buyer whose message thanks nobody (嗯，好的 / 哦 那行)
    thanks_reply: re.Pattern | None = None
    # [thanks] told_reply: thanks for something told (谢谢亲告诉我), left out for a buyer who asks
    told_reply: re.Pattern | None = None
    told_instead: str = "亲，"
    thanks_said: re.Pattern | None = None
    thanks_instead: str = "好的亲，"
    # [greeting] present_reply: a reply opening that answers a call (在的亲), said as present_instead
    # to a buyer whose message has no call or hello (present_said)
    present_reply: re.Pattern | None = None
    present_said: re.Pattern | None = None
    # [greeting] yes_reply: a reply opening that answers a question (会的 / 有的), said as yes_instead to
    # a buyer who asked nothing
    yes_reply: re.Pattern | None = None
    yes_instead: str = "好的亲，"
    present_instead: str = "亲，"
    # [waited] unwaited: an apology for a wait (让您久等了) opening a reply, said as unwaited_instead to a
    # buyer nobody kept waiting
    unwaited: re.Pattern | None = None
    unwaited_instead: str = "亲，"
    # (order stages, lead): a clause opening that supposes the order still to come (拍下后), dropped at
    # these stages
    stage_leads: tuple[tuple[frozenset[str], re.Pattern], ...] = ()
    # (what must have been said, clauses that assume it, whether the agent's turns count too): such a
    # clause (照片我看到了) is dropped from a reply when nobody said it
    unsaid_clauses: tuple[tuple[tuple[re.Pattern, ...], tuple[re.Pattern, ...], bool], ...] = ()
    problem_words: tuple[str, ...] = ()
    # a calm buyer telling of a small problem (不影响用 / 跟你们说一声 / 不急) hears a light apology
    light_words: tuple[str, ...] = ()
    light_prefix: str = "不好意思，"
    # the full apology formula a case reply may open with (非常抱歉给您带来…，), replaced by the light
    # one for a calm buyer, or by a short acknowledgement for a follow-up on a problem apologised for
    strong_apology: re.Pattern | None = None
    ack_opening: str = "好的亲，"
    # a reply's own acknowledgement opening (好的亲， / 亲，收到，) that gives way to an apology put
    # before it: 非常抱歉给您带来不好的体验，好的亲，… opens twice
    plain_opening: re.Pattern | None = None
    # a call for the agent (在吗 / 有人吗): after the agent's own answer no wait to apologise for
    calls: re.Pattern | None = None
    # a question about what might happen (咬坏了能换吗 / 要是坏了怎么办) asks the policy: no complaint
    supposed: tuple[re.Pattern, ...] = ()
    supposed_scenario: str = ""
    # what a reply to such a question does not ask for (拍张照片发我)
    supposed_rejects: tuple[re.Pattern, ...] = ()
    # [empathy] troubleshooting: a buyer's action that does not work (配对不上 / 拧不进去): how to use or fix
    # the goods is asked, no defect told
    troubleshooting: tuple[re.Pattern, ...] = ()
    # [empathy] cause_asked: a question whether it is a defect or normal (是不是漏气 / 正常吗)
    cause_asked: tuple[re.Pattern, ...] = ()
    short_message_chars: int = 8
    short_message_reply_chars: int = 80
    long_message_chars: int = 40
    long_message_reply_chars: int = 25
    max_overlap: float = 0.55
    fallback: dict[str, str] = field(default_factory=dict)
    # scenarios whose safe reply may ask the buyer back even after a specific message
    fallback_asks_back: tuple[str, ...] = ()
    # [fallback_confirms]: the end of a tag question (是吗 / 对吧); the safe reply must speak of its claim
    fallback_tag: re.Pattern | None = None
    # scenario -> the detector confidence a first message needs for the scenario's safe reply (0.5)
    fallback_confidence: dict[str, float] = field(default_factory=dict)
    # [out_of_scope]: the scenario whose safe reply answers a message that is no shop question
    out_of_scope: dict[str, Any] = field(default_factory=dict)
    # [no_lookup]: scenarios answered by etiquette alone (a price objection, hesitation): their safe
    # reply stands in when the detector reads the family as a whole, not the one scenario, as likely
    no_lookup: dict[str, Any] = field(default_factory=dict)
    holding: str = "稍等一下，我马上帮您查一下，很快回复您。"
    pending_prefix: str = "非常抱歉让您久等了，"
    escalation_reply: str = ""
    # the escalation reply's {topic} when nothing clean names it, and after a told fault it names (这件事)
    escalation_no_topic: str = ""
    # an agent's promise of a replacement (给您补寄卡其色: groups verb and object), the buyer's words that
    # come back to it (又是 / 补发的), and how a holding reply names it (补寄的卡其色)
    promise: re.Pattern | None = None
    # …and the verbs of such a promise that names no object (亲 抱歉 给您补寄): the buyer's part is it
    resend: re.Pattern | None = None
    follow_up: tuple[re.Pattern, ...] = ()
    promise_topic: str = "{verb}的{object}"
    # how a holding reply names the buyer's values when no object names the question
    measures_topic: str = "{values}适合的规格"
    # [holding_wording]: the phrasings of holding replies and of the check clause of a partial answer
    wording: HoldingWording = HoldingWording()
    escalation_prefix: str = "非常抱歉给您带来不好的体验，"
    # [escalation_named]: what an escalated buyer demands ((words, named, said): 我要退 → 您退货的诉求)
    # and how the reply names it right after its apology, promising only the hand-over to a person
    # (a demand about the service itself answers on it: its `sentence` stands for the hand-over, 别再打电话
    # → 不会再打电话打扰您了)
    # (words, named, said, sentence, accepted): ``accepted`` is the demand taken up now, for goods the
    # buyer told a fault of (封口膜也破了 我要退 → 给您退货退款，寄回运费…), not handed over
    escalation_demands: tuple[tuple[re.Pattern, re.Pattern | None, str, str, str], ...] = ()
    escalation_demand: str = ""
    # …after the reply's apology clause (``after``), past an address term right behind it (``then``)
    escalation_after: re.Pattern | None = None
    escalation_then: re.Pattern | None = None
    # …and the topic the reply names besides, said as escalation_no_topic once the told fault is named
    escalation_topic: re.Pattern | None = None
    # …and a remedy the agent already offered in this chat (可以给您补偿10元或者退货) that the escalated
    # buyer now takes (退 来回运费你们出): a reply of ``entitled_scenarios`` that needs no unknown fact
    # answers it, instead of a hand-over that stalls a buyer whose entitlement is settled
    escalation_offered: re.Pattern | None = None
    escalation_takes: re.Pattern | None = None
    escalation_entitled: tuple[str, ...] = ()
    # a complaint word in a doubt before buying (都说你们是假货 / 会不会掉色), not a complaint
    calm_doubt: re.Pattern | None = None
    # …and the words of a problem or a chase that keep the apology all the same (断了 / 收到 / 问三遍了)
    calm_unless: re.Pattern | None = None
    min_score: float = 0.45
    fill_in_penalty: float = 0.9
    # fill-ins that are the answer itself (【库存情况】): such a reply gives way to the lookup reply
    lookup_fill_ins: frozenset[str] = frozenset()
    # a reply that answers only some parts of a question of several (会起球吗 缩水吗 → only 缩水)
    partial_answer_penalty: float = 0.85
    # a case written for a conversation about something else (its turns asked about the address)
    context_mismatch_penalty: float = 0.85
    # a case whose buyer asked about another object than the one this buyer names (a remote-area
    # surcharge for 补多少 after 能发顺丰吗), its reply naming none of this buyer's objects either
    another_object_penalty: float = 0.8
    # a case whose own question names things, none of them in the buyer's asking clause, its reply
    # none either (asked_object.py: 一半花呗一半余额 answered with when an unpaid order closes)
    other_question_penalty: float = 0.6
    # a case whose own question is, by the encoder, this far (cosine) below the nearest candidate's
    # to what the buyer asks (the asking clause or the whole message, the nearer), and the factor it
    # is ranked down by: about another object (一半花呗一半余额 answered with when an unpaid order
    # closes); margin chosen on devset (0.15 and 0.2 gain alike, 0.2 changes half as many tops)
    object_margin: float = 0.2
    far_object_penalty: float = 0.95
    # fact kinds whose value names the object asked (香港能寄吗 / 能换顺丰吗): a candidate about another
    # value of the kind (新疆、西藏的运费 / 中通) is never first, and below min_score by this factor
    object_value_kinds: tuple[str, ...] = ("place", "courier")
    # …of which the case's own question counts too (发韵达吗 → 不发哦, for 能发顺丰吗); not a place: a
    # case question's place is its buyer's address, which the reply answers for any address
    object_question_kinds: tuple[str, ...] = ("courier",)
    other_value_penalty: float = 0.6
    # characters that follow a figure without measuring (24的 / 3个和5个 / 2和): no compared measure
    not_measures: tuple[str, ...] = ()
    # knowledge cases written as these also answer a message detected as one of knowledge_questions
    # (磨刀石目数怎么选, written as a recommendation, for 1000目和3000目有什么区别): not the reverse
    knowledge_answering: tuple[str, ...] = ()
    # a case that names an object this chat excludes and never names (取消后退款 for a return)
    neighbour_object_penalty: float = 0.7
    # …read in the chat's last this many turns (an object asked long ago excludes nothing now)
    neighbour_turns: int = 4
    # a question of several parts answered by joining a second reply for the missing part: the
    # second reply's opening dropped (亲，), the joining words, the longest joined reply, and how far
    # below min_score (a factor) the second reply may score
    part_opening: str = r"^((好的|可以的|有的|在的|是的|不好意思|抱歉|亲)[，,～~！!]?)+"
    part_joiner: str = "另外，"
    part_max_chars: int = 140
    part_floor: float = 0.55
    # [waited]: a buyer who says how long they have waited (都5天了 / 三天了没动) hears an apology first
    waited: re.Pattern | None = None
    waited_not: re.Pattern | None = None
    waited_chase: re.Pattern | None = None
    waited_scenarios: frozenset[str] = frozenset()
    waited_opening: re.Pattern | None = None
    waited_prefix: str = ""
    # …never two halves that each promise a check (我马上联系韵达核实，2小时内回复您。另外，我马上帮您查一下)
    part_promise: re.Pattern | None = None
    part_repeat: int = 0
    # …nor a second half about another thing: (word pattern, chat pattern) of [[grounding.part_foreign]]
    # (a word it says that neither the chat nor the first half says: 帆布 in a wool chat; a parcel in a
    # refund-only chat), and (one half, the other) of part_contradicts (不会缩水 / 会有轻微回缩)
    part_foreign: tuple[tuple[re.Pattern, re.Pattern | None], ...] = ()
    part_contradicts: tuple[tuple[re.Pattern, re.Pattern], ...] = ()
    # a reply that ignores the agent's promise the buyer comes back to (补寄的卡其色 又错了)
    promise_ignored_penalty: float = 0.6
    # cases of category knowledge (honey crystallising, a non-stick pan's spatula) carry this tag: each
    # answers one property of one kind of item, so it fits only a buyer asking about that (knowledge_fits)
    knowledge_tag: str = ""
    # …or, when no question of the buyer names the case's topic in its words, a cosine this close
    knowledge_similarity: float = 0.8
    # …and only to a message detected as one of these scenarios (a stock question names a property too)
    knowledge_scenarios: frozenset[str] = frozenset()
    # …and between these a knowledge case counts as of the message's scenario (卸妆油要不要乳化 is asked as
    # a usage or a quality question alike: the detector's pick between the two says nothing of the answer)
    knowledge_questions: frozenset[str] = frozenset()
    # replies that ask the buyer to say what the problem is (not shown once they said it), and the
    # words of a buyer turn that say nothing (在吗 / 人呢)
    restate: tuple[re.Pattern, ...] = ()
    fillers: re.Pattern | None = None
    # (what the buyer gave, replies that ask for it): not asked again once given
    already_given: tuple[tuple[tuple[re.Pattern, ...], tuple[re.Pattern, ...]], ...] = ()
    # …the tables marked ``chat = true``: given by either side (the agent's 是这个订单吗 with the number)
    known_in_chat: frozenset[int] = frozenset()
    # replies that ask which item the buyer means (not shown once the conversation names the item)
    asks_item: tuple[re.Pattern, ...] = ()
    # (what the buyer must have said, replies that assume it): 感谢老顾客 only to a buyer who said so
    # (what must have been said, replies that assume it, whether the agent's turns count too, the
    # scenarios it applies to (all when empty))
    needs_said: tuple[tuple[tuple[re.Pattern, ...], tuple[re.Pattern, ...], bool, frozenset[str]], ...] = ()
    # (order stages, scenarios (all when empty), replies that do not fit a chat at these stages):
    # 收到后… in a farewell to a buyer still browsing
    stage_replies: tuple[tuple[frozenset[str], frozenset[str], tuple[re.Pattern, ...]], ...] = ()
    # a buyer saying a promised time passed is not told the policy (these slots) again
    overdue: tuple[re.Pattern, ...] = ()
    overdue_slots: tuple[str, ...] = ()
    # slots that offer the express courier for a surcharge (not once the agent said it is the default)
    express_slots: tuple[str, ...] = ()
    # slots that promise a dispatch: not used for an item the catalog lists as sold out
    sold_out_slots: tuple[str, ...] = ()
    # replies that urge an order (放心下单 / 早点下单): not shown for an item the catalog lists as sold out
    sold_out_replies: tuple[re.Pattern, ...] = ()
    # (order stages, slots): a reply using these slots does not fit a chat at these stages (the
    # dispatch policy to a buyer whose parcel is on its way)
    stage_unfit: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    # (role, fact kinds, patterns, slots): once that side stated a fact of one of these kinds (the
    # agent's own gift or courier) or said one of these words (别的快递都不到), a reply using these shop
    # slots does not fit: the conversation wins over the shop profile
    said_unfit: tuple[tuple[str, frozenset[str], tuple[re.Pattern, ...], frozenset[str]], ...] = ()
    # name -> (message patterns, [policy] key, met reply, below reply): a buyer's amount compared with
    # the shop's threshold, answered yes or no
    threshold_answers: tuple[tuple[tuple[re.Pattern, ...], str, str, str], ...] = ()
    # [size_chart]: the replies that give the size read off the shop's chart (body, body_last, foot,
    # foot_wide, foot_last), the buyer's words for a wide foot, and a later question for a size
    size_replies: dict[str, str] = field(default_factory=dict)
    size_wide: tuple[re.Pattern, ...] = ()
    size_asks: tuple[re.Pattern, ...] = ()
    # [catalog_details]: the reply that states the buyer's catalog item's own facts (its details
    # column) for the topics asked, how several are joined, the scenarios it never answers, and words of
    # topics beyond intents.toml's objects (遮光 → blackout)
    details_reply: str = ""
    details_joiner: str = "；"
    details_skip_scenarios: tuple[str, ...] = ()
    details_words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    details_alternates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    details_word_topics: frozenset[str] = frozenset()
    # what after a topic word makes it the name of a variant, not a question (遮光款有货吗)
    details_variant: tuple[str, ...] = ()
    # [catalog_recommendation]: the catalog's own item for a recommendation ({name}, {price}, {reason}),
    # and the reply when the buyer named a budget it fits
    recommend_reply: str = ""
    # [greeting_item]: the greeting for a first message that names the item it is about
    greeting_item_reply: str = ""
    greeting_item_words: tuple[str, ...] = ()
    recommend_budget_reply: str = ""
    # a recommendation that would show the 【商品】 fill-in: the promise to pick some (in the budget)
    recommend_pick: tuple[str, str, str] = ("", "", "")
    recommend_budget: tuple[re.Pattern, ...] = ()
    recommend_asks: tuple[re.Pattern, ...] = ()
    details_question: re.Pattern = re.compile(r"吗|么|多少|多久|怎么|哪|不$|没$")
    # [subject]: how a reply that leaves out the buyer's item or order names it (item_scenarios, item,
    # order, order_tail, tail_below), and the opening words it goes after (opening, compiled)
    subject: dict[str, Any] = field(default_factory=dict)
    # [missing_item]: what a buyer says the parcel came without, and the reply that names it
    missing: MissingRules = field(default_factory=MissingRules)
    # [offer_answer]: the buyer's answer to a sum the agent offered (taken, countered, tied to a review)
    offer_answer: OfferRules = field(default_factory=OfferRules)
    # [[given_received]]: what the buyer already gave, acknowledged where a reply would ask for it
    received: tuple[Received, ...] = ()
    # [[given_details]]: details the buyer sends for the agent to record (an invoice title, a new address)
    details: tuple[Details, ...] = ()
    # [refund_time]: the refund time the agent gave, restated to a buyer who chases it
    refund_time: RefundTime = field(default_factory=RefundTime)
    # [agent_range]: a range the agent stated (36到40cm选M), read back to a buyer's value inside it
    agent_range: RangeRules = field(default_factory=RangeRules)
    # [handover] and closings.toml: details the buyer hands over acknowledged, closings answered
    handover: Handover = field(default_factory=Handover)
    # [unasked]: the shop facts a case's writer added that this buyer did not ask about either
    unasked: Unasked = field(default_factory=Unasked)
    # [usage_help]: a how-to or troubleshooting question about goods in hand, answered with help
    usage_help: UsageHelp = field(default_factory=UsageHelp)
    # [premise]: a reply's clauses that take for granted what this chat does not give (premise.py)
    premise: PremiseRules = field(default_factory=PremiseRules)


def _not_a_noun(words: str) -> bool:
    """Whether ``words`` opens with a time word, an adverb, a pronoun or a numeral, or is an adjective
    alone (平时 / 平常 of 平时能进洗碗机吗): no noun an asking clause is about (平时洗碗机的问题 read
    oddly)."""
    import jieba.posseg

    from .text import _jieba

    _jieba()
    first = next(iter(jieba.posseg.cut(words)), None)
    # (an adjective alone, 平常 / 一般, says how often too; 大号 is a noun's)
    return first is not None and (
        first.flag[:1] in ("t", "d", "r", "m", "p", "c") or (first.flag == "a" and first.word == words)
    )


def _patterns(patterns: Sequence[str], kind: str, path: Path, problems: list[Problem]) -> list[re.Pattern]:
    """Compile a trainer's list of patterns; a bad one is a problem on its own line, the rest still work."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            problems.append(
                Problem(str(path), toml_line(path, pattern), f"bad {kind} pattern {pattern!r}: {exc}")
            )
    return compiled


def load_adaptation(
    path: Path,
    scenario_ids: Sequence[str] = (),
    slots: dict | None = None,
    required: Sequence[str] | None = None,
) -> tuple[AdaptationRules, list[Problem]]:
    """Read ``adaptation.toml``; returns the rules and every problem (``file:line: message``).

    ``required``: the scenarios that must have a ``[fallback]`` reply (default: all of
    ``scenario_ids``); a shop's own scenarios may go without (the holding reply stands in)."""
    problems: list[Problem] = []
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AdaptationRules(), [Problem(where, None, "adaptation file not found")]
    except OSError as exc:
        return AdaptationRules(), [Problem(where, None, f"cannot read file ({exc.strerror})")]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return AdaptationRules(), [Problem(where, toml_error_line(exc), f"not valid TOML: {exc}")]
    greeting = data.get("greeting", {})
    empathy = data.get("empathy", {})
    length = data.get("length", {})
    diversity = data.get("diversity", {})
    fallback = {k: str(v) for k, v in data.get("fallback", {}).items()}
    holding = data.get("holding", {})
    grounding = data.get("grounding", {})
    openers = _patterns(greeting.get("openers", []), "greeting", path, problems)
    if scenario_ids:
        for scenario in empathy.get("scenarios", []):
            if scenario not in scenario_ids:
                problems.append(
                    Problem(where, toml_line(path, scenario), f"unknown scenario {scenario!r} in [empathy]")
                )
        for scenario in fallback:
            if scenario not in scenario_ids:
                problems.append(
                    Problem(where, toml_line(path, scenario), f"unknown scenario {scenario!r} in [fallback]")
                )
        for scenario in scenario_ids if required is None else required:
            if scenario not in fallback:
                problems.append(Problem(where, None, f"[fallback] has no reply for scenario {scenario!r}"))
    fillers = None
    try:
        fillers = re.compile(data.get("context", {}).get("fillers", "^$"))
    except re.error as exc:
        problems.append(Problem(where, toml_line(path, "fillers"), f"bad fillers pattern: {exc}"))
    restate = _patterns(data.get("context", {}).get("restate", []), "restate", path, problems)
    already_given = []
    known_in_chat: set[int] = set()
    # [[context.contradicts]] (what the buyer said, replies that contradict it) works like
    # [[context.already_given]] (what the buyer gave, replies that ask for it): such replies are not shown
    context = data.get("context", {})
    tables = [*context.get("already_given", [])] + [
        {"given": t.get("said", []), "asks": t.get("replies", []), "chat": t.get("chat", False)}
        for t in context.get("contradicts", [])
    ]
    for table in tables:
        compiled = {key: _patterns(table.get(key, []), key, path, problems) for key in ("given", "asks")}
        already_given.append((tuple(compiled["given"]), tuple(compiled["asks"])))
        if table.get("chat", False):
            known_in_chat.add(len(already_given) - 1)
    overdue = _patterns(context.get("overdue", {}).get("patterns", []), "overdue", path, problems)
    asks_item = _patterns(context.get("asks_item", []), "asks_item", path, problems)
    needs_said = tuple(
        (
            tuple(_patterns(t.get("said", []), "said", path, problems)),
            tuple(_patterns(t.get("replies", []), "replies", path, problems)),
            bool(t.get("anyone", False)),
            frozenset(t.get("scenarios", [])),
        )
        for t in context.get("needs_said", [])
    )
    stage_replies = tuple(
        (
            frozenset(t.get("stages", [])),
            frozenset(t.get("scenarios", [])),
            tuple(_patterns(t.get("replies", []), "replies", path, problems)),
        )
        for t in context.get("stage_replies", [])
    )
    stage_unfit = tuple(
        (frozenset(t.get("stages", [])), frozenset(t.get("slots", [])))
        for t in context.get("stage_unfit", [])
    )
    unsaid_clauses = tuple(
        (
            tuple(_patterns(t.get("said", []), "said", path, problems)),
            tuple(_patterns(t.get("clauses", []), "clauses", path, problems)),
            bool(t.get("anyone", False)),
        )
        for t in context.get("unsaid_clauses", [])
    )
    stage_leads = tuple(
        (frozenset(t.get("stages", [])), lead)
        for t in context.get("stage_leads", [])
        for lead in _patterns([t["lead"]] if t.get("lead") else [], "stage_leads.lead", path, problems)
    )
    said_unfit = tuple(
        (
            str(t.get("role", "")),
            frozenset(t.get("kinds", [])),
            tuple(_patterns(t.get("said", []), "said", path, problems)),
            frozenset(t.get("slots", [])),
        )
        for t in context.get("said_unfit", [])
    )

    def one_pattern(pattern: object, kind: str) -> re.Pattern | None:
        """One pattern compiled, or None when it is absent (a bad one is a problem)."""
        return next(iter(_patterns([str(pattern)], kind, path, problems)), None) if pattern else None

    promise = [
        p
        for p in _patterns([holding["promise"]] if holding.get("promise") else [], "promise", path, problems)
        if {"verb", "object"} <= set(p.groupindex)
    ]
    threshold_answers = []
    for name, table in data.get("threshold_answers", {}).items():
        asks = _patterns(table.get("ask", []), "ask", path, problems)
        if not (table.get("policy") and table.get("met") and table.get("below")):
            problems.append(
                Problem(where, toml_line(path, name), f"[threshold_answers.{name}] needs policy, met, below")
            )
            continue
        threshold_answers.append((tuple(asks), str(table["policy"]), str(table["met"]), str(table["below"])))
    if slots is not None:
        for name, reply in [
            *fallback.items(),
            *(("holding." + k, str(v)) for k, v in holding.items() if not k.endswith("_topic")),
        ]:
            for slot in SLOT_PATTERN.findall(reply):
                if slot not in slots:
                    problems.append(
                        Problem(
                            where,
                            toml_line(path, name.split(".")[-1]),
                            f"slot {{{slot}}} has no value in shop.toml",
                        )
                    )
    handover, handover_problems = load_handover(path, data.get("handover", {}))
    problems.extend(handover_problems)
    unasked, unasked_problems = load_unasked(path, data.get("unasked", {}), slots)
    problems.extend(unasked_problems)
    usage_help, usage_help_problems = load_usage_help(path, data.get("usage_help", {}))
    problems.extend(usage_help_problems)
    named = data.get("escalation_named", {})
    waited = data.get("waited", {})
    thanks = data.get("thanks", {})
    confirms = data.get("fallback_confirms", {})
    rules = AdaptationRules(
        greeting_openers=tuple(openers),
        empathy_scenarios=tuple(empathy.get("scenarios", [])),
        empathy_markers=tuple(empathy.get("markers", [])),
        calm_objects=frozenset(str(o) for o in empathy.get("calm_objects", [])),
        calm_apology=next(iter(_patterns([empathy["calm_apology"]], "calm_apology", path, problems)), None)
        if empathy.get("calm_apology")
        else None,
        calm_opening=str(empathy.get("calm_opening", AdaptationRules.calm_opening)),
        thanks_reply=next(iter(_patterns([thanks["reply"]], "thanks.reply", path, problems)), None)
        if thanks.get("reply")
        else None,
        thanks_said=next(iter(_patterns([thanks["said"]], "thanks.said", path, problems)), None)
        if thanks.get("said")
        else None,
        told_reply=one_pattern(thanks.get("told_reply"), "thanks.told_reply"),
        told_instead=str(thanks.get("told_instead", AdaptationRules.told_instead)),
        thanks_instead=str(thanks.get("instead", AdaptationRules.thanks_instead)),
        present_reply=one_pattern(greeting.get("present_reply"), "greeting.present_reply"),
        present_said=one_pattern(greeting.get("present_said"), "greeting.present_said"),
        yes_reply=one_pattern(greeting.get("yes_reply"), "greeting.yes_reply"),
        yes_instead=str(greeting.get("yes_instead", AdaptationRules.yes_instead)),
        present_instead=str(greeting.get("present_instead", AdaptationRules.present_instead)),
        unwaited=one_pattern(waited.get("unwaited"), "waited.unwaited"),
        unwaited_instead=str(waited.get("unwaited_instead", AdaptationRules.unwaited_instead)),
        stage_leads=stage_leads,
        unsaid_clauses=unsaid_clauses,
        problem_words=tuple(str(w) for w in empathy.get("problem_words", [])),
        light_words=tuple(str(w) for w in empathy.get("light_words", [])),
        light_prefix=str(empathy.get("light_prefix", AdaptationRules.light_prefix)),
        strong_apology=next(
            iter(_patterns([empathy["strong_apology"]], "strong_apology", path, problems)), None
        )
        if empathy.get("strong_apology")
        else None,
        ack_opening=str(empathy.get("ack_opening", AdaptationRules.ack_opening)),
        plain_opening=one_pattern(empathy.get("plain_opening"), "plain_opening"),
        calls=one_pattern(empathy.get("calls"), "calls"),
        supposed=tuple(_patterns(list(empathy.get("supposed", [])), "supposed", path, problems)),
        supposed_scenario=str(empathy.get("supposed_scenario", "")),
        supposed_rejects=tuple(
            _patterns(list(empathy.get("supposed_rejects", [])), "supposed_rejects", path, problems)
        ),
        troubleshooting=tuple(
            _patterns(list(empathy.get("troubleshooting", [])), "troubleshooting", path, problems)
        ),
        cause_asked=tuple(_patterns(list(empathy.get("cause_asked", [])), "cause_asked", path, problems)),
        empathy_opening_chars=int(empathy.get("opening_chars", 20)),
        empathy_prefix=str(empathy.get("prefix", "")),
        short_message_chars=int(length.get("short_message_chars", 8)),
        short_message_reply_chars=int(length.get("short_message_reply_chars", 80)),
        long_message_chars=int(length.get("long_message_chars", 40)),
        long_message_reply_chars=int(length.get("long_message_reply_chars", 25)),
        max_overlap=float(diversity.get("max_overlap", 0.55)),
        fallback=fallback,
        fallback_confidence={str(k): float(v) for k, v in data.get("fallback_confidence", {}).items()},
        out_of_scope=dict(data.get("out_of_scope", {})),
        no_lookup=dict(data.get("no_lookup", {})),
        fallback_asks_back=tuple(str(x) for x in data.get("fallback_asks_back", {}).get("scenarios", [])),
        fallback_tag=next(iter(_patterns([confirms["tag"]], "fallback_confirms.tag", path, problems)), None)
        if confirms.get("tag")
        else None,
        holding=str(holding.get("reply", AdaptationRules.holding)),
        pending_prefix=str(holding.get("pending_prefix", AdaptationRules.pending_prefix)),
        escalation_reply=str(holding.get("escalation_reply", "")),
        escalation_no_topic=str(holding.get("escalation_no_topic", "")),
        promise=promise[0] if promise else None,
        resend=one_pattern(holding.get("resend"), "resend"),
        follow_up=tuple(_patterns(holding.get("follow_up", []), "follow_up", path, problems)),
        promise_topic=str(holding.get("promise_topic", AdaptationRules.promise_topic)),
        measures_topic=str(holding.get("measures_topic", AdaptationRules.measures_topic)),
        wording=load_wording(data.get("holding_wording", {}), path, slots, problems),
        escalation_prefix=str(holding.get("escalation_prefix", AdaptationRules.escalation_prefix)),
        escalation_demands=tuple(
            (
                pattern,
                one_pattern(d.get("named"), "escalation_named.named"),
                str(d.get("said", "")),
                str(d.get("sentence", "")),
                str(d.get("accepted", "")),
            )
            for d in named.get("demands", [])
            for pattern in _patterns([d.get("words", "")], "escalation_named.demands", path, problems)
        ),
        escalation_demand=str(named.get("demand", "")),
        escalation_after=one_pattern(named.get("after"), "escalation_named.after"),
        escalation_then=one_pattern(named.get("then"), "escalation_named.then"),
        escalation_topic=one_pattern(named.get("topic"), "escalation_named.topic"),
        escalation_offered=one_pattern(named.get("offered"), "escalation_named.offered"),
        escalation_takes=one_pattern(named.get("takes"), "escalation_named.takes"),
        escalation_entitled=tuple(named.get("entitled_scenarios", [])),
        calm_doubt=one_pattern(holding.get("calm_doubt"), "calm_doubt"),
        calm_unless=one_pattern(holding.get("calm_unless"), "calm_unless"),
        min_score=float(grounding.get("min_score", AdaptationRules.min_score)),
        fill_in_penalty=float(grounding.get("fill_in_penalty", AdaptationRules.fill_in_penalty)),
        lookup_fill_ins=frozenset(str(x) for x in grounding.get("lookup_fill_ins", [])),
        part_joiner=str(grounding.get("part_joiner", AdaptationRules.part_joiner)),
        part_max_chars=int(grounding.get("part_max_chars", AdaptationRules.part_max_chars)),
        part_floor=float(grounding.get("part_floor", AdaptationRules.part_floor)),
        part_promise=one_pattern(grounding.get("part_promise"), "part_promise"),
        part_repeat=int(grounding.get("part_repeat", 0)),
        knowledge_tag=str(grounding.get("knowledge_tag", "")),
        knowledge_similarity=float(
            grounding.get("knowledge_similarity", AdaptationRules.knowledge_similarity)
        ),
        knowledge_scenarios=frozenset(str(x) for x in grounding.get("knowledge_scenarios", [])),
        knowledge_questions=frozenset(str(x) for x in grounding.get("knowledge_questions", [])),
        part_foreign=tuple(
            (said, one_pattern(chat, "part_foreign") if chat else None)
            for said_source, chat in grounding.get("part_foreign", [])
            if (said := one_pattern(said_source, "part_foreign")) is not None
        ),
        part_contradicts=tuple(
            (one, other)
            for a, b in grounding.get("part_contradicts", [])
            if (one := one_pattern(a, "part_contradicts")) is not None
            and (other := one_pattern(b, "part_contradicts")) is not None
        ),
        waited=one_pattern(waited.get("said"), "waited.said"),
        waited_not=one_pattern(waited.get("not_waited"), "waited.not_waited"),
        waited_chase=one_pattern(waited.get("chase"), "waited.chase"),
        waited_scenarios=frozenset(str(x) for x in waited.get("scenarios", [])),
        waited_opening=one_pattern(waited.get("opening"), "waited.opening"),
        waited_prefix=str(waited.get("prefix", "")),
        promise_ignored_penalty=float(
            grounding.get("promise_ignored_penalty", AdaptationRules.promise_ignored_penalty)
        ),
        context_mismatch_penalty=float(
            grounding.get("context_mismatch_penalty", AdaptationRules.context_mismatch_penalty)
        ),
        another_object_penalty=float(
            grounding.get("another_object_penalty", AdaptationRules.another_object_penalty)
        ),
        other_question_penalty=float(
            grounding.get("other_question_penalty", AdaptationRules.other_question_penalty)
        ),
        neighbour_object_penalty=float(
            grounding.get("neighbour_object_penalty", AdaptationRules.neighbour_object_penalty)
        ),
        object_value_kinds=tuple(
            str(k) for k in grounding.get("object_value_kinds", AdaptationRules.object_value_kinds)
        ),
        object_question_kinds=tuple(
            str(k) for k in grounding.get("object_question_kinds", AdaptationRules.object_question_kinds)
        ),
        other_value_penalty=float(grounding.get("other_value_penalty", AdaptationRules.other_value_penalty)),
        knowledge_answering=tuple(
            str(c) for c in grounding.get("knowledge_answering", AdaptationRules.knowledge_answering)
        ),
        not_measures=tuple(str(c) for c in grounding.get("not_measures", AdaptationRules.not_measures)),
        neighbour_turns=int(grounding.get("neighbour_turns", AdaptationRules.neighbour_turns)),
        partial_answer_penalty=float(
            grounding.get("partial_answer_penalty", AdaptationRules.partial_answer_penalty)
        ),
        restate=tuple(restate),
        fillers=fillers,
        already_given=tuple(already_given),
        known_in_chat=frozenset(known_in_chat),
        asks_item=tuple(asks_item),
        needs_said=needs_said,
        stage_replies=stage_replies,
        overdue=tuple(overdue),
        overdue_slots=tuple(data.get("context", {}).get("overdue", {}).get("slots", [])),
        express_slots=tuple(data.get("context", {}).get("express_said", {}).get("slots", [])),
        sold_out_slots=tuple(data.get("context", {}).get("sold_out", {}).get("slots", [])),
        said_unfit=said_unfit,
        sold_out_replies=tuple(
            _patterns(
                data.get("context", {}).get("sold_out", {}).get("replies", []), "replies", path, problems
            )
        ),
        stage_unfit=stage_unfit,
        threshold_answers=tuple(threshold_answers),
        size_replies={k: str(v) for k, v in data.get("size_chart", {}).items() if k not in ("wide", "asks")},
        size_wide=tuple(_patterns(data.get("size_chart", {}).get("wide", []), "wide", path, problems)),
        size_asks=tuple(_patterns(data.get("size_chart", {}).get("asks", []), "asks", path, problems)),
        details_reply=str(data.get("catalog_details", {}).get("reply", "")),
        details_joiner=str(data.get("catalog_details", {}).get("joiner", "；")),
        details_skip_scenarios=tuple(data.get("catalog_details", {}).get("skip_scenarios", [])),
        details_words={
            str(k): tuple(str(w) for w in v)
            for k, v in data.get("catalog_details", {}).get("words", {}).items()
        },
        recommend_reply=str(data.get("catalog_recommendation", {}).get("reply", "")),
        greeting_item_reply=str(data.get("greeting_item", {}).get("reply", "")),
        greeting_item_words=tuple(str(w) for w in data.get("greeting_item", {}).get("words", [])),
        recommend_budget_reply=str(data.get("catalog_recommendation", {}).get("within_budget", "")),
        recommend_pick=tuple(
            str(data.get("catalog_recommendation", {}).get(key, ""))
            for key in ("pick_reply", "pick_reply_plain", "pick_fill_in")
        ),
        recommend_asks=tuple(
            _patterns(data.get("catalog_recommendation", {}).get("asks", []), "asks", path, problems)
        ),
        recommend_budget=tuple(
            _patterns(data.get("catalog_recommendation", {}).get("budget", []), "budget", path, problems)
        ),
        details_word_topics=frozenset(data.get("catalog_details", {}).get("word_topics", [])),
        details_variant=tuple(str(w) for w in data.get("catalog_details", {}).get("variant_after", [])),
        details_question=next(
            iter(
                _patterns(
                    [data.get("catalog_details", {}).get("question", r"吗|么|多少|多久|怎么|哪|不$|没$")],
                    "question",
                    path,
                    problems,
                )
            ),
            AdaptationRules.details_question,
        ),
        details_alternates={
            str(k): tuple(str(t) for t in v)
            for k, v in data.get("catalog_details", {}).get("alternates", {}).items()
        },
        missing=load_missing(data.get("missing_item", {}), one_pattern),
        offer_answer=load_offer_rules(data.get("offer_answer", {}), one_pattern),
        received=load_received(data.get("given_received", []), one_pattern),
        details=load_details(data.get("given_details", []), one_pattern),
        refund_time=load_refund_time(data.get("refund_time", {}), one_pattern),
        agent_range=load_range_rules(data.get("agent_range", {}), one_pattern),
        handover=handover,
        unasked=unasked,
        usage_help=usage_help,
        premise=load_premise(path, data.get("premise", {}), problems),
        subject={
            **data.get("subject", {}),
            "amounts": tuple(
                {
                    "scenarios": frozenset(str(x) for x in entry.get("scenarios", [])),
                    "patterns": tuple(_patterns(entry.get("patterns", []), "amount", path, problems)),
                    "named": str(entry.get("named", "")),
                    "named_holding": str(entry.get("named_holding", "")),
                    "every": bool(entry.get("every", False)),
                    "attributes": bool(entry.get("attributes", False)),
                    "facts": frozenset(str(k) for k in entry.get("facts", [])),
                    "offered": one_pattern(entry.get("offered", ""), "offered"),
                    "labelled": one_pattern(entry.get("labelled", ""), "labelled"),
                }
                for entry in data.get("subject", {}).get("amounts", [])
                if entry.get("named")
            ),
            "opening": one_pattern(data.get("subject", {}).get("opening", "^"), "opening") or re.compile("^"),
            # compiled once here, not on every hesitation reply (a bad one is a problem, not a crash)
            "hesitation_noun": one_pattern(data.get("subject", {}).get("hesitation_noun"), "hesitation_noun"),
            "hesitation_noun_not": one_pattern(
                data.get("subject", {}).get("hesitation_noun_not", "$^"), "hesitation_noun_not"
            ),
        },
    )
    return rules, problems


# ----------------------------------------------------------------------------- fitting


def conversation_started(history: Sequence[Turn]) -> bool:
    """True once the agent has said something in this chat (then no second greeting)."""
    return any(t.role == "agent" and t.text.strip() for t in history)


def drop_greeting(reply: str, rules: AdaptationRules) -> str:
    """Remove an opening greeting formula, keeping the reply when that would leave too little."""
    text = reply
    for _ in range(3):  # "亲，您好，在的，" stacks several openers
        before = text
        for pattern in rules.greeting_openers:
            text = pattern.sub("", text, count=1)
        if text == before:
            break
    return text if len(text) >= 6 else reply


def opened_with(prefix: str, reply: str, rules: AdaptationRules) -> str:
    """``reply`` opened with ``prefix`` (an apology), its own acknowledgement opening (好的亲，/ 亲，收到，)
    giving way: one opening formula, not two (非常抱歉给您带来不好的体验，好的亲，我马上帮您查一下)."""
    if rules.plain_opening is not None:
        rest = rules.plain_opening.sub("", reply, count=1)
        if len(rest) >= 6:  # (a reply that is little more than its opening keeps it)
            reply = rest
    return prefix + reply


def empathy_first(reply: str, scenario: str, rules: AdaptationRules) -> str:
    """For complaints, make sure the reply opens with empathy or an apology."""
    if scenario not in rules.empathy_scenarios or not rules.empathy_prefix:
        return reply
    opening = reply[: rules.empathy_opening_chars]
    if any(marker in opening for marker in rules.empathy_markers):
        return reply
    return opened_with(rules.empathy_prefix, reply, rules)


def length_fit(message: str, reply: str, rules: AdaptationRules) -> float:
    """A multiplier in (0, 1] that prefers replies in proportion to the message's length."""
    m, r = len(message.strip()), len(reply)
    if m <= rules.short_message_chars and r > rules.short_message_reply_chars:
        return max(0.6, rules.short_message_reply_chars / r)
    if m >= rules.long_message_chars and r < rules.long_message_reply_chars:
        return 0.8
    return 1.0


def said_before(history: Sequence[Turn], rules: AdaptationRules) -> bool:
    """True when an earlier buyer turn says something (a question or a problem), not only 在吗/人呢."""
    for turn in history:
        if turn.role != "buyer":
            continue
        text = rules.fillers.sub("", turn.text.strip()) if rules.fillers else turn.text
        if len(re.sub(r"[\W_]+", "", text)) >= 4:
            return True
    return False


def bigrams(text: str) -> set[str]:
    """The character bigrams of ``text``."""
    return {text[i : i + 2] for i in range(len(text) - 1)}


def bigram_overlap(a: str, b: str, grams: Callable[[str], set[str]] = bigrams) -> float:
    """Share of character bigrams two replies have in common (Jaccard); ``grams`` may remember each
    reply's bigrams across the comparisons of one ranking."""
    grams_a = grams(a)
    grams_b = grams(b)
    if not grams_a or not grams_b:
        return 1.0 if a == b else 0.0
    return len(grams_a & grams_b) / len(grams_a | grams_b)


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Suggestion:
    """A reply the agent can send, with where it came from, what adaptation changed in it, the
    fill-ins the agent must complete, and what the checklist says of it."""

    reply: str
    score: float
    sources: tuple[str, ...]
    scenario: str
    violations: tuple[Any, ...] = ()  # checklist.Violation
    fixes: tuple[str, ...] = ()
    guidance: tuple[str, ...] = ()
    fallback: bool = False
    template: str = ""
    fill_ins: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()
    holding: bool = False

    @property
    def has_error(self) -> bool:
        return any(getattr(v, "severity", "") == "error" for v in self.violations)

    @property
    def ready(self) -> bool:
        """True when the reply can be sent as is: no open fill-in and no ``error`` violation."""
        return not self.fill_ins and not self.has_error

    def to_dict(self) -> dict:
        return {
            "reply": self.reply,
            "score": round(self.score, 4),
            "sources": list(self.sources),
            "scenario": self.scenario,
            "ready": self.ready,
            "fill_ins": list(self.fill_ins),
            "changes": [c.to_dict() for c in self.changes],
            "violations": [v.to_dict() for v in self.violations],
            "fixes": list(self.fixes),
            "guidance": list(self.guidance),
            "fallback": self.fallback,
            "holding": self.holding,
        }


@dataclass(frozen=True)
class SuggestResult:
    """Everything ``suggest`` returns for one buyer message."""

    message: str
    history: tuple[Turn, ...]
    detection: Any  # detection.Detection
    suggestions: tuple[Suggestion, ...]
    guidance: tuple[Any, ...]  # corpus.GuidanceSection
    fallback: bool = False
    note: str = ""
    context: ConversationState | None = None
    abstained: bool = False
    abstain_reason: str = ""
    escalate: bool = False
    intent: Intent | None = None

    def to_dict(self) -> dict:
        """The JSON shape printed by ``assistant suggest --json``."""
        return {
            "message": self.message,
            "scenario": self.detection.scenario,
            "scenario_confidence": round(self.detection.scenario_confidence, 4),
            "stage": self.detection.stage,
            "buyer_type": self.detection.buyer_type,
            "context": self.context.to_dict() if self.context else None,
            "intent": self.intent.to_dict() if self.intent else None,
            "suggestions": [s.to_dict() for s in self.suggestions],
            "guidance": [{"id": g.id, "title": g.title} for g in self.guidance],
            "fallback": self.fallback,
            "abstained": self.abstained,
            "abstain_reason": self.abstain_reason,
            "escalate": self.escalate,
            "note": self.note,
        }


@dataclass(frozen=True)
class Outcome:
    """What the adapter decided for one message."""

    suggestions: list[Suggestion]
    fallback: bool = False
    abstained: bool = False
    reason: str = ""


class Adapter:
    """Turns retrieved cases into the k suggestions shown to the agent.

    Args:
        rules: the adaptation phrases (``adaptation.toml``).
        grounder: fills and grounds replies for this shop.
        intents: the question types and objects of ``intents.toml``.
        check: ``check(reply, message, history, scenario) -> CheckResult`` (the etiquette checklist).
        min_similarity: below this cosine similarity no case counts as similar enough.
    """

    def __init__(
        self, rules: AdaptationRules, grounder: Grounder, intents: IntentLexicon, check, min_similarity: float
    ):
        self.rules = rules
        self.grounder = grounder
        self.intents = intents
        self.premises = Premises(rules.premise)
        self._plain: Any = None  # the fact reader without the catalog (item_has)
        self.check = check
        self.min_similarity = min_similarity
        self._case_intents: dict[str, Intent] = {}
        self._case_parts: dict[str, frozenset[str]] = {}
        self._clauses_seen = Memo(20_000)  # the asking clauses of each message (hot path)
        self._detail_topics: set[str] | None = None  # the topics some catalog entry answers
        self._apology_seen: Memo = Memo(20_000)  # apology_due is asked once per candidate reply
        self._asked_seen: Memo = Memo(20_000)  # what the buyer asks, once per message, for [unasked]
        self._stated_seen: Memo = Memo(2_000)  # the shop slots the agent's statements contradict, per chat
        self._premise_chat: tuple | None = None  # (state, history, message, Chat) of the request at hand
        self._allowed_seen: tuple | None = None  # (state, FactSet) of the request at hand
        # money.toml's answers (3包多少钱, 450行不行, 改成M); the engine sets them for its corpus
        self.money: MoneyAnswers | None = None

    def eligible(self, hits: Sequence[Any], scenario: str) -> list[Any]:
        """The hits worth adapting: similar enough, and about the detected scenario unless very close."""
        same = [h for h in hits if self.of_scenario(h.case, scenario) and h.similarity >= self.min_similarity]
        close = [
            h
            for h in hits
            if not self.of_scenario(h.case, scenario) and h.similarity >= self.min_similarity + 0.3
        ]
        # a case that shares no word with the message must be clearly closer in meaning (gibberish and
        # short fillers sit near many short buyer messages)
        return [
            h
            for h in same + close
            if h.lexical_rank is not None or h.similarity >= self.min_similarity + 0.15
        ]

    def needs_no_lookup(
        self, message: str, history: Sequence[Turn], detection: Any, asked: Intent, state: ConversationState
    ) -> bool:
        """Whether the buyer's message needs no order or shop data, only the house etiquette
        (``[no_lookup]``): the detector reads it as one of the etiquette scenarios (太贵了 / 我再纠结下 /
        能便宜点吗), which together are at least ``share`` likely though no single one is sure; it
        asks about no object (no 价保, no refund of a difference); and the chat is at a stage where a
        price is still only weighed (before the goods are bought: 买贵了 after delivery is a claim); not
        a budget given (a recommendation), a question about what the agent just offered, nor a
        hesitation that asks for something."""
        table = self.rules.no_lookup
        family = set(table.get("scenarios", ()))
        if detection.scenario not in family or asked.objects or state.escalated:
            return False
        if state.order_stage not in set(table.get("stages", ())):
            return False
        if any(p.search(message) for p in self.rules.recommend_budget):
            return False  # 一个月预算一百多 gives a budget to pick within: a recommendation, not price talk
        if (
            detection.scenario in set(table.get("builds_on_agent", ()))
            and any(t.role == "agent" for t in history)
            and asks_something(message)
        ):
            return False  # 小样送几个 after 赠送同款小样 asks about the agent's offer, not for a lower price
        if detection.scenario in set(table.get("statement_only", ())) and re.search(
            str(table.get("request") or "(?!)"), message
        ):
            return False  # 再送点试喝装呗 asks for something: 您慢慢考虑 does not answer it
        ranked = [(detection.scenario, detection.scenario_confidence), *detection.alternatives]
        # (price talk read partly as a promotion, 能少点不 / 有折扣吗, is still price talk)
        kin = family | set(table.get("kin", ()))
        return sum(p for s, p in ranked if s in kin) >= float(table.get("share", 0.5))

    def of_scenario(self, case: Any, scenario: str) -> bool:
        """Whether ``case`` is of the detected ``scenario``: its own, or, for a case of category knowledge,
        any two of ``knowledge_questions`` (a usage and a quality question ask it alike)."""
        if case.scenario == scenario:
            return True
        questions = self.rules.knowledge_questions
        return (
            bool(self.rules.knowledge_tag)
            and self.rules.knowledge_tag in case.tags
            and (case.scenario in questions or case.scenario in self.rules.knowledge_answering)
            and scenario in questions
        )

    def category_evidence(self, state: ConversationState) -> set[str]:
        """Categories the conversation's words point to (any word that fits them), and apparel,
        shoes and baby clothes when the buyer gave body measurements."""
        extractor = self.grounder.extractor
        found: set[str] = set()
        for text in state.texts:
            for _, cats in extractor.category_words(text):
                found |= cats
        # a person's height or foot length (not a weight: pets and parcels have one too)
        if not found & {"pets"} and any(f.fact.kind in ("height", "foot_length") for f in state.facts):
            found |= {"apparel", "shoes", "baby"}
        return found

    def knowledge_fits(
        self,
        case: Any,
        message: str,
        history: Sequence[Turn],
        state: ConversationState,
        similarity: float,
        scenario: str = "",
    ) -> bool:
        """Whether a case of category knowledge (``knowledge_tag``) answers this buyer: it speaks of one
        property of one kind of item, so the buyer's item must be of that kind (the case's item word is
        said in the chat, or the buyer's item ends like it: 浴巾 for a 毛巾 case, never 猫砂盆 for a 猫条
        one), and a question of the message (the one chased, for 在吗) must name what the case's question
        or its tags name beyond the item and its material (弹簧 is no 味道; 乳胶过敏 is no 乳胶味), or be as
        close in meaning as ``knowledge_similarity`` (长短怎么调 / 怎么调长度). The item alone makes a
        knowledge case look close to any question about that item."""
        tag = self.rules.knowledge_tag
        if not tag or tag not in case.tags:
            return True
        if scenario and self.rules.knowledge_scenarios and scenario not in self.rules.knowledge_scenarios:
            return False  # 有豆腐的吗 asks for stock, not whether it flushes
        extractor = self.grounder.extractor
        said = [t.text for t in history] + [message]

        def kinds_in(text: str) -> list[str]:
            # a word the category's own name holds (宠物 of 宠物用品) names the whole pack, no kind of item
            # in it: the category check before this already holds the buyer to it
            return [
                w
                for w, cats in extractor.category_words(text)
                if len(w) > 1 and extractor.is_item_word(w) and not self._names_category(w, cats)
            ]

        # (a question that names its kind in other words, 宝宝牙膏吞了, has it in its tags: 儿童牙膏)
        kinds = kinds_in(case.buyer) or kinds_in(" ".join(case.tags))
        named = [w for t in said for w, _ in extractor.category_words(t) if extractor.is_item_word(w)]
        named += [state.item.text] if state.item else []
        # (or the kind's last two characters, its head noun: 牙膏 of a 儿童牙膏 case, 水壶 of 电水壶)
        if (
            kinds
            and not any(k in t or (len(k) > 2 and k[-2:] in t) for k in kinds for t in said)
            and not any(n[-1] == k[-1] for n in named for k in kinds)
        ):
            return False
        # a material the case is about (真丝 / 羊毛) that the chat contradicts with another (纯棉): the care
        # of one cloth is not the other's
        materials = {
            f.value for f in extractor.extract(" ".join([case.buyer, *case.tags])) if f.kind == "material"
        }
        chat_materials = {f.value for t in said for f in extractor.extract(t) if f.kind == "material"}

        def materials_of(word: str) -> set[str]:
            return {f.value for f in extractor.extract(word) if f.kind == "material"}

        # a case whose item is named by its material (铁锅 of 铸铁锅) is not for the buyer's item that only
        # ends like it (砂锅): a clay pot is not seasoned with oil like an iron pan
        own = state.item.text if state.item else ""
        if (
            len(own) > 1
            and not any(k in t for k in kinds for t in said)
            and any(
                own[-1] == k[-1] and (of_kind := materials_of(k)) and not of_kind & materials_of(own)
                for k in kinds
            )
        ):
            return False
        if materials and chat_materials and not materials & chat_materials:
            return False
        clauses = self.asking_clauses(message)
        if not clauses and state.pending_question:
            clauses = self.asking_clauses(state.pending_question)
        if not clauses:  # nothing asked in so many words (巧克力上面有白白的一层): what it says
            clauses = [Clause(message, "", message)]
        about = " ".join([case.buyer, *case.tags])
        # the kind of question a clause asks is a topic in other words ([holding_wording] answered_by):
        # 洗衣机行不行 asks how to wash, which a case about 水洗 answers
        if any(
            asked.search(c.text) and answer.search(about)
            for c in clauses
            for asked, answer in self.rules.wording.answered_by
        ):
            return True
        content = " ".join(c.content for c in clauses)
        said_words = (
            named + kinds + [f.text for t in said for f in extractor.extract(t) if f.kind == "material"]
        )
        for word in said_words:
            content = content.replace(word, " ")
        # a bare how (有白色水垢 咋除 / 鞋带太长了 怎么弄) asks about what the message told before it
        told = content
        if not any(len(c) >= 2 for c in content.split()):
            told = message
            for word in said_words:
                told = told.replace(word, " ")
        # a topic the trainer tagged a case about one kind of item with (水垢 / 目数), said as it is: the
        # question is about it (a case for any item, 收到后要冷藏吗, is not asked by 冷藏的母乳怎么热)
        if kinds and any(len(t) >= 2 and t != tag and t not in kinds and t in told for t in case.tags):
            return True
        # what is asked, named in the case's question or its tags as a reply names a part (covers: 掉毛;
        # a longer chunk by more than one piece, so 伤电池 is not 电池续航), or the one character asked
        chunks = content.split()
        longer = [c for c in chunks if len(c) >= 2]
        if longer:
            named = covers(about, Clause("", "", " ".join(longer)), 2)
        else:
            named = bool(chunks) and any(ch in about for ch in "".join(chunks))  # 可以煮吗
        return named or similarity >= self.rules.knowledge_similarity

    def complete_knowledge_first(
        self, candidates: list[Suggestion], hits: Sequence[Any], message: str, state: ConversationState
    ) -> list[Suggestion]:
        """Of the care answers to a message of several questions, the ones leaving a question
        unanswered rank below one that answers them all (怎么去味 能晒太阳吗: airing it out, not the
        cleaning routine that only says 别暴晒); where none answers them all, nothing changes."""
        tag = self.rules.knowledge_tag
        knowledge = {h.case.id for h in hits if tag and tag in h.case.tags}
        mine = [c for c in candidates if c.sources and c.sources[0] in knowledge]
        if len(mine) < 2 or len(self.asking_clauses(message)) < 2:
            return candidates
        partial = {id(c) for c in mine if self.leaves_a_clause(c.reply, message, state)}
        if len(partial) == len(mine) or not partial:
            return candidates
        penalty = self.rules.partial_answer_penalty
        return [
            dataclasses.replace(c, score=c.score * penalty) if id(c) in partial else c for c in candidates
        ]

    def own_kind_first(
        self, candidates: list[Suggestion], hits: Sequence[Any], state: ConversationState
    ) -> list[Suggestion]:
        """A care answer of category knowledge written for the buyer's own kind of item (a 砂锅 case for
        a 砂锅: 淘米水小火煮) ranks first, and a template written for any item of the category on the same
        topic (新锅 开锅: 抹一层薄油, with {product} filled in as 砂锅) is not shown beside it: the care of
        one kind is not another's, and the generic one was written without this kind in mind."""
        tag = self.rules.knowledge_tag
        own = state.item.text if state.item else ""
        if not tag or len(own) < 2:
            return candidates
        cases = {h.case.id: h.case for h in hits}

        def case_of(c: Suggestion) -> Any:
            return cases.get(c.sources[0]) if len(c.sources) == 1 else None

        mine = [
            c
            for c in candidates
            if (case := case_of(c)) is not None
            and tag in case.tags
            and (own in case.buyer or own in case.tags)
        ]
        topics = {t for c in mine for t in case_of(c).tags if t not in (tag, own)}

        def generic(c: Suggestion) -> bool:
            case = case_of(c)
            return (
                case is not None
                and tag not in case.tags
                and "{product}" in case.reply
                and any(t in case.buyer or t in case.tags for t in topics)
            )

        others = [c for c in candidates if generic(c)]
        if not mine or not others:
            return candidates
        best = max(c.score for c in others)
        ids = {id(c) for c in mine}
        return [
            dataclasses.replace(c, score=max(c.score, best)) if id(c) in ids else c
            for c in candidates
            if not generic(c)
        ]

    def leaves_a_clause(self, reply: str, message: str, state: ConversationState) -> bool:
        """Whether ``reply`` leaves one of two or more questions of ``message`` unanswered, read as
        ``check_the_rest`` reads it (the clause's words, or the kind of answer it asks for)."""
        clauses = self.asking_clauses(message)
        if len(clauses) < 2:
            return False
        wording = self.rules.wording
        item = (state.item.text,) if state.item else ()
        return any(not covers(reply, c, wording.content_pairs, item, wording.answered_by) for c in clauses)

    def _names_category(self, word: str, categories: frozenset[str]) -> bool:
        """Whether ``word`` is said by the name of one of ``categories`` (宠物 in 宠物用品)."""
        vocabulary = self.grounder.extractor.vocabulary
        return any((c := vocabulary.category(cid)) is not None and word in c.name for cid in categories)

    def case_intent(self, case: Any) -> Intent:
        found = self._case_intents.get(case.id)
        if found is None:
            asked, replied = self.intents.parse(case.buyer), self.intents.parse(case.reply)
            # a reply about a neighbouring object (目前在补货 for 什么时候发货) answers that object too
            found = Intent(asked.question_types, asked.objects | (replied.objects & self.intents.in_reply))
            self._case_intents[case.id] = found
        return found

    def case_objects(self, case: Any) -> frozenset[str]:
        """The objects of the situation a case was written for: its buyer's and its earlier turns'
        (订单我取消了 … 钱退到哪了 is a cancelled order's refund). Not its reply's: a reply names
        物流 or 地址 in passing, whatever it answers."""
        key = "objects:" + case.id
        found = self._case_parts.get(key)
        if found is None:
            texts = [case.buyer, *(t.text for t in case.context or ())]
            found = self._case_parts[key] = frozenset().union(*(self.intents.parse(t).objects for t in texts))
        return found

    def neighbours(
        self, asked: Intent, chat_objects: frozenset[str], spoken: frozenset[str]
    ) -> frozenset[str]:
        """The objects a case (or a safe reply) speaks of, ``spoken``, that this chat excludes and never
        names: a cancellation's refund for a buyer who sent the goods back (退货 … 什么时候退钱), the
        delivery address for the return address."""
        named = asked.objects | chat_objects
        # the message's objects exclude, and of the chat's only those that set the situation (退货 does,
        # 物流 said in passing does not); an object the case shares excludes nothing it speaks of besides
        # (取消了吗 钱什么时候退 is a cancellation's refund, for a chat about cancelling)
        excluding = (asked.objects | (chat_objects & self.intents.in_chat)) - spoken
        excluded = frozenset().union(*(self.intents.excludes.get(o, frozenset()) for o in excluding))
        return (spoken & excluded) - named

    def context_parts(self, case: Any) -> frozenset[str]:
        """The parts a case's own earlier turns are about that its reply refers back to (地址改好了吗 …
        地址已经是新的啦 → address); a reply that refers to none fits any conversation."""
        key = "context:" + case.id
        found = self._case_parts.get(key)
        if found is None:
            earlier = self.intents.parts(" ".join(t.text for t in case.context))
            found = self._case_parts[key] = earlier & self.intents.parts(case.reply)
        return found

    def case_parts(self, case: Any) -> frozenset[str]:
        """The parts a case's buyer turn and reply are about (objects, and property words)."""
        found = self._case_parts.get(case.id)
        if found is None:
            found = self._case_parts[case.id] = self.intents.parts(case.buyer + case.reply)
        return found

    def asked(self, message: str, history: Sequence[Turn], state: ConversationState) -> Intent:
        """What the buyer asks now; a short follow-up (那L呢) inherits the object of their last question."""
        intent = self.intents.parse(message)
        # (运费多少 谁出 in a return asks the return freight, not the free-shipping rule)
        directed = self.intents.directed(message, [t.text for t in history], intent.objects)
        intent = Intent(intent.question_types, directed) if directed != intent.objects else intent
        # a message naming its own part (内胆能单穿吗) asks about that part, not the earlier object
        if not intent.objects and len(message.strip()) <= 10 and not self.intents.thing(message, bare=True):
            for turn in reversed(history):
                if turn.role == "buyer":
                    earlier = self.intents.parse(turn.text)
                    if earlier.objects:
                        return Intent(intent.question_types or earlier.question_types, earlier.objects)
                    break
        return intent

    def adapt(
        self,
        template: str,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        case_topics: frozenset[str] | None = None,
    ):
        """Fill, ground, fit and check one reply template (``case_topics``: the objects and scenario
        its case was written for; a template of the scenario's own when None).

        Returns:
            ``(reply, violations, fixes, fill_ins, changes)``, or None when the reply cannot be
            shown for this conversation (another category, a contradiction) with the reason.
        """
        fixes: list[str] = []
        kept = self.unsaid_left_out(template, message, history)
        if kept is None:
            return None, "说了对话里没发生的事 the reply supposes what nobody said in this chat"
        if kept != template:
            template = kept
            fixes.append("不说对话里没发生的事 left out what nobody said happened")
        premised = self.premise_left_out(template, message, history, state)
        if premised is None:
            return None, "前提对话里没有 the reply takes for granted what this chat does not give"
        if premised != template:
            template = premised
            fixes.append("不说对话里没有的前提 left out a premise this chat does not give")
        template, dropped = self.unasked_left_out(template, message, history, scenario, state, case_topics)
        if dropped:
            fixes.append("不说没问的店铺信息 left out shop facts nobody asked about: " + "、".join(dropped))
        # was → now of each shop fact left out, for the change report (∅: its clause went)
        unasked = self.rules.unasked
        instead = {
            unasked.courier_slot: unasked.courier_word,
            "shop": next((now for _, now in unasked.unnamed if "{" not in now), ""),
            unasked.promise_slot: next((now for _, now in unasked.unpromised), ""),
        }
        left_out = tuple(
            Change(
                self.grounder.shop.slots.get(slot, slot),
                instead.get(slot, ""),
                "没问的店铺信息 a shop fact nobody asked about",
            )
            for slot in dropped
            if slot in self.grounder.shop.slots
        )
        if said_otherwise := self.said_otherwise(state) & set(SLOT_PATTERN.findall(template)):
            # the agent's 一般2天到 is this chat's, not the profile's 2到4天: the clause stating the
            # profile's value goes, or the reply (a reply about nothing else, or one answering the buyer's
            # question about it with the profile's value: 明天什么时候到 after 京东快递 明天到)
            if said_otherwise & self.asked_slots(message):
                return (
                    None,
                    "与客服说过的不一致 the shop's value contradicts what the agent said in this chat",
                )
            everything = frozenset(t for topics in self.rules.unasked.topics.values() for t in topics)
            everything |= case_topics or frozenset({scenario})
            trimmed, _ = self.rules.unasked.trim(
                template, everything, everything, lambda _: True, said_otherwise
            )
            if said_otherwise & set(SLOT_PATTERN.findall(trimmed)):
                return (
                    None,
                    "与客服说过的不一致 the shop's value contradicts what the agent said in this chat",
                )
            template = trimmed
            fixes.append(
                "不说与客服说过的不同的店铺信息 left out the shop's " + "、".join(sorted(said_otherwise))
            )
        for slot in self.rules.unasked.needs & set(SLOT_PATTERN.findall(template)):
            if not self.grounder.slot_value(slot, state, scenario):
                # 这家我们暂时没有合作 to a buyer who named no courier: about what nobody asked
                return None, f"没有{{{slot}}}可说 the reply is about a {slot} this chat does not name"
        if self.elsewhere(state) & set(SLOT_PATTERN.findall(template)):
            # the whole reply speaks of far areas to a buyer elsewhere (江西 told of 新疆's surcharge)
            return None, "偏远地区不是买家所在地 the far areas are not the buyer's place"
        grounded = self.grounder.ground(template, state, allowed=self.allowed(state), scenario=scenario)
        if not grounded.ok:
            return None, grounded.rejected
        reply = grounded.reply
        if conversation_started(history) and scenario != "greeting":
            trimmed = drop_greeting(reply, self.rules)
            if trimmed != reply:
                reply = trimmed
                fixes.append("去掉重复问候 dropped a second greeting")
        calm = self.calm_question(message, state)
        due = self.apology_due(message, state, scenario)
        # a follow-up on a problem already apologised for, or a question about what might happen,
        # gets no second apology; a calm buyer's small problem a light one
        skip = calm or due in ("ack", "light", "supposed")
        with_empathy = reply if skip else empathy_first(reply, scenario, self.rules)
        # an upset buyer, or one reporting a defect in any scenario (左耳没声音 能换吗), hears an apology first
        if due == "full" and not calm and with_empathy == reply:
            with_empathy = apology_first(reply, self.rules, self.apology_for(message, state))
        if with_empathy != reply:
            reply = with_empathy
            fixes.append("投诉先致歉 empathy first")
        softened = self.soften(reply, due)
        if softened != reply:
            reply = softened
            fixes.append("不重复道歉 no second full apology" if due == "ack" else "轻度致歉 a light apology")
        for stages, lead in self.rules.stage_leads:
            # 拍下后找我拿补差价链接 to a buyer who has ordered: the order is no longer to come
            led = lead.sub("", reply) if state.order_stage in stages else reply
            if led != reply and len(led) >= 6:
                reply = led
                fixes.append("已下单不说拍下后 the buyer has ordered already")
        opened = self.opening_fits(reply, message, state, due, scenario)
        if opened != reply:
            reply = opened
            fixes.append("开头回应买家说的话 an opening that answers what the buyer said")
        result = self.check(reply, message, history, scenario)
        if result.fixed and result.fixed != reply:
            reply = result.fixed
            fixes.extend(str(f) for f in (getattr(result, "fixes", ()) or ["checklist safe fix"]))
            result = self.check(reply, message, history, scenario)
        if self.rules.calm_apology is not None and not self.complaining(message, scenario, state):
            # a calm buyer told a policy is not apologised to first (the judges' complaint); kept when
            # dropping it would leave a blunt refusal
            calm = self.rules.calm_apology.sub(self.rules.calm_opening, reply, count=1)
            if calm != reply:
                checked = self.check(calm, message, history, scenario)
                if len(checked.violations) <= len(result.violations):
                    reply, result = calm, checked
                    fixes.append("平静的买家不先道歉 no apology to a calm buyer")
        thanks = self.rules.thanks_said
        if self.rules.thanks_reply is not None and thanks is not None and not thanks.search(message):
            # 不客气 answers a thanks: a buyer who only says 嗯，好的 / 哦 那行 is not told "you're welcome"
            plain = self.rules.thanks_reply.sub(self.rules.thanks_instead, reply, count=1)
            if plain != reply:
                reply, result = plain, self.check(plain, message, history, scenario)
                fixes.append("没道谢不说不客气 no 'you are welcome' to a buyer who did not thank")
        changes = left_out + grounded.changes
        return (reply, tuple(result.violations), tuple(fixes), grounded.fill_ins, changes), ""

    def unsaid_left_out(self, template: str, message: str, history: Sequence[Turn]) -> str | None:
        """``template`` less its clauses that suppose something nobody said in this chat (照片我看到了
        to a buyer who sent none, 催了还没进展 to one who never chased: ``[[context.unsaid_clauses]]``);
        None when too little would be left to send."""
        buyer = [t.text for t in history if t.role == "buyer"] + [message]
        chat = [t.text for t in history] + [message]
        clauses = [
            pattern
            for said, patterns, anyone in self.rules.unsaid_clauses
            if not any(p.search(t) for t in (chat if anyone else buyer) for p in said)
            for pattern in patterns
        ]
        if not clauses or not any(p.search(template) for p in clauses):
            return template
        parts = re.findall(r"[^，,。；;！!？?～~]+[，,。；;！!？?～~]*", template)
        kept: list[str] = []
        for part in parts:
            if any(p.search(part) for p in clauses):
                if kept and part[-1:] in "。！!？?" and kept[-1][-1:] in "，,；;～~":
                    kept[-1] = kept[-1][:-1] + part[-1]  # the sentence now ends where the clause ended
                continue
            kept.append(part)
        rest = "".join(kept)
        return rest if len(SLOT_PATTERN.sub("", rest)) >= 10 else None

    def allowed(self, state: ConversationState) -> FactSet:
        """The facts this chat's suggestions may state (``Grounder.allowed``), read once per request
        rather than for every candidate (hot path); grounding only reads them."""
        last = self._allowed_seen
        if last is not None and last[0] is state:
            return last[1]
        allowed = self.grounder.allowed(state)
        self._allowed_seen = (state, allowed)
        return allowed

    def premise_left_out(
        self, template: str, message: str, history: Sequence[Turn], state: ConversationState
    ) -> str | None:
        """``template`` less the clauses whose premise this chat does not give (``[premise]``: an event
        nobody spoke of, a stage not reached, a property the item lacks, an instruction already given);
        None when the reply is built on one or too little is left."""
        premise = self.rules.premise
        if not (premise.said or premise.stage or premise.variant or premise.followed or premise.instruction):
            return template
        # every candidate of one request is held against the same chat: it is built once, and the
        # item's properties read once, not per candidate and clause (hot path)
        last = self._premise_chat
        if last is not None and last[0] is state and last[1] is history and last[2] == message:
            return self.premises.left_out(template, last[3])[0]
        stages = ORDER_STAGES
        at = stages.index(state.order_stage) if state.order_stage in stages else 0
        has_seen: dict[str, bool | None] = {}

        def has(variant: str) -> bool | None:
            if variant not in has_seen:
                has_seen[variant] = self.item_has(variant, state)
            return has_seen[variant]

        chat = Chat(
            texts=[t.text for t in history] + [message],
            buyer=[t.text for t in history if t.role == "buyer"] + [message],
            agent=[t.text for t in history if t.role == "agent"],
            message=message,
            reached=lambda stage: stage not in stages or at >= stages.index(stage),
            has=has,
        )
        self._premise_chat = (state, history, message, chat)
        return self.premises.left_out(template, chat)[0]

    def item_has(self, variant: str, state: ConversationState) -> bool | None:
        """Whether the buyer's item has this property (``colour``): its catalog entry's values, else those
        of its category's entries, read as facts of that kind; None when the item and category are unknown."""
        extractor = self.grounder.extractor
        listed = extractor.product(state.item.product_id) if state.item else None
        products = (
            [listed] if listed is not None else [p for p in extractor.catalog if p.category == state.category]
        )
        if not products or (listed is None and not state.category):
            return None
        values = [v for p in products for v in (getattr(p, f"{variant}s", ()) or ()) if v]
        if self._plain is None:
            # read without the catalog: its colour column also holds flavours (原味 / 五香) for food
            self._plain = type(extractor)(extractor.vocabulary)
        return any(f.kind == variant for v in values for f in self._plain.extract(v))

    def unasked_left_out(
        self,
        template: str,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        case_topics: frozenset[str] | None = None,
    ) -> tuple[str, tuple[str, ...]]:
        """``template`` without the shop facts its case's writer added that this buyer does not ask
        about either ([unasked]), and with no default courier named for a parcel already on its way;
        returns it and the slots left out."""
        unasked = self.rules.unasked
        if not unasked.topics and not unasked.courier_word:
            return template, ()
        key = ("asked", message, len(history), state.pending_question or "", scenario)
        asked = self._asked_seen.get(key)
        if asked is None:
            asked = set(self.asked(message, history, state).objects) | {scenario} | unasked.asked_in(message)
            if state.pending_question:
                asked |= self.intents.parse(state.pending_question).objects
                asked |= unasked.asked_in(state.pending_question)
            asked = self._asked_seen.keep(key, frozenset(asked))
        courier = unasked.shipped_courier(template, state.order_stage, bool(state.values("courier")), asked)
        moved = (unasked.courier_slot,) if courier != template else ()
        template = courier
        chat = " ".join(state.texts)

        def said(slot: str) -> bool:
            """The chat already said this slot's value, or the agent one of its kind (满59包邮)."""
            value = re.sub(r"(以内|之内|内)$", "", self.grounder.shop.slots.get(slot, ""))
            if value and value in chat:
                return True
            if self.grounder.said_threshold(slot, state) or self.grounder.said_amount(slot, state):
                return True
            kind = {"free_shipping_threshold": "threshold"}.get(slot, slot)
            return kind in REFERRED_KINDS and bool(state.values(kind, "agent"))

        topics = case_topics if case_topics is not None else frozenset({scenario})
        # the shop's name is a shop fact too: said when this chat named it or the buyer asks which shop,
        # never when the trainer says name_in_greeting = false in shop.toml
        named = said("shop") or unasked.asks_name(message)
        if self.grounder.shop.info.get("name_in_greeting", True) is False or not named:
            unnamed = unasked.without_name(template, topics)
            moved += ("shop",) if unnamed != template else ()
            template = unnamed
        # a time to come back within (2小时内回复您) is promised only to a buyer asking when
        if unasked.promise_slot and not said(unasked.promise_slot):
            kinds = set(self.intents.parse(message).question_types)
            if state.pending_question:
                kinds |= self.intents.parse(state.pending_question).question_types
            unpromised = unasked.without_promise(template, kinds)
            moved += (unasked.promise_slot,) if unpromised != template else ()
            template = unpromised
        template, dropped = unasked.trim(template, topics, asked, said, self.elsewhere(state))
        return template, moved + dropped

    def asked_slots(self, message: str) -> frozenset[str]:
        """The shop slots of ``[agent_said.slots]`` whose topic ``message`` asks about (its intents.toml
        objects and [unasked.asks] topics, by ``[agent_said.asked]``): 几号能到 asks the transit time."""
        rules = self.intents.agent_said
        if rules is None or not rules.asked:
            return frozenset()
        objects = self.intents.parse(message).objects | self.rules.unasked.asked_in(message)
        topics = {topic for topic, by in rules.asked.items() if by & objects}
        return frozenset(slot for slot, of in rules.slots.items() if of & topics)

    def said_otherwise(self, state: ConversationState) -> frozenset[str]:
        """The shop slots whose value the agent in this chat gave otherwise (agent_said.py ``stated``,
        intents.toml ``[agent_said.slots]``): 一般2天到 makes the profile's 2到4天 wrong for this chat."""
        rules = self.intents.agent_said
        if rules is None or not rules.slots or "agent" not in state.roles:
            return frozenset()
        key = (tuple(state.texts), tuple(state.roles))
        found = self._stated_seen.get(key)
        if found is None:
            statements = stated(state.texts, state.roles, self.grounder.extractor.extract, rules)
            found = frozenset(contradicted(statements, self.grounder.shop.slots, rules))
            found = self._stated_seen.keep(key, found)
        return found

    def elsewhere(self, state: ConversationState) -> frozenset[str]:
        """The shop slots about far areas ([unasked.place]) that do not concern this buyer: the place
        they named is outside the shop's list and not one its 等 may mean (money.toml maybe_remote)."""
        unasked = self.rules.unasked
        if not unasked.place_slots:
            return frozenset()
        places = [s.fact.text for s in state.facts if s.role == "buyer" and s.fact.kind == "place"]
        maybe = self.money.rules.words("free_shipping", "maybe_remote") if self.money is not None else ()
        return unasked.elsewhere(places, self.grounder.shop.slots.get(unasked.place_area, ""), maybe)

    def confirms(self, reply: str, message: str) -> bool:
        """Whether ``reply`` can answer ``message``: a tag question (…下载是吗) asks to confirm its claim,
        which a reply confirms only when it speaks of it (two characters in a row of the claim)."""
        tag = self.rules.fallback_tag.search(message) if self.rules.fallback_tag is not None else None
        if tag is None:
            return True
        claim = re.sub(r"\[[^\[\]\s]{1,8}x\]|[\W_]+", " ", message[: tag.start()])
        pairs = {w[i : i + 2] for w in claim.split() for i in range(len(w) - 1)}
        return not pairs or any(pair in reply for pair in pairs)

    def said_unfit(self, history: Sequence[Turn], message: str, state: ConversationState) -> set[str]:
        """The shop slots this chat rules out ([[context.said_unfit]]): the agent's own gift makes the
        shop's gift condition wrong; a buyer whom other couriers do not reach is offered none of them."""
        unfit: set[str] = set()
        for role, kinds, said, slots in self.rules.said_unfit:
            if slots <= unfit:
                continue
            texts = [t.text for t in history if not role or t.role == role]
            if role != "agent":
                texts.append(message)
            stated = any(s.fact.kind in kinds for s in state.facts if not role or s.role == role)
            if (not kinds or stated) and (not said or any(p.search(t) for t in texts for p in said)):
                unfit |= slots
        return unfit

    def complaining(self, message: str, scenario: str, state: ConversationState) -> bool:
        """Whether the buyer complains or is upset: an apology first is then right."""
        due = self.apology_due(message, state, scenario)
        if due in ("ack", "supposed"):
            return False
        return (
            due in ("full", "light")
            or scenario in self.rules.empathy_scenarios
            or any(w in message for w in self.rules.problem_words)
            # (小样有 化妆包没有啊: what the parcel came without is a problem, however calmly told)
            or self.missing_told(message, state)
        )

    def missing_told(self, message: str, state: ConversationState) -> bool:
        """Whether the buyer's newest message says the parcel that came lacks something ([missing_item])."""
        if not self.rules.missing.replies:
            return False
        buyer = [t for t, r in zip(state.texts[:-1], state.roles[:-1], strict=False) if r == "buyer"]
        # a stage read before delivery still lets a message that says so outright count (打气针没送啊 /
        # 少了一袋): read_missing asks the parcel came only of a thing merely asked after (湿巾呢)
        delivered = state.order_stage in ("delivered", "after_sale")
        return (
            read_missing(message, buyer, delivered, self.rules.missing, self.grounder.extractor.extract)
            is not None
        )

    def problem_told(self, message: str, history: Sequence[Turn], state: ConversationState) -> bool:
        """Whether the chat states a problem as fact: a buyer turn tells a defect or a loss (a
        ``[complaint]`` word not said aside), harm or a threat (``[escalation]``), the buyer is angry or
        wronged, the agent already took the problem up (apologised, asked for a photo), or the newest
        message tells a state of the goods (收到的球是瘪的). A question whether it is a defect (是不是我
        装反了, ``[empathy] cause_asked``), an answer to the agent's check, or an action of the buyer's
        that does not work (配对不上, ``[empathy] troubleshooting``) asks how to use or fix the goods: no
        defect told."""
        if state.anger or state.escalated or state.grievance or state.apologised:
            return True
        extractor = self.grounder.extractor
        said = [t.text for t in history if t.role == "buyer"] + [message]
        if any(extractor.complaint(t) or extractor.escalation(t) for t in said):
            return True
        agent = [t.text for t in history if t.role == "agent"]
        if any(p.search(t) for t in agent for p in self.rules.supposed_rejects):
            return True
        if agent and history[-1].role == "agent" and asks_something(history[-1].text):
            return False  # the buyer answers the agent's check (用的哪个充电头): troubleshooting goes on
        parts = message_clauses(message)
        if any(asks_something(c) and any(p.search(c) for p in self.rules.cause_asked) for c in parts):
            return False  # 是不是我装反了 / 是不是漏气: whether it is a defect is the question
        # a clause that tells a state of the goods (打了两次就鼓包了), not an action that does not work
        return any(
            not asks_something(c) and not any(p.search(c) for p in self.rules.troubleshooting) for c in parts
        )

    def supposes(self, message: str) -> bool:
        """Whether the buyer asks about what might happen (要是坏了怎么办 / 咬坏了能换吗): the policy,
        not a complaint."""
        return self.intents.supposes(message) or any(p.search(message) for p in self.rules.supposed)

    def unheld_event(self, reply: str, state: ConversationState) -> str:
        """The first event ``reply`` claims that this chat does not hold (``events.py``), or ``""``.
        A claim that needs the parcel unsent is judged by the stage the chat's own order events
        reached (拍了 急用 is read as a usage question, whose implied delivery is no event), else by
        the conversation's stage (a defect told implies the goods came)."""
        reached = [ORDER_STAGES.index(s.fact.value) for s in state.facts if s.fact.kind == "order_event"]
        stated = ORDER_STAGES[max(reached)] if reached else ""
        rules = self.grounder.extractor.vocabulary.claimed_events
        unshipped = state.parcel_unshipped or self.intents.unshipped(state.texts)
        return unheld(reply, state.texts, state.order_stage, rules, stated, unshipped) or denies_stated(
            reply, state.texts, state.roles, rules, self.grounder.extractor.extract
        )

    def apology_due(self, message: str, state: ConversationState, scenario: str = "") -> str:
        """How the reply opens, from the buyer's newest message and the unanswered turns before it:
        ``full`` (complaint, anger, a defect, a chase), ``light`` (a calm buyer's small problem:
        不影响用 / 跟你们说一声), ``ack`` (a calm follow-up on a problem the agent apologised for),
        ``supposed`` (a question about what might happen) or ``""`` (nothing to apologise for; a
        complaint scenario still opens with empathy)."""
        key = (
            message,
            state.texts,
            state.roles,
            state.anger,
            state.nudge,
            state.apologised,
            scenario,
            state.grievance,
        )
        due = self._apology_seen.get(key)
        if due is None:
            due = self._apology_seen.keep(key, self._apology_due(message, state, scenario))
        return due

    def _recent(self, message: str, state: ConversationState) -> list[str]:
        """The buyer's newest message and their unanswered turns before it, newest first."""
        recent = [message]
        for text, role in zip(reversed(state.texts[:-1]), reversed(state.roles[:-1]), strict=False):
            if role != "buyer":
                break
            recent.append(text)
        return recent

    def kept_waiting(self, message: str, state: ConversationState) -> bool:
        """Whether a chasing buyer was kept waiting: a call (在吗 / 有人吗, ``[empathy] calls``) right after
        the agent's answer (在吗 又来买了 after 感谢亲的支持) starts again, nobody kept them waiting;
        after their own unanswered turn, after the agent only held the line (稍等 我查一下), or with
        words of a wait (怎么不回 / 问了三遍), they were."""
        calls = self.rules.calls
        if not state.nudge or calls is None or not calls.search(message) or len(state.roles) < 2:
            return state.nudge
        if state.roles[-2] == "buyer" or self.grounder.extractor.is_holding(state.texts[-2]):
            return True
        return chases(calls.sub("", message))

    def apology_for(self, message: str, state: ConversationState) -> str:
        """The apology a reply opens with when one is due: for the wait when the buyer only chases
        (有人吗 / 在不在: no anger, threat or problem told), else the escalation prefix."""
        if state.grievance_apology and (
            state.grievance == "promise_passed" or not (state.nudge or state.anger or state.escalation)
        ):
            # (for what the chat shows went wrong: 没按说好的时间, named even to an angry buyer)
            return state.grievance_apology
        if not state.nudge or state.anger or state.escalation:
            return self.rules.escalation_prefix
        extractor = self.grounder.extractor
        if any(extractor.complaint(t) or extractor.escalation(t) for t in self._recent(message, state)):
            return self.rules.escalation_prefix
        return self.rules.pending_prefix

    def _apology_due(self, message: str, state: ConversationState, scenario: str) -> str:
        recent = self._recent(message, state)
        extractor = self.grounder.extractor
        if state.anger or self.kept_waiting(message, state) or any(extractor.escalation(t) for t in recent):
            return "full"
        if state.grievance and not any(w in t for t in recent for w in self.rules.light_words):
            return "full"  # (a promised day passed, an answer that missed: the chat's facts owe it)
        if self.supposes(message) and not any(extractor.complaint(t) for t in recent[1:]):
            return "supposed"
        complained = any(extractor.complaint(t) for t in recent)
        if complained or scenario in self.rules.empathy_scenarios:
            # a problem told calmly (小划痕 不影响用 跟你们说一声 / 就一包漏了 其他还好)
            if any(w in t for t in recent for w in self.rules.light_words):
                return "light"
            if complained:
                return "full"
        if not state.apologised:
            return ""
        # the agent's last word asked for photos or a video (麻烦拍个视频): the problem is still open
        # and the buyer did what was asked, so a light apology, not only an acknowledgement
        agent = next(
            (t for t, r in zip(reversed(state.texts), reversed(state.roles), strict=False) if r == "agent"),
            "",
        )
        if any(p.search(agent) for p in self.rules.supposed_rejects):
            return "light"
        # the agent's last word apologised but promised no remedy yet (抱歉 先重启一下 / 抱歉 里面瓶子没事吧):
        # the problem is still open, so the buyer's follow-up (重启了 还不行) hears a light apology too
        remedy = self.intents.agent_after_sale
        if any(m in agent for m in self.rules.empathy_markers) and not (remedy and remedy.search(agent)):
            return "light"
        return "ack"

    def opening_fits(
        self, reply: str, message: str, state: ConversationState, due: str, scenario: str
    ) -> str:
        """An opening that answers what the buyer did not say, said plainly: 在的 (an answer to 在吗) to a
        buyer who called nobody (``[greeting] present_reply``), 会的 / 有的 to one who asked nothing
        (``yes_reply``), and 让您久等了 to a buyer nobody kept waiting (no chase, no wait said, nothing to
        apologise for: ``[waited] unwaited``)."""
        rules = self.rules
        calls = rules.present_said
        openings: list[tuple[re.Pattern | None, str]] = []
        called = calls is not None and bool(calls.search(message))
        if calls is not None and not state.nudge and not called:
            openings.append((rules.present_reply, rules.present_instead))
        # (有人没 asks whether anyone is there: 有的亲 answers it)
        if (
            not state.nudge
            and not called
            and not any(asks_something(t) for t in self._recent(message, state))
        ):
            openings.append((rules.yes_reply, rules.yes_instead))
        waited = rules.waited
        if (
            due == ""
            and not state.nudge
            and scenario not in rules.empathy_scenarios
            and not (waited is not None and any(waited.search(t) for t in self._recent(message, state)))
        ):
            openings.append((rules.unwaited, rules.unwaited_instead))
        told = rules.told_reply.search(reply[:16]) if rules.told_reply is not None else None
        if told is not None and asks_something(message) and len(reply) - told.end() >= 6:
            # (谢谢亲告诉我 thanks a buyer who told something, not one who asks: 买10袋 能打个折吗)
            rest = reply[told.end() :]
            reply = reply[: told.start()] + (rest if told.start() else rules.told_instead + rest)
        for pattern, instead in openings:
            found = pattern.match(reply) if pattern is not None else None
            rest = reply[found.end() :] if found else ""
            if found and len(rest) >= 6:
                # (亲，亲，… and 亲，好的亲 say it twice)
                reply = rest if rest.startswith(("亲", "好的", "您好")) else instead + rest
        return reply

    def soften(self, reply: str, due: str) -> str:
        """The full apology a reply opens with, made light (不好意思) for a calm buyer's small problem,
        a short acknowledgement (好的亲) for a follow-up already apologised for, and dropped for a
        question about what might happen."""
        pattern = self.rules.strong_apology
        if pattern is None or due not in ("light", "ack", "supposed"):
            return reply
        opening = {"light": self.rules.light_prefix, "ack": self.rules.ack_opening}.get(
            due, self.rules.calm_opening
        )
        softened = pattern.sub(opening, reply, count=1)
        if due == "light" and not any(
            m in softened[: self.rules.empathy_opening_chars] for m in self.rules.empathy_markers
        ):
            # not 不好意思，好的亲 / 不好意思，，
            softened = self.rules.light_prefix + re.sub(r"^好的[，,～~！!]?", "", softened)
        return softened

    def far_objects_down(
        self, candidates: list[Suggestion], similarity: Mapping[str, float]
    ) -> list[Suggestion]:
        """Keep the candidates whose case question is, by meaning, clearly further from what the
        buyer asks than the nearest candidate of the same scenario (about another object) below that
        nearest one: not shown first, still offered after it. Relative to the nearest, not a
        fixed floor: how near a question can come depends on the corpus."""
        known = [c for c in candidates if c.sources and c.sources[0] in similarity]
        if not known:
            return candidates
        # nearest within each scenario: a greeting (亲在吗？) is not pushed below a free-shipping case
        # whose question adds an object to the same words (亲在吗 包邮吗)
        nearest: dict[str, Suggestion] = {}
        for c in known:
            best = nearest.get(c.scenario)
            if best is None or similarity[c.sources[0]] > similarity[best.sources[0]]:
                nearest[c.scenario] = c

        def down(c: Suggestion) -> Suggestion:
            near = nearest.get(c.scenario)
            if near is None or c is near or c.sources[0] not in similarity:
                return c
            ceiling = near.score * self.rules.far_object_penalty
            far = similarity[c.sources[0]] < similarity[near.sources[0]] - self.rules.object_margin
            return dataclasses.replace(c, score=ceiling) if far and c.score > ceiling else c

        return [down(c) for c in candidates]

    def other_values_down(
        self, candidates: list[Suggestion], message: str, questions: Mapping[str, str]
    ) -> list[Suggestion]:
        """Rank below every other candidate those about another value of a kind the buyer's question
        names (香港能寄吗 answered with 新疆、西藏的运费; 能换顺丰吗 with 中通): read from the typed
        facts of the whole message once it asks (我这只有极兔能送 names the courier 能走吗 asks about),
        the reply and the case's own question (``questions``: case id → its
        buyer text), not from phrasings. With no candidate left that is not about another value, the
        factor takes them below ``min_score``: a holding reply is better than another object's answer."""
        if not asked_clause(message):
            return candidates
        extract = self.grounder.extractor.extract
        asked = asked_values(extract(message), self.rules.object_value_kinds)
        if not asked:
            return candidates
        other = [
            another_value(
                asked,
                extract(c.reply),
                [
                    f
                    for f in (
                        extract(questions[c.sources[0]]) if c.sources and c.sources[0] in questions else ()
                    )
                    if f.kind in self.rules.object_question_kinds
                ],
            )
            for c in candidates
        ]
        if not any(other):
            return candidates
        best = max((c.score for c, o in zip(candidates, other, strict=True) if not o), default=None)
        penalty = self.rules.other_value_penalty
        return [
            dataclasses.replace(
                c,
                score=c.score * penalty if best is None else min(c.score * penalty, best * 0.95),
            )
            if o
            else c
            for c, o in zip(candidates, other, strict=True)
        ]

    def other_measure_down(self, candidates: list[Suggestion], message: str) -> list[Suggestion]:
        """Rank below those that take it up the candidates that do not speak of the measure the
        buyer's asking clause compares values of (磨刀石1000目和3000目的区别 answered with how to
        sharpen a knife): read from the figures and the character after them, not from a vocabulary.
        Only when some candidate does take it up: the question's own words still rank the rest."""
        if not self.rules.not_measures:
            return candidates  # (without them 24的 / 2和 would read as measures: the check is off)
        compared = compared_measure(asked_clause(message), self.rules.not_measures)
        if compared is None:
            return candidates
        measure, figures = compared
        off = [not takes_up_measure(c.reply, measure, figures) for c in candidates]
        best = max((c.score for c, o in zip(candidates, off, strict=True) if not o), default=None)
        if best is None or not any(off):
            return candidates
        penalty = self.rules.other_value_penalty
        return [
            dataclasses.replace(c, score=min(c.score * penalty, best * 0.95)) if o else c
            for c, o in zip(candidates, off, strict=True)
        ]

    def suggest(
        self,
        message: str,
        history: Sequence[Turn],
        detection: Any,
        hits: Sequence[Any],
        k: int,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
        asked: Intent | None = None,
        object_similarity: Mapping[str, float] | None = None,
    ) -> Outcome:
        """The ``k`` best grounded, on-intent suggestions, or a holding reply when none is good enough.
        ``object_similarity``: case id → cosine of its own question and the buyer's asking clause."""
        scenario = detection.scenario
        asked = asked if asked is not None else self.asked(message, history, state)
        candidates: list[Suggestion] = []
        rejected: list[str] = []
        top_fused = max((h.score for h in hits), default=0.0) or 1.0
        evidence = self.category_evidence(state)
        # the parts of a question of several (会起球吗 洗了会缩水吗): the buyer's own words
        parts = self.intents.question_parts(message)
        # what this whole conversation is about, for cases written for another conversation's turns
        chat_parts = self.intents.parts(" ".join(state.texts)) if history else frozenset()
        words = frozenset(p for p in self.intents.parts(message) if p not in self.intents.objects)
        # the objects the chat's last turns named (退货 / 寄回), against which a case may speak of a neighbour
        chat_objects = (
            frozenset().union(
                *(self.intents.parse(t.text).objects for t in history[-self.rules.neighbour_turns :])
            )
            & self.intents.in_chat
            if history
            else frozenset()
        )
        # the buyer comes back to the agent's promise (又是黑色 after 给您补寄卡其色): a reply that does not
        # take it up (asks for photos as if it were the first time) ranks below the holding reply
        promise = self.promised(state.texts[-1] if state.texts else message, state)
        # the buyer said what the problem is: earlier, or now with a named object (又发错了 / 退款)
        told = said_before(history, self.rules) or bool(asked.objects)
        supposed = self.apology_due(message, state) == "supposed"
        buyer_said = [t.text for t in history if t.role == "buyer"] + [message]
        chat_said = [t.text for t in history] + [message]
        # replies asking for what the buyer already gave (their address, photos, height, order number)
        asks_again = [
            asks
            for n, (given, asks) in enumerate(self.rules.already_given)
            if any(
                p.search(t)
                for t in (chat_said if n in self.rules.known_in_chat else buyer_said)
                for p in given
            )
        ]
        # slots whose shop fact does not fit this chat (the policy restated to a buyer it failed; the
        # express courier sold to a buyer the agent told it is the default)
        unfit: set[str] = set()
        if any(p.search(message) for p in self.rules.overdue):
            unfit |= set(self.rules.overdue_slots)
        express = self.grounder.shop.slots.get("express_courier", "")
        if express and any(express in v for v in state.values("courier", "agent")):
            unfit |= set(self.rules.express_slots)
        for stages, stage_slots in self.rules.stage_unfit:
            if state.order_stage in stages:
                unfit |= stage_slots
        unfit |= self.said_unfit(history, message, state)
        # a sold-out item is not promised a dispatch time (已售罄，不是预售的话付款后48小时内发出)
        listed = self.grounder.extractor.product(state.item.product_id) if state.item else None
        sold_out = listed is not None and listed.stock == "sold_out"
        if sold_out:
            unfit |= set(self.rules.sold_out_slots)
        unsaid_seen: dict[int, bool] = {}
        # what the buyer's asking clause is about, beside the item and the chat so far (asked_object.py)
        items = [w for w, _ in self.grounder.extractor.category_words(message)]
        object_words = asked_object(message, [t.text for t in history], items)

        def unsaid(n: int, said: tuple[re.Pattern, ...], anyone: bool) -> bool:
            """Whether the chat does not say what [needs_said] rule ``n`` needs: read once per request,
            not again for every candidate whose reply the rule concerns (hot path)."""
            if n not in unsaid_seen:
                turns = chat_said if anyone else buyer_said
                unsaid_seen[n] = not any(p.search(t) for t in turns for p in said)
            return unsaid_seen[n]

        for hit in self.eligible(hits, scenario):
            case = hit.case
            if sold_out and any(p.search(case.reply) for p in self.rules.sold_out_replies):
                rejected.append("unfit")  # 已售罄，能拍的话可以放心下单
                continue
            if case.categories and state.category and state.category not in case.categories:
                rejected.append("category")
                continue
            if case.categories and not state.category and not (evidence & set(case.categories)):
                rejected.append("category")  # clothing wording for a buyer whose item may be anything
                continue
            if not self.knowledge_fits(case, message, history, state, hit.similarity, scenario):
                rejected.append("knowledge")  # how honey crystallises, to a question about its price
                continue
            if supposed and any(p.search(case.reply) for p in self.rules.supposed_rejects):
                rejected.append("supposed")  # a photo asked of a buyer whose item is not broken
                continue
            if told and any(p.search(case.reply) for p in self.rules.restate):
                rejected.append("restate")  # asks for the problem the buyer already described
                continue
            if unfit & set(SLOT_PATTERN.findall(case.reply)):
                rejected.append("unfit")
                continue
            if any(
                (not scenarios or scenario in scenarios)
                and any(p.search(case.reply) for p in replies)
                and unsaid(n, said, anyone)
                for n, (said, replies, anyone, scenarios) in enumerate(self.rules.needs_said)
            ):
                # thanks a returning customer the buyer never said they were; promises the reshipment
                # nobody mentioned
                rejected.append("unsaid")
                continue
            if any(
                state.order_stage in stages
                and (not scenarios or scenario in scenarios)
                and any(p.search(case.reply) for p in replies)
                for stages, scenarios, replies in self.rules.stage_replies
            ):
                rejected.append("stage")  # 收到后有问题找我 to a buyer still browsing
                continue
            if any(p.search(case.reply) for asks in asks_again for p in asks) or (
                state.item is not None and any(p.search(case.reply) for p in self.rules.asks_item)
            ):
                rejected.append("asks_again")
                continue
            answered = self.case_intent(case)
            if self.intents.conflicts(asked, answered, state.order_stage):
                rejected.append("intent")
                continue
            if self.intents.other_direction(message, chat_said[:-1], self.case_objects(case), case.scenario):
                rejected.append("intent")  # the shop's dispatch (发什么快递) for a return asked about
                continue
            case_topics = self.case_intent(case).objects | self.case_objects(case) | {case.scenario}
            adapted, why = self.adapt(case.reply, message, history, scenario, state, case_topics)
            if adapted is None:
                rejected.append(why)
                continue
            reply, violations, fixes, fill_ins, changes = adapted
            if set(fill_ins) & self.rules.lookup_fill_ins:
                # 库存：【库存情况】 leaves the answer to the agent: the scenario's own lookup reply
                # (我马上帮您查一下库存) says so and can be sent as it is
                rejected.append("lookup")
                continue
            if state.escalated and (
                fill_ins
                or (
                    case.scenario not in self.rules.empathy_scenarios
                    and not self.entitled(case, message, state)
                )
            ):
                # an escalating buyer gets a complaint reply that needs no unknown fact (or one for the
                # remedy the agent offered and the buyer takes), or the holding one
                rejected.append("escalation")
                continue
            # cosine similarity says "close in meaning", the fused rank adds "shares the buyer's words"
            relevance = 0.5 * hit.similarity + 0.5 * hit.score / top_fused
            score = relevance * length_fit(message, reply, self.rules)
            if not self.of_scenario(case, scenario):
                score *= 0.8
            if asked.objects:
                case_parts = self.case_parts(case)
                # a property asked by its own word (磨脚) is answered by a case naming that word, not by
                # another word of the same object (透气)
                matched = (words & case_parts) if words else (asked.objects & answered.objects)
                if matched:
                    score *= 1.15
                elif not answered.objects and not case_parts:
                    score *= 0.9
                elif answered.objects and not (asked.objects & case_parts):
                    score *= self.rules.another_object_penalty  # about another object, not this one
                else:
                    score *= 0.8
            if object_words and another_object(
                object_words,
                case.buyer,
                reply,  # (adapted: a slot filled with this chat's value names it, 改发圆通)
                [w for w, _ in self.grounder.extractor.category_words(case.buyer)],
            ):
                score *= self.rules.other_question_penalty  # its buyer asked about something else
            spoken = self.case_objects(case)
            if self.neighbours(asked, chat_objects, spoken):
                score *= self.rules.neighbour_object_penalty  # about a neighbour (取消后退款 for a return)
            if (
                asked.question_types
                and answered.question_types
                and not (asked.question_types & answered.question_types)
            ):
                score *= 0.92
            if case.categories and not state.category:
                score *= 0.9  # category wording for a buyer whose item is unknown
            score *= self.rules.fill_in_penalty ** len(fill_ins)
            if len(parts) >= 2 and not parts <= self.case_parts(case):
                score *= self.rules.partial_answer_penalty
            if promise and promise[1] not in reply:
                score *= self.rules.promise_ignored_penalty
            # a reply written for a conversation (or a buyer type) may refer to what this buyer never said
            if case.context and not history:
                score *= 0.85
            elif case.context and self.context_parts(case) and not (self.context_parts(case) & chat_parts):
                score *= self.rules.context_mismatch_penalty  # its turns were about what this chat is not
            if case.buyer_type and case.buyer_type != detection.buyer_type:
                score *= 0.85
            if any(getattr(v, "severity", "") == "error" for v in violations):
                score *= 0.3  # an error violation must never be the top suggestion
            if score >= self.rules.min_score:
                score *= state.echo_factor(reply)  # restates this chat's own facts (the courier it named)
            candidates.append(
                Suggestion(
                    reply=reply,
                    score=score,
                    sources=(case.id,),
                    scenario=case.scenario,
                    violations=violations,
                    fixes=fixes,
                    guidance=guidance_ids,
                    template=case.reply,
                    fill_ins=fill_ins,
                    changes=changes,
                )
            )
        if object_similarity:
            candidates = self.far_objects_down(candidates, object_similarity)
        candidates = self.complete_knowledge_first(candidates, hits, message, state)
        candidates = self.own_kind_first(candidates, hits, state)
        # answers computed from the shop's own numbers, charts and catalog (every part they answer
        # was asked): ranked first, and never joined with a second reply
        # the buyer answering the sum the agent offered (15太少 给25吧) is answered on that sum alone
        # (the other computed answers would read its 太少了 as a missing item)
        offer = self.offer_answer(message, history, scenario, state, guidance_ids)
        computed = [
            c
            for c in (
                self.threshold_answer(message, history, scenario, state, guidance_ids),
                self.size_answer(message, history, scenario, state, guidance_ids),
                self.details_answer(message, history, scenario, state, guidance_ids),
                self.money_answer(message, history, scenario, state, guidance_ids),
                self.refund_time_answer(message, history, scenario, state, guidance_ids),
                self.range_answer(message, history, scenario, state, guidance_ids),
                self.recommend_answer(message, history, scenario, state, guidance_ids),
                self.greeting_item_answer(message, history, scenario, state, guidance_ids),
                self.missing_answer(message, history, scenario, state, guidance_ids),
            )
            if c is not None
        ]
        if offer is not None:
            computed = [offer]
        candidates.extend(computed)
        # a reply telling what never happened in this chat (换了新的还是不行 to a buyer never given an
        # exchange, 退款成功 while the refund has not moved, 让仓库优先安排 for goods in hand): not shown
        held = [c for c in candidates if not self.unheld_event(c.reply, state)]
        if len(held) < len(candidates):
            rejected.append("event")
            candidates = held
        # a reply about another place or courier than the one asked is never first (asked_object.py)
        candidates = self.other_values_down(candidates, message, {h.case.id: h.case.buyer for h in hits})
        # …nor one that does not speak of the measure the buyer compares values of (1000目和3000目)
        candidates = self.other_measure_down(candidates, message)
        chosen = self._distinct(sorted(candidates, key=lambda s: -s.score), k, state.echo_factor)
        chosen = [s for s in chosen if not s.has_error and s.score >= self.rules.min_score]
        if chosen and offer is not None and chosen[0].reply == offer.reply:
            chosen = chosen[:1]  # another case's reply would restart at the problem or promise a sum
        if chosen and len(parts) >= 2 and chosen[0].reply not in {c.reply for c in computed}:
            chosen[0] = self.answer_every_part(chosen[0], candidates, parts, message, history, scenario)
        if chosen and self.money is not None and not chosen[0].fallback:
            chosen[0] = self.ordered_first(chosen[0], message, history, scenario)
        if chosen:
            chosen[0] = self.said_back(chosen[0], message, history, scenario, state)
            chosen[0] = self.details_named(chosen[0], message, history, scenario, state)
        if chosen:
            composed = chosen[0].reply in {c.reply for c in computed}
            if not composed:
                buyers = {h.case.id: h.case.buyer for h in hits}
                chosen[0] = self.answer_waiting(
                    chosen[0], candidates, message, history, scenario, state, buyers
                )
            # the question each case of category knowledge was written for, which its reply answers
            known = {
                h.case.id: " ".join([h.case.buyer, *h.case.tags])
                for h in hits
                if self.rules.knowledge_tag and self.rules.knowledge_tag in h.case.tags
            }
            chosen[0] = self.check_the_rest(chosen[0], message, history, scenario, state, not composed, known)
            chosen[0] = self.amount_named(chosen[0], message, history, scenario)
            chosen[0] = self.pick_promised(chosen[0], message, history, scenario, state)
            chosen[0] = self.escalation_named(chosen[0], message, history, scenario, state)
            chosen[0] = self.waited_named(chosen[0], message, history, scenario, state)
            chosen[0] = self.deadline_named(chosen[0], message, history, scenario, state)
            chosen[0] = self.deadline_asked(chosen[0], message, history, scenario, state)
            return Outcome(chosen[:k])
        # nothing grounded and on-intent is good enough: the scenario's safe reply, or hold back
        reason = _abstain_reason(hits, rejected, candidates, self.rules.min_score)
        # goods in hand and a how-to or troubleshooting question, no defect told: help now, neither
        # the defect template nor a bare hold ([usage_help])
        helped = self.usage_help_reply(message, history, scenario, state, guidance_ids)
        if helped is not None:
            return Outcome([helped], fallback=True, reason=reason)
        template = self.rules.fallback.get(scenario)
        if template and scenario == "greeting" and conversation_started(history):
            # a buyer back in a conversation (还在吗) is not welcomed as a new visitor
            template = drop_greeting(template, self.rules) or None
        # a safe reply that asks the buyer back (您最关心的是…呢？) only fits a vague message; a buyer
        # who asked something specific gets the holding reply instead of being asked again
        probing = bool(template) and re.search(r"[？?]|呢|哪一?方面", template) is not None
        specific = bool(asked.objects) or len(message.strip()) > 8 or bool(history) or state.nudge
        if probing and specific and scenario != "greeting" and scenario not in self.rules.fallback_asks_back:
            template = None
        if template and not self.confirms(template, message):
            template = None  # 是我自己下载是吗 is not answered with the invoice types
        if template and (
            any(p.search(template) for asks in asks_again for p in asks)
            or unfit & set(SLOT_PATTERN.findall(template))
        ):
            template = None  # the safe reply would ask for what the buyer gave, or state an unfit fact
        # the detector must be fairly sure of the scenario before its safe reply stands in; a first
        # message naming no item may have a scenario's own floor ([fallback_confidence]: a lone 加个好友吧
        # is no buyer; 在吗 问一下这个电饭煲 is one)
        floor = 0.5 if history or state.item else self.rules.fallback_confidence.get(scenario, 0.5)
        if template and self.needs_no_lookup(message, history, detection, asked, state):
            floor = 0.0  # 太贵了 / 我再想想: nothing to check, the etiquette answer is the answer
        held = template is None or detection.scenario_confidence < floor
        if held and self.greets_only(message, history, scenario, state, asked):
            # a first message that greets and says what the buyer is after, asking nothing yet (hi 在吗
            # 想给猫买点东西): there is nothing to check, so the greeting, however unsure the detector is
            # (a scenario's own safe reply that stands, a non-buyer's polite redirect, is kept)
            template, floor = self.rules.fallback.get("greeting"), 0.0
        vocabulary = self.grounder.extractor.vocabulary
        if (
            not history
            and scenario == vocabulary.complaint_scenario
            and self.grounder.extractor.complaint(message)
        ):
            floor = 0.0  # a first message naming the defect (盘子碎了两个): the complaint's safe reply fits
        if supposed and scenario == self.rules.supposed_scenario:
            floor = 0.0  # 如果漏了呢 asks the policy: the return/exchange safe reply answers it
        if (
            template
            and scenario == vocabulary.complaint_scenario
            and not self.problem_told(message, history, state)
        ):
            # 配对不上 / 是不是我哪装反了: a how-to or troubleshooting question tells no defect, harm or
            # anger, so no photo for an exchange or refund; the holding reply names what is asked
            template = None
        if template and not state.escalated and detection.scenario_confidence >= floor:
            adapted, _ = self.adapt(template, message, history, scenario, state)
            if (
                adapted is not None
                and not adapted[3]
                # not one that speaks of a neighbour (偏远地区 for what 顺丰 costs): hold instead
                and not self.neighbours(asked, chat_objects, self.intents.parse(adapted[0]).objects)
                # nor one written for the other way (满99包邮 for the postage of a return)
                and not self.intents.other_direction(
                    message, chat_said[:-1], self.intents.parse(adapted[0]).objects, scenario
                )
                # nor one presuming another order stage or an option the chat replaced (a stock check
                # of what was ordered, the dispatch time once shipped or beside a same-day dispatch)
                and not self.unheld_event(adapted[0], state)
            ):
                reply, violations, fixes, fill_ins, changes = adapted
                safe = Suggestion(
                    reply,
                    0.0,
                    (),
                    scenario,
                    violations,
                    fixes,
                    guidance_ids,
                    True,
                    template,
                    fill_ins,
                    changes,
                )
                if not safe.has_error:
                    if getattr(detection, "moved_from", ""):
                        safe = self.then_the_question(safe, message, history, detection, hits, state, asked)
                    safe = self.ordered_first(safe, message, history, scenario)
                    safe = self.said_back(safe, message, history, scenario, state)
                    safe = self.details_named(safe, message, history, scenario, state)
                    # (a safe reply answers one question: the others asked are named as checked)
                    safe = self.check_the_rest(safe, message, history, scenario, state)
                    safe = self.amount_named(safe, message, history, scenario)
                    safe = self.waited_named(safe, message, history, scenario, state)
                    safe = self.deadline_named(safe, message, history, scenario, state)
                    safe = self.deadline_asked(safe, message, history, scenario, state)
                    return Outcome([safe], fallback=True, reason=reason)
        holding = self.holding_reply(message, history, scenario, state, guidance_ids)
        if above := " ".join(self.waiting_turns(message, history)):
            # a question still waiting above the message is held with it (滤芯多久换一次、配件在哪买),
            # when the reply can name every question (not 续航的问题 alone for 续航呢 → 延迟高不高)
            both = self.holding_reply(f"{above} {message}", history, scenario, state, guidance_ids)
            wording = self.rules.wording
            asked = [*self.asking_clauses(message), *self.waiting_clauses(message, history)]
            if all(covers(both.reply, c, wording.content_pairs) for c in asked):
                holding = both
        confirmed = self.details_named(holding, message, history, scenario, state)
        if not confirmed.holding:
            return Outcome([confirmed], fallback=True, reason=reason)  # 个人 王芳 confirmed, not held
        holding = self.amount_named(confirmed, message, history, scenario)
        holding = self.subject_named(holding, message, history, scenario, state)
        holding = self.escalation_named(holding, message, history, scenario, state)
        holding = self.safety_first(holding, message, history, scenario)
        holding = self.waited_named(holding, message, history, scenario, state)
        holding = self.deadline_named(holding, message, history, scenario, state)
        holding = self.deadline_asked(holding, message, history, scenario, state)
        return Outcome([holding], fallback=True, abstained=True, reason=reason)

    def usage_help_reply(
        self,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """The reply that starts helping a buyer with goods in hand who asks how to do something or why
        they behave so (``[usage_help]``, ``usage_help.py``), or None: the chat must have reached a stage
        with the goods delivered, the scenario be a question about the goods, and neither the newest
        message tell a defect, harm or threat nor the buyer be angry or wronged (those get the
        complaint's reply and an apology)."""
        rules = self.rules.usage_help
        if scenario not in rules.scenarios or state.order_stage not in rules.stages:
            return None
        if state.category in rules.not_categories:
            return None  # (goods eaten, not operated: no manual, no step to film)
        angry = [w for w in state.anger if not rules.asked_as_trouble(w, message)]
        # (the agent already apologised for it: a problem taken up, still open, 充了一晚上 还是不亮)
        if angry or state.escalated or state.grievance or state.nudge or state.apologised:
            return None
        # (a photo or video of it asked or sent: the problem is being handled, 照片发你了)
        if any(
            p.search(t) for t in [message, *(t.text for t in history)] for p in self.rules.supposed_rejects
        ):
            return None
        extractor = self.grounder.extractor
        # (a defect told earlier: the after-sale talk is about it, 滴管坏了 … 那滴管到之前我怎么用)
        said = [t.text for t in history if t.role == "buyer"] + [message]
        if any(extractor.complaint(t) or extractor.escalation(t) for t in said):
            return None
        kind = rules.kind(message)
        # one question, the one read: another asked beside it (要不要乳化 / 多久一次 / 是不是只支持2.4G)
        # would be dropped, so the holding reply names them all instead
        if not kind or any(not rules.kind(c.text) for c in self.asking_clauses(message)):
            return None
        # a how-to that names no clean action (怎么领 / 5kg的猫怎么滴 / 咋除) is held naming what it asks;
        # 这个能怎么处理 after a defect told, which the reply apologises for, is no how-to
        if kind == "howto" and (not rules.howto_topic(message) or self.apology_due(message, state, scenario)):
            return None
        # what is looked at together: the figures the buyer names (2.4G、5G), else the action they try
        # (调色温), else their item (耳机), else the part they name (螺丝)
        values = [
            v
            for v in dict.fromkeys(self.whole(state.asked_now(HOLDING_FACT_KINDS), state))
            if re.search(r"\d", v) and not re.fullmatch(r"[\d.]+", v)
        ][:2]
        names = [
            "、".join(values),
            rules.howto_topic(message),
            state.item.word if state.item else "",
            self.intents.thing(message, limit=1, bare=True),
        ]
        for thing in dict.fromkeys([n for n in names if n] + [""]):
            template = rules.reply(message, thing)
            if not template:
                return None
            adapted, _ = self.adapt(template, message, history, scenario, state)
            if adapted is None or adapted[3]:
                return None
            if not thing or not any(c.was in thing or thing in c.was for c in adapted[4] if c.was):
                break  # (the buyer's words read as another fact, 怎么调色温 as a colour, name it by the next)
        reply, violations, fixes, fill_ins, changes = adapted
        helped = Suggestion(
            reply, 0.0, (), scenario, violations, fixes, guidance_ids, True, template, fill_ins, changes
        )
        return None if helped.has_error else helped

    def then_the_question(
        self,
        first: Suggestion,
        message: str,
        history: Sequence[Turn],
        detection: Any,
        hits: Sequence[Any],
        state: ConversationState,
        asked: Intent,
    ) -> Suggestion:
        """The complaint's reply with the buyer's other question answered second (包装破了…另外发票
        能开吗), when a grounded, on-intent reply of the question's own scenario exists."""
        question = dataclasses.replace(detection, scenario=detection.moved_from, moved_from="")
        outcome = self.suggest(message, history, question, hits, 1, state, first.guidance, asked)
        if outcome.abstained or outcome.fallback or not outcome.suggestions:
            return first
        other = outcome.suggestions[0]
        reply = self.joined_reply(first.reply, other.reply)
        if len(reply) > self.rules.part_max_chars or other.fill_ins or self.same_promise(first, other):
            return first
        return self.rewritten(
            first,
            reply,
            message,
            history,
            detection.scenario,
            "先处理问题，再答另一问 the complaint first, then the question",
            sources=first.sources + other.sources,
            changes=(*first.changes, *other.changes),
        )

    def waited_named(
        self,
        top: Suggestion,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState | None = None,
    ) -> Suggestion:
        """A buyer who says how long they have waited (都5天了 / 三天了没动 / 第8天了) hears an apology first
        when the reply opens with none (judges: "no apology for the delay"; ``[waited]``): its plain
        opening words (好的亲，) give way to the prefix."""
        rules = self.rules
        if not rules.waited_prefix or rules.waited is None or not rules.waited.search(message):
            return top
        if rules.waited_not is not None and rules.waited_not.search(message):
            return top
        chased = rules.waited_chase is not None and rules.waited_chase.search(message)
        if chased and state is not None and state.order_stage == "browsing" and not state.nudge:
            # a buyer with no order who chases nobody, telling how long of their own (我怀孕四个月了 这个能用吗),
            # waits for nothing of ours; 都第8天了 after the agent's 定制需要5-7天 does
            found = rules.waited.search(message)
            clause = re.split(r"[\s，,。！!？?]+", message[: found.start()])[-1] if found else ""
            if clause.startswith("我") and not re.search(r"等|催|问|没", clause):
                chased = None
        if scenario not in rules.waited_scenarios and not chased:
            return top
        if any(marker in top.reply[: rules.empathy_opening_chars] for marker in rules.empathy_markers):
            return top
        rest = rules.waited_opening.sub("", top.reply, count=1) if rules.waited_opening else top.reply
        return self.rewritten(
            top, rules.waited_prefix + rest, message, history, scenario, "久等先致歉 an apology for the wait"
        )

    def day_to_name(
        self, top: Suggestion, scenario: str, key: str, read_day: Callable[[], str | None]
    ) -> tuple[str, str] | None:
        """``(wording, day)`` for naming a buyer's day in ``top`` (``[subject] key``, shown for the
        scenarios of ``key_scenarios``), or None: no wording, another scenario, no day read, or a reply
        that names the day already. Shared by ``deadline_named`` and ``deadline_asked``."""
        wording = str(self.rules.subject.get(key, ""))
        if not wording or scenario not in self.rules.subject.get(f"{key}_scenarios", ()):
            return None
        day = read_day()
        if not day or day in top.reply:
            return None
        return wording, day

    def deadline_named(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str, state: ConversationState
    ) -> Suggestion:
        """The day the buyer needs the goods by (下周三要出差 / 周末要去露营 / 10号前一定要到), named once in
        a top reply that leaves it out (``[subject] deadline``: 您周末要去露营，我记下了，), after its opening
        words, or after the sentence of an apology it opens with; only a day ``wanted_date`` reads."""
        table = self.rules.subject
        gate = self.day_to_name(top, scenario, "deadline", state.wanted_date)
        if gate is None:
            return top
        wording, date = gate
        said = str(table.get("deadline_said", ""))
        # the buyer's own words of the need, from the day to the end of its clause (周末要去露营 / 10号前一定
        # 要到), newest first; only a day the buyer says they need it by, not one they ask whether it can
        # arrive by (明天能到吗: the reply answers that, it notes no need)
        buyer = [message, *reversed([t.text for t in history if t.role == "buyer"])]
        need = next(
            (
                re.match(r"[^，。！？,.!?\s～~]*", t[i:]).group(0)
                for t in buyer
                if (i := t.find(date)) >= 0 and (not said or re.match(said, t[i + len(date) :]))
            ),
            None,
        )
        if need is None:
            return top
        need = re.sub(str(table.get("deadline_end", "$^")), "", need)
        if len(need) > int(table.get("deadline_longest", 10)):
            need = ""  # (a long clause is not said back word for word: the day alone)
        named = (
            wording.replace("{need}", need)
            if need
            else str(table.get("deadline_day", "")).replace("{date}", date)
        )
        if not named:
            return top
        reply = top.reply
        if any(m in reply[: self.rules.empathy_opening_chars] for m in self.rules.empathy_markers):
            end = re.search(r"[。！!；;]", reply)
            if end is None or end.end() >= len(reply):
                return top
            reply = reply[: end.end()] + named + reply[end.end() :]
        else:
            reply = self.after_opening(reply, named, past_short_clause=True)
        return self.rewritten(
            top, reply, message, history, scenario, "点明买家要用的日子 the day the buyer needs it by"
        )

    def deadline_asked(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str, state: ConversationState
    ) -> Suggestion:
        """The day the buyer asks to have the goods by (15号能到不 / 周五出差要穿 能加急吗 / 今天下单来得及
        吗 after 15号), named in a top reply that leaves it out, with an honest check of it
        (``[subject] deadline_asked``: 15号前能不能送到，我再帮您确认一下。): the shop's usual times do
        not tell whether that day is met, so no yes the reply opened with stands (``deadline_asked_yes``);
        a rush asked for (``deadline_rush``) is named in the check, a held reply checks the day too."""
        table = self.rules.subject
        gate = self.day_to_name(top, scenario, "deadline_asked", state.asked_date)
        if gate is None:
            return top
        wording, date = gate
        date = "".join(date.split())  # (12月20 号 is named 12月20号)
        # (明天前 / 周五前前 read badly: a day ending so is named bare)
        by = date if re.search(str(table.get("deadline_asked_bare", "$^")), date) else f"{date}前"
        # the buyer's turns the agent has not answered yet: a rush asked for there is checked as one
        waiting = [message]
        for turn in reversed(history):
            if turn.role != "buyer":
                break
            waiting.append(turn.text)
        rush = re.search(str(table.get("deadline_rush", "$^")), " ".join(waiting))
        key = "deadline_asked_hold" if top.holding else "deadline_asked_rush" if rush else "deadline_asked"
        clause = str(table.get(key, wording)).replace("{by}", by)
        reply = re.sub(str(table.get("deadline_asked_yes", "$^")), "", top.reply, count=1).rstrip()
        if not reply:
            return top
        if reply[-1] not in "。！!？?～~":
            reply += "。"
        return self.rewritten(
            top,
            reply + clause,
            message,
            history,
            scenario,
            "买家问的日子，核实能否赶上 the day asked, checked",
        )

    def same_promise(self, first: Suggestion, second: Suggestion) -> bool:
        """Whether both halves of a joined reply promise a check (``[grounding] part_promise``): judges
        mark the second promise down as duplicated."""
        promise = self.rules.part_promise
        if promise is not None and promise.search(first.reply) and promise.search(second.reply):
            return True
        # a second half that says again what the first said (支持7天无理由退 twice) adds nothing
        size = self.rules.part_repeat
        if size <= 0:
            return False
        said = "".join(re.findall(r"[\u4e00-\u9fff\d]+", first.reply))
        # (its opening words are not said when joined: 非常抱歉… opening both halves is no repeat)
        rest = re.sub(self.rules.part_opening, "", second.reply.removeprefix(self.rules.escalation_prefix))
        again = "".join(re.findall(r"[\u4e00-\u9fff\d]+", rest))
        return any(again[i : i + size] in said for i in range(len(again) - size + 1))

    def foreign_half(self, first: Suggestion, second: Suggestion, chat: str) -> bool:
        """Whether a second half is about another thing than this chat (``part_foreign``: 帆布 in a wool
        chat, a parcel at the station in a refund-only chat) or says the opposite of the first
        (``part_contradicts``: 基本不会缩水 / 会有轻微回缩): judges mark such joins down as wrong."""
        said = first.reply + " " + chat
        for word, needed in self.rules.part_foreign:
            for match in word.finditer(second.reply):
                if (needed.search(said) is None) if needed is not None else (match.group(0) not in said):
                    return True
        return any(
            (one.search(first.reply) and other.search(second.reply))
            or (other.search(first.reply) and one.search(second.reply))
            for one, other in self.rules.part_contradicts
        )

    def joined_reply(self, first: str, second: str) -> str:
        """Two replies said as one: ``second`` without its opening words (好的亲 / the escalation
        apology) after ``first`` and the part joiner (另外)."""
        rest = re.sub(self.rules.part_opening, "", second.removeprefix(self.rules.escalation_prefix))
        return first.rstrip("。～~！!") + "。" + self.rules.part_joiner + rest

    def answer_every_part(
        self,
        top: Suggestion,
        candidates: Sequence[Suggestion],
        parts: frozenset[str],
        message: str,
        history: Sequence[Turn],
        scenario: str,
    ) -> Suggestion:
        """The top suggestion with the best other reply appended when the buyer asked several things
        (什么时候发货 发什么快递) and the top one answers only some: both halves are grounded replies."""
        covered = self.parts_of(top)
        if parts <= covered:
            return top
        missing = parts - covered
        chat = " ".join([*(t.text for t in history), message])
        for other in sorted(candidates, key=lambda s: -s.score):
            if other is top or other.has_error or other.score < self.rules.min_score * self.rules.part_floor:
                continue
            if not (self.parts_of(other) & missing) or bigram_overlap(top.reply, other.reply) > 0.3:
                continue
            joined = self.joined_with(
                top,
                other,
                chat,
                message,
                history,
                scenario,
                "两问都答 answered every part of the question",
                fill_ins=tuple(dict.fromkeys((*top.fill_ins, *other.fill_ins))),
            )
            if joined is not None:
                return joined
        return top

    def joined_with(
        self,
        top: Suggestion,
        other: Suggestion,
        chat: str,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        fix: str,
        **fields: Any,
    ) -> Suggestion | None:
        """``top`` with ``other``'s reply joined after it (answer_every_part, answer_waiting); ``top``
        itself when ``other`` promises the same check (it covers the rest: no second promise, nor a
        guess); None when ``other`` cannot be joined (half of it about another chat, or too long)."""
        if self.same_promise(top, other):
            return top
        if self.foreign_half(top, other, chat):
            return None
        reply = self.joined_reply(top.reply, other.reply)
        if len(reply) > self.rules.part_max_chars:
            return None
        return self.rewritten(
            top,
            reply,
            message,
            history,
            scenario,
            fix,
            sources=top.sources + other.sources,
            changes=(*top.changes, *other.changes),
            **fields,
        )

    def answer_waiting(
        self,
        top: Suggestion,
        candidates: Sequence[Suggestion],
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        buyers: dict[str, str] | None = None,
    ) -> Suggestion:
        """The top suggestion with a grounded reply to the buyer's question still waiting above the
        message joined after it (…会起球。另外，毛衣正常洗护不会明显褪色…), when the top leaves that
        question open and another reply answers it in its words: as answer_every_part joins the parts
        of one message (check_the_rest then names what is still open). ``buyers``: each case's buyer
        turn, by id: a reply saying back words of its own buyer that this chat never said (退回付款时用
        的余额宝 for a buyer who paid by card) answers another chat, and is not joined."""
        wording = self.rules.wording
        item = (state.item.text,) if state.item else ()

        def answers(reply: Suggestion, clause: Clause) -> bool:
            return covers(reply.reply, clause, wording.content_pairs, item, wording.answered_by) or bool(
                self.intents.parts(clause.text) & self.parts_of(reply)
            )

        left = [c for c in self.waiting_clauses(message, history) if not answers(top, c)]
        if not left:
            return top
        chat = " ".join([*(t.text for t in history), message])
        for other in sorted(candidates, key=lambda s: -s.score):
            if other is top or other.has_error or other.fill_ins:
                continue
            if other.score < self.rules.min_score * self.rules.part_floor:
                break
            if not any(answers(other, c) for c in left) or bigram_overlap(top.reply, other.reply) > 0.3:
                continue
            if any(self.says_its_buyer(other.reply, (buyers or {}).get(i, ""), chat) for i in other.sources):
                continue
            joined = self.joined_with(
                top,
                other,
                chat,
                message,
                history,
                scenario,
                "先前的问题也答了 answered the question waiting above",
            )
            if joined is not None:
                return joined
        return top

    @staticmethod
    def says_its_buyer(reply: str, buyer: str, chat: str, size: int = 3) -> bool:
        """Whether ``reply`` says ``size`` characters in a row of its own case's ``buyer`` turn that
        ``chat`` never says (余额宝 of 我用的余额宝): what that buyer told, not this one."""
        said = "".join(re.findall(r"[\u4e00-\u9fff]+", buyer))
        pieces = {said[i : i + size] for i in range(len(said) - size + 1)}
        return any(p in reply and p not in chat for p in pieces if re.fullmatch(r"[\u4e00-\u9fff]+", p))

    def check_the_rest(
        self,
        top: Suggestion,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        with_waiting: bool = True,
        known: dict[str, str] | None = None,
    ) -> Suggestion:
        """The top suggestion to a message of several questions, with one clause naming the parts it
        does not answer, which the agent checks (开锅… 另外能不能进洗碗机，我帮您确认一下再回复您): no
        part is silently dropped (a second grounded reply is joined before, by answer_every_part, where
        one answers it). Left as it is when it answers every part; a retrieved reply that answers none
        of them, in the buyer's words or by a known part, says it checks them all (``check_all``).
        ``with_waiting``: the buyer's questions still waiting above the message count as parts too
        (那会掉色吗 → 还有会起球不); not for an answer worked out for the message (a sum answers 算一下呗
        and the 三双到手多少 above it alike). ``known``: the question (and tags) of each case of category
        knowledge, by id: a reply from one answers what its question names in words of its own (过滤部件
        隔几周就要换 for 滤芯多久换一次), so it does not say it will check that too."""
        wording = self.rules.wording
        if top.holding or not wording.check:
            return top
        clauses = self.asking_clauses(message)
        waiting = self.waiting_clauses(message, history) if with_waiting else []
        if len(clauses) < 2 and not waiting:
            return top
        answered = self.parts_of(top)
        item = (state.item.text,) if state.item else ()  # naming the item answers nothing

        about = " ".join((known or {}).get(source, "") for source in top.sources).strip()

        def asked_there(clause: Clause) -> bool:
            # every part of what the clause asks is in the case's question (滤芯 and 换一次 in 宠物饮水机
            # 多久换一次滤芯), not one word of it (设置 of 路由器设置网址打不开 for wifi密码咋设置)
            content = clause.content
            for word in item:
                content = content.replace(word, " ")
            chunks = [c for c in content.split() if len(c) >= wording.content_pairs]
            return bool(about and chunks) and all(
                covers(about, Clause("", "", chunk), wording.content_pairs) for chunk in chunks
            )

        def missed(clause: Clause) -> bool:
            return (
                not covers(top.reply, clause, wording.content_pairs, item, wording.answered_by)
                and not (self.intents.parts(clause.text) & answered)
                and not asked_there(clause)
            )

        def touches(clause: Clause) -> bool:
            # one piece of the clause's content (上楼 of 包送上楼) is in the reply, the item left out
            content = clause.content
            for word in item:
                content = content.replace(word, " ")
            size = wording.content_pairs
            return any(
                chunk[i : i + size] in top.reply
                for chunk in content.split()
                for i in range(len(chunk) - size + 1)
            )

        own = [c for c in clauses if missed(c)]
        every = len(clauses) >= 2 and len(own) == len(clauses)
        left = [c for c in waiting if missed(c)]  # the buyer's earlier questions it leaves open
        if len(clauses) < 2:
            # the message's one question is named only when the reply answers the one waiting above
            # instead (开锅 for 第一次怎么开锅 → 用猪油还是植物油), and only a clause worded as a question
            own = [c for c in own if asks_something(c.text)] if len(left) < len(waiting) else []
        elif every and (not wording.check_all or answered or not top.sources):
            # it may answer in other words: a part it is known to answer (抹一层薄油 for 猪油还是植物油),
            # or an answer composed for the question (the catalog's 纯鸡胸肉 for 是纯肉吗); but a retrieved
            # reply that touches some parts (送货上楼 for 包送上楼吗) and not a word of the others (要加钱吗)
            # answers those some: the others are named as checked, not silently dropped
            touched = [c for c in own if top.sources and touches(c)]
            own = [c for c in own if c not in touched] if 0 < len(touched) < len(own) else []
            every = False
        missing = [*own, *left]
        if not missing:
            return top
        if every and not left and wording.holds is not None and wording.holds.search(top.reply):
            # a reply that answers none of the parts and itself says it checks and comes back: one
            # holding reply naming the questions, not a second holding sentence after it
            return self.holding_reply(message, history, scenario, state)
        named = [n for n in dict.fromkeys(c.question or self.intents.topic(c.text) for c in missing) if n]
        if not named:
            return top  # nothing can be named cleanly: better unsaid than a vague 其他问题
        parts = wording.check_joiner.join(named[: wording.check_max_parts])
        if len(named) > wording.check_max_parts:
            parts += wording.check_joiner + wording.other_parts
        reply = top.reply.rstrip("。～~！!；;，,")
        family = wording.check_all if every else wording.check
        clause = wording.pick(family, message)[0].replace("{parts}", parts)
        reply += ("" if reply.endswith(("？", "?")) else "。") + clause
        return self.rewritten(
            top, reply, message, history, scenario, "未答的问题说明会核实 named the parts it checks"
        )

    def waiting_clauses(self, message: str, history: Sequence[Turn]) -> list[Clause]:
        """The asking clauses of the buyer's questions still waiting above ``message``
        (``waiting_questions``: asked since the agent last spoke) that ``message`` does not ask again
        (孕妇能吃吗 → ？？孕妇能不能吃 is one question, asked twice)."""
        wording = self.rules.wording
        taken = self.named_values(message)
        found: list[Clause] = []
        for text in waiting_questions(history):
            for clause in self.asking_clauses(text):
                if covers(message, clause, wording.content_pairs) or clause in found:
                    continue
                if wording.choice.search(clause.text) and taken & self.named_values(clause.text):
                    continue  # a choice the buyer made since (28cm的还是32cm的好 → 那就28吧)
                if not clause.question and not self.intents.topic(clause.text):
                    # named by what its turn is about (公司要开专票 要提供什么 → 专票的事)
                    clause = dataclasses.replace(clause, question=self.intents.topic(text))
                found.append(clause)
        return found

    def named_values(self, text: str) -> set[str]:
        """The values ``text`` names (colours, sizes, specs …, and every number), to tell a choice
        the buyer made among the ones they asked about."""
        facts = self.grounder.extractor.extract(text)
        return {f.value for f in facts if f.kind not in ("order_event", "item")} | set(
            re.findall(r"\d+", text)
        )

    def waiting_turns(self, message: str, history: Sequence[Turn]) -> list[str]:
        """The buyer's turns still waiting above ``message`` that ask what it does not ask again."""
        waiting = {c.text for c in self.waiting_clauses(message, history)}
        return [
            t for t in waiting_questions(history) if any(c.text in waiting for c in self.asking_clauses(t))
        ]

    def rewritten(
        self,
        top: Suggestion,
        reply: str,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        fix: str,
        **fields: Any,
    ) -> Suggestion:
        """``top`` with ``reply`` in its place, checked again, ``fix`` recorded and any other ``fields``
        replaced; ``top`` itself when the new reply breaks an error rule."""
        joined = dataclasses.replace(
            top,
            reply=reply,
            violations=tuple(self.check(reply, message, history, scenario).violations),
            fixes=(*top.fixes, fix),
            **fields,
        )
        return top if joined.has_error else joined

    def parts_of(self, suggestion: Suggestion) -> frozenset[str]:
        """The parts a suggestion answers: its source cases' and its own reply's."""
        found = self.intents.parts(suggestion.reply)
        for source in suggestion.sources:
            found |= self._case_parts.get(source, frozenset())
        return found

    def exact_answer(
        self,
        template: str,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
        *,
        fix: str = "",
        catalog_fact: str = "",
        source_template: str | None = None,
    ) -> Suggestion | None:
        """A reply worked out from this chat, the shop profile or the catalog (a sum, a size off the
        chart, a catalog detail …), adapted and checked like any reply and ranked first, since it is
        exact; None when it would need a fill-in. ``fix`` says what was computed; ``catalog_fact`` is
        reported as taken from the catalog."""
        adapted, _ = self.adapt(template, message, history, scenario, state)
        if adapted is None or adapted[3]:
            return None
        reply, violations, fixes, fill_ins, changes = adapted
        if fix:
            fixes = (*fixes, fix)
        if catalog_fact:
            changes = (*changes, Change("", catalog_fact, "商品目录 from the catalog"))
        return Suggestion(
            reply,
            2.0,
            (),
            scenario,
            violations,
            fixes,
            guidance_ids,
            False,
            source_template if source_template is not None else template,
            fill_ins,
            changes,
        )

    def threshold_answer(
        self,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """Yes or no to "does my amount reach your threshold" (85块包邮吗): the buyer's one amount in
        this message compared with the shop's ``[policy]`` number; ranked first, since it is exact."""
        policy = getattr(self.grounder.shop, "policy", None) or {}
        for asks, key, met, below in self.rules.threshold_answers:
            if not any(p.search(message) for p in asks) or key not in policy:
                continue
            now = state.asked_now(("money",))
            amounts = {s.fact.value for s in now}
            if len(amounts) != 1:
                continue
            if self.money is not None and not all(
                self.money.is_total(state.texts[s.turn], s.fact.start) for s in now
            ):
                continue  # 运费6块 / 差7块 is no order amount: nothing is compared
            amount = amounts.pop()
            # the threshold the agent stated in this chat (满59包邮) is the rule, not the profile's
            said = next(
                (
                    found
                    for slot in SLOT_PATTERN.findall(below)
                    if (found := self.grounder.said_threshold(slot, state)) is not None
                ),
                None,
            )
            try:
                reached = float(amount) >= (said[1] if said else float(policy[key]))
            except ValueError:
                continue
            template = (met if reached else below).replace("{amount}", amount)
            answer = self.exact_answer(template, message, history, scenario, state, guidance_ids)
            if answer is not None:
                return answer
        return None

    def refund_time_answer(
        self,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """The refund time the agent gave, restated to a buyer who chases it (``[refund_time]``:
        现在第2天 还要等？ after 预计3-5个工作日到账 → 还在这个时间内), ranked first; None otherwise."""
        if state.escalated or not history:
            return None
        turns = [(t.role, t.text) for t in history]
        template = restated(
            self.rules.refund_time, message, turns, passed=state.grievance == "promise_passed"
        )
        if template is None:
            return None
        return self.exact_answer(
            template,
            message,
            history,
            scenario,
            state,
            guidance_ids,
            fix="客服说过的退款时间 the refund time the agent gave",
        )

    def range_answer(
        self,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """The buyer's value read against the range the agent stated (量了是38 那就M对吧 after 36到40cm选M
        → 38在36到40cm之间，选M就对了), ranked first since the chat itself answers it; None otherwise."""
        rules = self.rules.agent_range
        if state.escalated or not history or scenario not in rules.scenarios:
            return None
        sizes = [f.text for f in self.grounder.extractor.extract(message) if f.kind == "size"]
        # the buyer's turns since the agent last spoke: a value told there (量了19) is still unanswered
        told: list[str] = []
        for turn in reversed(history):
            if turn.role == "agent":
                break
            told.insert(0, turn.text)
        agent_turns = [t.text for t in history if t.role == "agent"]
        found = read_back(rules, message, agent_turns, sizes, told)
        if found is None:
            return None
        template, words = found
        source = template
        # the agent's range and size and the buyer's value are said back word for word: adapted as
        # markers, since grounding would put the buyer's figure of now in place of the agent's bound
        # (36到40cm → 36到38) or the size they named in place of the agent's (那就L对吧 → 选L)
        markers = {slot: chr(0xE000 + n) for n, slot in enumerate(words)}
        for slot, marker in markers.items():
            template = template.replace(slot, marker)
        answer = self.exact_answer(
            template,
            message,
            history,
            scenario,
            state,
            guidance_ids,
            fix="客服说过的范围 the range the agent gave",
            source_template=source,
        )
        if answer is None:
            return None
        reply = answer.reply
        for slot, marker in markers.items():
            reply = reply.replace(marker, words[slot])
        # another question of the message (体内和体外的能同一天用吗 beside 4斤对吧) is named as one it checks
        wording = self.rules.wording
        item = (state.item.text,) if state.item else ()
        rest = [
            c
            for c in self.asking_clauses(message)
            if not covers(reply, c, wording.content_pairs, item, wording.answered_by)
        ]
        named = [n for n in dict.fromkeys(c.question or self.intents.topic(c.text) for c in rest) if n]
        if named and wording.check:
            parts = wording.check_joiner.join(named[: wording.check_max_parts])
            clause = wording.pick(wording.check, message)[0].replace("{parts}", parts)
            reply = reply.rstrip("。～~！!；;，,") + "。" + clause
        return dataclasses.replace(answer, reply=reply)

    def money_answer(
        self,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """The answer computed from this chat's amounts or the order change it asks for
        (``money.py``), ranked first; None when none fits or it would need a fill-in."""
        if self.money is None or state.escalated:
            return None
        product = self.grounder.extractor.product(state.item.product_id) if state.item else None
        found = self.money.answer(message, scenario, state, product.price if product is not None else None)
        if found is None:
            return None
        template, why = found
        return self.exact_answer(template, message, history, scenario, state, guidance_ids, fix=why)

    def ordered_first(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str
    ) -> Suggestion:
        """The top suggestion with what the buyer just ordered read back first (拍了01 什么时候发 →
        好的亲，01给您记下了～…), when it does not name it already (``money.toml``)."""
        # (the chat's prices: 拍了 15的那个 after 加15元换购 names no variant)
        prices = [
            f.value for t in history for f in self.grounder.extractor.extract(t.text) if f.kind == "money"
        ]
        reply = self.money.ordered_first(top.reply, message, scenario, prices) if self.money else top.reply
        if reply == top.reply:
            return top
        return self.rewritten(top, reply, message, history, scenario, "读回买家拍的 the order read back")

    def said_back(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str, state: ConversationState
    ) -> Suggestion:
        """The top suggestion (retrieved, or the scenario's safe reply) saying back what this chat gave:
        the buyer's item or order, the item weighed, what the buyer already sent, the fault named."""
        top = self.subject_named(top, message, history, scenario, state)
        top = self.item_in_hesitation(top, message, history, scenario, state)
        top = self.given_acknowledged(top, message, history, scenario)
        top = self.fault_in_photo_ask(top, message, history, scenario, state)
        top = self.whose_measures(top, message, history, scenario, state)
        return self.fault_named(top, message, history, scenario, state)

    def whose_measures(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str, state: ConversationState
    ) -> Suggestion:
        """The top suggestion speaking of the measurements of someone the buyer shops for (给我妈买 …
        她155 100斤) as that person's, not the buyer's (按您的身高体重 → 按阿姨的身高体重; judges: "您 for
        mother"): named as the agent named them, else by the first word of their group in facts.toml
        [people] (``[subject] yours``: the buyer's measurements in a reply; ``yours_named``)."""
        table = self.rules.subject
        yours, named = table.get("yours"), str(table.get("yours_named", ""))
        if not yours or not named:
            return top
        people = [s.fact for s in state.facts if s.fact.kind == "person" and s.role == "buyer"]
        if not people or not re.search(str(yours), top.reply):
            return top
        person = people[-1]  # the one the buyer named last
        groups = dict(self.grounder.extractor.vocabulary.people)
        # (else the buyer's word after 您: 宝宝 → 您宝宝, 我妈 → 您妈妈 by its group's first word)
        theirs = person.text.removeprefix("我")
        if len(theirs) < 2:
            theirs = (groups.get(person.value) or ("",))[0]
        word = next(
            (
                s.fact.text
                for s in reversed(state.facts)
                if s.fact.kind == "person" and s.role == "agent" and s.fact.value == person.value
            ),
            f"您{theirs}" if theirs else "",
        )
        if not word:
            return top
        reply = re.sub(str(yours), named.replace("{person}", word), top.reply)
        return self.rewritten(
            top,
            reply,
            message,
            history,
            scenario,
            "量的是买家替谁买的人 the measurements of whom the buyer shops for",
        )

    def subject_named(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str, state: ConversationState
    ) -> Suggestion:
        """The top suggestion naming the buyer's subject it leaves out, after its opening words
        (``[subject]``): the order they point to in their newest message (订单后四位8876 → 尾号8876的订单),
        and in shipping and offer questions the item they name (我的窗帘到哪了 → 窗帘的话，). A holding
        reply names the order or waybill too: the buyer sees the number they gave is the one checked."""
        table = self.rules.subject
        if not table or top.fill_ins or not (top.sources or top.fallback or top.holding):
            return top  # (an answer computed from this chat names what it is about itself)
        named = ""
        order = next((s.fact for s in state.asked_now(("order_id",))), None)
        tracking = next((s.fact for s in state.asked_now(("tracking_no",))), None)
        if order is not None and order.value not in top.reply:
            long_id = len(order.value) >= int(table.get("tail_below", 15))
            named = str(table.get("order" if long_id else "order_tail", "")).replace(
                "{order_id}", order.value
            )
        elif tracking is not None and tracking.text not in top.reply:
            named = str(table.get("tracking", "")).replace("{tracking_no}", tracking.text)
        elif (
            not top.fallback  # (the shop's safe reply is worded for any item)
            and not top.holding
            and state.item is not None
            and (
                scenario in table.get("item_scenarios", ())
                or (
                    scenario in table.get("item_word_scenarios", ())
                    and any(w in message for w in table.get("item_words", ()))
                )
            )
            and state.item.text in message
            and state.item.text not in top.reply
        ):
            named = str(table.get("item", "")).replace("{product}", state.item.text)
        if not named:
            return top
        return self.rewritten(
            top,
            self.after_opening(top.reply, named),
            message,
            history,
            scenario,
            "点明买家说的商品或订单 the buyer's item or order named",
        )

    def item_in_hesitation(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str, state: ConversationState
    ) -> Suggestion:
        """A buyer who will think it over (我再想想 / 跟我妈商量下) hears the item under discussion named
        (辣椒酱有任何问题随时来问我), not a reply that fits any item (``[subject] hesitation``: the
        first of its (words, words with {product}) pairs the reply has)."""
        table = self.rules.subject
        if scenario not in table.get("hesitation_scenarios", ()) or top.holding or top.fill_ins:
            return top
        item = state.item.text if state.item is not None and state.item.text else ""
        if not item:
            # an item the vocabulary lacks: the noun a buyer turn opens with (腊肠多少钱一斤 → 腊肠)
            item = self.buyer_noun([*(t.text for t in history if t.role == "buyer"), message])
        if not item or item in top.reply:
            return top
        for words, named in table.get("hesitation", ()):
            if words in top.reply:
                reply = top.reply.replace(words, named.replace("{product}", item), 1)
                return self.rewritten(
                    top, reply, message, history, scenario, "点明在考虑的商品 the item weighed named"
                )
        return top

    def buyer_noun(self, texts: Sequence[str]) -> str:
        """The noun the first of ``texts`` that opens with one opens with (``[subject] hesitation_noun``,
        not one matching ``hesitation_noun_not``: 牙刷软毛吗 → 牙刷, 这款智能喂食器多少钱 → 智能喂食器;
        not 行吧 / 买给), or ""."""
        noun, refused = self.rules.subject["hesitation_noun"], self.rules.subject["hesitation_noun_not"]
        if noun is None:
            return ""
        for text in texts:
            found = noun.match(text)
            if found is not None and not (refused is not None and refused.search(found.group("noun"))):
                return found.group("noun")
        return ""

    def given_acknowledged(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str
    ) -> Suggestion:
        """The top suggestion saying as received what the buyer already gave where it would ask for
        it again (麻烦您拍张照片发给我 after [图片] → 照片我这边收到了; ``[[given_received]]``)."""
        if not self.rules.received or top.holding:
            return top
        turns = [(t.role, t.text) for t in history] + [("buyer", message)]
        reply = acknowledged(top.reply, scenario, turns, self.rules.received)
        if reply == top.reply:
            return top
        return self.rewritten(
            top, reply, message, history, scenario, "不再索要买家已给的 what was given acknowledged"
        )

    def fault_in_photo_ask(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str, state: ConversationState
    ) -> Suggestion:
        """The top suggestion's ask for a photo naming the fault the buyer's message names
        (``[holding_wording] photo_ask / photo_fault``: 收到的饼干全碎了 → 麻烦您把饼干碎了的情况拍张照片发给我),
        not a stock apology that ignores what broke."""
        wording = self.rules.wording
        if top.holding or wording.photo_ask is None or not wording.photo_fault:
            return top
        found = wording.photo_ask.search(top.reply)
        if found is None:
            return top
        complaint = self.grounder.extractor.complaint_clause(message)
        if not complaint or (wording.photo_not is not None and wording.photo_not.search(complaint)):
            return top
        topic = self.fault_topic(complaint, state)
        if not topic or topic in top.reply:
            return top
        named = wording.photo_fault.replace("{topic}", topic)
        reply = top.reply[: found.start()] + named + top.reply[found.end() :]
        return self.rewritten(
            top, reply, message, history, scenario, "投诉点名故障 the fault named in the photo ask"
        )

    def details_named(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str, state: ConversationState
    ) -> Suggestion:
        """The top suggestion saying back the details the buyer's newest message sends for the agent to
        record (``[[given_details]]``: 抬头北京星河广告有限公司、邮箱xh@163.com，我记下了，); a message that
        gives nothing else, or a holding reply, is answered with the kind's confirmation instead."""
        if not self.rules.details or state.escalated:
            return top
        turns = [(t.role, t.text) for t in history] + [("buyer", message)]
        found = given_details(self.rules.details, scenario, turns)
        if found is None:
            return top
        kind, pairs, bare = found
        left = [(label, value) for label, value in pairs if value not in top.reply]
        if len(left) < len(pairs):
            return top  # the reply already deals with them (把地址改成上海市浦东新区张江路88号)
        if bare or top.holding:
            said = "、".join(label + value for label, value in pairs)
            template = confirmation(kind, turns)
            adapted, _ = (
                self.adapt(template.replace("{fields}", said), message, history, scenario, state)
                if template
                else (None, "")
            )
            if adapted is not None and not adapted[3]:
                reply, violations, fixes, _, changes = adapted
                confirmed = Suggestion(
                    reply,
                    top.score,
                    (),
                    scenario,
                    violations,
                    (*fixes, "确认买家发来的信息 the details the buyer sent confirmed"),
                    top.guidance,
                    True,
                    template,
                    (),
                    changes,
                )
                if not confirmed.has_error:
                    return confirmed
        named = kind.named.replace("{fields}", "、".join(label + value for label, value in left))
        return self.rewritten(
            top,
            self.after_opening(top.reply, named, past_short_clause=True),
            message,
            history,
            scenario,
            "说回买家发来的信息 the details the buyer sent said back",
        )

    def whole(self, stated: Sequence[Any], state: ConversationState) -> list[str]:
        """The texts of the values of ``stated`` as they stand whole in their turn (24磅, not 24; none
        for 7个 of 7个G; ``value_cut_*``, ``value_units``)."""
        texts, wording = state.texts, self.rules.wording
        found = (
            whole_value(texts[s.turn], s.fact.start, s.fact.end, wording)
            if 0 <= s.turn < len(texts) and texts[s.turn][s.fact.start : s.fact.end] == s.fact.text
            else s.fact.text
            for s in stated
        )
        return [t for t in found if t]

    def earlier_values(self, state: ConversationState, question: str, scenario: str) -> str:
        """The specs, measures and stated conditions of the buyer's question just before a follow-up
        (奶瓶240ml 怎么消毒 → 能用开水煮吗: 240ml; 防晒霜 干皮能用吗 → 夏天会不会油: 干皮), for the holding
        reply's {context} (``[holding_wording] earlier_kinds / own_conditions``); "" when none."""
        wording = self.rules.wording
        newest = len(state.texts) - 1
        turn = next(
            (i for i in range(newest - 1, max(newest - 3, -1), -1) if state.roles[i] == "buyer"), None
        )
        if turn is None or not wording.earlier_kinds or scenario not in wording.earlier_scenarios:
            return ""  # (a weight said of the goods is no context of 明天没到怎么办)
        now = {s.fact.kind for s in state.facts if s.turn == newest and s.role == "buyer"}
        earlier = [
            s
            for s in state.facts
            if s.turn == turn
            and s.role == "buyer"
            and s.fact.kind in wording.earlier_kinds
            and s.fact.kind not in now
        ]
        said = [t for t in self.whole(earlier, state) if t and not re.search(r"\s", t) and t not in question]
        if wording.own_conditions is not None:
            said += [
                m.group(0)
                for m in wording.own_conditions.finditer(state.texts[turn])
                if m.group(0) not in question
            ]
        return "、".join(list(dict.fromkeys(said))[:2])

    def topic_drops_the_item(self, message: str, topic: str) -> bool:
        """Whether ``topic`` (掉色的问题) leaves out the item the buyer named by an attribute or a longer
        name in the clause it asks in (翻毛皮马丁靴会掉色吗 / 蓝色条纹的碗能进微波炉吗), which their question
        said as an indirect question keeps (翻毛皮马丁靴会不会掉色): then the question is named."""
        item = self.grounder.extractor.item(message)
        if item is None:
            return False
        phrase = item.named or (item.text if len(item.text) > len(item.word) + 1 else "")
        if not phrase or phrase in topic or self.item_context(message, "") != phrase:
            return False
        return phrase in self.holding_question(message)

    def item_context(self, message: str, question: str) -> str:
        """The item ``message`` names, in the buyer's words with their attribute (翻毛皮马丁靴 / 草莓图案的
        口水巾), for a holding reply whose restated ``question`` does not name it; "" when the message
        names none, the question names it, or it is too long to say before the question."""
        item = self.grounder.extractor.item(message)
        if item is None:
            return ""
        phrase = item.named or item.text
        low, high = self.rules.wording.subject_chars
        if item.word in question or not low <= len(phrase) <= high + 4:
            return ""
        if not item.named and len(item.text) == len(item.word) + 1:
            return ""  # a one-character lead is a measure word or no attribute (买双鞋: 鞋)
        # the phrase is words of the message, whole: it starts a word (想买口砂锅 has no 口砂锅), its item word
        # does not start a longer one (锅碗瓢盆 has no 锅碗), no adverb or pronoun leads it (还是必须卸妆油)
        at = message.find(phrase)
        end = at + len(phrase)
        bounds = sorted(word_bounds(message))
        if (
            at < 0
            or at not in bounds
            or any(
                b < end - len(item.word) + 1 and n > end
                for b, n in zip(bounds, bounds[1:], strict=False)
                if b < end
            )
        ):
            return ""
        lead = phrase[: len(phrase) - len(item.word)] if phrase.endswith(item.word) else ""
        if lead and not item.named and self.grounder.extractor.attribute_breaks(lead):
            return ""
        told = next((c for c in message_clauses(message) if phrase in c), "")
        if told and not asks_something(told) and "了" in told[told.index(phrase) + len(phrase) :]:
            return ""  # 泳镜我已经有了 tells what the buyer has: no context of 只买泳帽能不能减
        return phrase

    def fault_told(self, message: str, history: Sequence[Turn], state: ConversationState) -> tuple[str, str]:
        """The fault the buyer told in this chat, in their words, and its fault word (``fault_said``)."""
        item = state.item.text if state.item is not None and state.item.text else ""
        turns = [*(t.text for t in history if t.role == "buyer"), message]
        # (a fault said only as a reason or a worry is told of nothing: 打碎了一个想补一个 / 我怕漏了)
        turns = [request_text(self.grounder.extractor, t) for t in turns]
        words, fault = fault_said(turns, self.rules.wording, item)
        if words and _AMOUNT.search(words):
            return "", fault  # 花两千多块买个有亮点的: a fault told, in words that name no part
        return words, fault

    def goods_fault(self, message: str, history: Sequence[Turn], state: ConversationState) -> bool:
        """Whether a buyer turn of this chat tells a fault of the goods as fact (盖子裂了 / 不出水;
        ``fault_told``: not asked, not a reason or a worry): what entitles a return whose freight the
        shop pays. Harm told without a fault of the goods (过敏了 / 吃了吐了) is not: its cause is not
        settled, so the hand-over stays."""
        return bool(self.fault_told(message, history, state)[1])

    def fault_named(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str, state: ConversationState
    ) -> Suggestion:
        """A complaint reply naming the fault the buyer told when it names nothing of it (照片我这边收到了，
        → 照片我这边收到了，鞋底开胶的情况我记下了，; ``[holding_wording] fault_*``): in its photo ask, else
        right after its acknowledgement or apology; never a fault nobody told."""
        wording = self.rules.wording
        if top.holding or not wording.fault_heard or scenario not in wording.fault_scenarios:
            return top
        words, fault = self.fault_told(message, history, state)
        if not words or fault_in(top.reply, words, fault):
            return top
        ask = wording.photo_ask.search(top.reply) if wording.photo_ask is not None else None
        if ask is not None and wording.photo_fault and wording.fault_topic:
            topic = wording.told_topic(words)
            reply = (
                top.reply[: ask.start()]
                + wording.photo_fault.replace("{topic}", topic)
                + top.reply[ask.end() :]
            )
        else:
            at = wording.fault_after.search(top.reply) if wording.fault_after is not None else None
            if at is None:
                return top
            reply = (
                top.reply[: at.end()] + wording.fault_heard.replace("{fault}", words) + top.reply[at.end() :]
            )
        return self.rewritten(top, reply, message, history, scenario, "说回买家讲的故障 the fault told named")

    def entitled(self, case: Any, message: str, state: ConversationState) -> bool:
        """Whether an escalated buyer takes a remedy the agent already offered in this chat (可以给您
        补偿10元或者退货 → 退 来回运费你们出) and ``case`` answers of that remedy
        (``[escalation_named] offered / takes / entitled_scenarios``)."""
        rules = self.rules
        if rules.escalation_offered is None or rules.escalation_takes is None:
            return False
        return (
            case.scenario in rules.escalation_entitled
            and rules.escalation_takes.search(message) is not None
            and any(rules.escalation_offered.search(t) for t in state.said_by("agent"))
        )

    def escalation_named(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str, state: ConversationState
    ) -> Suggestion:
        """An escalated buyer's reply naming, right after its apology, the fault they told (this turn or
        earlier, ``fault_told``) and what they demand (退/换/赔/补发/说法, ``[escalation_named]``) when it
        names neither; the only promise it adds is the hand-over to a person (judges mark down a stock
        apology to 鼓包 / 开胶 / 我要退)."""
        if not state.escalated:
            return top
        named = ""
        words, fault = self.fault_told(message, history, state)
        if words and self.rules.wording.fault_heard and not fault_in(top.reply, words, fault):
            named = self.rules.wording.fault_heard.replace("{fault}", words)
        rules = self.rules
        # the told fault named, the reply's other topic goes (before the demand is looked for in it)
        base = self.topic_once(top.reply) if named else top.reply
        accepted = ""
        if rules.escalation_demand:
            buyer_turns = [message, *(t.text for t in reversed(history) if t.role == "buyer")]
            for at_turn, text in enumerate(buyer_turns):
                found = next((d for d in rules.escalation_demands if d[0].search(text)), None)
                if found is not None:
                    words_in, named_in, said, sentence, accept = found
                    if (
                        accept
                        and at_turn == 0  # (asked now, not a demand of an earlier turn)
                        and top.holding
                        and self.goods_fault(message, history, state)
                    ):
                        # a return or exchange demanded now for goods with a fault told as fact is taken
                        # up in the shop's voice with the shop's return rule, not handed over (judges: a
                        # hand-over with a 2-hour promise "should accept return now")
                        filled, open_slots, _ = self.grounder.fill(accept, state)
                        accepted = "" if open_slots else filled
                    if (
                        not accepted
                        and not words_in.search(base)
                        and not (named_in and named_in.search(base))
                    ):
                        named += sentence or rules.escalation_demand.replace("{demand}", said)
                    break
        at = rules.escalation_after.search(base) if rules.escalation_after else None
        if not named and (not accepted or at is None):
            return top
        if at is None:
            reply = self.after_opening(base, named)
        else:
            end = at.end()
            then = rules.escalation_then.match(base, end) if rules.escalation_then else None
            end = then.end() if then is not None else end
            if accepted:
                # (an accepted demand ends the reply: the hand-over and its deadline after it go, and
                # with them a told fault named only there)
                if (
                    not named
                    and words
                    and self.rules.wording.fault_heard
                    and not fault_in(base[:end], words, fault)
                ):
                    named = self.rules.wording.fault_heard.replace("{fault}", words)
                reply = base[:end] + named + accepted
            else:
                reply = base[:end] + named + base[end:]
        # (a demand accepted is an answer, no longer a holding reply)
        fields = {"holding": False} if accepted and reply.endswith(accepted) else {}
        return self.rewritten(
            top, reply, message, history, scenario, "说出买家的问题和诉求 the escalation named", **fields
        )

    def safety_first(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str
    ) -> Suggestion:
        """A holding reply to a health or safety problem the buyer told (冒烟 / 猫吃了吐了 / 宝宝都咳嗽了)
        saying the safe step right after its apology ([holding_wording] safety: stop using it, a
        doctor or a vet, a photo); a reply with no apology (a worry before buying) is left as it is."""
        rules = self.rules
        step = rules.wording.safety_step(
            [*(t.text for t in history if t.role == "buyer"), message],
            [t.text for t in history if t.role == "agent"],
        )
        at = rules.escalation_after.search(top.reply) if rules.escalation_after and step else None
        if at is None:
            return top
        end = at.end()
        then = rules.escalation_then.match(top.reply, end) if rules.escalation_then else None
        end = then.end() if then is not None else end
        heard = rules.wording.fault_heard
        if "{fault}" in heard:
            # (after the told fault the reply says back: 台灯冒烟了的情况我记下了，请先…)
            before, after = heard.split("{fault}", 1)
            told = re.compile(re.escape(before) + r"[^，,。！!？?]{1,40}?" + re.escape(after))
            said = told.match(top.reply, end)
            end = said.end() if said is not None else end
        reply = top.reply[:end] + step + top.reply[end:]
        return self.rewritten(top, reply, message, history, scenario, "先说安全的处理 the safe step first")

    def topic_once(self, reply: str) -> str:
        """``reply`` with the topic it names said as ``escalation_no_topic``, for a told fault to be put
        in (牛肉干有一包漏气了的情况我记下了，牛肉干拉肚子的情况我来负责跟进 → …，这件事我来负责跟进; judges:
        "repetitive awkward phrasing"; ``[escalation_named] topic``)."""
        rules = self.rules
        if rules.escalation_topic is None or not rules.escalation_no_topic:
            return reply
        found = rules.escalation_topic.search(reply)
        if found is None:
            return reply
        return reply[: found.start()] + rules.escalation_no_topic + reply[found.end() :]

    def after_opening(self, reply: str, named: str, past_short_clause: bool = False) -> str:
        """``reply`` with ``named`` put after its opening words (``[subject] opening``: 亲，/ 好的亲，);
        with ``past_short_clause``, after a short first clause (亲稍等一下，) when it has none."""
        opening = self.rules.subject["opening"].match(reply)
        at = opening.end() if opening else 0
        if not at and past_short_clause and (clause := re.match(r"[^，,。；;？?]{1,8}[，,]", reply)):
            at = clause.end()
        return reply[:at] + named + reply[at:]

    @staticmethod
    def before_closing_question(reply: str, named: str) -> str | None:
        """``reply`` with ``named`` put before its short closing question (…，您看可以吗？ →
        …，不过送鞋油一支，您看可以吗？); None when it ends in none."""
        closing = re.search(r"(?<=[，,；;])[^，,；;。！!]{1,10}[？?]\s*$", reply)
        if closing is None:
            return None
        return reply[: closing.start()] + named + reply[closing.start() :]

    def amount_named(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str
    ) -> Suggestion:
        """The top suggestion naming the amount the buyer's newest message is about when it leaves it
        out (``[subject.amounts]``), after its opening words, in the buyer's own figures (no 元 they did
        not write): the budget of a recommendation (预算500 → 预算500的我帮您挑，), the sum of a refund that
        has not come (599呢还没到 → 599这笔退款我帮您盯着，), the measurements of a size question (胸围52
        背长35 → 胸围52、背长35的话，)."""
        table = self.rules.subject
        for entry in table.get("amounts", ()):
            if scenario not in entry["scenarios"]:
                continue
            # (start, end, the buyer's words, the value a reply naming it contains)
            found = sorted(
                [
                    (m.start(), m.end(), m.group(0).strip(), next((g for g in m.groups() if g), m.group(0)))
                    for p in entry["patterns"]
                    for m in p.finditer(message)
                ]
                + [
                    (f.start, f.end, f.text, f.text)
                    for f in (self.grounder.extractor.extract(message) if entry["facts"] else ())
                    if f.kind in entry["facts"]
                ],
                key=lambda m: (m[0], -m[1]),
            )
            if not found:
                continue
            if entry["every"]:
                # every value the buyer gives (胸围52 背长35), each once, those the reply leaves out
                picked: list[tuple[int, int, str, str]] = []
                for m in found:
                    if not picked or m[0] >= picked[-1][1]:
                        picked.append(m)
                picked = [m for m in picked if m[3] not in top.reply]
                if not picked:
                    return top
                said = "、".join(m[2] for m in picked)
                amount = picked[0][3]
                if top.holding and (joined := self.values_joined(top.reply, said)):
                    # the values said once: with those the holding reply names (25斤、胸围55适合的规格),
                    # not in a clause of their own (胸围55我记下了，…25斤适合的规格)
                    return self.rewritten(
                        top, joined, message, history, scenario, "点明买家说的金额 the buyer's amount named"
                    )
            else:
                # the last amount the buyer names is the one they ask about (只退了200 还有100呢 → 100)
                last = max(found, key=lambda m: m[0])
                labelled = entry.get("labelled")
                if labelled is not None and labelled.search(message[: last[0]]):
                    return top  # 运费险那12块: a sum its label names as another kind, never this one
                said, amount = last[2], last[3]
                if not amount or amount in top.reply:
                    return top
                if entry.get("attributes"):
                    # with what the buyer wants of the item (要防滑的 → 三百以内、防滑的我帮您挑)
                    wanted = [w for w in self.grounder.extractor.wanted(message) if w not in top.reply]
                    said = "、".join([said, *wanted[:2]])
                offered = entry.get("offered")
                if offered is not None and any(
                    t.role == "agent" and amount in t.text and offered.search(t.text) for t in history
                ):
                    # an amount the agent only offered (补偿30元可以吗), which the buyer may have turned
                    # down, is no sum under way: naming it as such states a fact nobody gave
                    return top
            named = str((top.holding and entry.get("named_holding")) or entry["named"])
            named = named.replace("{amount}", amount).replace("{said}", said)
            reply = ""
            if named.endswith("的话，"):
                # the item is named the same way already (粽子的话，): the value goes into that clause
                # (粽子寄上海的话，), never two 的话 in a row
                item = next((m for m in _ITEM_IF.finditer(top.reply) if m.start() < 24), None)
                if item is None and any(c.endswith("的话") for c in _CLAUSE.split(top.reply, 2)[:2]):
                    return top
                if item is not None:
                    at = item.end("item")
                    reply = top.reply[:at] + named[: -len("的话，")] + top.reply[at:]
            reply = reply or self.after_opening(top.reply, named, past_short_clause=True)
            return self.rewritten(
                top, reply, message, history, scenario, "点明买家说的金额 the buyer's amount named"
            )
        return top

    def values_joined(self, reply: str, said: str) -> str:
        """``reply`` with ``said`` joined to the values a holding reply already names, before the words
        that follow them (``measures_topic`` 适合的规格, ``[holding_wording] context`` 的话，), or ""
        when it names none that way."""
        for template in (self.rules.measures_topic, self.rules.wording.context):
            after = template.split("{values}", 1)[1] if "{values}" in template else ""
            at = reply.find(after) if after else -1
            # (values right before them: not a bare 的话 after the address term)
            if at > 0 and reply[at - 1] not in "，,。！!？?亲":
                start = max(reply.rfind("，", 0, at), reply.rfind(",", 0, at)) + 1
                if template == self.rules.wording.context and start > 0 and at - start <= 12:
                    # (the buyer's figures first: 大腿围48、10cm的话)
                    return reply[:start] + said + "、" + reply[start:]
                return reply[:at] + "、" + said + reply[at:]
        return ""

    def size_answer(
        self,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """The size read off the shop's chart for the buyer's height and weight or foot length
        (一米六五 120斤 穿啥码 → L), ranked first, since it is the shop's own table; None when the chart
        does not cover them, or the buyer neither gives a measurement now nor asks for a size."""
        replies = self.rules.size_replies
        if scenario != "size_advice" or not replies:
            return None
        measures = ("height", "weight", "foot_length")
        if not state.asked_now(measures) and not any(p.search(message) for p in self.rules.size_asks):
            return None
        if state.values("size", "agent"):
            return None  # the agent already advised a size: the chart does not overrule them
        chart = self.grounder.size_chart(state)
        if not chart:
            return None
        given = {k: state.latest(k, "buyer") for k in measures}
        index, kind = self.grounder.chart_fit(state, chart)
        if index is None:
            return None
        bigger = chart[index + 1].size if index + 1 < len(chart) else ""
        if kind == "foot" and bigger and any(p.search(message) for p in self.rules.size_wide):
            key = "foot_wide"
        else:
            key = kind if bigger else kind + "_last"
        template = replies.get(key)
        if not template:
            return None
        said = []
        for k in ("height", "weight"):
            text = self.grounder.slot_value(k, state) if given[k] is not None else None
            if text:
                said.append(text + "cm" if k == "height" and text.isdigit() else text)
        whose = replies.get("whose", "")
        people = [s.fact.value for s in state.facts if s.fact.kind == "person" and s.role == "buyer"]
        if people:
            # 给我妈买 → 158 130斤: the measurements are the person's, named as the agent named them
            whose = next(
                (
                    s.fact.text
                    for s in reversed(state.facts)
                    if s.fact.kind == "person" and s.role == "agent" and s.fact.value == people[-1]
                ),
                "",
            )
        template = (
            template.replace("{chart_size}", chart[index].size)
            .replace("{chart_bigger}", bigger)
            .replace("{measures}", "、".join(said))
            .replace("{whose}", whose)
        )
        return self.exact_answer(template, message, history, scenario, state, guidance_ids)

    def detail_topics(self, message: str, item: str = "") -> list[str]:
        """The product topics a message asks about: intents.toml's objects and ``[catalog_details]``
        words, in the order the message names them; a word overlapping a longer word of another
        topic does not count (机洗 in 放洗碗机洗)."""
        # the item's own name asks nothing (羊毛衫 is no material question, 不粘锅 no coating one)
        source = (message.replace(item, " " * len(item)) if item else message).upper()
        spans = [
            (source.find(w.upper()), len(w), topic)
            for topic, words in [*self.intents.objects.items(), *self.rules.details_words.items()]
            for w in words
            if w.upper() in source
        ]
        # a topic word naming a variant (浅灰色的遮光款有货吗) asks nothing about the topic
        spans = [
            (at, size, topic)
            for at, size, topic in spans
            if not source.startswith(self.rules.details_variant, at + size) or not self.rules.details_variant
        ]
        found: dict[str, int] = {}
        for at, size, topic in spans:
            if any(s < at + size and at < s + n and n > size and t != topic for s, n, t in spans):
                continue
            found[topic] = min(found.get(topic, at), at)
        return sorted(found, key=found.get)

    def details_answer(
        self,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """The buyer's catalog item's own facts for what they ask (这个窗帘遮光率多少 → its blackout
        detail), every part of the question answered, ranked first; None when the item is not a
        catalog product, the buyer is upset, or the catalog lacks a fact they ask for."""
        if not self.rules.details_reply or scenario in self.rules.details_skip_scenarios or state.upset:
            return None
        product = self.grounder.extractor.product(state.item.product_id) if state.item else None
        if (
            product is None
            or not product.details
            or (scenario == "recommendation" and self.asks_recommendation(message))
        ):
            return None  # (推荐个面霜 敏感肌: the shop's product is recommended, not described)
        details = dict(product.details)
        # a topic some catalog entry answers is a product question; one this entry lacks is not answered
        # (unless it has an alternate: 怎么洗 is answered by how the item is washed)
        if self._detail_topics is None:
            self._detail_topics = {t for p in self.grounder.catalog for t, _ in p.details}
            self._detail_topics |= set(self.rules.details_words)
        topics = self._detail_topics
        asked = [t for t in self.detail_topics(message, state.item.text) if t in topics]
        # every question of the message names a topic (猫毛会缠滚刷吗 噪音大不: the first is no topic
        # the catalog answers, so the catalog does not answer only the second)
        # (砧板什么材质 会发霉吗: 发霉 is a topic, but none a catalog entry answers)
        for clause in re.split(r"[\s，,。？?！!；;]+", message):
            if self.rules.details_question.search(clause) and not [
                t for t in self.detail_topics(clause, state.item.text) if t in topics
            ]:
                return None
        answers = []
        for topic in asked:
            found = next(
                (t for t in (topic, *self.rules.details_alternates.get(topic, ())) if t in details), None
            )
            if found is None:
                return None
            # a property asked by its own word (起球, 掉色) is answered only by a phrase naming that word
            said = [w for w in self.intents.objects.get(topic, ()) if w in message]
            if topic in self.rules.details_word_topics and not all(w in details[found] for w in said):
                return None
            if details[found] not in answers:
                answers.append(details[found])
        if not answers:
            return None
        # the catalog never contradicts what the agent already said (保质期9个月 vs the entry's)
        extract = self.grounder.extractor.extract
        for fact in (f for a in answers for f in extract(a)):
            said_values = state.values(fact.kind, "agent")
            if said_values and fact.value not in said_values:
                return None
        phrases = self.rules.details_joiner.join(answers)
        # the buyer's own item, whatever the scenario (a recommendation's {product} is the agent's pick)
        template = self.rules.details_reply.replace("{details}", phrases).replace(
            "{product}", state.item.text
        )
        return self.exact_answer(
            template, message, history, scenario, state, guidance_ids, catalog_fact=phrases
        )

    def offer_answer(
        self,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """The buyer's answer to the sum the agent offered (给您补偿10元可以吗 → 行 转我支付宝 / 给25吧 /
        补20 我就把差评改了), answered on that sum: taken, confirmed with its next step; countered, both
        sums named and held for the agent; a review offered for it, never taken ([offer_answer])."""
        if not history:
            return None
        found = read_answer(self.rules.offer_answer, message, [(t.role, t.text) for t in history])
        if found is None:
            return None
        answer = self.exact_answer(
            answer_template(self.rules.offer_answer, found),
            message,
            history,
            scenario,
            state,
            guidance_ids,
            fix="买家回应客服提出的补偿 the buyer answers the agent's offer",
        )
        # ranked above the other computed answers (a missing item read into 太少了)
        return None if answer is None else dataclasses.replace(answer, score=2.1)

    def missing_answer(
        self,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """A parcel that came without something (手柄套没看到 / 少了一袋 只有4袋): an apology naming what
        is missing, in the buyer's words and counts, and an offer to send it ([missing_item])."""
        rules = self.rules.missing
        if not rules.replies:
            return None
        found = read_missing(
            message,
            [t.text for t in history if t.role == "buyer"],
            state.order_stage in ("delivered", "after_sale"),
            rules,
            self.grounder.extractor.extract,
        )
        if found is None:
            return None
        return self.exact_answer(
            missing_reply(found, rules),
            message,
            history,
            scenario,
            state,
            guidance_ids,
            fix="少发的东西 what the parcel came without",
        )

    def greeting_item_answer(
        self,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """A first greeting that names the item the buyer wants to ask about (在吗 问下砂锅) is greeted
        with that item ([greeting_item] in adaptation.toml), not a welcome that ignores it."""
        template = self.rules.greeting_item_reply
        if not template or history or state.upset or state.item is None:
            return None
        # read as a greeting, or greeting words however the detector read it (在吗 问一下这个电饭煲)
        if scenario != "greeting" and not any(w in message for w in self.rules.greeting_item_words):
            return None
        rest = message
        for word in self.rules.greeting_item_words:
            rest = rest.replace(word, " ")
        if (
            self.complaining(message, scenario, state)
            or self.rules.details_question.search(rest)
            or self.detail_topics(message, state.item.text)
            or state.asked_now(("size", "colour", "spec"))
        ):
            return None  # a problem or a real question comes with it: the cases answer that
        return self.exact_answer(
            template.replace("{product}", state.item.text),
            message,
            history,
            scenario,
            state,
            guidance_ids,
            source_template=template,
        )

    def greets_only(
        self, message: str, history: Sequence[Turn], scenario: str, state: ConversationState, asked: Intent
    ) -> bool:
        """Whether ``message`` opens a chat with greeting words (``[greeting_item] words``) and asks
        nothing: no question word beside them, no object an intent reads, no problem, no item (a
        greeting naming one is ``greeting_item_answer``'s)."""
        words = self.rules.greeting_item_words
        if history or state.upset or state.item is not None or not any(w in message for w in words):
            return False
        rest = message
        for word in words:
            rest = rest.replace(word, " ")
        return not (
            asked.objects
            or self.rules.details_question.search(rest)
            or asks_something(rest)  # 帮我看看这段代码为啥报错 asks, though no shop question
            or self.complaining(message, scenario, state)
            or state.asked_now(("size", "colour", "spec", "money"))
        )

    def asks_recommendation(self, message: str) -> bool:
        """Whether the buyer asks for a recommendation (推荐 / 哪款好 / 想买个)."""
        return any(p.search(message) for p in self.rules.recommend_asks)

    def recommend_answer(
        self,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """The shop's own product for a buyer who asks for a recommendation of a kind of item the
        catalog sells (想买个破壁机 预算500内 → 家用破壁机, 459元), within the budget they named, with its
        catalog detail ``recommend`` (else its first) as the reason; None when the catalog has no such item in budget."""
        template = self.rules.recommend_reply
        if scenario != "recommendation" or not template or state.upset or state.item is None:
            return None
        # the buyer asks for one (推荐 / 哪款好 / 想买个), not about the item they have (这件是什么面料)
        if not self.asks_recommendation(message):
            return None
        product = self.grounder.extractor.product(state.item.product_id)
        if product is None or not product.details or product.stock == "sold_out":
            return None
        budgets = [number(s.fact.value) for s in state.asked_now(("money",))]
        budgets += [
            chinese_number(next(g for g in m.groups() if g))
            for p in self.rules.recommend_budget
            for m in p.finditer(message)
        ]
        budgets = [b for b in budgets if b is not None]
        if budgets and product.price > max(budgets):
            return None
        if budgets:
            template = self.rules.recommend_budget_reply or template
        template = (
            template.replace("{name}", product.name)
            .replace("{price}", f"{product.price:g}元")
            .replace("{reason}", dict(product.details).get("recommend", product.details[0][1]))
        )
        return self.exact_answer(
            template, message, history, scenario, state, guidance_ids, catalog_fact=product.name
        )

    def pick_promised(
        self, top: Suggestion, message: str, history: Sequence[Turn], scenario: str, state: ConversationState
    ) -> Suggestion:
        """A recommendation whose top would show the 【商品】 fill-in (the catalog has nothing of the
        kind in budget) is a promise to pick some within the buyer's budget instead (judges mark the
        fill-in down: 预算300 → 亲，预算300的我帮您挑几款合适的，稍等我整理好发您～)."""
        budget_reply, plain_reply, label = self.rules.recommend_pick
        if scenario != "recommendation" or not label or label not in top.fill_ins or state.upset:
            return top
        said = [m for p in self.rules.recommend_budget for m in p.finditer(message)]
        budget = max(said, key=lambda m: m.start()).group(0).strip() if said else ""
        template = budget_reply.replace("{budget}", budget) if budget else plain_reply
        if not template:
            return top
        found = self.exact_answer(template, message, history, scenario, state)
        return dataclasses.replace(found, holding=True, score=top.score) if found is not None else top

    def pending_first(
        self, suggestion: Suggestion, message: str, history: Sequence[Turn], scenario: str
    ) -> Suggestion:
        """A suggestion that answers the buyer's earlier question, opened with an apology for the wait."""
        # the generic apology an upset buyer's reply opens with gives way to one for the wait
        reply = suggestion.reply.removeprefix(self.rules.escalation_prefix)
        opening = reply[: self.rules.empathy_opening_chars]
        if any(m in opening for m in self.rules.empathy_markers):
            # a light opening of the case (给您添麻烦了亲 / 不好意思) is no apology for the wait: it
            # gives way to one; a full apology (非常抱歉给您带来…) or one for the wait stays
            first, comma, rest = reply.partition("，")
            strong = self.rules.strong_apology
            if (
                suggestion.holding
                or "久等" in opening
                or (strong is not None and strong.search(reply))
                or not (comma and rest and len(first) <= 12)
                or not any(m in first for m in self.rules.empathy_markers)
            ):
                return suggestion
            reply = rest
        elif suggestion.holding:
            return suggestion
        reply = opened_with(self.rules.pending_prefix, reply, self.rules)
        violations = tuple(self.check(reply, message, history, scenario).violations)
        return Suggestion(
            **{
                **suggestion.__dict__,
                "reply": reply,
                "violations": violations,
                "fixes": (*suggestion.fixes, "先为久等致歉 apologised for the wait"),
            }
        )

    def taken_on(
        self, top: Suggestion, message: str, history: Sequence[Turn], state: ConversationState
    ) -> tuple[Suggestion, str] | None:
        """A holding top replaced where the buyer hands over a detail or closes, with the note for it.

        13766665555 after 请提供正确的手机号 is acknowledged, not looked up (it stays a holding reply:
        the agent checks it, then answers); 就这样吧 / 好像绑上了 不好意思 after the agent's answer gets
        a short closing, no lookup (no longer holding: a reply is shown). None where neither applies."""
        handover = self.rules.handover
        spoken = [(t.role, t.text) for t in history]

        def instead(reply: str, fix: str, note: str) -> tuple[Suggestion, str]:
            # what the agent said stands, whatever was retrieved: a short reply is shown, not a hold
            return dataclasses.replace(top, reply=reply, holding=False, fixes=(*top.fixes, fix)), note

        # (check, fix, note, only for a calm buyer): the first check that gives a reply wins; an
        # escalating buyer's threat is not answered as a follow-up, a reproach or a yes
        checks: tuple[tuple[Callable[[str, Sequence[tuple[str, str]]], str | None], str, str, bool], ...] = (
            # 送上门是吗 right after the agent's 可以的 to 可以送上门吗: the agent's yes stands
            (
                handover.confirmed,
                "买家确认客服的答复 the buyer checks the agent's yes",
                "买家确认刚才的答复，已给出简短回应 the buyer checks the agent's answer: it is said again",
                False,
            ),
            # 什么意思 right after the agent's turn: its point is taken up again (a lookup of 什么意思 or
            # another question's answer helps nobody)
            (
                handover.not_understood,
                "买家没看懂客服的话 the buyer did not understand the agent",
                "买家没看懂刚才的答复，请换个说法再说明 the buyer did not understand: say it again more plainly",
                False,
            ),
            # 我还要取消旧订单吗 right after the agent's 请您将旧订单取消: the instruction stands, said as a yes
            (
                handover.instruction_checked,
                "买家确认客服的要求 the buyer checks the agent's instruction",
                "买家确认刚才的要求，已给出简短回应 the buyer checks the agent's instruction: it is said again",
                False,
            ),
            # 好吧 谢谢 while the agent's check is still open (已为您留言): the follow-up is said, not a farewell
            (
                handover.follow_up,
                "客服还在跟进 the agent's check is still open",
                "买家收尾，客服的核实还在进行，已说明会跟进 the buyer closes while the agent's check is open",
                True,
            ),
            # 那你还让我发订单号 after the agent asked for the order it had: an apology, the work taken up
            (
                handover.reproached,
                "买家怪客服重复询问 the buyer was asked again",
                "买家不满被重复询问，已致歉并接着处理 the buyer was asked twice: apologised, carry on",
                True,
            ),
            # 对的 是的 to 这个订单没错吧 after 这边帮您取消: the agent's own step is done now, not looked up
            (
                handover.agreed_to,
                "买家确认，客服接着办 the buyer said yes to the agent's check",
                "买家已确认，接着办客服说过的事 the buyer said yes: do what the agent said it would",
                True,
            ),
            # an order card pasted, nothing asked: what the buyer needs is asked, nothing looked up
            (
                handover.unasked,
                "买家只发了订单 the buyer only sent the order",
                "买家只发了订单，先问清需要什么 the buyer sent the order: ask what they need",
                False,
            ),
        )
        escalating = self.grounder.extractor.escalation(message)
        for check, fix, note, calm_only in checks:
            # an empty rule reply is no reply: it never replaces the top
            if not (calm_only and escalating) and (reply := check(message, spoken)):
                return instead(reply, fix, note)
        if not top.holding:
            return None
        said = handover.acknowledged(
            message, spoken, lambda reply: bool(self.grounder.ungrounded(reply, state))
        )
        if said is not None:
            acknowledged_top = dataclasses.replace(
                top, reply=said, fixes=(*top.fixes, "买家给的信息已确认 the detail given acknowledged")
            )
            return (
                acknowledged_top,
                "买家给的信息已确认，核对后再答复 the detail given is acknowledged: check it, then answer",
            )
        if self.grounder.extractor.escalation(message):
            return None  # an angry buyer is not closed on (行吧 … 穿个寂寞 别家隔天就到了): they are held
        closing = handover.closing(message, spoken)
        if closing is None:
            return None
        # a reply is shown now: the note says so, not "no reliable suggestion: hold the line"
        return instead(
            closing,
            "买家收尾或提要求，简短回应 the buyer closes or asks: acknowledged",
            "买家收尾或提要求，已给出简短回应 the buyer closes or asks: a short reply is shown",
        )

    def out_of_scope(
        self,
        message: str,
        history: Sequence[Turn],
        detection: Any,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """The shop's polite scope reply ([out_of_scope]: the safe reply of its scenario) in place of a
        holding reply to a message that is no shop question (帮我看看这段代码 / 仓库还缺人不): read from
        what it lacks, not from its words: a first message (after greetings at most) that names no order,
        catalog item, anything an intent reads (发货 / 尺码 …) or fact but a day, which the detector
        reads as the scope scenario at least half as likely as its first reading, among its first few.
        None when any of these fails (a lookup is then right)."""
        table = self.rules.out_of_scope
        scenario = str(table.get("scenario", ""))
        template = self.rules.fallback.get(scenario)
        if not template or state.escalated or state.nudge:
            return None
        ranked = [(detection.scenario, detection.scenario_confidence), *detection.alternatives]
        near = dict(ranked[: int(table.get("ranked_within", 3))])
        # (ranked third after a sure reading, 推荐个笔记本 0.93, is no reading of it at all)
        if near.get(scenario, 0.0) < float(table.get("least_share", 0.5)) * detection.scenario_confidence:
            return None
        # a chat under way is about the shop (its readings drift: 180 90 / 02 / 有意向的回1): only a
        # first message, or one after greetings alone, is read so
        shortest = int(table.get("greeting_chars", 3))
        if any(len(re.sub(r"[\W_]+", "", t.text)) > shortest for t in history if t.role == "buyer"):
            return None
        if state.item is not None and state.item.product_id:
            return None  # (a catalog product named: a question about it)
        if any(s.fact.kind == "order_event" for s in state.facts):
            return None
        # (nor did any turn of the buyer's before it: 那能便宜点吗 after shop talk is a shop question)
        kinds = set(table.get("facts_allowed", ()))
        if any(s.fact.kind not in kinds for s in state.facts if s.role == "buyer"):
            return None
        buyer = [t.text for t in history if t.role == "buyer"] + [message]
        if any(self.intents.parse(t).objects for t in buyer):
            return None
        adapted, _ = self.adapt(template, message, history, scenario, state)
        if adapted is None or adapted[3]:
            return None
        reply, violations, fixes, fill_ins, changes = adapted
        scope = Suggestion(
            reply, 0.0, (), scenario, violations, fixes, guidance_ids, True, template, fill_ins, changes
        )
        return None if scope.has_error else scope

    def holding_reply(
        self,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        state: ConversationState,
        guidance_ids: tuple[str, ...] = (),
    ) -> Suggestion:
        """A reply that holds the line in the shop's voice (an apology first for angry buyers); it
        names what it checks only as a clean short phrase (``holding_wording``)."""
        # what the question is about, named naturally (退款的情况 / 发错的情况), not the buyer's words
        # echoed back (the judges found quoted echoes robotic and garbled)
        chasing = bool(state.nudge and state.pending_question)
        wording = self.rules.wording
        # (only what this message names: a topic inherited from an earlier turn may be stale)
        # a claim the buyer disputes is named as theirs (您说的自带防雾这一点), as a promise is
        disputed = "" if chasing else self.disputed_claim(message, scenario)
        disputed = wording.dispute_topic.replace("{claim}", disputed) if disputed else ""
        promised = self.promised_topic(message, state) or disputed
        # (a clause giving only a reason or a worry is not what is checked: 打碎了一个想补一个 / 我怕漏了)
        asked = request_text(self.grounder.extractor, message) or message
        topic = promised or self.intents.topic(
            state.pending_question if chasing else asked, stage=state.order_stage
        )
        # (今天能到吗 after 仓库收到退货后原路退回 asks about the refund, not the parcel)
        topic = wording.arrival_of(topic, message, [t.text for t in history[-3:]])
        # (运费多少 in a return asks the return freight: 运费的事, not 包邮的情况)
        topic = self.intents.directed_topic(topic, message, [t.text for t in history])
        complaint = "" if chasing or disputed else self.grounder.extractor.complaint_clause(message)
        if complaint:
            # a complaint is held first: its own clause names the topic, not the buyer's other question
            vocabulary = self.grounder.extractor.vocabulary
            topic = (
                self.intents.topic(complaint)
                or self.intents.thing(message)
                or self.fault_topic(complaint, state)
                or vocabulary.complaint_topic
            )
        if not topic and not chasing:
            # a part or defect the buyer names (线头), else the measures or choice their values ask
            topic = self.intents.thing(asked) or self.facts_topic(message, state)
        elif topic and not chasing and not complaint and not promised:
            # (a promise is named as it was made: 补发的香辣, never 五香补发的香辣)
            # the part an object's topic is about, in the buyer's words (防尘盖少发的情况), or the
            # values the buyer names with it (那30cm的呢 会不会太重 → 30cm重量的问题)
            # (a bare number is no clean part, 30还没到 is no 30退款的情况, unless it names a variant:
            # 那10000的呢 哪个轻 → 10000重量的问题)
            part = self.intents.thing(asked, bare=True) or "、".join(
                [
                    v
                    for v in dict.fromkeys(self.whole(state.asked_now(HOLDING_FACT_KINDS), state))
                    if not re.fullmatch(r"[\d.]+", v) or f"{v}的" in message
                ][:2]
            )
            if not part and topic.endswith(wording.problem):
                part = self.asked_subject(message, topic)  # 无痕钉能挂多重的 → 无痕钉重量的问题
            if part and part not in topic and topic.endswith(wording.problem) and self.intents.thing(part):
                # 真皮和开胶的问题, not 开胶真皮的问题
                topic = topic.removesuffix(wording.problem) + "和" + part + wording.problem
            elif part and part not in topic:
                topic = part + topic  # 30cm重量的问题
        if not topic and chasing:
            topic = self.intents.thing(state.pending_question or "")
        held_topic = ""
        if (
            topic
            and not chasing
            and not complaint
            and not promised
            and (
                self.topic_drops_a_question(message, topic)
                or self.topic_drops_the_item(message, topic)
                or self.topic_drops_the_value(message, topic)
            )
        ):
            held_topic, topic = topic, ""  # each question asked, not one topic for two
        question = values = item_named = ""
        if not topic and not complaint:
            # the buyer's question said as an indirect question (我帮您确认一下能不能进洗碗机), with the
            # values it is asked with (床垫25厘米厚 → 25厘米的话，), else the sizes or specs a follow-up
            # names (那32的呢 → 32的我帮您看一下; 偶尔来客人呢 after 3L → 3L的), else nothing
            question = self.holding_question(state.pending_question if chasing else message)
            stated = state.asked_now(HOLDING_FACT_KINDS)
            # (the buyer's own values in this message, 被子是200*230的, before the agent's 1.8米床)
            own = "" if stated else own_values(message, wording)
            said = wording.own_values.search(message) if own and wording.own_values is not None else None
            if not question and said is not None and said.groupdict().get("who"):
                own = ""  # (您15的我帮您看一下: who the value is of needs a question to read right)
            agent = next((t.text for t in reversed(history) if t.role == "agent"), "")
            if (
                not stated
                and not own
                and not (wording.variant_named and wording.variant_named.search(message))
                # (not the specs of the product line the agent asked the buyer to confirm)
                and not (wording.identifies is not None and wording.identifies.search(agent))
            ):
                # the agent's values a follow-up is about (那明年春天还能穿吗 after 80码), not when it
                # names another variant of its own (那鸡肉的呢 after 85g)
                stated = state.referred(HOLDING_FACT_KINDS)
            if not stated and not question:
                # a count said alone (那8个呢 after 5个9折 / 买10双): 8个的我帮您看一下
                stated = state.asked_now(("quantity",))
            # (a value of the kind the question names is another option, no condition it is asked
            # with: 10号我出差 11号送行不 is no 10号的话，…11号送行不行)
            named = {s.fact.kind for s in stated if question and s.fact.text.strip() in question}
            stated = [s for s in stated if s.fact.kind not in named]
            values = "、".join(
                v
                for v in list(dict.fromkeys(t.strip() for t in self.whole(stated, state)))[:2]
                if v and v not in question
            )
            if not values and (question or own):
                # 阔腿裤会不会很拖地 我155 → 您155的话，… (the buyer's value carried with the question)
                values = own or own_values(message, wording)
                values = "" if values and values in question else values
            if values and not question and not chasing and self.figures_told(message, state):
                # figures the buyer tells as a report, asking nothing of them (量了 2米4 差10公分), are no
                # choice to look at: 2米、10公分的我帮您看一下 reads garbled (a choice told, 那39拍了, is)
                values = ""
            if not values and question and not chasing:
                values = self.earlier_values(state, question, scenario)
            if not values and question and not chasing:
                # the item this message names outside the questions, with the buyer's attribute
                # (买的翻毛皮马丁靴 沾了泥咋弄 → 翻毛皮马丁靴的话，…确认一下沾了泥怎么弄): what is asked about
                values = item_named = self.item_context(message, question)
        if not topic and not complaint and not chasing and wording.fault_topic:
            # a fault told in this chat, held by name when the message asks nothing else (拍好了 怎么处理
            # / [图片]) or tells it itself (晾了五天还是臭): 泵头坏了压不出来的情况
            told, fault = self.fault_told(message, history, state)
            handling = wording.fault_handling is not None and wording.fault_handling.search(message)
            if (
                told
                and (scenario in wording.fault_scenarios or fault in message or handling)
                and (not question or handling or fault in message)
            ):
                topic = wording.told_topic(told)
                question = values = ""
        # what is named names what was asked; it never brings in a fact (不粘涂层 for 涂层), nor breaks
        # a rule a neutral topic does not (你们家卖最好的 in the shop's voice)
        topic, question, values = (
            ""
            if said
            and (
                (wording.masked is not None and wording.masked.search(said))
                or self.grounder.ungrounded(said, state)
                or self._topic_breaks_rules(said, message, history, scenario)
            )
            else said
            for said in (topic, question, values)
        )
        # what is named is said in Simplified characters, as the shop writes (羽絨被 → 羽绒被)
        topic, question, values = (to_simplified(said) for said in (topic, question, values))
        if held_topic and not question:
            topic, values = held_topic, ""  # the questions could not be said: the topic, as before
        if item_named and not question:
            values = ""  # the item said before a question that could not be said: no values of its own
        # the phrasing the message picks; another of its family where a slot's value would read as
        # a fact nobody gave (确认一下色温 reads 一下色 as a colour)
        for template in self.holding_templates(message, state, topic, question, values):
            reply, fill_ins, changes = self.grounder.fill(template, state)
            reply = reply.lstrip("，,")  # a shop without an address term
            if not self.grounder.ungrounded(reply, state):
                break
        due = self.apology_due(message, state, scenario)
        if state.nudge and state.pending_question:
            reply = opened_with(self.rules.pending_prefix, reply, self.rules)
        elif self.calm_before_order(message, state):
            pass  # 给您带来不好的体验 to a buyer who has bought nothing and is not upset now
        elif due == "full" or (
            scenario in self.rules.empathy_scenarios
            and due not in ("ack", "supposed", "light")
            and not self.calm_question(message, state)
        ):
            reply = apology_first(reply, self.rules, self.apology_for(message, state))
        elif due == "light":
            reply = opened_with(self.rules.light_prefix, reply, self.rules)
        violations = tuple(self.check(reply, message, history, scenario).violations)
        return Suggestion(
            reply,
            0.0,
            (),
            scenario,
            violations,
            (),
            guidance_ids,
            True,
            template,
            tuple(fill_ins),
            tuple(changes),
            holding=True,
        )

    def _topic_breaks_rules(self, topic: str, message: str, history: Sequence[Turn], scenario: str) -> bool:
        """Whether a holding reply's topic breaks a rule that a neutral topic does not (the buyer's
        你们 or 最好的 restated in the shop's voice); rules about the whole reply do not count."""

        def rules(text: str) -> set[str]:
            return {v.rule for v in self.check(text, message, history, scenario).violations}

        return bool(rules(topic) - rules(self.grounder.extractor.vocabulary.complaint_topic))

    def calm_before_order(self, message: str, state: ConversationState) -> bool:
        """A buyer who has not ordered (no order event in the chat) and is not upset in this message:
        no anger or threat, no complaint but a doubt (都说是假货 是正品吗), so a holding reply opens
        with no apology (judges: a needless apology to a calm pre-sale buyer)."""
        if state.apologised or state.nudge or any(s.fact.kind == "order_event" for s in state.facts):
            return False
        if state.grievance:
            return False  # (今天16了 under the agent's 15号前发出: the buyer is owed an apology all the same)
        extractor = self.grounder.extractor
        said = state.said_by("buyer")[:-1]
        problem = self.rules.calm_unless
        if any(extractor.complaint(t) for t in said) or (
            problem is not None and any(problem.search(t) for t in (*said, message))
        ):
            return False  # a problem told before (收到键盘有几个键不灵) or now (卡扣断了)
        complaint = extractor.complaint(message)
        doubt = self.rules.calm_doubt
        # a threat beyond the complaint word itself (假货 is both; 投诉 / 12315 is a threat), and not
        # a policy asked about (假一赔几)
        threats = [
            w
            for w in extractor.escalation(message)
            if w not in complaint and not (doubt is not None and doubt.search(w))
        ]
        if threats or any(w in message for w in state.anger):
            return False
        return not complaint or (doubt is not None and doubt.search(message) is not None)

    def calm_question(self, message: str, state: ConversationState) -> bool:
        """A calm buyer asking about the product (要不要冷藏 / 会起球吗), not reporting a problem."""
        if self.apology_due(message, state) == "full" or not self.rules.calm_objects:
            return False
        asked = self.intents.parse(message)
        return (
            bool(asked.question_types and asked.objects)
            and asked.objects <= self.rules.calm_objects
            and not any(w in message for w in self.rules.problem_words)
        )

    def promised(self, message: str, state: ConversationState) -> tuple[str, str] | None:
        """The agent's own earlier promise of a replacement, ``(verb, object)`` (补寄, 卡其色), when the
        buyer's message comes back to it (又是黑色 / 补发的又错了); else None."""
        if self.rules.promise is None or not any(p.search(message) for p in self.rules.follow_up):
            return None
        for text in reversed(state.said_by("agent")):
            found = self.rules.promise.search(text)
            if found:
                return found["verb"], found["object"]
        # 少了两颗螺丝 → 亲 抱歉 给您补寄: the promise names no object, the buyer's missing part is it
        if self.rules.resend is None:
            return None
        verb = next(
            (m.group(0) for t in reversed(state.said_by("agent")) for m in self.rules.resend.finditer(t)), ""
        )
        part = next(
            (w for t in reversed(state.said_by("buyer")) if (w := self.intents.thing(t, bare=True))), ""
        )
        return (verb, part) if verb and part else None

    def disputed_claim(self, message: str, scenario: str) -> str:
        """The claim the buyer says they were told and now disputes (自带防雾 of 不是说自带防雾吗), or "":
        not the time of a step of the order (不是说48小时发货吗), nor a time alone where times are the
        order's (不是说7天吗 about a delay: a broken promise of when, the delay's own apology takes it up)."""
        wording = self.rules.wording
        claim = wording.disputed(message)
        if not claim:
            return ""
        facts = self.grounder.extractor.extract(claim)
        steps = self.intents.agent_said
        if steps is not None and whens(claim, facts, steps):
            return ""
        # (a span of years, 三年质保, is a warranty or a shelf life, never the time of an order's step)
        if scenario in wording.dispute_not_when and any(
            f.kind in WHEN_KINDS and not f.value.endswith("年") for f in facts
        ):
            return ""
        return claim

    def disputes_agent(self, message: str, history: Sequence[Turn], scenario: str) -> bool:
        """Whether ``message`` disputes a claim right after the agent stated something (亲 建议手洗 →
        不是说能机洗吗): nothing retrieved can tell who is right, so the agent checks first."""
        agent = next((t.text for t in reversed(history[-2:]) if t.role == "agent"), "")
        if not agent.strip() or self.grounder.extractor.is_holding(agent):
            return False
        return bool(self.disputed_claim(message, scenario))

    def promised_topic(self, message: str, state: ConversationState) -> str:
        """How a holding reply names the promise the buyer comes back to (补寄的卡其色), or ""."""
        promise = self.promised(message, state)
        if promise is None:
            return ""
        return self.rules.promise_topic.replace("{verb}", promise[0]).replace("{object}", promise[1])

    def facts_topic(self, message: str, state: ConversationState) -> str:
        """What a holding reply checks when the buyer's values name it: the size for their measures
        (160、50kg适合的规格 / 我家柯基25斤), the choice between two sizes or specs they weigh (XL和2XL
        哪个更合适, also the agent's two just offered: 选哪个 after 6mm和8mm), the offer a follow-up asks
        about (满300减40的活动); "" otherwise: a value alone (13kg的情况) names no question."""
        wording = self.rules.wording
        stated = state.asked_now(HOLDING_FACT_KINDS)
        referred = [] if stated else state.referred(HOLDING_FACT_KINDS + REFERRED_KINDS)
        measures = [
            s
            for s in stated
            if s.fact.kind in BUYER_KINDS
            or (wording.measures is not None and wording.measures.search(s.fact.text.strip()))
        ]
        weighed = self.weighed_choice(message, stated, referred)
        if measures and not weighed:
            measures = stated  # with the other values they give (床1米5 床垫厚25公分)
            values = "、".join(list(dict.fromkeys(s.fact.text.strip() for s in measures))[:2])
            return self.rules.measures_topic.replace("{values}", values)
        if weighed and measures:
            return weighed  # 1.5kg和10kg的 哪个划算: two sizes weighed, not the size their measures fit
        offers = [s for s in referred if s.fact.kind in REFERRED_KINDS]
        asks_offer = wording.offer_asks is None or wording.offer_asks.search(message)
        if offers and wording.offer_topic and asks_offer:
            values = "、".join(list(dict.fromkeys(s.fact.text.strip() for s in offers))[:2])
            return wording.offer_topic.replace("{values}", values)
        return weighed

    def weighed_choice(self, message: str, stated: Sequence[Any], referred: Sequence[Any]) -> str:
        """The choice between two values of one kind the buyer weighs (XL和2XL哪个更合适), or ""."""
        wording = self.rules.wording
        kinds: dict[str, list[str]] = {}
        for s in stated or referred:
            if s.fact.kind not in REFERRED_KINDS:
                kinds.setdefault(s.fact.kind, [])
                if s.fact.text.strip() not in kinds[s.fact.kind]:
                    kinds[s.fact.kind].append(s.fact.text.strip())
        choice = next((v for v in kinds.values() if len(v) >= 2), None)
        if choice and wording.choice_topic and wording.choice.search(message):
            return wording.choice_topic.replace("{values}", "和".join(choice[:2]))
        return ""

    @staticmethod
    def figures_told(message: str, state: ConversationState) -> bool:
        """Whether ``message`` asks nothing and tells two or more measured figures (量了 2米4 差10公分: a
        measurement reported), not an option chosen or named (那39拍了 / 22码 灰色: sizes and colours)."""
        if asks_something(message) or asks_yes_no(message):
            return False
        figures = {
            s.fact.text.strip()
            for s in state.asked_now(HOLDING_FACT_KINDS)
            if s.fact.kind not in ("size", "colour") and re.search(r"\d", s.fact.text)
        }
        return len(figures) >= 2

    def fault_topic(self, complaint: str, state: ConversationState) -> str:
        """The fault a complaint clause names, with what broke in the buyer's words (``fault_topic``:
        收到的饼干全碎了 → 饼干碎了的情况; 封口膜都破了 → 封口膜破了的情况), else the chat's item
        (一套6个碎了俩 → 玻璃碗碎了的情况), or ""."""
        wording = self.rules.wording
        faults = self.grounder.extractor.complaint(complaint) if wording.fault_topic else []
        if not faults or faults[0] not in complaint:
            return ""
        if wording.fault_asks is not None and wording.fault_asks.search(complaint):
            return ""  # 不会是假的吧 asks: no 不会是假的的情况
        before = complaint[: complaint.index(faults[0])]
        if wording.fault_lead is not None:
            before = wording.fault_lead.sub("", before)
        low, high = wording.subject_chars
        if not (low <= len(before) <= high and not re.search(r"[\d我你您了]", before)):
            before = state.item.text if state.item is not None and state.item.text else ""
        return wording.fault_topic.replace("{item}", before).replace("{fault}", faults[0])

    def topic_drops_the_value(self, message: str, topic: str) -> bool:
        """Whether ``topic`` (换货和改规格的事) names none of the places or couriers the asking clause
        names (能不能换成顺丰): the hold then says the question itself (确认一下能不能换成顺丰), not
        a neighbouring object of the same scenario (``AdaptationRules.object_value_kinds``)."""
        clause = asked_clause(message)
        if not clause:
            return False
        named = [
            f.text for f in self.grounder.extractor.extract(clause) if f.kind in self.rules.object_value_kinds
        ]
        return bool(named) and not any(t in topic for t in named)

    def topic_drops_a_question(self, message: str, topic: str) -> bool:
        """Whether ``topic`` (真皮的问题) names nothing of one question of a message that asks two or
        more (这是真皮的吗 会不会掉皮), each of which can be said cleanly and all within
        ``question_total_chars``: then the questions are named (是不是真皮的、会不会掉皮)."""
        wording = self.rules.wording
        clauses = self.asking_clauses(message)
        if len(clauses) < 2 or not all(c.question for c in clauses):
            return False
        if len("、".join(c.question for c in clauses)) > wording.question_total_chars:
            return False
        size = wording.content_pairs

        def named(clause: Clause) -> bool:  # any piece of it will do (防水 of 帐篷防水 in 防水的问题)
            words = clause.content.split()
            long = [w for w in words if len(w) >= size]
            if not long:  # 洗了会缩吗: its one-character words
                return not words or any(ch in topic for ch in "".join(words))
            return any(w[i : i + size] in topic for w in long for i in range(len(w) - size + 1))

        return not all(named(c) for c in clauses)

    def holding_question(self, text: str) -> str:
        """The asking clauses of ``text`` said as indirect questions (能不能进洗碗机、多久驱一次), as
        many as ``question_total_chars`` allows, the rest named together (磨多粗、粉水比多少这几个
        问题), or "" when none can be said cleanly."""
        wording = self.rules.wording
        clauses = [c.question for c in self.asking_clauses(text) if c.question]
        named: list[str] = []
        for question in clauses:
            if named and len("、".join([*named, question])) > wording.question_total_chars:
                return "、".join(named) + wording.more_parts
            named.append(question)
        return "、".join(named)

    def asked_subject(self, text: str, topic: str) -> str:
        """The noun that the asking clause of ``text`` naming ``topic`` opens with (无痕钉 of 无痕钉能挂
        多重的 / 猫爬架 of 猫爬架怎么安装 视频有没), or "": not another clause's (猫毛会缠滚刷吗 噪音大不),
        not what the topic already says (噪音大吗 / 承重多少), not a state or a choice (锅底粘了怎么办 /
        铝合金还是碳纤维), no number and no word of the buyer's own (我的)."""
        wording = self.rules.wording
        low, high = wording.subject_chars
        lead = self.intents.subject_lead
        clauses = [c for c in self.asking_clauses(text) if self.intents.topic(c.text) == topic]
        for clause in clauses[:1]:
            words = clause.content.split()
            opening = clause.text.lstrip()
            opening = lead.sub("", opening, count=1) if lead is not None else opening
            # (a verb left at its end is no part of it: 防伪码 of 防伪码在哪看)
            subject = re.sub(r"[在是有能会要还]+$", "", words[0]) if words else ""
            rest = opening[len(subject) :]
            if (
                low <= len(subject) <= high
                and opening.startswith(subject)
                and not any(ch.isdigit() or ch in "我你您" or ch in topic for ch in subject)
                and not (wording.subject_not_before and wording.subject_not_before.search(rest))
                and not _not_a_noun(subject)
            ):
                return subject
        return ""

    def asking_clauses(self, text: str) -> list[Clause]:
        """The clauses of a buyer message that ask something, with their indirect questions."""
        found = self._clauses_seen.get(text)
        if found is None:
            found = self._clauses_seen.keep(
                text,
                asking_clauses(
                    text,
                    self.rules.wording,
                    asks_something,
                    self.intents.subject_lead,
                    self.intents.subject_tail,
                    self.intents.subject_skip,
                ),
            )
        return found

    def holding_templates(
        self, message: str, state: ConversationState, topic: str, question: str, values: str
    ) -> list[str]:
        """The holding reply's wordings for what it names, the message's pick first: an angry buyer's
        escalation reply (naming only a clean topic), else the phrasings of the family that fits."""
        wording = self.rules.wording
        if state.escalated and self.rules.escalation_reply and not self.calm_before_order(message, state):
            return [self.rules.escalation_reply.replace("{topic}", topic or self.rules.escalation_no_topic)]
        context = wording.context.replace("{values}", values) if values else ""
        hurried = wording.hurry is not None and wording.hurry.search(message)
        if hurried and not (wording.hurry_not is not None and wording.hurry_not.search(message)):
            # 帮我催一下 / 快点啊: the agent chases it, naming its topic (not 帮您问一下能不能帮您催一下)
            family, named = (wording.hurry_topic, {"{topic}": topic}) if topic else (wording.hurry_plain, {})
        elif topic:
            family, named = wording.topic, {"{topic}": topic}
        elif question:
            family, named = wording.question, {"{question}": question, "{context}": context}
        elif values:
            family, named = wording.values, {"{values}": values}
        else:
            family, named = wording.generic, {}
        picked = wording.pick(family, message)
        if wording.acknowledges is not None and (asks_something(message) or asks_yes_no(message)):
            # (好的亲 / 收到 acknowledge what was said: not the opening for a buyer who asks, 好了没)
            picked = [t for t in picked if not wording.acknowledges.search(t)] or picked
        found = []
        for template in picked:
            for slot, said in named.items():
                template = template.replace(slot, said)
            found.append(template)
        # no [holding_wording]: the one holding reply of [holding]
        return found or [self.rules.holding.replace("{topic}", topic)]

    def _distinct(
        self, ranked: Sequence[Suggestion], k: int, echo: Callable[[str], float] | None = None
    ) -> list[Suggestion]:
        """Keep suggestions that differ in substance; a near-copy adds its source to the kept one, and
        its wording when it restates more of this chat's facts (``echo``: 您这笔168元的退款会原路退回
        花呗 for 退款会原路退回花呗 after the agent confirmed 168元)."""
        kept: list[Suggestion] = []
        seen: dict[str, set[str]] = {}  # each reply's bigrams, once (it is compared with every kept one)

        def grams(text: str) -> set[str]:
            found = seen.get(text)
            if found is None:
                found = seen[text] = bigrams(text)
            return found

        for suggestion in ranked:
            twin = next(
                (
                    i
                    for i, s in enumerate(kept)
                    if bigram_overlap(s.reply, suggestion.reply, grams) > self.rules.max_overlap
                ),
                None,
            )
            if twin is None:
                if len(kept) < k:
                    kept.append(suggestion)
            else:
                merged = kept[twin]
                if (
                    echo is not None
                    and echo(suggestion.reply) > echo(merged.reply)
                    and not suggestion.has_error
                ):
                    wording = {**suggestion.__dict__, "score": merged.score}
                    kept[twin] = Suggestion(**{**wording, "sources": suggestion.sources + merged.sources})
                    continue
                kept[twin] = Suggestion(**{**merged.__dict__, "sources": merged.sources + suggestion.sources})
        return kept


def apology_first(reply: str, rules: AdaptationRules, prefix: str = "") -> str:
    """Open with an apology (angry or escalating buyers), unless the reply already does; ``prefix``:
    another apology than the escalation one (for the wait)."""
    opening = reply[: rules.empathy_opening_chars]
    if any(marker in opening for marker in rules.empathy_markers):
        return reply
    return opened_with(prefix or rules.escalation_prefix, reply, rules)


def _abstain_reason(
    hits: Sequence[Any], rejected: Sequence[str], candidates: Sequence[Suggestion], min_score: float
) -> str:
    if not hits:
        return "没有相似的案例 no similar case"
    if candidates:
        return f"最相近的回复匹配度不够 the best reply scores {max(c.score for c in candidates):.2f} < {min_score}"
    if rejected:
        counts: dict[str, int] = {}
        for why in rejected:
            counts[why.split(" ")[0]] = counts.get(why.split(" ")[0], 0) + 1
        top = ", ".join(f"{k} ×{v}" for k, v in sorted(counts.items(), key=lambda x: -x[1])[:3])
        return f"相似案例都不适用于本次对话 no similar case fits this conversation ({top})"
    return "没有足够相似的案例 no case is similar enough"
