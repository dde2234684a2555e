"""Scenario, stage and buyer-type labels, read from ``corpus/taxonomy.toml``, plus the scenarios a
shop defines itself in its profile (``shop.toml``, ``[scenarios.<id>]`` tables: warranty,
installation …), which everything downstream treats like the built-in ones.

The ids are a contract (``../shared/spec/taxonomy.md``); the code never lists them itself.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError, InputError, Problem, UnknownIdError
from .files import toml_error_line, toml_line

ANY_STAGE = "any"


@dataclass(frozen=True)
class Scenario:
    """A buyer scenario such as ``stock`` or ``refund``, with its stage."""

    id: str
    stage: str
    zh: str
    description: str
    # False for a scenario the shop defined in ``shop.toml`` (the 26 of the spec are built in)
    builtin: bool = True


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
    def builtin_scenario_ids(self) -> tuple[str, ...]:
        """The spec's scenarios (every corpus has them; a shop's own ones come on top)."""
        return tuple(s.id for s in self.scenarios if s.builtin)

    @property
    def shop_scenario_ids(self) -> tuple[str, ...]:
        """The scenarios this shop defined in ``shop.toml`` ``[scenarios.<id>]``."""
        return tuple(s.id for s in self.scenarios if not s.builtin)

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

    def stage_for(self, scenario_id: str, stage: str | None = None) -> str:
        """The stage a case of ``scenario_id`` is filed under: ``stage`` when given (it must fit the
        scenario), else the scenario's own. The one rule for adding and relabelling cases in every face.

        Raises:
            UnknownIdError: the scenario or the stage is unknown (with the closest valid id).
            InputError: the scenario fits any stage and none was given, or ``stage`` does not fit it.
        """
        if scenario_id not in self.scenario_ids:
            raise UnknownIdError(
                f"unknown scenario {scenario_id!r}{did_you_mean(scenario_id, self.scenario_ids)}"
            )
        expected = self.stage_of(scenario_id)
        stages = self.concrete_stages
        if stage is not None and stage not in stages:
            raise UnknownIdError(f"unknown stage {stage!r}{did_you_mean(stage, stages)}")
        if stage is None:
            if expected == ANY_STAGE:
                raise InputError(
                    f"scenario {scenario_id!r} fits any stage: give --stage ({' | '.join(stages)})"
                )
            return expected
        if expected != ANY_STAGE and stage != expected:
            raise InputError(f"scenario {scenario_id!r} belongs to stage {expected!r}, not {stage!r}")
        return stage


def closest(name: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The valid id closest to a misspelt one, or None when nothing is close."""
    found = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(name: str, choices: tuple[str, ...] | list[str]) -> str:
    """A ``(did you mean 'x'?)`` suffix for error messages, or an empty string."""
    match = closest(name, choices)
    return f" (did you mean {match!r}?)" if match else ""


def load_taxonomy(path: Path, problems: list[Problem] | None = None) -> Taxonomy:
    """Read ``taxonomy.toml`` and the shop's own scenarios from ``shop.toml`` beside it.

    Args:
        path: the taxonomy file.
        problems: where to report a bad shop scenario (it is left out either way); an unreadable
            ``shop.toml`` is reported by the shop profile's loader, not here.

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
        raise CorpusError([Problem(str(path), toml_error_line(exc), f"not valid TOML: {exc}")]) from None
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
    own = shop_scenarios(
        path.parent / "shop.toml", scenarios, stages, problems if problems is not None else []
    )
    return Taxonomy(scenarios + own, buyer_types, stages)


_SCENARIO_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def shop_scenarios(
    path: Path, builtin: tuple[Scenario, ...], stages: dict[str, str], problems: list[Problem]
) -> tuple[Scenario, ...]:
    """The ``[scenarios.<id>]`` tables of a shop profile (``stage``, ``zh``, ``description``).

    A bad entry is reported in ``problems`` and left out; a missing or unreadable profile gives none.
    """
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ()
    table = data.get("scenarios", {})
    where = str(path)
    if not isinstance(table, dict):
        problems.append(
            Problem(
                where, toml_line(path, "[scenarios", text), "[scenarios] must hold [scenarios.<id>] tables"
            )
        )
        return ()
    taken = {s.id for s in builtin}
    found: list[Scenario] = []
    for sid, entry in table.items():
        line = toml_line(path, f"[scenarios.{sid}]", text)
        if not isinstance(entry, dict):
            problems.append(Problem(where, line, f"[scenarios.{sid}] must be a table with stage and zh"))
            continue
        if not _SCENARIO_ID.match(sid):
            problems.append(
                Problem(where, line, f"scenario id {sid!r} may only hold a-z, 0-9 and '_' (2 to 40)")
            )
            continue
        if sid in taken:
            problems.append(
                Problem(where, line, f"scenario {sid!r} is built in; give the shop's own one another id")
            )
            continue
        stage = entry.get("stage")
        if stage not in stages:
            problems.append(
                Problem(
                    where,
                    line,
                    f"scenario {sid!r}: stage {stage!r} is not one of {', '.join(stages)}{did_you_mean(str(stage), tuple(stages))}",
                )
            )
            continue
        zh = entry.get("zh")
        if not isinstance(zh, str) or not zh.strip():
            problems.append(Problem(where, line, f'scenario {sid!r} needs its Chinese name: zh = "..."'))
            continue
        unknown = sorted(set(entry) - {"stage", "zh", "description"})
        if unknown:
            problems.append(
                Problem(
                    where, line, f"scenario {sid!r}: unknown key {unknown[0]!r} (use stage, zh, description)"
                )
            )
            continue
        found.append(Scenario(sid, stage, zh.strip(), str(entry.get("description", "")), builtin=False))
        taken.add(sid)
    return tuple(found)
