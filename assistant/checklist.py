"""Etiquette checklist (质检). Placeholder until the checklist issue lands: no rules yet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import Problem


@dataclass(frozen=True)
class RuleSet:
    """The checklist rules of a corpus."""

    rules: tuple = ()


def load_rules(path: Path, guidance_ids: set[str] | None = None) -> tuple[RuleSet, list[Problem]]:
    """Read ``checklist.toml``; returns the rules and every problem found (``file:line: message``)."""
    return RuleSet(), []
