"""The engine behind ``Assistant``: building, loading and saving what answers over one corpus.

An engine is the dense index, BM25, the detector, the fact extractor and the adapter of one
corpus. ``open_engine`` loads it from the index directory (bringing an index that no longer
matches the corpus or model up to date); ``build_engine`` syncs the index and refreshes BM25 and
the detector, which are keyed by the corpus hash and reused when nothing changed. What the build
needs from the assistant (the encoder, the reply check) comes in as ``EngineInputs``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import Settings
from .corpus import Case, Corpus, case_fingerprint
from .errors import AssistantError, IndexStateError
from .storage import atomic_write_text

if TYPE_CHECKING:
    from .index import SyncReport

logger = logging.getLogger("assistant.core")  # the build's messages keep the logger they always had

DETECTOR_FILE = "detector.pkl"
LEXICAL_DIR = "lexical"
# the detector learns from at most this many approved cases (a sample of very large corpora)
MAX_TRAINING_CASES = 20000
STALE_AFTER_S = 3600  # a temporary file this old belongs to a writer that died

Progress = bool | Callable[[int, int], None]
Phases = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Engine:
    """Retrieval, detection and adaptation over one corpus, ready to answer."""

    corpus: Corpus
    retriever: Any
    detector: Any
    adapter: Any
    extractor: Any
    guidance_vectors: np.ndarray | None = None
    # the buyer's mood by meaning (upset.py): the labelled lines of upset.toml, encoded at load
    mood: Any = None


@dataclass(frozen=True)
class EngineInputs:
    """What building an engine takes from the assistant.

    Attributes:
        settings: index directory, index type, batch size, retrieval settings.
        dimension: the model's vector size (loads the model).
        encode: ``encode(texts, progress=False)``, the batch path.
        query_vectors: the retriever's encoder of query texts (primed vectors first).
        check: ``check(reply, message, history, scenario)``, the adapter's checklist.
    """

    settings: Settings
    dimension: Callable[[], int]
    encode: Callable[..., np.ndarray]
    query_vectors: Callable[[Sequence[str]], np.ndarray]
    check: Callable[[str, str, Any, Any], Any]

    @property
    def index_dir(self) -> Path:
        return self.settings.resolved_index_dir

    @property
    def model_id(self) -> str:
        from .embedding import model_id

        return model_id(self.settings)


def open_engine(corpus: Corpus, inputs: EngineInputs) -> Engine:
    """The engine of ``corpus`` from the index on disk, rebuilding what no longer matches it."""
    from .index import CaseIndex

    require_training_data(corpus)
    index_dir = inputs.index_dir
    settings = inputs.settings
    try:
        dense = CaseIndex.open(index_dir, model_id=inputs.model_id, dimension=inputs.dimension())
    except IndexStateError as exc:
        logger.warning("%s — rebuilding the index", exc)
        return build_engine(corpus, inputs, full=True, progress=False)[1]
    if dense.corpus_hash != corpus.content_hash or dense.index_type != settings.index_type:
        logger.warning(
            "索引与语料不一致 the index at %s does not match the corpus (%s): updating it",
            index_dir,
            "index type changed" if dense.index_type != settings.index_type else "cases changed",
        )
        return build_engine(corpus, inputs, full=dense.index_type != settings.index_type, progress=False)[1]
    return engine_for(corpus, dense, inputs)


def build_engine(
    corpus: Corpus,
    inputs: EngineInputs,
    full: bool,
    progress: Progress,
    phases: Phases | None = None,
) -> tuple[SyncReport, Engine]:
    """Sync the index with ``corpus`` (every case when ``full``) and build the engine over it.

    ``progress`` and ``phases`` are those of ``Assistant.build``.
    """
    from .index import build_index, index_lock
    from .retrieval import case_text

    require_training_data(corpus)
    started = time.perf_counter()
    index_dir = inputs.index_dir
    dimension = inputs.dimension()
    items = [(c.id, case_fingerprint(c), case_text(c)) for c in corpus.cases]
    with index_lock(index_dir, inputs.settings.lock_timeout_s):
        remove_stale_temporaries(index_dir)
        if phases is not None:
            step = progress if callable(progress) else None

            def progress(done: int, total: int) -> None:
                phases("encoding", done, total)
                if step is not None:
                    step(done, total)

        dense, sync = build_index(
            index_dir,
            items,
            progress_encoder(inputs, progress),
            model_id=inputs.model_id,
            dimension=dimension,
            settings=inputs.settings,
            full=full,
            corpus_hash=corpus.content_hash,
        )
        if phases is not None:
            phases("index", 1, 1)
        # BM25 and the detector are keyed by the corpus hash: reused when nothing changed
        # (a no-op build skips 25 s of detector training), rebuilt on a full build
        engine = engine_for(corpus, dense, inputs, rebuild_derived=full, phases=phases)
    # the whole build's time, not just the sync's
    report = dataclasses.replace(sync, seconds=time.perf_counter() - started)
    logger.info("%s", report)
    return report, engine


def progress_encoder(inputs: EngineInputs, progress: Progress) -> Callable[[Sequence[str]], np.ndarray]:
    """An encoder of many texts that reports ``progress(done, total)`` when it is a callable."""
    if not callable(progress):
        return lambda texts: inputs.encode(texts, progress=bool(progress))

    def encode(texts: Sequence[str]) -> np.ndarray:
        # in chunks, so that a caller's progress bar moves about once a second
        texts = list(texts)
        step = max(inputs.settings.batch_size, 256)
        progress(0, len(texts))
        parts = []
        for start in range(0, len(texts), step):
            parts.append(inputs.encode(texts[start : start + step]))
            progress(min(start + step, len(texts)), len(texts))
        return np.concatenate(parts) if parts else inputs.encode(texts)

    return encode


def engine_for(
    corpus: Corpus,
    dense: Any,
    inputs: EngineInputs,
    rebuild_derived: bool = False,
    phases: Phases | None = None,
) -> Engine:
    """The engine over an index already in sync with ``corpus``; BM25 and the detector are loaded
    when saved for this corpus and model, else built and saved (always when ``rebuild_derived``)."""
    from .adaptation import Adapter, load_adaptation
    from .detection import Detector
    from .facts import FactExtractor
    from .grounding import Grounder
    from .money import MoneyAnswers, load_money
    from .retrieval import LexicalIndex, Retriever

    settings = inputs.settings
    index_dir = inputs.index_dir
    fingerprint = f"{corpus.content_hash}:{inputs.model_id}"
    lexical = None if rebuild_derived else load_lexical(index_dir / LEXICAL_DIR, fingerprint)
    if lexical is not None and phases is not None:
        phases("bm25", 1, 1)
    if lexical is None:
        if phases is not None:
            phases("bm25", 0, 1)
        lexical = LexicalIndex.build(corpus.cases)
        save_lexical(lexical, index_dir / LEXICAL_DIR, fingerprint)
        if phases is not None:
            phases("bm25", 1, 1)
    detector = (
        None if rebuild_derived else Detector.load(index_dir / DETECTOR_FILE, corpus.taxonomy, fingerprint)
    )
    if detector is not None and phases is not None:
        phases("detector", 1, 1)
    rules, _ = load_adaptation(corpus.directory / "adaptation.toml")
    if detector is None:
        # category knowledge (a few hundred property questions of two scenarios) answers; it is no sample
        # of how buyers ask across scenarios, and would tilt the detector towards those two
        knowledge = rules.knowledge_tag
        training = training_sample([c for c in corpus.approved if not (knowledge and knowledge in c.tags)])
        if phases is None:
            vectors = inputs.encode([c.buyer for c in training])
        else:  # in chunks, so that the phase's progress moves
            vectors = progress_encoder(inputs, lambda done, total: phases("detector", done, total + 1))(
                [c.buyer for c in training]
            )
        detector = Detector.train(training, vectors, corpus.taxonomy, fingerprint=fingerprint)
        if phases is not None:
            phases("detector", 1, 1)
        detector.save(index_dir / DETECTOR_FILE)
    retriever = Retriever(
        corpus.cases,
        dense,
        inputs.query_vectors,
        lexical,
        rrf_k=settings.rrf_k,
        depth=settings.retrieval_depth,
        history_turns=settings.history_turns,
    )
    extractor = FactExtractor(corpus.facts, corpus.catalog)
    adapter = Adapter(
        rules,
        Grounder(corpus.shop, corpus.catalog, extractor),
        corpus.intents,
        inputs.check,
        settings.min_similarity,
    )
    adapter.money = MoneyAnswers(
        load_money(corpus.directory / "money.toml"), extractor, corpus.shop.slots, corpus.shop.policy
    )
    if phases is not None:
        phases("guidance", 0, 1)
    guidance_vectors = (
        inputs.encode([f"{g.title} {g.text}" for g in corpus.guidance]) if corpus.guidance else None
    )
    if phases is not None:
        phases("guidance", 1, 1)
    return Engine(
        corpus, retriever, detector, adapter, extractor, guidance_vectors, mood_reader(corpus, inputs)
    )


def mood_reader(corpus: Corpus, inputs: EngineInputs):
    """The mood reader of ``upset.toml`` (its few hundred lines encoded now, not per message), or
    None when the corpus has no lines to compare with."""
    from .upset import MoodReader, load_mood

    rules, _ = load_mood(corpus.directory / "upset.toml")
    if not rules.lines:
        return None
    return MoodReader(rules, inputs.encode(list(rules.lines)))


def require_training_data(corpus: Corpus) -> None:
    """The detector learns scenarios from approved cases: it needs two scenarios at least."""
    from .corpus import Problem
    from .errors import CorpusError

    scenarios = sorted({c.scenario for c in corpus.approved})
    if len(scenarios) < 2:
        found = f"found {len(scenarios)}: {', '.join(scenarios)}" if scenarios else "found none"
        raise CorpusError(
            [
                Problem(
                    str(corpus.directory / "cases"),
                    None,
                    f"suggestions need approved cases of at least 2 scenarios ({found}); approve more cases "
                    "(assistant case approve ID), then run `assistant build`",
                )
            ]
        )


def remove_stale_temporaries(index_dir: Path) -> None:
    """Remove what writers killed half-way left behind (temporary files and BM25 folders); call
    it holding the index lock. Recent ones may belong to a reader refreshing the detector."""
    import shutil

    if not index_dir.is_dir():
        return
    now = time.time()
    for path in index_dir.glob(".*"):
        if not (path.name.endswith(".tmp") or path.name.startswith(f".{LEXICAL_DIR}.")):
            continue
        try:
            if now - path.stat().st_mtime < STALE_AFTER_S:
                continue
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            logger.info("%s: removed a temporary file a crashed writer left", path)
        except OSError:
            continue


def training_sample(cases: Sequence[Case]) -> list[Case]:
    if len(cases) <= MAX_TRAINING_CASES:
        return list(cases)
    rng = np.random.default_rng(0)
    picked = rng.choice(len(cases), MAX_TRAINING_CASES, replace=False)
    return [cases[i] for i in sorted(picked)]


def load_lexical(directory: Path, fingerprint: str):
    from .retrieval import LexicalIndex

    meta = directory / "meta.json"
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        if data.get("fingerprint") != fingerprint:
            return None
        return LexicalIndex.load(directory, data["case_ids"])
    except FileNotFoundError:
        return None
    except Exception as exc:  # damaged BM25 files are rebuilt, never fatal
        logger.warning("%s: BM25 index unreadable (%s); rebuilding it", directory, exc)
        return None


def save_lexical(lexical, directory: Path, fingerprint: str) -> None:
    """Save the BM25 index whole into a fresh folder, then swap it in: bm25s writes several files
    and numbers its vocabulary differently in each process, so a save cut short (or two processes
    saving at once) must never leave one build's vocabulary beside another build's matrices."""
    import shutil
    import tempfile

    fresh = None
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
        lexical.save(fresh)
        atomic_write_text(
            fresh / "meta.json", json.dumps({"fingerprint": fingerprint, "case_ids": lexical.case_ids})
        )
        old = fresh.with_name(fresh.name + ".old")
        try:
            directory.rename(old)
        except FileNotFoundError:
            old = None
        fresh.rename(directory)
        fresh = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except (
        OSError,
        AssistantError,
    ) as exc:  # the index works from memory; saving only speeds up the next start
        logger.warning("%s: could not save the BM25 index (%s)", directory, exc)
        if fresh is not None:
            shutil.rmtree(fresh, ignore_errors=True)
