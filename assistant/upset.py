"""The buyer's mood by meaning: upset and escalating turns that no word list names (issue 12).

``facts.toml [escalation]`` and ``[anger]`` flag the words trainers have seen; unseen buyers word
their anger otherwise (another sarcasm, another threat). Every buyer turn is already embedded for
retrieval, so its vector is compared with the vectors of example lines trainers labelled in
``corpus/upset.toml`` (``escalating`` / ``upset`` / ``calm``): a turn whose nearest escalating lines
are confidently nearer than its nearest calm lines escalates, one nearer the upset lines is owed an
apology. The example vectors are encoded once, when the engine loads; a turn costs one small matrix
product. Whether the chat is about a problem at all is the caller's to say (``Assistant.suggest``):
the embedding knows the topic of a line better than its tone, so a calm question that shares a
threat's topic (评价能改吗 beside 差评) would otherwise be read as one.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import Problem
from .grievance import GrievanceRules, load_grievance

if TYPE_CHECKING:
    from .records import Turn

LABELS = ("escalating", "upset", "calm")
# a message's clauses: a threat or a jab is usually one clause of several (…开胶了 不给换我就找平台), and
# the vector of the whole message is mostly its topic
_CLAUSE = re.compile(r"[，,。！!？?；;~～…\s]+")
# what a mood adds to the conversation's escalation or anger cues (shown in the context's lists)
MARK = "〔语气〕"


@dataclass(frozen=True)
class MoodRules:
    """``upset.toml``: the labelled lines and how confident a reading must be.

    Attributes:
        lines, labels, kinds: the example lines, each with its label and kind.
        k: how many nearest lines of a label are averaged.
        margin, floor: an escalating reading is this much nearer (mean cosine of the k nearest)
            than the calm one, its nearest escalating line at least ``floor`` near.
        upset_margin, upset_floor: the same for an upset reading (an apology first, no flag).
        earlier_margin: added to the margins for the buyer's earlier turns.
        min_chars: turns with fewer word characters are not read on their own (。。。 / 在吗).
        clause_chars: clauses of the newest message with at least this many are read too.
        again: ``[lasting] again``: a failure told once more (又 / 第二次 / 还是), read after the
            agent promised a remedy.
        ultimatum: ``[lasting] ultimatum``: the buyer's own step set on a condition (不发就退), read
            after the agent apologised.
        grievance: ``[grievance]``: the patterns ``grievance.py`` reads a grievance from the chat with.
    """

    lines: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    k: int = 5
    margin: float = 0.08
    floor: float = 0.55
    upset_margin: float = 0.08
    upset_floor: float = 0.55
    earlier_margin: float = 0.04
    min_chars: int = 4
    clause_chars: int = 3
    again: re.Pattern | None = None
    ultimatum: re.Pattern | None = None
    # [grievance]: what the chat's facts owe an apology for (a promised day passed, a missed answer)
    grievance: GrievanceRules = GrievanceRules()


@dataclass(frozen=True)
class Mood:
    """One turn's reading: ``label`` (escalating / upset / calm), the ``kind`` of its nearest line
    of that label, and how far the label's lines are nearer than the calm ones (``margin``)."""

    label: str
    kind: str = ""
    margin: float = 0.0

    @property
    def mark(self) -> str:
        """The cue added to the conversation (〔语气〕threat_review)."""
        return f"{MARK}{self.kind or self.label}"


def load_mood(path: Path) -> tuple[MoodRules, list[Problem]]:
    """Read ``upset.toml``; a corpus without one reads no mood (no rules, no problem)."""
    problems: list[Problem] = []
    if not path.exists():
        return MoodRules(), problems
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return MoodRules(), [Problem(str(path), None, f"not readable TOML: {exc}")]
    lines: list[str] = []
    labels: list[str] = []
    kinds: list[str] = []
    for number, group in enumerate(data.get("examples", []), start=1):
        label = str(group.get("label", ""))
        if label not in LABELS:
            problems.append(
                Problem(
                    str(path), None, f"[[examples]] #{number}: label {label!r} is none of {', '.join(LABELS)}"
                )
            )
            continue
        for line in group.get("lines", []):
            if isinstance(line, str) and line.strip():
                lines.append(line.strip())
                labels.append(label)
                kinds.append(str(group.get("kind", "")))
    missing = [label for label in ("escalating", "calm") if lines and label not in labels]
    if missing:
        problems.append(Problem(str(path), None, f"no {' or '.join(missing)} lines: nothing to compare with"))
    score = data.get("score", {})
    lasting = data.get("lasting", {})
    patterns: dict[str, re.Pattern | None] = {}
    for key in ("again", "ultimatum"):
        words = [str(w) for w in lasting.get(key, []) if str(w)]
        try:
            patterns[key] = re.compile("|".join(words)) if words else None
        except re.error as exc:
            problems.append(Problem(str(path), None, f"[lasting] {key}: not a regular expression: {exc}"))
            patterns[key] = None

    def compile_one(pattern: str, key: str) -> re.Pattern | None:
        try:
            return re.compile(pattern)
        except re.error as exc:
            problems.append(Problem(str(path), None, f"[grievance] {key}: not a regular expression: {exc}"))
            return None

    try:
        grievance = load_grievance(data.get("grievance", {}), compile_one)
    except (TypeError, ValueError, AttributeError) as exc:
        problems.append(Problem(str(path), None, f"[grievance]: {exc}"))
        grievance = GrievanceRules()
    defaults = MoodRules()
    try:
        rules = MoodRules(
            tuple(lines),
            tuple(labels),
            tuple(kinds),
            k=max(1, int(score.get("k", defaults.k))),
            margin=float(score.get("margin", defaults.margin)),
            floor=float(score.get("floor", defaults.floor)),
            upset_margin=float(score.get("upset_margin", defaults.upset_margin)),
            upset_floor=float(score.get("upset_floor", defaults.upset_floor)),
            earlier_margin=float(score.get("earlier_margin", defaults.earlier_margin)),
            min_chars=int(score.get("min_chars", defaults.min_chars)),
            clause_chars=int(score.get("clause_chars", defaults.clause_chars)),
            again=patterns["again"],
            ultimatum=patterns["ultimatum"],
            grievance=grievance,
        )
    except (TypeError, ValueError) as exc:
        return MoodRules(), [*problems, Problem(str(path), None, f"[score]: {exc}")]
    return (rules if not missing else MoodRules()), problems


class MoodReader:
    """Reads a turn's mood from its vector against the labelled lines' vectors (L2-normalised)."""

    def __init__(self, rules: MoodRules, vectors: np.ndarray) -> None:
        self.rules = rules
        self._vectors = np.asarray(vectors, dtype=np.float32)
        labels = np.array(rules.labels)
        self._rows = {label: np.flatnonzero(labels == label) for label in LABELS}

    @property
    def ready(self) -> bool:
        return len(self._rows["escalating"]) > 0 and len(self._rows["calm"]) > 0

    def _nearest(self, similarity: np.ndarray, label: str) -> tuple[float, float, int]:
        """(mean of the k nearest, nearest, the nearest line's row) among ``label``'s lines."""
        rows = self._rows[label]
        if not len(rows):
            return -1.0, -1.0, -1
        values = similarity[rows]
        k = min(self.rules.k, len(values))
        top = np.argpartition(-values, k - 1)[:k]
        best = int(top[np.argmax(values[top])])
        return float(values[top].mean()), float(values[best]), int(rows[best])

    def read(self, text: str, vector: np.ndarray, earlier: bool = False, chars: int | None = None) -> Mood:
        """The mood of one buyer turn (or clause, at least ``chars`` long); ``earlier`` for a turn
        before the newest message (read with ``earlier_margin`` more margin: the mood now matters most)."""
        rules = self.rules
        least = rules.min_chars if chars is None else chars
        if not self.ready or len(re.sub(r"[\W_]+", "", text)) < least:
            return Mood("calm")
        similarity = self._vectors @ np.asarray(vector, dtype=np.float32)
        calm, _, _ = self._nearest(similarity, "calm")
        upset, upset_nearest, upset_row = self._nearest(similarity, "upset")
        extra = rules.earlier_margin if earlier else 0.0
        # escalating is told from upset too (你们骗人 is cross, 一群骗子 contempt): it must be nearer
        # than both; upset only nearer than calm
        mean, nearest, row = self._nearest(similarity, "escalating")
        # (and its nearest line of all is an escalating one: a line trainers wrote for this very
        # situation outweighs a cluster of escalating lines that share its topic)
        if (
            mean - max(calm, upset) >= rules.margin + extra
            and nearest >= rules.floor
            and nearest >= float(similarity.max())
        ):
            return Mood("escalating", rules.kinds[row], mean - max(calm, upset))
        if (
            upset_row >= 0
            and upset - calm >= rules.upset_margin + extra
            and upset_nearest >= rules.upset_floor
        ):
            return Mood("upset", rules.kinds[upset_row], upset - calm)
        return Mood("calm")

    def clauses(self, message: str) -> list[str]:
        """The clauses of a turn of several that are long enough to read on their own."""
        parts = [p for p in _CLAUSE.split(message) if p]
        if len(parts) < 2:
            return []
        return [p for p in parts if len(re.sub(r"[\W_]+", "", p)) >= self.rules.clause_chars]

    def read_message(
        self,
        message: str,
        vector: np.ndarray,
        clauses: Sequence[tuple[str, np.ndarray]],
        earlier: bool = False,
    ) -> Mood:
        """A buyer turn's mood: the whole turn's, or the strongest of its clauses'."""
        chars = self.rules.clause_chars
        moods = [self.read(message, vector, earlier), *(self.read(c, v, earlier, chars) for c, v in clauses)]
        for label in ("escalating", "upset"):
            found = [m for m in moods if m.label == label]
            if found:
                return max(found, key=lambda m: m.margin)
        return moods[0]


def lasting(
    turns: Sequence[Turn],
    rules: MoodRules,
    *,
    remedy: re.Pattern | None,
    apologised: bool,
    ordered: bool,
    angry: Callable[[str], bool],
    complains: Callable[[str], bool],
    chases: Callable[[str], bool],
) -> Mood | None:
    """An upset that outlasted the agent's answer, read from the chat's structure rather than its
    wording (``turns`` end with the newest buyer message, in a chat already about a problem):

    * ``failed_again``: the agent promised a remedy (补寄 / 换新 / 给您退款: ``remedy``) and the
      newest message, angry or complaining, tells the failure once more (又是黑色 第二次了);
    * ``chased_again``: the buyer of an order (``ordered``) already chased an unanswered turn (？ /
      人呢) since the agent last wrote, and now writes angrily (半天不回 我都问了三次); a pre-sale
      buyer chasing a question (人呢 问你内胆能不能单穿) is impatient: nothing of theirs is at stake;
    * ``ultimatum``: the agent apologised, and the buyer now sets their own step on a condition
      (再不发我就退款了 / 不发就退): the apology did not settle it.

    A buyer who says the same once, or is answered, is read by words and meaning as before; these
    only escalate what persists across turns. ``angry`` and ``complains`` tell a message with an anger
    cue or a told fault (facts.toml [anger] / [complaint]), ``chases`` a turn that chases an answer."""
    if not turns or turns[-1].role != "buyer":
        return None
    message = turns[-1].text
    agent = [i for i, t in enumerate(turns[:-1]) if t.role == "agent" and t.text.strip()]
    if not agent:
        return None  # (nothing was answered yet: nothing can persist past an answer)
    if (
        rules.again is not None
        and remedy is not None
        and any(remedy.search(turns[i].text) for i in agent)
        and rules.again.search(message)
        and (angry(message) or complains(message))
    ):
        return Mood("escalating", "failed_again")
    since = [t.text for t in turns[agent[-1] + 1 : -1] if t.role == "buyer"]
    if ordered and since and any(chases(t) for t in since) and angry(message):
        return Mood("escalating", "chased_again")
    if rules.ultimatum is not None and apologised and rules.ultimatum.search(message):
        return Mood("escalating", "ultimatum")
    return None
