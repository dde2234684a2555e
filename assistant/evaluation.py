"""Evaluation on a labeled set of buyer messages: detection accuracy and retrieval relevance.

Retrieval relevance is measured the way an agent would judge it: does the top case (top 3 cases)
handle the same scenario as the message? It is reported for each retrieval mode side by side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings
from .corpus import Turn
from .errors import FileFormatError
from .files import json_lines, read_text_file
from .retrieval import MODES


@dataclass(frozen=True)
class LabeledMessage:
    """A buyer message with its true labels."""

    id: str
    message: str
    history: tuple[Turn, ...]
    scenario: str
    stage: str
    buyer_type: str | None


@dataclass(frozen=True)
class EvalReport:
    """Detection and retrieval figures on one labeled set."""

    messages: int
    scenario_accuracy: float
    stage_accuracy: float
    buyer_type_accuracy: float  # over all messages, "no type" counting as a label
    buyer_type_recall: float  # share of typed messages whose type was found
    retrieval: dict[str, dict[str, float]]  # mode -> {"p@1": .., "p@3": ..}
    answered: float  # share of messages that got at least one suggestion
    top_error_free: float  # share whose top suggestion carries no error violation
    per_scenario: dict[str, float] = field(default_factory=dict)
    confusions: tuple[tuple[str, str, int], ...] = ()

    def to_dict(self) -> dict:
        return {**self.__dict__, "confusions": [list(c) for c in self.confusions]}

    def to_text(self) -> str:
        lines = [
            f"messages             {self.messages}",
            f"scenario accuracy    {self.scenario_accuracy:.3f}",
            f"stage accuracy       {self.stage_accuracy:.3f}",
            f"buyer type accuracy  {self.buyer_type_accuracy:.3f} (recall on typed messages {self.buyer_type_recall:.3f})",
            f"answered             {self.answered:.3f}   top suggestion free of errors {self.top_error_free:.3f}",
            "",
            "retrieval: share of messages whose top-1 / top-3 cases share the message's scenario",
            f"{'mode':10} {'P@1':>6} {'P@3':>6}",
        ]
        for mode, scores in self.retrieval.items():
            lines.append(f"{mode:10} {scores['p@1']:6.3f} {scores['p@3']:6.3f}")
        lines.append("")
        lines.append("scenario accuracy per scenario (lowest first):")
        for scenario, acc in sorted(self.per_scenario.items(), key=lambda x: x[1])[:8]:
            lines.append(f"  {scenario:20} {acc:.2f}")
        if self.confusions:
            lines.append("most frequent confusions (true → detected):")
            for true, got, n in self.confusions[:8]:
                lines.append(f"  {true} → {got}: {n}")
        return "\n".join(lines)


EVAL_FILE = "eval_messages.jsonl"


def default_eval_file(settings: Settings | None = None) -> Path:
    """The labeled messages that ship with a corpus: ``<corpus_dir>/eval_messages.jsonl``."""
    return (settings or Settings.load()).corpus_dir / EVAL_FILE


def load_labeled(path: Path) -> list[LabeledMessage]:
    """Read a labeled JSONL set (``id, message, history?, scenario, stage, buyer_type``)."""
    items = []
    for number, data, error in json_lines(read_text_file(path)):
        try:
            if error is not None:
                raise ValueError(error)
            history = tuple(Turn(t["role"], t["text"]) for t in data.get("history") or [])
            items.append(
                LabeledMessage(
                    str(data.get("id", number)),
                    data["message"],
                    history,
                    data["scenario"],
                    data["stage"],
                    data.get("buyer_type"),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise FileFormatError(f"{path}:{number}: not a labeled message ({exc})") from None
    if not items:
        raise FileFormatError(f"{path}: no labeled messages")
    return items


def evaluate(assistant, items: Sequence[LabeledMessage], k: int = 3) -> EvalReport:
    """Run detection, retrieval in every mode and suggest over ``items``."""
    from tqdm import tqdm

    scenario_ok = stage_ok = type_ok = typed = typed_found = answered = error_free = 0
    per_scenario: Counter = Counter()
    per_scenario_total: Counter = Counter()
    confusions: Counter = Counter()
    retrieval = {mode: {"p@1": 0.0, "p@3": 0.0} for mode in MODES}
    for item in tqdm(items, desc="eval", disable=len(items) < 50):
        result = assistant.suggest(item.message, history=item.history, k=k)
        d = result.detection
        per_scenario_total[item.scenario] += 1
        if d.scenario == item.scenario:
            scenario_ok += 1
            per_scenario[item.scenario] += 1
        else:
            confusions[(item.scenario, d.scenario)] += 1
        stage_ok += d.stage == item.stage
        type_ok += (d.buyer_type or None) == (item.buyer_type or None)
        if item.buyer_type:
            typed += 1
            typed_found += d.buyer_type == item.buyer_type
        if result.suggestions:
            answered += 1
            error_free += not result.suggestions[0].has_error
        for mode in MODES:
            hits = assistant.similar(item.message, history=item.history, k=3, mode=mode)
            scenarios = [h.case.scenario for h in hits]
            retrieval[mode]["p@1"] += bool(scenarios) and scenarios[0] == item.scenario
            retrieval[mode]["p@3"] += sum(s == item.scenario for s in scenarios[:3]) / 3
    n = len(items)
    return EvalReport(
        messages=n,
        scenario_accuracy=scenario_ok / n,
        stage_accuracy=stage_ok / n,
        buyer_type_accuracy=type_ok / n,
        buyer_type_recall=typed_found / typed if typed else 0.0,
        retrieval={m: {key: value / n for key, value in scores.items()} for m, scores in retrieval.items()},
        answered=answered / n,
        top_error_free=error_free / max(answered, 1),
        per_scenario={s: per_scenario[s] / per_scenario_total[s] for s in per_scenario_total},
        confusions=tuple((t, g, c) for (t, g), c in confusions.most_common()),
    )
