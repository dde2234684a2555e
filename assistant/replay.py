"""Offline replay: a shop's past chats replayed through the suggester, as if live (issue 13).

``replay`` reads a chat log with the readers of ``chat_read``, holds out a seeded share of its
sessions, builds the corpus to judge (from the other sessions: import, then approval by a stated
policy, in a scratch directory; or the current or shipped starter corpus; never writing to the
user's corpus) and asks ``Assistant.suggest`` for every agent reply of the held-out sessions, with
the true history so far. ``ReplayReport`` counts coverage, abstentions, hits at several similarity
thresholds, shown suggestions with an ungrounded fact, and the checklist violations of the real
agents that the top suggestion would have avoided: overall, per scenario and per corpus version.
"""

from __future__ import annotations

import dataclasses
import html
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .chat_read import Conversation, load_patterns, read_conversations
from .errors import AssistantError, InputError
from .taxonomy import did_you_mean

if TYPE_CHECKING:
    from .core import Assistant

CORPUS_MODES = ("current", "history", "both", "starter")
# cosine similarities of the model's normalised vectors at which a suggestion "says the same" as
# the real reply; several are reported because no single one is right for every shop
THRESHOLDS = (0.5, 0.6, 0.7, 0.8)
DEFAULT_POLICY = "passed"
HISTORY_FILE = "replay-history.jsonl"
ALL = "all"


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class CorpusVersion:
    """One corpus a replay judged: how it was made and which version (``corpus_hash``) it was."""

    mode: str  # one of CORPUS_MODES
    corpus_hash: str
    cases: int  # approved cases
    imported: int = 0  # candidates imported from the training sessions
    approved: int = 0  # of which the policy approved
    leaked: int = 0  # cases whose source is a held-out reply of this log (they flatter the numbers)
    prepare_s: float = 0.0  # import, approval and index build
    replay_s: float = 0.0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ReplayTurn:
    """One held-out agent reply and what the suggester showed in its place."""

    corpus: str  # the corpus mode
    corpus_hash: str
    session: str
    source: str  # path:line of the real agent reply
    message: str  # the buyer turns it answered
    reply: str  # the real agent reply (cleaned)
    scenario: str  # detected for the buyer message
    shown: bool  # a suggestion was shown (not abstained)
    abstained: bool
    suggestions: tuple[str, ...] = ()
    similarity: float = 0.0  # best cosine of a shown, intent-compatible suggestion and the real reply
    ungrounded: tuple[tuple[str, ...], ...] = ()  # per suggestion, its ungrounded facts
    agent_violations: tuple[str, ...] = ()  # checklist rules the real reply broke
    top_violations: tuple[str, ...] = ()  # rules the top suggestion still breaks
    error: str = ""  # suggest refused the message (then nothing else is filled in)

    @property
    def avoided(self) -> tuple[str, ...]:
        """The real reply's broken rules that the shown top suggestion does not break."""
        if not self.shown:
            return ()
        return tuple(r for r in self.agent_violations if r not in self.top_violations)

    def hit(self, threshold: float) -> bool:
        return self.shown and self.similarity >= threshold

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["suggestions"] = list(self.suggestions)
        data["ungrounded"] = [list(u) for u in self.ungrounded]
        data["agent_violations"] = list(self.agent_violations)
        data["top_violations"] = list(self.top_violations)
        data["avoided"] = list(self.avoided)
        data["similarity"] = round(self.similarity, 4)
        return data


@dataclass(frozen=True)
class ReplayRow:
    """The counts of one corpus version, overall (``scenario == "all"``) or for one scenario.

    Rates are over all replayed turns (an abstention is a miss), except ``ungrounded_share``, which
    is over every suggestion shown (holding replies included).
    """

    corpus: str
    corpus_hash: str
    scenario: str
    turns: int
    shown: int
    abstained: int
    hits: tuple[tuple[float, int], ...]
    suggestions: int
    ungrounded: int  # suggestions with at least one ungrounded fact
    agent_violations: int  # rules the real replies broke (a rule counted once per reply)
    avoided: int  # of those, the ones the shown top suggestion did not break

    @property
    def coverage(self) -> float:
        return self.shown / self.turns if self.turns else 0.0

    def hit_rate(self, threshold: float) -> float:
        count = dict(self.hits).get(threshold, 0)
        return count / self.turns if self.turns else 0.0

    @property
    def ungrounded_share(self) -> float:
        return self.ungrounded / self.suggestions if self.suggestions else 0.0

    def to_dict(self) -> dict:
        return {
            "corpus": self.corpus,
            "corpus_hash": self.corpus_hash,
            "scenario": self.scenario,
            "turns": self.turns,
            "shown": self.shown,
            "coverage": round(self.coverage, 4),
            "abstained": self.abstained,
            "hits": {f"{t:g}": n for t, n in self.hits},
            "hit_rate": {f"{t:g}": round(self.hit_rate(t), 4) for t, _ in self.hits},
            "suggestions": self.suggestions,
            "ungrounded": self.ungrounded,
            "ungrounded_share": round(self.ungrounded_share, 4),
            "agent_violations": self.agent_violations,
            "avoided": self.avoided,
        }


def summarize(
    turns: Sequence[ReplayTurn], thresholds: Sequence[float], corpus: str, scenario: str = ALL
) -> ReplayRow:
    """Count ``turns`` (all of one corpus version) into a ``ReplayRow``."""
    replayed = [t for t in turns if not t.error]
    return ReplayRow(
        corpus=corpus,
        corpus_hash=turns[0].corpus_hash if turns else "",
        scenario=scenario,
        turns=len(replayed),
        shown=sum(t.shown for t in replayed),
        abstained=sum(t.abstained for t in replayed),
        hits=tuple((th, sum(t.hit(th) for t in replayed)) for th in thresholds),
        suggestions=sum(len(t.suggestions) for t in replayed),
        ungrounded=sum(1 for t in replayed for u in t.ungrounded if u),
        agent_violations=sum(len(t.agent_violations) for t in replayed),
        avoided=sum(len(t.avoided) for t in replayed),
    )


@dataclass(frozen=True)
class ReplayFrames:
    """A replay as pandas DataFrames (``%replay``, the console)."""

    summary: Any
    by_scenario: Any
    turns: Any
    corpora: Any


@dataclass(frozen=True)
class ReplayReport:
    """What ``replay`` measured: the split, the corpora it judged and every replayed turn."""

    log: str
    format: str
    sessions: int
    train_sessions: int
    heldout_sessions: int
    holdout: float
    seed: int
    policy: str
    thresholds: tuple[float, ...]
    corpora: tuple[CorpusVersion, ...]
    turns: tuple[ReplayTurn, ...]
    refused: int = 0  # held-out replies whose buyer message suggest refused (empty, too long)
    earlier: tuple[dict, ...] = field(default=())  # earlier replays of the same log and split

    def _of(self, mode: str) -> list[ReplayTurn]:
        return [t for t in self.turns if t.corpus == mode]

    def summary(self) -> list[ReplayRow]:
        """One row per corpus version, in the order they were replayed."""
        return [summarize(self._of(c.mode), self.thresholds, c.mode) for c in self.corpora]

    def by_scenario(self) -> list[ReplayRow]:
        """One row per corpus version and detected scenario (most turns first)."""
        rows = []
        for c in self.corpora:
            turns = self._of(c.mode)
            scenarios: dict[str, list[ReplayTurn]] = {}
            for t in turns:
                if not t.error:
                    scenarios.setdefault(t.scenario, []).append(t)
            for scenario, items in sorted(scenarios.items(), key=lambda kv: (-len(kv[1]), kv[0])):
                rows.append(summarize(items, self.thresholds, c.mode, scenario))
        return rows

    def to_dict(self, turns: bool = False) -> dict:
        """The JSON shape of ``assistant replay --json`` (the turns only when asked: they are many)."""
        data = {
            "log": self.log,
            "format": self.format,
            "sessions": self.sessions,
            "train_sessions": self.train_sessions,
            "heldout_sessions": self.heldout_sessions,
            "holdout": self.holdout,
            "seed": self.seed,
            "policy": self.policy,
            "thresholds": list(self.thresholds),
            "refused": self.refused,
            "corpora": [c.to_dict() for c in self.corpora],
            "summary": [r.to_dict() for r in self.summary()],
            "by_scenario": [r.to_dict() for r in self.by_scenario()],
            "earlier": list(self.earlier),
        }
        if turns:
            data["turns"] = [t.to_dict() for t in self.turns]
        return data

    def frames(self) -> ReplayFrames:
        """The summary, per-scenario rows, turns and corpus versions as DataFrames."""
        import pandas as pd

        def table(rows: list[ReplayRow]) -> pd.DataFrame:
            records = []
            for r in rows:
                record = {
                    "corpus": r.corpus,
                    "corpus_hash": r.corpus_hash,
                    "scenario": r.scenario,
                    "turns": r.turns,
                    "coverage": r.coverage,
                    "abstained": r.abstained,
                }
                record.update({f"hit@{t:g}": r.hit_rate(t) for t in self.thresholds})
                record.update(
                    suggestions=r.suggestions,
                    ungrounded_share=r.ungrounded_share,
                    agent_violations=r.agent_violations,
                    avoided=r.avoided,
                )
                records.append(record)
            return pd.DataFrame(records)

        turns = pd.DataFrame(
            [
                {
                    "corpus": t.corpus,
                    "session": t.session,
                    "source": t.source,
                    "scenario": t.scenario,
                    "message": t.message,
                    "reply": t.reply,
                    "top": t.suggestions[0] if t.suggestions else "",
                    "shown": t.shown,
                    "abstained": t.abstained,
                    "similarity": t.similarity,
                    "ungrounded": "; ".join(f for u in t.ungrounded for f in u),
                    "agent_violations": ";".join(t.agent_violations),
                    "avoided": ";".join(t.avoided),
                    "error": t.error,
                }
                for t in self.turns
            ]
        )
        corpora = pd.DataFrame([c.to_dict() for c in self.corpora])
        return ReplayFrames(table(self.summary()), table(self.by_scenario()), turns, corpora)

    def to_html(self) -> str:
        """A self-contained HTML report: the split, the corpus versions, the tables and the misses."""
        e = html.escape

        def rows_html(rows: list[ReplayRow], with_scenario: bool) -> str:
            head = ["语料 corpus", "版本 hash"] + (["场景 scenario"] if with_scenario else [])
            head += ["轮次 turns", "覆盖 coverage", "弃权 abstained"]
            head += [f"命中 hit@{t:g}" for t in self.thresholds]
            head += ["建议数 shown", "无据 ungrounded", "客服违规 agent violations", "可避免 avoided"]
            out = ["<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>"]
            for r in rows:
                cells = [r.corpus, r.corpus_hash] + ([r.scenario] if with_scenario else [])
                cells += [f"{r.turns:,}", f"{r.coverage:.1%}", f"{r.abstained:,}"]
                cells += [f"{r.hit_rate(t):.1%}" for t in self.thresholds]
                cells += [
                    f"{r.suggestions:,}",
                    f"{r.ungrounded_share:.1%}",
                    f"{r.agent_violations:,}",
                    f"{r.avoided:,}",
                ]
                out.append("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in cells) + "</tr>")
            return "\n".join(out) + "</table>"

        misses = [t for t in self.turns if not t.error and not t.hit(self.thresholds[0])][:50]
        miss_rows = "\n".join(
            f"<tr><td>{e(t.corpus)}</td><td>{e(t.source)}</td><td>{e(t.scenario)}</td><td>{e(t.message)}</td>"
            f"<td>{e(t.reply)}</td><td>{e(t.suggestions[0] if t.suggestions else '')}</td>"
            f"<td>{t.similarity:.2f}</td></tr>"
            for t in misses
        )
        versions = "".join(
            f"<li>{e(c.mode)}: {e(c.corpus_hash)} · {c.cases:,} 条已审核案例 approved cases"
            + (f" · 导入 {c.imported:,} 条候选，按策略通过 {c.approved:,}" if c.imported else "")
            + (f" · <b>{c.leaked:,} 条来自留出会话 from held-out sessions</b>" if c.leaked else "")
            + "</li>"
            for c in self.corpora
        )
        earlier = ""
        if self.earlier:
            rows = "".join(
                f"<tr><td>{e(str(x.get('when', '')))}</td><td>{e(str(x.get('corpus', '')))}</td>"
                f"<td>{e(str(x.get('corpus_hash', '')))}</td><td>{e(str(x.get('turns', '')))}</td>"
                f"<td>{e(str(x.get('coverage', '')))}</td>"
                + "".join(f"<td>{e(str(v))}</td>" for v in dict(x.get("hit_rate", {})).values())
                + "</tr>"
                for x in self.earlier
            )
            head = "".join(f"<th>hit@{t:g}</th>" for t in self.thresholds)
            earlier = (
                "<h2>此前的回放 Earlier runs on the same held-out sessions</h2><table><tr><th>when</th>"
                f"<th>corpus</th><th>hash</th><th>turns</th><th>coverage</th>{head}</tr>{rows}</table>"
            )
        return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>回放报告 replay report</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}th{{background:#f3f3f3}}</style>
</head><body>
<h1>回放报告 Replay report</h1>
<p>{e(self.log)} ({e(self.format)}): {self.sessions:,} 个会话 sessions; 留出 held out {self.heldout_sessions:,}
({self.holdout:.0%}, seed {self.seed}); 审核策略 policy <code>{e(self.policy)}</code>.
命中 hit: 展示的建议与客服真实回复意图一致且余弦相似度 ≥ 阈值 (a shown suggestion of the same intent
with cosine similarity ≥ the threshold).</p>
<ul>{versions}</ul>
<h2>总体 Overall</h2>
{rows_html(self.summary(), False)}
{earlier}
<h2>分场景 By scenario</h2>
{rows_html(self.by_scenario(), True)}
<h2>未命中示例 Misses (first 50)</h2>
<table><tr><th>corpus</th><th>source</th><th>scenario</th><th>买家 buyer</th><th>客服 real reply</th>
<th>建议 top suggestion</th><th>sim</th></tr>
{miss_rows}</table>
</body></html>
"""


# ----------------------------------------------------------------------------- splitting


def split_sessions(sessions: Sequence[str], holdout: float, seed: int = 0) -> tuple[set[str], set[str]]:
    """A seeded session-level split: ``(train, heldout)``; the same sessions and seed always give
    the same split, whatever order the log lists them in.

    Raises:
        InputError: ``holdout`` is not in (0, 1].
    """
    if not 0 < holdout <= 1:
        raise InputError(f"--holdout must be above 0 and at most 1, not {holdout}")
    ordered = sorted(set(sessions))
    random.Random(seed).shuffle(ordered)
    count = max(1, round(len(ordered) * holdout)) if ordered else 0
    return set(ordered[count:]), set(ordered[:count])


def replay_pairs(conversation: Conversation, fmt: str) -> list:
    """The agent replies of a conversation to replay, each with every earlier turn as its history
    (``chats.ChatPair``; robot, system and too-short replies are skipped as import skips them)."""
    from .chats import pair_turns

    patterns = _full_history_patterns()
    return pair_turns(conversation, patterns, last_only=fmt == "jddc2018")


def _full_history_patterns():
    return dataclasses.replace(load_patterns(), context_turns=10_000)


# ----------------------------------------------------------------------------- corpora


def starter_corpus_dir() -> Path:
    """The shipped starter corpus (``config.starter_corpus_dir``: package data, or ``corpus/`` of a checkout)."""
    from .config import starter_corpus_dir as shipped

    return shipped()


def _copy_corpus(source: Path, target: Path, with_cases: bool) -> None:
    ignore = shutil.ignore_patterns(".*", "cases") if not with_cases else shutil.ignore_patterns(".*")
    shutil.copytree(source, target, ignore=ignore)
    (target / "cases").mkdir(exist_ok=True)


def _scratch_assistant(base: Assistant, corpus_dir: Path, index_dir: Path) -> Assistant:
    # the base's own class: this module sits below the core and never imports it (README, Architecture)
    scratch = type(base)(base.settings.replace(corpus_dir=str(corpus_dir), index_dir=str(index_dir)))
    scratch._encoder = base.encoder  # one model in memory: the scratch corpus only changes the cases
    return scratch


def _require_cases(approved: Sequence[Any], mode: str, policy: str) -> None:
    scenarios = {c.scenario for c in approved}
    if len(scenarios) < 2:
        raise InputError(
            f"replay: the {mode} corpus has {len(approved)} approved case(s) in {len(scenarios)} "
            f"scenario(s) after the policy {policy!r}; it needs two scenarios at least "
            "(loosen --policy, lower --holdout or use --corpus-mode both)"
        )


# ----------------------------------------------------------------------------- replay


def replay(
    assistant: Assistant,
    log: str | Path,
    *,
    fmt: str | None = None,
    columns: dict[str, str] | None = None,
    holdout: float = 0.2,
    seed: int = 0,
    modes: Sequence[str] = ("history",),
    policy: str = DEFAULT_POLICY,
    thresholds: Sequence[float] = THRESHOLDS,
    limit: int | None = None,
    heldout: Collection[str] | None = None,
    labels: str = "auto",
    progress: Callable[[str, int, int], None] | None = None,
    record: bool = True,
) -> ReplayReport:
    """Replay the held-out sessions of a chat log through the suggester, as if live.

    Args:
        assistant: the assistant over the user's current corpus (its settings, model and corpus).
        log: the chat log (any shape ``chat_read.read_conversations`` reads).
        fmt: the log's format (``chat_read.FORMATS``); None detects it.
        columns: for CSV/XLSX/JSONL logs, the session/role/text columns (``parse_columns``).
        holdout: the share of sessions held out and replayed (0 < holdout ≤ 1).
        seed: the seed of the session split.
        modes: the corpora to judge, each one of ``CORPUS_MODES``: ``history`` (the training
            sessions imported and approved by ``policy`` into an empty corpus with this shop's
            profile, rules and guidance), ``both`` (the same added to a copy of the current corpus),
            ``current`` (the current corpus as it is) or ``starter`` (the shipped corpus).
        policy: the approval policy for imported candidates (``review``; never approves a
            rejected candidate or one that fails the checklist).
        thresholds: the cosine similarities at which hits are counted.
        limit: read at most this many conversations of the log.
        heldout: the session ids to hold out, instead of the seeded split.
        labels: the labeller of imported candidates: ``auto`` (the current corpus's detector when
            it has one, else keywords), ``detector`` or ``keywords``.
        progress: ``progress(stage, done, total)``, called as turns are replayed (the console).
        record: append the summary to ``DATA_DIR/replay-history.jsonl`` and return the earlier
            summaries of the same held-out sessions (``ReplayReport.earlier``): how each corpus
            version did on the same turns.

    Returns:
        The ``ReplayReport``.

    Raises:
        InputError: a bad option, an empty log, a policy that leaves a corpus without two scenarios.
        FileFormatError: the log cannot be read (``path:line: message``).
        PolicyError: the policy cannot be parsed.
    """
    from .review import PolicyError, parse_policy

    modes = tuple(dict.fromkeys(modes))
    for mode in modes:
        if mode not in CORPUS_MODES:
            raise InputError(
                f"unknown corpus mode {mode!r}{did_you_mean(mode, CORPUS_MODES)} (one of {', '.join(CORPUS_MODES)})"
            )
    if not modes:
        raise InputError(f"name a corpus mode ({', '.join(CORPUS_MODES)})")
    thresholds = tuple(sorted(float(t) for t in thresholds))
    if not thresholds or any(not 0 < t <= 1 for t in thresholds):
        raise InputError("similarity thresholds must lie in (0, 1]")
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be at least 1, not {limit}")
    try:
        parse_policy(policy)  # a typo is reported before anything is read or built
    except PolicyError as exc:
        raise PolicyError(str(exc).replace("--where", "--policy", 1)) from None
    from .chat_read import detect_format

    log = Path(log)
    fmt = fmt or detect_format(log)
    conversations: list[Conversation] = []
    for conversation in read_conversations(log, fmt, columns):
        conversations.append(conversation)
        if limit is not None and len(conversations) >= limit:
            break
    fmt = fmt or ""
    sessions = [c.session for c in conversations if c.turns]
    if not sessions:
        raise InputError(f"{log}: no conversations in the log")
    if heldout is not None:
        held = set(heldout) & set(sessions)
        if not held:
            raise InputError(f"{log}: none of the held-out sessions is in the log")
        train = set(sessions) - held
        holdout = len(held) / len(set(sessions))
    else:
        train, held = split_sessions(sessions, holdout, seed)
    if not train and any(m in ("history", "both") for m in modes):
        raise InputError(
            f"replay: --holdout {holdout:g} leaves no session to build a corpus from; "
            "lower it or use --corpus-mode current"
        )
    pairs = [(c.session, p) for c in conversations if c.session in held for p in replay_pairs(c, fmt)]
    held_sources = {p.source for _, p in pairs}

    versions: list[CorpusVersion] = []
    turns: list[ReplayTurn] = []
    refused = 0
    with tempfile.TemporaryDirectory(prefix="replay-") as tmp:
        scratch = Path(tmp)
        imported: tuple[Path, int] | None = None
        for mode in modes:
            started = time.perf_counter()
            target, imported_count, approved, import_file = _prepare(
                assistant, mode, scratch, log, fmt, columns, train, policy, labels, imported
            )
            if import_file is not None:
                imported = (import_file, imported_count)  # imported once, copied into the next corpus
            _ = target.engine  # build or open the index now: its time is preparation, not replay
            prepare_s = time.perf_counter() - started
            started = time.perf_counter()
            mode_turns, mode_refused = _replay_with(target, mode, pairs, thresholds, progress)
            corpus = target.corpus
            versions.append(
                CorpusVersion(
                    mode=mode,
                    corpus_hash=corpus.content_hash,
                    cases=len(corpus.approved),
                    imported=imported_count,
                    approved=approved,
                    leaked=sum(1 for c in corpus.approved if c.source in held_sources),
                    prepare_s=round(prepare_s, 2),
                    replay_s=round(time.perf_counter() - started, 2),
                )
            )
            turns.extend(mode_turns)
            refused = max(refused, mode_refused)
    report = ReplayReport(
        log=str(log),
        format=fmt,
        sessions=len(set(sessions)),
        train_sessions=len(train),
        heldout_sessions=len(held),
        holdout=round(holdout, 4),
        seed=seed,
        policy=policy,
        thresholds=thresholds,
        corpora=tuple(versions),
        turns=tuple(turns),
        refused=refused,
    )
    if record:
        report = _record(
            report, assistant.settings.data_dir / HISTORY_FILE, held, assistant.settings.lock_timeout_s
        )
    return report


def _prepare(
    base: Assistant,
    mode: str,
    scratch: Path,
    log: Path,
    fmt: str,
    columns: dict[str, str] | None,
    train: set[str],
    policy: str,
    labels: str,
    imported: tuple[Path, int] | None,
) -> tuple[Assistant, int, int, Path | None]:
    """The assistant of one corpus mode, its corpus made in ``scratch``: ``(assistant, imported,
    approved, the case file imported now)``."""
    if mode == "current":
        return base, 0, 0, None
    if mode == "starter":
        starter = starter_corpus_dir()
        if starter.resolve() == base.settings.corpus_dir.resolve():
            return base, 0, 0, None
        target = _scratch_assistant(base, starter, scratch / "starter" / "index")
        target.build(progress=False)
        return target, 0, 0, None
    folder = scratch / mode
    corpus_dir = folder / "corpus"
    _copy_corpus(base.settings.corpus_dir, corpus_dir, with_cases=mode == "both")
    import_file = None
    if imported is None:
        from .chats import import_chats

        label = _labeller(base, labels)
        result = import_chats(
            log, fmt or None, corpus_dir, label, out="replay-history.jsonl", columns=columns, sessions=train
        )
        count = len(result.candidates)
        if result.written:  # kept as imported (all candidates) for the next corpus mode
            import_file = scratch / "imported.jsonl"
            shutil.copy2(result.file, import_file)
    else:
        shutil.copy2(imported[0], corpus_dir / "cases" / "replay-history.jsonl")
        count = imported[1]
    target = _scratch_assistant(base, corpus_dir, folder / "index")
    scoped = policy
    if mode == "both":
        # only the candidates imported from the log (a paired format's replies come from its
        # sibling file): the shop's own inbox in the copy stays as it is
        files = _source_files(corpus_dir / "cases" / "replay-history.jsonl")
        if files and not any('"' in f for f in files):
            scoped = f"({policy}) and (" + " or ".join(f'source ~ "{f}:"' for f in sorted(files)) + ")"
    approval = target.approve_where(scoped)
    # checked before the build (which would refuse with a less helpful message), without reloading
    # the corpus: the approved cases are this approval's plus, for both, the current corpus's
    approved = [item.case for item in approval.approved] + list(
        base.corpus.approved if mode == "both" else ()
    )
    _require_cases(approved, mode, policy)
    target.build(progress=False)
    return target, count, len(approval.approved), import_file


def _source_files(case_file: Path) -> set[str]:
    """The files (``path`` of ``path:line``) the cases of an imported case file come from."""
    import json

    if not case_file.exists():
        return set()
    files = set()
    for line in case_file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            files.add(str(json.loads(line).get("source", "")).rpartition(":")[0])
    return files - {""}


def _labeller(base: Assistant, labels: str):
    from .chats import TemporaryKeywordLabeller, make_labeller
    from .taxonomy import load_taxonomy

    if labels == "keywords":
        return TemporaryKeywordLabeller(load_taxonomy(base.settings.corpus_dir / "taxonomy.toml"))
    if labels not in ("auto", "detector"):
        return make_labeller(base.settings, labels)[0]  # names the valid labellers
    try:
        base.detect("你好")  # the current corpus's detector, loaded now
    except AssistantError:
        if labels == "detector":
            raise
        return TemporaryKeywordLabeller(load_taxonomy(base.settings.corpus_dir / "taxonomy.toml"))
    return base.detect


def _replay_with(
    assistant: Assistant,
    mode: str,
    pairs: Sequence[tuple[str, Any]],
    thresholds: Sequence[float],
    progress: Callable[[str, int, int], None] | None,
) -> tuple[list[ReplayTurn], int]:
    """Suggest for every held-out reply, then score all suggestions against the real replies with
    one batch encoding."""
    from tqdm import tqdm

    engine = assistant.engine
    grounder = engine.adapter.grounder
    intents = engine.corpus.intents
    corpus_hash = engine.corpus.content_hash
    raw: list[tuple[str, Any, Any]] = []
    refused = 0
    # every held-out message, its context and earlier buyer turns encoded in one batch first
    with assistant.primed([(pair.buyer, list(pair.context)) for _, pair in pairs]):
        for done, (session, pair) in enumerate(
            tqdm(pairs, desc=f"replay {mode}", unit=" turns", disable=None, leave=False)
        ):
            if progress is not None and done % 50 == 0:
                progress(mode, done, len(pairs))
            try:
                result = assistant.suggest(pair.buyer, list(pair.context))
            except InputError as exc:
                refused += 1
                raw.append((session, pair, exc))
                continue
            raw.append((session, pair, result))
    if progress is not None:
        progress(mode, len(pairs), len(pairs))

    texts = sorted(
        {
            t
            for _, p, r in raw
            if not isinstance(r, Exception)
            for t in (p.reply, *(s.reply for s in r.suggestions))
        }
    )
    vectors = assistant.encode(texts) if texts else np.zeros((0, 1), dtype="float32")
    row = {text: i for i, text in enumerate(texts)}
    turns = []
    for session, pair, result in raw:
        if isinstance(result, Exception):
            turns.append(
                ReplayTurn(
                    mode,
                    corpus_hash,
                    session,
                    pair.source,
                    pair.buyer,
                    pair.reply,
                    "",
                    False,
                    False,
                    error=str(result),
                )
            )
            continue
        shown = bool(result.suggestions) and not result.abstained
        real = vectors[row[pair.reply]]
        real_intent = intents.parse(pair.reply)
        best = 0.0
        if shown:
            for s in result.suggestions:
                if intents.conflicts(real_intent, intents.parse(s.reply)):
                    continue  # it answers a neighbouring question (restock, not dispatch)
                best = max(best, float(vectors[row[s.reply]] @ real))
        state = result.context
        ungrounded = tuple(
            tuple(grounder.ungrounded(s.reply, state)) if state is not None else ()
            for s in result.suggestions
        )
        scenario = result.detection.scenario
        # judged as `assistant audit` judges the log (no detected scenario), so every corpus
        # version counts the same violations of the real agents
        verdict = assistant.check(pair.reply, pair.buyer, list(pair.context))
        top = result.suggestions[0] if result.suggestions else None
        turns.append(
            ReplayTurn(
                corpus=mode,
                corpus_hash=corpus_hash,
                session=session,
                source=pair.source,
                message=pair.buyer,
                reply=pair.reply,
                scenario=scenario,
                shown=shown,
                abstained=result.abstained,
                suggestions=tuple(s.reply for s in result.suggestions),
                similarity=best,
                ungrounded=ungrounded,
                agent_violations=verdict.rules,
                top_violations=tuple(dict.fromkeys(v.rule for v in top.violations)) if top else (),
            )
        )
    return turns, refused


# ----------------------------------------------------------------------------- history of runs


def _record(report: ReplayReport, path: Path, held: set[str], timeout_s: float) -> ReplayReport:
    """Append this run's summary rows to the history file; return the report with the earlier rows
    of the same held-out sessions (the same log, split and thresholds), oldest first."""
    import hashlib
    import json
    import logging
    from datetime import UTC, datetime

    from .storage import append_line, locked

    digest = hashlib.sha256("\n".join(sorted(held)).encode("utf-8"))
    digest.update(f"{Path(report.log).name}|{report.thresholds}".encode())
    key = digest.hexdigest()[:16]
    earlier: list[dict] = []
    when = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with locked(path.with_suffix(".lock"), timeout_s):
            if path.exists():
                for raw in path.read_bytes().split(b"\n"):
                    try:
                        entry = json.loads(raw.decode("utf-8"))
                    except (UnicodeDecodeError, json.JSONDecodeError):
                        continue  # a torn last line
                    if isinstance(entry, dict) and entry.get("key") == key:
                        earlier.append(entry)
            for row in report.summary():
                entry = {
                    "key": key,
                    "when": when,
                    "log": report.log,
                    "policy": report.policy,
                    **row.to_dict(),
                }
                append_line(path, json.dumps(entry, ensure_ascii=False))
    except (OSError, AssistantError) as exc:  # the report stands without its history
        logging.getLogger(__name__).warning("replay history not kept: %s", exc)
    return dataclasses.replace(report, earlier=tuple(earlier))


# ----------------------------------------------------------------------------- saving

REPORT_SUFFIXES = (".html", ".htm", ".json", ".csv")


def check_replay_out(path: str | Path) -> Path:
    """``path`` when its extension names a replay report format.

    Raises:
        InputError: any other extension (one line, naming the formats).
    """
    path = Path(path)
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise InputError(
            f"--out {path.name!r}: a replay report ends in .html, .json or .csv (one row per turn)"
        )
    return path


def write_replay_report(report: ReplayReport, path: str | Path) -> Path:
    """Save a replay: HTML (the tables and the first misses), JSON (everything, turns included) or
    CSV (one row per replayed turn, UTF-8 with BOM for Excel)."""
    import json

    from .reports import excel_safe
    from .storage import atomic_write_text

    path = check_replay_out(path)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        text = report.to_html()
    elif suffix == ".json":
        text = json.dumps(report.to_dict(turns=True), ensure_ascii=False, indent=1)
    else:
        frame = report.frames().turns.map(excel_safe)
        text = "\ufeff" + frame.to_csv(index=False)
    atomic_write_text(path, text)
    return path
