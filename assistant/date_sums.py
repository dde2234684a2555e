"""Date sums: a month-and-day the chat gives plus a duration it gives (生产日期11月20 + 保质期45天).

Chats write dates without a year, so a sum is worked out over several years (leap and not) and is
only given when every year agrees: 8月31 + 6个月 or a day count across a February may not be one
day. Imports nothing of ours, so the fact layer can ground a date shown as such a sum.
"""

from __future__ import annotations

import datetime
import re

_MONTH_DAY = re.compile(r"^(\d{1,2})月(\d{1,2})[日号]?$")
_DURATION = re.compile(r"^(\d+)(天|日|月|年)$")
_YEAR = re.compile(r"^\s*(20\d{2})\s*[.\-/年]")
# base years: two leap-year neighbourhoods, so a February on either side of the sum is tried
_YEARS = (2023, 2024, 2025, 2027)


def month_day(value: str) -> tuple[int, int] | None:
    """(month, day) of a date fact's value (11月20 / 1月5号), or None."""
    match = _MONTH_DAY.match(value.strip())
    if match is None:
        return None
    month, day = int(match.group(1)), int(match.group(2))
    try:
        datetime.date(2024, month, day)
    except ValueError:
        return None
    return month, day


def length(value: str) -> tuple[int, str] | None:
    """(count, "day" | "month") of a duration fact's value (45天, 12月 for 12个月, 1年 as 12 months), or None."""
    match = _DURATION.match(value.strip())
    if match is None or int(match.group(1)) == 0:
        return None
    count, unit = int(match.group(1)), match.group(2)
    if unit == "年":
        return count * 12, "month"
    return count, ("month" if unit == "月" else "day")


def year_of(text: str) -> int | None:
    """The year a date's own text writes (2024.3.1 / 2025年3月1日), or None (3月1日)."""
    match = _YEAR.match(text)
    return int(match.group(1)) if match else None


def _plus(start: datetime.date, count: int, unit: str) -> datetime.date | None:
    if unit == "day":
        return start + datetime.timedelta(days=count)
    months = start.month - 1 + count
    try:
        return start.replace(year=start.year + months // 12, month=months % 12 + 1)
    except ValueError:  # 8月31 + 6个月: no such day
        return None


def plus(made: str, duration: str, made_year: int | None = None) -> tuple[int, int, int] | None:
    """(years later, month, day) of ``made`` + ``duration``, the same in every base year (or in
    ``made``'s own year where the chat wrote it); else None."""
    start, span = month_day(made), length(duration)
    if start is None or span is None:
        return None
    found = set()
    for year in (made_year,) if made_year else _YEARS:
        try:
            begin = datetime.date(year, *start)
        except ValueError:  # 2月29 in a common year
            return None
        end = _plus(begin, *span)
        if end is None:
            return None
        found.add((end.year - year, end.month, end.day))
    return found.pop() if len(found) == 1 else None


def days_past(
    made: str, duration: str, target: str, made_year: int | None = None, target_year: int | None = None
) -> int | None:
    """How many days ``target`` (its first time on or after ``made``) lies after ``made`` +
    ``duration`` (negative: before it); None unless every base year agrees. With both years
    written (2024.3.1 生产 / 2025.2.20 还能用吗) the one sum is exact, whatever the span."""
    start, span, when = month_day(made), length(duration), month_day(target)
    if start is None or span is None or when is None:
        return None
    both = made_year is not None and target_year is not None
    found = set()
    for year in (made_year,) if both else _YEARS:
        try:
            begin = datetime.date(year, *start)
            at = datetime.date(target_year if both else year, *when)
            if at < begin and not both:
                at = datetime.date(year + 1, *when)
        except ValueError:
            return None
        end = _plus(begin, *span)
        if end is None:
            return None
        found.add((at - end).days)
    return found.pop() if len(found) == 1 else None


def is_sum(value: str, dates: set[str], durations: set[str]) -> bool:
    """True when the date ``value`` is one of ``dates`` plus one of ``durations`` (the expiry worked
    out from a production date and a shelf life the chat gave)."""
    target = month_day(value)
    if target is None:
        return False
    for made in dates:
        for duration in durations:
            found = plus(made, duration)
            if found is not None and found[1:] == target:
                return True
    return False
