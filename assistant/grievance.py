"""A grievance read from the chat's facts, not from angry words (issue 12).

A buyer owed an apology often says nothing cross: 今天16了 under the agent's 15号前发出, 我问的是几斤用一支
under an answer about something else, 哪有 就一个单号 under a missing bottle nobody apologised for. The
judges mark such a reply 0 when it opens with 好的亲. What the chat itself establishes is read here:

* ``promise_passed``: a day the agent gave (15号前发出 / 周三发), or a time limit the agent gave
  (确认收货后3个工作日内) counted from a day the buyer names after it (周一确认的 / 昨天收到的), is behind
  the day the buyer says it is now (今天16了 / 今天周五) or the day a relative day implies, or a part of
  the day the agent gave (下午回复您) is behind the part the buyer says it is now (现在都晚上9点了);
* ``corrected``: the buyer, after the agent's answer, says it was not what they asked, asking their own
  earlier question again (its words recur: 几斤的狗用一支 → 我问的是几斤用一支);
* ``unresolved``: after the goods came the buyer told a problem (a defect or something missing), and
  since then the agent has neither apologised nor promised a remedy.

Patterns and day words are ``upset.toml [grievance]``; the caller passes what the other modules read
(a told problem, an agent's remedy or apology), so this module knows no wording of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .facts import chinese_number

if TYPE_CHECKING:
    from .records import Turn

KINDS = ("promise_passed", "corrected", "unresolved")
_WEEKDAYS = "一二三四五六日"  # Monday first; 天 and 7 name Sunday too


@dataclass(frozen=True)
class GrievanceRules:
    """``upset.toml [grievance]``.

    Attributes:
        today: the day the buyer says it is now; groups ``day`` (of the month) or ``weekday``.
        promised: a day the agent gave for something to happen by; groups ``day`` or ``weekday``.
        since: a day the buyer says something happened on (周一确认的); groups ``day`` or ``weekday``.
        limit: a time limit the agent gave; groups ``n`` and ``unit`` (天 / 工作日 / 小时), or of a range
            its upper end, ``high`` and ``hunit`` (1-3个工作日).
        elapsed: the wait the buyer's newest message tells (都三天了: groups ``n`` and ``unit``; 已经第四天:
            group ``nth``), compared with each limit the agent gave.
        relative: a relative day and its offset from today (昨天 = -1).
        corrected: the buyer saying the answer was not what they asked (我问的是 / 不是问).
        overlap: how many characters of the buyer's earlier question must recur in the correction.
        longest_gap: a passed day further back than this many days is read as next month's.
        unresolved: whether a problem told after the goods came that no agent turn apologised for or
            remedied is read as a grievance.
        apology: the apology a reply opens with, per kind (the generic one where none is given).
    """

    today: re.Pattern | None = None
    promised: re.Pattern | None = None
    since: re.Pattern | None = None
    limit: re.Pattern | None = None
    elapsed: re.Pattern | None = None
    relative: dict[str, int] = field(default_factory=dict)
    corrected: re.Pattern | None = None
    overlap: int = 3
    longest_gap: int = 20
    unresolved: bool = False  # whether a problem nobody apologised for is read at all
    apology: dict[str, str] = field(default_factory=dict)  # the apology that opens a reply, per kind
    # a part of the day the agent gave (下午回复您) and the one the buyer says it is now (现在都晚上了):
    # group ``part``, ranked by ``parts`` (上午 = 1 … 第二天)
    promised_part: re.Pattern | None = None
    now_part: re.Pattern | None = None
    parts: dict[str, int] = field(default_factory=dict)
    # a new time limit in a reply (2小时内一定), replaced by ``new_time_instead`` once a promise broke:
    # the buyer has no reason to believe another one
    new_time: re.Pattern | None = None
    new_time_instead: str = ""


def load_grievance(
    table: dict[str, Any], compile_one: Callable[[str, str], re.Pattern | None]
) -> GrievanceRules:
    """The rules of ``[grievance]``; ``compile_one(pattern, key)`` compiles one (None when bad)."""
    if not table:
        return GrievanceRules()

    def one(key: str) -> re.Pattern | None:
        return compile_one(str(table[key]), key) if table.get(key) else None

    return GrievanceRules(
        today=one("today"),
        promised=one("promised"),
        since=one("since"),
        limit=one("limit"),
        elapsed=one("elapsed"),
        relative={str(k): int(v) for k, v in dict(table.get("relative", {})).items()},
        corrected=one("corrected"),
        overlap=int(table.get("overlap", 3)),
        longest_gap=int(table.get("longest_gap", 20)),
        unresolved=bool(table.get("unresolved", False)),
        apology={str(k): str(v) for k, v in dict(table.get("apology", {})).items() if str(v)},
        promised_part=one("promised_part"),
        now_part=one("now_part"),
        parts={str(k): int(v) for k, v in dict(table.get("parts", {})).items()},
        new_time=one("new_time"),
        new_time_instead=str(table.get("new_time_instead", "")),
    )


@dataclass(frozen=True)
class _Day:
    """A day as the chat names it: of the month (``weekday`` False) or of the week (0 = Monday)."""

    value: int
    weekday: bool


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    value = chinese_number(text)
    return int(value) if value is not None else None


def _day(found: re.Match) -> _Day | None:
    groups = found.groupdict()
    if groups.get("weekday"):
        mark = groups["weekday"]
        index = 6 if mark == "天" else int(mark) - 1 if mark in "1234567" else _WEEKDAYS.find(mark)
        return _Day(index, True) if index >= 0 else None
    if groups.get("day"):
        value = _number(groups["day"])
        return _Day(value, False) if value is not None and 1 <= value <= 31 else None
    return None


def _days(pattern: re.Pattern | None, text: str) -> list[_Day]:
    if pattern is None:
        return []
    return [d for m in pattern.finditer(text) if (d := _day(m)) is not None]


def _after(later: _Day, earlier: _Day, rules: GrievanceRules) -> bool:
    """Whether ``later`` is past ``earlier`` (days of one kind; a gap too long is another month)."""
    if later.weekday != earlier.weekday:
        return False
    gap = later.value - earlier.value
    if not later.weekday and earlier.value > 31:
        gap += 31  # (a due day past the month's end, 28号 + 5: the next month's, counted late)
    return 0 < gap <= (6 if later.weekday else rules.longest_gap)


def _plus(day: _Day, n: int, unit: str) -> _Day | None:
    """``day`` plus a time limit: working days skip the weekend (only weekdays can be counted so)."""
    if "小时" in unit:
        n = -(-n // 24)
    if "工作" in unit and not day.weekday:
        # (working days from a day of the month whose weekday is unknown: the latest they can end,
        # two weekend days for each five)
        return _Day(day.value + n + 2 * -(-n // 5), False)
    if "工作" in unit:
        value = day.value
        while n > 0:
            value += 1
            if value % 7 < 5:
                n -= 1
        return _Day(value, True) if value < 7 else None
    value = day.value + n
    if day.weekday:
        return _Day(value, True) if value < 7 else None
    return _Day(value, False)  # (past 31: in the next month, see ``_after``)


def _today(texts: Sequence[str], rules: GrievanceRules) -> list[_Day]:
    return [d for t in texts for d in _days(rules.today, t)]


def _part_passed(agent: Sequence[str], newest: str, rules: GrievanceRules) -> bool:
    """A part of the day an agent turn gave (下午帮您问下技术 再回复您) is behind the part the buyer's
    newest message says it is (现在都晚上9点了)."""
    if rules.promised_part is None or rules.now_part is None:
        return False
    now = [rules.parts.get(m.group("part"), 0) for m in rules.now_part.finditer(newest)]
    given = [rules.parts.get(m.group("part"), 0) for t in agent for m in rules.promised_part.finditer(t)]
    return any(0 < g < n for g in given for n in now)


def without_new_time(reply: str, rules: GrievanceRules) -> str:
    """``reply`` with each new time limit (2小时内一定给您答复) said as no limit (一有结果就给您答复): after
    a promise the agent broke, a new one the assistant cannot know it keeps is no comfort."""
    if rules.new_time is None or not rules.new_time_instead:
        return reply
    return rules.new_time.sub(rules.new_time_instead, reply)


def promise_passed(turns: Sequence[Turn], rules: GrievanceRules) -> bool:
    """A day the agent gave, or a limit counted from a day the buyer named, is behind today."""
    if not turns or turns[-1].role != "buyer":
        return False
    agent = [i for i, t in enumerate(turns) if t.role == "agent"]
    if not agent:
        return False
    newest = turns[-1].text
    if _part_passed([turns[i].text for i in agent], newest, rules):
        return True
    today = _today([newest], rules)
    for i in agent:
        if any(
            _after(now, promised, rules) for promised in _days(rules.promised, turns[i].text) for now in today
        ):
            return True
    if rules.limit is None:
        return False
    waited = _waited(newest, rules)
    for i in agent:
        for found in rules.limit.finditer(turns[i].text):
            groups = found.groupdict()
            n = _number(groups.get("n") or groups.get("high") or "")
            if not n:
                continue
            unit = groups.get("unit") or groups.get("hunit") or ""
            days = -(-n // 24) if "小时" in unit else n
            # (都三天了 after 48小时内发货: the wait the buyer tells is past the agent's limit)
            # (working days: the most calendar days they can take, two weekend days for each five)
            longest = n / 24 if "小时" in unit else n + 2 * -(-n // 5) if "工作" in unit else n
            if waited is not None and waited > longest:
                return True
            # (仓库28号签收了 1-3个工作日退回: the limit counts from the day the same turn names first)
            own = _days(rules.since, turns[i].text[: found.start()])
            for at, later in enumerate(turns[i + 1 :]):
                if later.role != "buyer":
                    continue
                anchors = _days(rules.since, later.text) + (own if i + 1 + at == len(turns) - 1 else [])
                # (昨天收到的 / 前天确认的: so many days ago, whatever today is called; working days
                # are not counted from a day of unknown name)
                ago = [-o for w, o in rules.relative.items() if o < 0 and w in later.text]
                if not anchors and "工作" not in unit and any(d > days for d in ago):
                    return True
                for anchor in anchors:
                    due = _plus(anchor, n, unit)
                    if due is not None and any(_after(now, due, rules) for now in today):
                        return True
    return False


def _waited(text: str, rules: GrievanceRules) -> float | None:
    """The days the buyer says they have waited (都三天了 → 3; 已经第四天 → 4, the day they are in),
    None when the message tells no wait."""
    if rules.elapsed is None:
        return None
    longest = None
    for found in rules.elapsed.finditer(text):
        groups = found.groupdict()
        value = _number(groups.get("n") or groups.get("nth") or "")
        if not value:
            continue
        days = value / 24 if "小时" in (groups.get("unit") or "") else float(value)
        longest = days if longest is None else max(longest, days)
    return longest


def _common(a: str, b: str) -> int:
    """The length of the longest run of word characters ``a`` and ``b`` share."""
    a = re.sub(r"[\W_]+", " ", a)
    b = re.sub(r"[\W_]+", " ", b)
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if " " in a[i:j] or a[i:j] not in b:
                break
            best = j - i
    return best


def corrected(turns: Sequence[Turn], rules: GrievanceRules, item: str = "") -> bool:
    """The buyer says the agent's answer missed their question, asking it again in its own words."""
    if rules.corrected is None or not turns or turns[-1].role != "buyer":
        return False
    newest = turns[-1].text
    found = rules.corrected.search(newest)
    if found is None:
        return False
    asked = newest[found.end() :] or newest
    agent = [i for i, t in enumerate(turns[:-1]) if t.role == "agent" and t.text.strip()]
    if not agent:
        return False
    earlier = [t.text for t in turns[: agent[-1]] if t.role == "buyer"]
    # (the item's own name recurs in any follow-up: it is no sign of the same question)
    strip = (lambda text: text.replace(item, " ")) if item else (lambda text: text)
    return any(_common(strip(asked), strip(t)) >= rules.overlap for t in earlier[-2:])


def unresolved(
    turns: Sequence[Turn],
    *,
    problem: Callable[[str, Sequence[str]], bool],
    apologises: Callable[[str], bool],
    remedies: Callable[[str], bool],
    closes: Callable[[str], bool],
) -> bool:
    """A problem the buyer told after the goods came (``problem(text, buyer turns before)``) that no
    agent turn since has apologised for or promised a remedy for, and the buyer writes again (not
    to close: ``closes``)."""
    if not turns or turns[-1].role != "buyer" or closes(turns[-1].text):
        return False
    buyer: list[str] = []
    told = None
    for i, turn in enumerate(turns[:-1]):
        if turn.role == "buyer":
            if told is None and problem(turn.text, buyer):
                told = i
            buyer.append(turn.text)
    if told is None:
        return False
    agent = [t.text for t in turns[told + 1 : -1] if t.role == "agent" and t.text.strip()]
    return bool(agent) and not any(apologises(t) or remedies(t) for t in agent)
