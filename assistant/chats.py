"""Chat import: turn real conversations into candidate cases for trainers.

Reading the logs (``read_conversations``, the records, the patterns, text cleaning) lives in
``chat_read``; its names are re-exported here.

``import_chats`` pairs every agent reply with the buyer turns it answers (plus a few earlier turns
as context), cleans placeholders and links, skips robot/system text and replies too short to teach
anything, merges near-duplicate replies (character shingles, MinHash + Jaccard), labels each
candidate with a labeller callable and appends them to ``corpus/cases/<name>.jsonl`` with status
``candidate`` and ``source`` = ``file:line`` of the agent turn.

What counts as a placeholder, a system message or robot text, the accepted CSV column and role
names, and the temporary keyword labeller live in ``chat_patterns.toml`` beside this module.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# reading lives in chat_read; its names are re-exported here for the callers of this module
from .chat_read import (  # noqa: F401  (re-exported)
    COLUMN_KEYS,
    FORMATS,
    PATTERNS_FILE,
    ChatPatterns,
    ChatTurn,
    Conversation,
    _is_robot,
    _is_system,
    _join,
    _norm,
    clean_chat_text,
    detect_format,
    has_placeholder,
    load_patterns,
    parse_columns,
    read_conversations,
)
from .corpus import Case, Turn
from .errors import AssistantError, CorpusError, InputError, UnknownIdError
from .taxonomy import Taxonomy, did_you_mean, load_taxonomy

logger = logging.getLogger(__name__)


# reasons a reply does not become a candidate (keys of ImportResult.skipped), with their labels
SKIP_REASONS = {
    "system": "机器人/系统消息 robot or system text",
    "placeholder": "只有占位符 placeholder only",
    "no_buyer": "没有买家消息 no buyer turn before it",
    "short": "太短 too short",
    "already_imported": "已导入 already imported",
}


# ----------------------------------------------------------------------------- pairing


@dataclass(frozen=True)
class ChatPair:
    """An agent reply and the buyer message it answers, cleaned, before labelling."""

    buyer: str
    reply: str
    context: tuple[Turn, ...]
    source: str  # path:line of the (first) agent turn
    session: str
    placeholders: bool = False
    merged: tuple[str, ...] = ()  # sources of near-duplicate replies folded into this one

    def to_dict(self) -> dict:
        return {
            "buyer": self.buyer,
            "reply": self.reply,
            "context": [t.to_dict() for t in self.context],
            "source": self.source,
            "session": self.session,
            "placeholders": self.placeholders,
            "merged": list(self.merged),
        }


def pair_turns(
    conversation: Conversation,
    patterns: ChatPatterns | None = None,
    skipped: Counter | None = None,
    *,
    last_only: bool = False,
) -> list[ChatPair]:
    """Pair each agent reply of a conversation with the buyer turns it answers.

    Consecutive agent messages form one reply (up to ``max_reply_chars``); the buyer turns just
    before it are the message; up to ``context_turns`` earlier turns are the context. Robot and
    system messages and placeholder-only turns are dropped first.

    Args:
        conversation: the conversation.
        patterns: the chat patterns (default: the shipped file).
        skipped: a counter that receives the reasons replies were not paired (``SKIP_REASONS`` keys).
        last_only: pair only the last agent reply (jddc2018: the earlier turns of a line are
            context whose roles are guessed, the answers file holds the reply).

    Returns:
        The pairs, in conversation order.
    """
    patterns = patterns or load_patterns()
    skipped = skipped if skipped is not None else Counter()
    # group consecutive turns of one role into blocks of (turn, cleaned text, kind)
    blocks: list[tuple[str, list[tuple[ChatTurn, str, str]]]] = []
    for turn in conversation.turns:
        if _is_system(turn.text, patterns):
            # a system card ([系统消息], 自动回复, an order card) is nobody talking: it neither joins
            # a reply nor splits the turns around it
            if turn.role == "agent":
                skipped["system"] += 1
            continue
        else:
            text = clean_chat_text(turn.text, patterns)
            if not text:
                kind = "placeholder"
            elif turn.role == "agent" and _is_robot(text, patterns):
                kind = "system"
            else:
                kind = "ok"
        if kind == "system" and turn.role == "buyer":
            continue  # order cards and "转人工" are not the buyer talking; they do not split blocks
        if blocks and blocks[-1][0] == turn.role:
            blocks[-1][1].append((turn, text, kind))
        else:
            blocks.append((turn.role, [(turn, text, kind)]))

    pairs: list[ChatPair] = []
    for index, (role, items) in enumerate(blocks):
        if role != "agent" or (last_only and index != len(blocks) - 1):
            continue
        if last_only:
            # the answers file holds the reply: the agent's lines that end the context (a hold, a
            # request for the order number) came before it and are not part of it
            items = [item for item in items if item[0].path == items[-1][0].path]
        parts, first, placeholders = [], None, False
        for turn, text, kind in items:
            if kind != "ok":
                continue
            if parts and len(_join([*parts, text])) > patterns.max_reply_chars:
                break
            parts.append(text)
            first = first or turn
            placeholders = placeholders or has_placeholder(turn.text, patterns)
        if not parts or first is None:
            kinds = {kind for _, _, kind in items}
            skipped["system" if "system" in kinds else "placeholder"] += 1
            continue
        reply = _join(parts)
        buyer_items = blocks[index - 1][1] if index > 0 else []
        buyer_parts = [text for _, text, kind in buyer_items if kind == "ok"]
        buyer = _join(buyer_parts)
        if len(_norm(buyer)) < patterns.min_buyer_chars:
            skipped["no_buyer"] += 1
            continue
        if len(_norm(reply)) < patterns.min_reply_chars:
            skipped["short"] += 1
            continue
        context: list[Turn] = []
        for ctx_role, ctx_items in blocks[max(0, index - 1 - patterns.context_turns) : max(0, index - 1)]:
            ctx_text = _join([text for _, text, kind in ctx_items if kind == "ok"])
            if ctx_text:
                context.append(Turn(ctx_role, ctx_text))
        placeholders = placeholders or any(
            has_placeholder(t.text, patterns) for t, _, k in buyer_items if k == "ok"
        )
        pairs.append(ChatPair(buyer, reply, tuple(context), first.where, conversation.session, placeholders))
    return pairs


# ----------------------------------------------------------------------------- near-duplicates


def _shingles(text: str, k: int) -> set[str]:
    if len(text) <= k:
        return {text}
    return {text[i : i + k] for i in range(len(text) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two sets (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def merge_near_duplicates(pairs: list[ChatPair], patterns: ChatPatterns | None = None) -> list[ChatPair]:
    """Fold pairs whose replies are near-duplicates into the first of them.

    Replies are normalised (``_norm``), cut into character shingles, and compared with MinHash
    locality-sensitive hashing; candidate pairs whose true Jaccard similarity reaches
    ``[dedup] threshold`` are merged (union-find, so chains merge too).

    Args:
        pairs: the pairs, in file order.
        patterns: the chat patterns (default: the shipped file).

    Returns:
        The kept pairs in file order; each lists in ``merged`` the sources of the pairs folded into it.
    """
    import numpy as np

    patterns = patterns or load_patterns()
    k = int(patterns.dedup.get("shingle", 3))
    threshold = float(patterns.dedup.get("threshold", 0.7))
    num_perm = int(patterns.dedup.get("num_perm", 64))
    bands = int(patterns.dedup.get("bands", 16))
    rows = max(1, num_perm // bands)
    parent = list(range(len(pairs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)  # the earliest pair stays the representative

    # exact duplicates of the normalised reply first (the common case: canned phrases)
    first_of: dict[str, int] = {}
    unique: list[int] = []
    norms = [_norm(p.reply) for p in pairs]
    for i, norm in enumerate(norms):
        if norm in first_of:
            union(first_of[norm], i)
        else:
            first_of[norm] = i
            unique.append(i)

    shingles = {i: _shingles(norms[i], k) for i in unique}
    rng = np.random.default_rng(20180601)
    prime = np.uint64(4294967311)
    a = rng.integers(1, 2**31, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, 2**31, size=num_perm, dtype=np.uint64)
    buckets: dict[tuple[int, bytes], list[int]] = {}
    for i in unique:
        hashes = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles[i]), dtype=np.uint64)
        signature = ((np.outer(hashes, a) + b) % prime).min(axis=0)
        for band in range(bands):
            key = (band, signature[band * rows : (band + 1) * rows].tobytes())
            buckets.setdefault(key, []).append(i)
    checked: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = members[x], members[y]
                if (i, j) in checked or find(i) == find(j):
                    continue
                checked.add((i, j))
                if jaccard(shingles[i], shingles[j]) >= threshold:
                    union(i, j)

    groups: dict[int, list[int]] = {}
    for i in range(len(pairs)):
        groups.setdefault(find(i), []).append(i)
    kept = []
    for root in sorted(groups):
        members = groups[root]
        head = pairs[root]
        others = tuple(pairs[m].source for m in members if m != root)
        kept.append(
            ChatPair(
                head.buyer, head.reply, head.context, head.source, head.session, head.placeholders, others
            )
        )
    return kept


# ----------------------------------------------------------------------------- labelling


Labeller = Callable[[str, list[Turn]], Any]
"""``label(message, history)`` → ``(scenario, stage, buyer_type | None)`` or an object with
``.scenario``, ``.stage`` and ``.buyer_type`` (as ``Assistant.detect`` returns)."""


class TemporaryKeywordLabeller:
    """TEMPORARY labeller for imported chats: first keyword regex of ``[labels]`` that matches.

    Used only until the assistant's detector (``Assistant.detect``) is available, or with
    ``import-chats --labels keywords``. Imported cases are candidates a trainer checks anyway.
    """

    def __init__(self, taxonomy: Taxonomy, patterns: ChatPatterns | None = None):
        patterns = patterns or load_patterns()
        labels = patterns.labels
        self.taxonomy = taxonomy
        self.rules = []
        for entry in labels.get("scenario", []):
            if entry["id"] not in taxonomy.scenario_ids:
                raise UnknownIdError(
                    f"{PATTERNS_FILE}: unknown scenario {entry['id']!r}{did_you_mean(entry['id'], taxonomy.scenario_ids)}"
                )
            self.rules.append((entry["id"], re.compile(entry["pattern"], re.IGNORECASE)))
        self.stage_cues = [(c["stage"], re.compile(c["pattern"])) for c in labels.get("stage_cues", [])]
        self.default_scenario = labels.get("default_scenario", taxonomy.scenario_ids[0])
        self.default_stage = labels.get("default_stage", taxonomy.concrete_stages[0])

    def __call__(self, message: str, history: list[Turn]) -> tuple[str, str, None]:
        scenario = next((sid for sid, rx in self.rules if rx.search(message)), self.default_scenario)
        stage = self.taxonomy.stage_of(scenario)
        if stage == "any":
            text = message + " " + " ".join(t.text for t in history)
            stage = next((s for s, rx in self.stage_cues if rx.search(text)), self.default_stage)
        return scenario, stage, None


def make_labeller(
    settings: Any, mode: str = "auto", load_detector: Callable[[], Labeller] | None = None
) -> tuple[Labeller, str]:
    """The labeller for imported chats.

    Args:
        settings: the ``Settings`` (for the corpus's taxonomy).
        mode: ``detector`` (the assistant's detector, error if unavailable), ``keywords`` (the
            temporary keyword heuristic) or ``auto`` (the detector when available, else keywords).
        load_detector: gives the assistant's ``detect`` (the caller passes it in, e.g.
            ``lambda: Assistant.load(settings).detect``: this module sits below the core); None
            means no detector is available.

    Returns:
        ``(labeller, name)`` where name is ``detector`` or ``keywords``.
    """
    if mode not in ("auto", "detector", "keywords"):
        raise InputError(f"unknown labeller {mode!r}{did_you_mean(mode, ('auto', 'detector', 'keywords'))}")
    if mode != "keywords":
        try:
            if load_detector is None:
                raise AttributeError("no detector was passed in")
            detect = load_detector()
            detect("你好", [])  # loads the model now, so a missing one falls back here, not mid-import
        except (ImportError, AttributeError, AssistantError) as exc:
            if mode == "detector":
                raise InputError(f"the assistant's detector is not available ({exc})") from None
            logger.warning("detector not available (%s); using the temporary keyword labeller", exc)
        else:
            return detect, "detector"
    taxonomy = load_taxonomy(Path(settings.corpus_dir) / "taxonomy.toml")
    return TemporaryKeywordLabeller(taxonomy), "keywords"


def _label(labeller: Labeller, pair: ChatPair, taxonomy: Taxonomy) -> tuple[str, str, str | None]:
    result = labeller(pair.buyer, list(pair.context))
    if isinstance(result, tuple):
        scenario, stage, buyer_type = (*result, None, None)[:3]
    else:
        scenario, stage, buyer_type = result.scenario, result.stage, getattr(result, "buyer_type", None)
    if scenario not in taxonomy.scenario_ids:
        raise UnknownIdError(
            f"labeller returned unknown scenario {scenario!r}{did_you_mean(str(scenario), taxonomy.scenario_ids)}"
        )
    expected = taxonomy.stage_of(scenario)
    if expected != "any":
        stage = expected
    elif stage not in taxonomy.concrete_stages:
        stage = taxonomy.concrete_stages[0]
    if buyer_type is not None and buyer_type not in taxonomy.buyer_type_ids:
        buyer_type = None
    return scenario, stage, buyer_type


# ----------------------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportResult:
    """What ``import_chats`` did (or would do, for a dry run)."""

    path: str
    format: str
    conversations: int
    replies: int  # agent replies (runs of consecutive agent messages) seen
    candidates: tuple[Case, ...]  # the cases written (or that would be written), status candidate
    skipped: dict[str, int]
    merged: int  # replies folded into a near-duplicate
    file: str  # the case file (under corpus/cases/)
    written: int = 0
    labeller: str = ""
    dry_run: bool = False

    @property
    def flagged(self) -> int:
        """Candidates whose reply broke a checklist rule."""
        return sum(1 for c in self.candidates if c.violations)

    @property
    def frequent(self) -> int:
        """Candidates whose reply (or a near-duplicate) occurred 3 times or more."""
        return sum(1 for c in self.candidates if (c.occurrences or 1) >= 3)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "format": self.format,
            "conversations": self.conversations,
            "replies": self.replies,
            "candidates": len(self.candidates),
            "skipped": dict(self.skipped),
            "merged": self.merged,
            "with_violations": self.flagged,
            "occurring_3_plus": self.frequent,
            "file": self.file,
            "written": self.written,
            "labeller": self.labeller,
            "dry_run": self.dry_run,
        }


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "-", text).strip("-.")
    if not re.search(r"[A-Za-z0-9]", slug):
        slug = f"{zlib.crc32(text.encode('utf-8')):08x}"
    return slug[:40]


def _case_id(source: str) -> str:
    path, _, line = source.rpartition(":")
    return f"imp-{_slug(Path(path).stem)}-{line}"


def _escape_slots(text: str) -> str:
    # Imported text is literal: a brace must not read as a {slot}.
    return text.replace("{", "{{").replace("}", "}}")


def _notes(pair: ChatPair, changes: tuple[tuple[str, str], ...] = ()) -> str:
    notes = []
    if pair.merged:
        shown = ", ".join(pair.merged[:5]) + (" …" if len(pair.merged) > 5 else "")
        notes.append(
            f"合并了 {len(pair.merged)} 条相近回复 merged {len(pair.merged)} near-duplicate replies: {shown}"
        )
    if pair.placeholders:
        notes.append(
            "原文有脱敏占位符，数字已换成 N，其余已删去，请核对 placeholders were cleaned; check the wording"
        )
    if changes:
        shown = "，".join(f"{was}→{now}" for was, now in changes[:6])
        notes.append(f"事实已换成槽位或待填 facts became slots or fill-ins: {shown}")
    return "；".join(notes)


def import_chats(
    path: str | Path,
    fmt: str | None,
    corpus_dir: str | Path,
    label: Labeller,
    *,
    out: str | None = None,
    limit: int | None = None,
    dry_run: bool = False,
    tags: Iterable[str] = (),
    labeller_name: str = "",
    columns: dict[str, str] | None = None,
    sessions: Collection[str] | None = None,
) -> ImportResult:
    """Turn a chat log into ``candidate`` cases in ``corpus_dir/cases/<out>``.

    Args:
        path: the chat log.
        fmt: one of ``FORMATS``; None detects it.
        corpus_dir: the corpus directory (its taxonomy checks the labels; its ``cases/`` receives the file).
        label: ``label(message, history)`` → ``(scenario, stage, buyer_type)`` (or an object with
            those attributes).
        out: the case file name (default ``imported-<file stem>.jsonl``).
        limit: read at most this many conversations.
        dry_run: count and label, write nothing.
        tags: extra tags for every case (the format is always added).
        labeller_name: recorded in the result for the summary.
        columns: for CSV/XLSX logs, the session/role/text columns when their names are not
            recognised (``parse_columns``).
        sessions: import only the conversations with these session ids (a replay's training part).

    Returns:
        The ``ImportResult`` (counts, the records, the file).

    Raises:
        FileFormatError: the log cannot be read (``path:line: message``).
        InputError: ``out`` or ``limit`` is invalid.
    """
    from .corpus import CaseStore, case_files, parse_case, read_case_file

    path = Path(path)
    fmt = fmt or detect_format(path)
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be at least 1, not {limit}")
    out = out or f"imported-{path.stem}.jsonl"
    if Path(out).name != out or out.startswith("."):
        raise InputError(f"--out {out!r} must be a file name (it is written to corpus/cases/)")
    if not out.endswith(".jsonl"):
        out += ".jsonl"
    corpus_dir = Path(corpus_dir)
    taxonomy = load_taxonomy(corpus_dir / "taxonomy.toml")
    patterns = load_patterns()

    conversations = read_conversations(path, fmt, columns)
    skipped: Counter = Counter()
    pairs: list[ChatPair] = []
    count = replies = 0
    from tqdm import tqdm

    for conversation in tqdm(
        conversations, desc=f"reading {path.name}", unit=" chats", disable=None, leave=False
    ):
        if sessions is not None and conversation.session not in sessions:
            continue
        count += 1
        turns = conversation.turns
        if fmt == "jddc2018":
            replies += 1
        else:
            replies += sum(
                1
                for i, t in enumerate(turns)
                if t.role == "agent" and (i == 0 or turns[i - 1].role != "agent")
            )
        pairs.extend(pair_turns(conversation, patterns, skipped, last_only=fmt == "jddc2018"))
        if limit is not None and count >= limit:
            break
    from .candidates import Templater
    from .checklist import check
    from .corpus import load_corpus

    # the shop profile, catalog, fact words and checklist of this corpus judge and template replies
    shop_corpus = load_corpus(corpus_dir, strict=False)
    templater = Templater(shop_corpus)
    rules = shop_corpus.rules if shop_corpus.rules.ids else None
    # near-duplicates are clustered on the templates: replies that differ only in one buyer's
    # values (预计3天到 / 预计5天到) are the same reply and count as occurrences of it
    templated_of = {p.source: templater.template(_escape_slots(p.reply), p.buyer, p.context) for p in pairs}
    original_of = {p.source: p.reply for p in pairs}
    kept = merge_near_duplicates(
        [dataclasses.replace(p, reply=templated_of[p.source].reply) for p in pairs], patterns
    )
    merged = len(pairs) - len(kept)
    existing: set[str] = set()
    for case_file in case_files(corpus_dir):
        existing.update(case.id for case, _ in read_case_file(case_file) if case is not None)
    records = []
    for pair in tqdm(kept, desc="labelling", unit=" cases", disable=None, leave=False):
        case_id = _case_id(pair.source)
        if case_id in existing:
            skipped["already_imported"] += 1
            continue
        scenario, stage, buyer_type = _label(label, pair, taxonomy)
        templated = templated_of[pair.source]
        record = {
            "id": case_id,
            "buyer": _escape_slots(pair.buyer),
            "context": [{"role": t.role, "text": _escape_slots(t.text)} for t in pair.context],
            "reply": templated.reply,
            "scenario": scenario,
            "stage": stage,
            "buyer_type": buyer_type,
            "tags": ["导入", fmt, *tags, *(["占位符"] if pair.placeholders else [])],
            "source": pair.source,
            "status": "candidate",
            "occurrences": 1 + len(pair.merged),
        }
        if templated.categories:
            record["categories"] = list(templated.categories)
        if rules is not None:
            # the verdict on the reply as the agent wrote it: a rude reply stays marked once templated
            verdict = check(
                original_of[pair.source],
                pair.buyer,
                list(pair.context),
                rules=rules,
                scenario=scenario,
                fix=False,
            )
            record["violations"] = list(verdict.rules)
        notes = _notes(pair, templated.changes)
        if notes:
            record["notes"] = notes
        existing.add(case_id)
        records.append(record)
    target = corpus_dir / "cases" / out
    cases = []
    for record in records:
        case, problems = parse_case(record, str(target), 0, taxonomy)
        if case is None:  # cannot happen with a valid labeller; never write a half-checked file
            raise CorpusError(problems)
        cases.append(case)
    written = 0
    if cases and not dry_run:
        written = CaseStore(corpus_dir).add_many([c.to_dict() for c in cases], out)
    logger.info(
        "%s: %d conversations, %d pairs, %d kept, %d written", path, count, len(pairs), len(kept), written
    )
    return ImportResult(
        path=str(path),
        format=fmt or "",
        conversations=count,
        replies=replies,
        candidates=tuple(cases),
        skipped={k: skipped[k] for k in SKIP_REASONS if skipped.get(k)},
        merged=merged,
        file=str(target),
        written=written,
        labeller=labeller_name,
        dry_run=dry_run,
    )
