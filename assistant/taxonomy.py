"""Scenario, stage and buyer-type labels, read from ``corpus/taxonomy.toml``.

The ids are a contract (``../shared/spec/taxonomy.md``); the code never lists them itself.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError, Problem

ANY_STAGE = "any"


@dataclass(frozen=True)
class Scenario:
    """A buyer scenario such as ``stock`` or ``refund``, with its stage."""

    id: str
    stage: str
    zh: str
    description: str


@dataclass(frozen=True)
class BuyerType:
    """A buyer type such as ``cautious``, with the cues that reveal it and what works."""

    id: str
    zh: str
    cues: str
    approach: str


@dataclass(frozen=True)
class Taxonomy:
    """All labels of the corpus."""

    scenarios: tuple[Scenario, ...]
    buyer_types: tuple[BuyerType, ...]
    stages: dict[str, str]

    @property
    def scenario_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.scenarios)

    @property
    def buyer_type_ids(self) -> tuple[str, ...]:
        return tuple(b.id for b in self.buyer_types)

    @property
    def concrete_stages(self) -> tuple[str, ...]:
        """Stages a case or a conversation can be in (every stage but ``any``)."""
        return tuple(s for s in self.stages if s != ANY_STAGE)

    def scenario(self, scenario_id: str) -> Scenario:
        for s in self.scenarios:
            if s.id == scenario_id:
                return s
        raise KeyError(scenario_id)

    def buyer_type(self, type_id: str) -> BuyerType:
        for b in self.buyer_types:
            if b.id == type_id:
                return b
        raise KeyError(type_id)

    def stage_of(self, scenario_id: str) -> str:
        """The scenario's stage; ``any`` for scenarios that take the stage from the conversation."""
        return self.scenario(scenario_id).stage


def closest(name: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The valid id closest to a misspelt one, or None when nothing is close."""
    found = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(name: str, choices: tuple[str, ...] | list[str]) -> str:
    """A ``(did you mean 'x'?)`` suffix for error messages, or an empty string."""
    match = closest(name, choices)
    return f" (did you mean {match!r}?)" if match else ""


def load_taxonomy(path: Path) -> Taxonomy:
    """Read ``taxonomy.toml``.

    Raises:
        CorpusError: the file is missing, not TOML, or an entry lacks a field.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusError([Problem(str(path), None, "taxonomy file not found")]) from None
    except OSError as exc:
        raise CorpusError([Problem(str(path), None, f"cannot read file ({exc.strerror})")]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError([Problem(str(path), _toml_line(exc), f"not valid TOML: {exc}")]) from None
    try:
        stages = dict(data["stages"])
        scenarios = tuple(
            Scenario(s["id"], s["stage"], s.get("zh", ""), s.get("description", "")) for s in data["scenario"]
        )
        buyer_types = tuple(
            BuyerType(b["id"], b.get("zh", ""), b.get("cues", ""), b.get("approach", ""))
            for b in data["buyer_type"]
        )
    except (KeyError, TypeError) as exc:
        raise CorpusError([Problem(str(path), None, f"missing field {exc}")]) from None
    bad = [s for s in scenarios if s.stage not in stages]
    if bad:
        raise CorpusError(
            [Problem(str(path), None, f"scenario {bad[0].id!r} has unknown stage {bad[0].stage!r}")]
        )
    return Taxonomy(scenarios, buyer_types, stages)


def _toml_line(exc: Exception) -> int | None:
    return getattr(exc, "lineno", None)
