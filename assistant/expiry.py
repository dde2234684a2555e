"""Expiry: the shelf-life answer worked out from what the chat gives (``money.toml [expiry]``).

A production date said in this chat (生产日期11月20) plus a shelf life said in it or written in the
buyer's catalog entry (保质期45天) gives the last day; a buyer asking whether a day of their own is
still good (1月5号还能吃吗) is told yes or no with both operands and the result shown, so the agent
can check the sum. A shelf life may be in years (保质期1年 / 两年); a production date written with
its year (2024.3.1 / 2025年3月1日) gives the one exact sum, and a verdict on a long shelf life when
the buyer's day has its year too. Nothing is guessed: a day too close to call, a sum the year could
change (``date_sums.py``), a shelf life of a year or more against a day without a year, or two
production dates give no answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from .date_sums import days_past, length, plus, year_of

# a verdict on a day without a year needs the whole shelf life inside one year
_VERDICT_DAYS = 300


def _said_after(text: str, start: int, words: Sequence[str], reach: int) -> bool:
    """True when one of ``words`` ends within ``reach`` characters before ``start`` in its clause."""
    before = text[max(0, start - reach - 6) : start]
    for cut in "，。,；;！!？?":
        before = before.rsplit(cut, 1)[-1]
    return any(w in before[-(reach + len(w)) :] for w in words)


class Expiry:
    """The expiry answer of a message, as a template for the adapter to ground.

    Args:
        table: ``money.toml [expiry]``: the words that name a production date and a shelf life,
            what asks for a verdict or the last day, and the reply wordings.
    """

    def __init__(self, table: dict):
        self.table = table

    def words(self, key: str) -> tuple[str, ...]:
        return tuple(self.table.get(key, ()))

    def _made(self, state) -> tuple[str, str] | None:
        """(value, text) of the one production date this chat states, or None."""
        found = {}
        made = self.words("made")
        for stated in state.facts:
            if stated.fact.kind != "date":
                continue
            text = state.texts[stated.turn]
            after = text[stated.fact.end : stated.fact.end + 3]
            if _said_after(text, stated.fact.start, made, 4) or any(after.startswith(w) for w in made):
                found.setdefault(stated.fact.value, stated.fact.text.strip())
        return next(iter(found.items())) if len(found) == 1 else None

    def _shelf(self, state, details: Sequence[str], extract) -> tuple[str, str] | None:
        """(value, text) of the one shelf life this chat states, else the catalog entry's."""
        shelf = self.words("shelf")
        for texts in (
            [(state.texts[s.turn], s.fact) for s in state.facts if s.fact.kind == "duration"],
            [(d, f) for d in details for f in extract(d) if f.kind == "duration"],
        ):
            found = {f.value: f.text.strip() for t, f in texts if _said_after(t, f.start, shelf, 3)}
            found = {v: t for v, t in found.items() if length(v) is not None}
            if len(found) == 1:
                return next(iter(found.items()))
            if found:
                return None
        return None

    def answer(self, message: str, state, details: Sequence[str], extract) -> tuple[str, str] | None:
        """``(template, what)`` for ``message``, or None when its chat lacks an operand or the buyer
        asks nothing the sum answers. ``details`` are the catalog entry's phrases, ``extract`` the
        fact layer's reader."""
        made, shelf = self._made(state), self._shelf(state, details, extract)
        if made is None or shelf is None:
            return None
        # a production date written with its year (2024.3.1) gives the one sum, shown with its year
        made_year = year_of(made[1])
        found = plus(made[0], shelf[0], made_year)
        if found is None or (found[0] > 1 and made_year is None):
            return None
        years, month, day = found
        count, unit = length(shelf[0]) or (0, "")
        long = count >= 12 if unit == "month" else count >= 365
        if made_year is not None:
            expiry = f"{made_year + years}年{month}月{day}日"
        else:
            expiry = f"{self.table.get('next_year', '') if years and long else ''}{month}月{day}日"
        newest = len(state.texts) - 1
        targets = {
            s.fact.value: s.fact.text.strip()
            for s in state.facts
            if s.turn == newest and s.fact.kind == "date" and s.fact.value != made[0]
        }
        use = next((w for w in self.words("uses") if w in message), self.table.get("use", ""))
        filled = {"<made>": made[1], "<shelf>": shelf[1], "<expiry>": expiry, "<use>": use}
        why = "按对话里的生产日期和保质期算 production date + shelf life from this chat"
        if len(targets) == 1 and any(w in message for w in self.words("asks_day")):
            value, text = next(iter(targets.items()))
            span = count * (31 if unit == "month" else 1)
            target_year = year_of(text) if made_year is not None else None
            past = days_past(made[0], shelf[0], value, made_year, target_year)
            # (the last day itself: counted with or without the production day, too close to call;
            # a long shelf life needs both days' years)
            if past is None or past == 0 or (span > _VERDICT_DAYS and target_year is None):
                return None
            key = "past_reply" if past > 0 else "within_reply"
            return self._fill(self.table.get(key, ""), {**filled, "<target>": text}), why
        if not targets and any(w in message for w in self.words("asks_expiry")):
            return self._fill(self.table.get("expiry_reply", ""), filled), why
        return None

    @staticmethod
    def _fill(template: str, parts: dict[str, str]) -> str:
        for key, value in parts.items():
            template = template.replace(key, value)
        return template
