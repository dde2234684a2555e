"""An agent's draft before it is sent: the checklist verdict, the fill-ins still open, its length.

``Assistant.check_draft`` builds a ``DraftCheck``; the console's live check and its copy button use
it to decide whether to ask "send anyway?" (errors, warnings or open fill-ins such as 【身高】).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .grounding import FILL_IN_PATTERN


@dataclass(frozen=True)
class DraftCheck:
    """The state of one draft: ``check`` is the checklist's ``CheckResult`` for exactly ``reply``."""

    reply: str
    check: Any  # checklist.CheckResult
    fill_ins: tuple[str, ...]
    chars: int
    limit: int

    @property
    def errors(self) -> int:
        """Violations of severity ``error``."""
        return sum(v.severity == "error" for v in self.check.violations)

    @property
    def warnings(self) -> int:
        """Violations of severity ``warn``."""
        return sum(v.severity == "warn" for v in self.check.violations)

    @property
    def too_long(self) -> bool:
        return self.chars > self.limit

    @property
    def ready(self) -> bool:
        """True when the draft can go out as it is: it passes, has no open fill-in and fits the limit."""
        return bool(self.reply.strip()) and self.check.passed and not self.fill_ins and not self.too_long

    def blockers(self) -> list[str]:
        """Why the draft is not ready, in the agents' words (empty when ready)."""
        out = []
        if self.errors:
            out.append(f"{self.errors} 处严重问题")
        if self.warnings:
            out.append(f"{self.warnings} 处需要修改")
        if self.fill_ins:
            out.append("待填写：" + "、".join(self.fill_ins))
        if self.too_long:
            out.append(f"超过 {self.limit:,} 字")
        return out

    def to_dict(self) -> dict:
        return {
            "reply": self.reply,
            "ready": self.ready,
            "fill_ins": list(self.fill_ins),
            "chars": self.chars,
            "limit": self.limit,
            "blockers": self.blockers(),
            **self.check.to_dict(),
        }


def draft_check(reply: str, check: Any, limit: int) -> DraftCheck:
    """The ``DraftCheck`` of ``reply`` given its checklist result (open fill-ins are the 【…】 left)."""
    fill_ins = tuple(dict.fromkeys(m.group(1) for m in FILL_IN_PATTERN.finditer(reply)))
    return DraftCheck(reply, check, fill_ins, len(reply), limit)
