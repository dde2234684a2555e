"""Choosing cases by id, source, pack, scenario and status, and changing them in bulk (disable,
enable, remove, relabel), for the CLI's ``case`` commands and the trainer page.

Every case file is read, the cases of packs the shop did not choose included, so a trainer can see
and switch any starter pack. A filter value that matches nothing known (a typo of a scenario, a pack,
a source or an id) is an ``UnknownIdError`` naming the closest valid value, never an empty list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import STATUSES, Case, CaseStore, case_files, read_case_file
from .errors import InputError, Problem, UnknownIdError
from .facts import load_vocabulary
from .packs import case_packs, known_packs, serves, shop_packs
from .taxonomy import did_you_mean, load_taxonomy

# disable switches served cases off; enable switches disabled ones back on (candidates and rejected
# cases are never served, so neither touches them)
_SWITCH = {"disabled": ("approved",), "approved": ("disabled",)}


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a command acts on. Empty tuples mean "any"; values of one field are alternatives."""

    ids: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    packs: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.ids or self.sources or self.packs or self.scenarios or self.statuses)

    def accepts(self, case: Case) -> bool:
        return (
            (not self.ids or case.id in self.ids)
            and (not self.sources or case.source in self.sources)
            and (not self.packs or any(p in self.packs for p in case_packs(case)))
            and (not self.scenarios or case.scenario in self.scenarios)
            and (not self.statuses or case.status in self.statuses)
        )

    def describe(self) -> str:
        """The filter in the CLI's words (``--source starter --pack apparel``)."""
        parts = [f"--{name} {v}" for name, values in self._fields() for v in values]
        return " ".join(parts) or "(all cases)"

    def _fields(self) -> list[tuple[str, tuple[str, ...]]]:
        return [
            ("id", self.ids),
            ("source", self.sources),
            ("pack", self.packs),
            ("scenario", self.scenarios),
            ("status", self.statuses),
        ]


@dataclass(frozen=True)
class ListedCase:
    """A case with its packs, and whether the shop's corpus includes it (a pack it chose)."""

    case: Case
    packs: tuple[str, ...]
    chosen: bool

    @property
    def served(self) -> bool:
        """True when suggestions may use it: approved and in a chosen pack."""
        return self.chosen and self.case.status == "approved"

    def to_dict(self) -> dict:
        return {
            **self.case.to_dict(),
            "packs": list(self.packs),
            "chosen": self.chosen,
            "served": self.served,
            "path": self.case.path,
            "line": self.case.line,
        }


@dataclass(frozen=True)
class BulkChange:
    """What a bulk command did (or would do, with ``dry_run``)."""

    action: str  # "disable" | "enable" | "remove"
    selection: CaseFilter
    matched: int  # cases the filter selected
    changed: tuple[str, ...] = field(default=())  # ids changed (or to change)
    dry_run: bool = False

    def to_dict(self) -> dict:
        return {
            "action": self.action,
            "filter": self.selection.describe(),
            "matched": self.matched,
            "changed": len(self.changed),
            "ids": list(self.changed),
            "dry_run": self.dry_run,
        }

    def summary(self) -> str:
        """One line for the CLI and the trainer page."""
        verb = {"disable": "停用 disabled", "enable": "启用 enabled", "remove": "删除 removed"}[self.action]
        would = "将 would be " if self.dry_run else ""
        left = self.matched - len(self.changed)
        unchanged = f" ({left} already so)" if left else ""
        return f"{would}{verb} {len(self.changed)} of {self.matched} case(s) matching {self.selection.describe()}{unchanged}"


def list_cases(directory: str | Path, selection: CaseFilter = CaseFilter()) -> list[ListedCase]:
    """Every case of the corpus that the filter accepts, in file order.

    Raises:
        UnknownIdError: a filter value matches nothing known (with the closest valid value).
    """
    directory = Path(directory).resolve()
    cases = _read_all(directory)
    check_filter(directory, selection, cases)
    from .corpus import _load_shop  # the shop profile alone: packs are chosen there

    problems: list[Problem] = []
    chosen = shop_packs(_load_shop(directory / "shop.toml", problems))
    return [ListedCase(c, case_packs(c), serves(c, chosen)) for c in cases if selection.accepts(c)]


def check_filter(directory: Path, selection: CaseFilter, cases: Sequence[Case]) -> None:
    """Refuse filter values that name nothing: an unknown id, scenario, pack, status or source."""
    ids = [c.id for c in cases]
    for case_id in selection.ids:
        if case_id not in set(ids):
            raise UnknownIdError(f"no case with id {case_id!r}{did_you_mean(case_id, ids)}")
    if selection.scenarios:
        scenario_ids = load_taxonomy(directory / "taxonomy.toml").scenario_ids
        for scenario in selection.scenarios:
            if scenario not in scenario_ids:
                raise UnknownIdError(f"unknown scenario {scenario!r}{did_you_mean(scenario, scenario_ids)}")
    if selection.packs:
        vocabulary, _ = load_vocabulary(directory / "facts.toml")
        packs = known_packs(vocabulary.category_ids)
        for pack in selection.packs:
            if pack not in packs:
                raise UnknownIdError(
                    f"unknown pack {pack!r}{did_you_mean(pack, packs)}; packs: {', '.join(packs)}"
                )
    for status in selection.statuses:
        if status not in STATUSES:
            raise UnknownIdError(f"unknown status {status!r}{did_you_mean(status, STATUSES)}")
    sources = sorted({c.source for c in cases if c.source})
    for source in selection.sources:
        if source not in sources:
            raise UnknownIdError(
                f"no case has source {source!r}{did_you_mean(source, sources)}; sources: {', '.join(sources) or '-'}"
            )


def switch(store: CaseStore, selection: CaseFilter, status: str, *, dry_run: bool = False) -> BulkChange:
    """Disable (``status="disabled"``) the approved cases the filter selects, or enable
    (``status="approved"``) the disabled ones; one lock, each file written once.

    Raises:
        InputError: an empty filter (it would switch every case), or a status other than these two.
        UnknownIdError: a filter value matches nothing known.
    """
    if status not in _SWITCH:
        raise InputError(f"status must be disabled or approved, not {status!r}")
    _refuse_empty(selection, "disable" if status == "disabled" else "enable")
    listed = list_cases(store.directory, selection)
    wanted = tuple(item.case.id for item in listed if item.case.status in _SWITCH[status])
    if wanted and not dry_run:
        store.set_status_many(list(wanted), status)
    action = "disable" if status == "disabled" else "enable"
    return BulkChange(action, selection, len(listed), wanted, dry_run)


def remove(store: CaseStore, selection: CaseFilter, *, dry_run: bool = False) -> BulkChange:
    """Delete the cases the filter selects from their files (one lock, each file written once).

    Raises:
        InputError: an empty filter (it would remove every case).
        UnknownIdError: a filter value matches nothing known.
    """
    _refuse_empty(selection, "remove")
    listed = list_cases(store.directory, selection)
    ids = tuple(item.case.id for item in listed)
    if ids and not dry_run:
        store.delete_many(list(ids))
    return BulkChange("remove", selection, len(listed), ids, dry_run)


def relabel(store: CaseStore, case_id: str, scenario: str, stage: str | None = None) -> Case:
    """Move a case to another scenario (and stage); the stage defaults to the scenario's own.

    Raises:
        UnknownIdError: the case or the scenario is unknown (with the closest valid id).
        InputError: the scenario fits any stage and none was given, or the stage does not fit it.
    """
    stage = load_taxonomy(store.directory / "taxonomy.toml").stage_for(scenario, stage)
    return store.update(case_id, scenario=scenario, stage=stage)


def _refuse_empty(selection: CaseFilter, action: str) -> None:
    if selection.is_empty:
        raise InputError(f"{action}: give case ids or a filter (--source, --pack, --scenario, --status)")


def _read_all(directory: Path) -> list[Case]:
    cases: list[Case] = []
    for path in case_files(directory):
        cases.extend(case for case, _ in read_case_file(path) if case is not None)
    return cases
