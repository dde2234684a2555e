"""Hybrid retrieval of handled cases: dense (sentence-transformers + FAISS) and lexical (BM25),
fused by reciprocal rank fusion.

Dense vectors are L2-normalised and searched by inner product, so a dense score is a cosine
similarity. BM25 runs over jieba words plus single characters (``text.tokens``), which copes with
typos and unsegmented buyer Chinese. The last turns of the conversation count: their vector is
blended into the query vector and their words join the BM25 query.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .corpus import Case, Turn
from .errors import AssistantError
from .text import tokens

logger = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class Filters:
    """Which cases may come back. Empty tuples mean "no restriction"."""

    status: tuple[str, ...] = ("approved",)
    scenarios: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def accepts(self, case: Case) -> bool:
        return (
            (not self.status or case.status in self.status)
            and (not self.scenarios or case.scenario in self.scenarios)
            and (not self.stages or case.stage in self.stages)
            and (not self.tags or any(tag in case.tags for tag in self.tags))
        )

    @property
    def is_default(self) -> bool:
        return self == Filters()


@dataclass(frozen=True)
class Hit:
    """A retrieved case.

    ``score`` is the fused reciprocal-rank score (higher is better, comparable within one query);
    ``similarity`` is the cosine similarity between the query and the case's buyer message
    (always computed, also for cases found only lexically); ``dense_rank``/``lexical_rank`` are
    1-based ranks in each list (None when the case was not in that list).
    """

    case: Case
    score: float
    similarity: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    lexical_score: float | None = None

    def to_dict(self) -> dict:
        return {
            "id": self.case.id,
            "score": round(self.score, 6),
            "similarity": round(self.similarity, 4),
            "dense_rank": self.dense_rank,
            "lexical_rank": self.lexical_rank,
            "scenario": self.case.scenario,
            "stage": self.case.stage,
            "buyer_type": self.case.buyer_type,
            "buyer": self.case.buyer,
            "reply": self.case.reply,
            "status": self.case.status,
            "source": self.case.source,
        }


class DenseIndex(Protocol):
    """What retrieval needs from the vector index (see ``assistant.index``)."""

    def search(self, vectors: np.ndarray, k: int) -> list[list[Any]]: ...  # records with .case_id, .score


def case_text(case: Case) -> str:
    """The text a case is embedded and indexed by: the buyer message it answers."""
    return case.buyer


def history_text(history: Sequence[Turn], turns: int) -> str:
    """The last ``turns`` turns of the conversation as one text (both roles, oldest first)."""
    recent = [t.text for t in history[-turns:]] if turns > 0 else []
    return " ".join(t for t in recent if t.strip())


@dataclass
class LexicalIndex:
    """BM25 (bm25s) over the tokens of every case's buyer message."""

    case_ids: list[str]
    retriever: Any = field(repr=False)

    @classmethod
    def build(cls, cases: Sequence[Case], show_progress: bool = False) -> LexicalIndex:
        import bm25s

        # bm25s sets its own logger to DEBUG on import, so every build printed its debug line
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        corpus_tokens = [tokens(case_text(c)) or ["\u2205"] for c in cases]
        retriever = bm25s.BM25()
        retriever.index(corpus_tokens, show_progress=show_progress)
        return cls([c.id for c in cases], retriever)

    def search(
        self, query_tokens: list[str], k: int, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` positions (into ``case_ids``) with their BM25 scores; zero scores are dropped."""
        if not query_tokens or not self.case_ids:
            return []
        scores = self.retriever.get_scores(query_tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def save(self, directory) -> None:
        self.retriever.save(str(directory))

    @classmethod
    def load(cls, directory, case_ids: list[str]) -> LexicalIndex:
        import bm25s

        return cls(case_ids, bm25s.BM25.load(str(directory)))


class Retriever:
    """Dense + lexical retrieval over one corpus's cases.

    Args:
        cases: every case of the corpus (all statuses; filters choose at query time).
        dense: the vector index, searched with L2-normalised query vectors.
        vectors_for: callable that encodes a list of texts into L2-normalised float32 rows.
        lexical: the BM25 index over the same cases.
        rrf_k: the constant of reciprocal rank fusion (60 is the usual choice).
        depth: how many candidates each mode contributes before fusion.
        history_turns: how many earlier turns count.
        history_weight: weight of the history vector blended into the query vector.
    """

    def __init__(
        self,
        cases: Sequence[Case],
        dense: DenseIndex,
        vectors_for,
        lexical: LexicalIndex,
        *,
        rrf_k: int = 60,
        depth: int = 50,
        history_turns: int = 2,
        history_weight: float = 0.35,
    ):
        self.cases = list(cases)
        self.by_id = {c.id: c for c in self.cases}
        self.dense = dense
        self.vectors_for = vectors_for
        self.lexical = lexical
        self.rrf_k = rrf_k
        self.depth = depth
        self.history_turns = history_turns
        self.history_weight = history_weight
        self._masks: dict[Filters, np.ndarray] = {}

    def query_vector(self, message: str, history: Sequence[Turn] = ()) -> np.ndarray:
        """The L2-normalised query vector: the message, with the recent history blended in."""
        context = history_text(history, self.history_turns)
        if not context:
            return self.vectors_for([message])[0]
        message_vec, context_vec = self.vectors_for([message, context])
        return self.blend(message_vec, context_vec)

    def blend(self, message_vec: np.ndarray, context_vec: np.ndarray) -> np.ndarray:
        """The message vector with the context vector mixed in, re-normalised."""
        blended = message_vec + self.history_weight * context_vec
        return (blended / max(float(np.linalg.norm(blended)), 1e-12)).astype(np.float32)

    def query_tokens(self, message: str, history: Sequence[Turn] = ()) -> list[str]:
        words = tokens(message)
        last_buyer = (
            next((t.text for t in reversed(history) if t.role == "buyer"), "") if self.history_turns else ""
        )
        return words + tokens(last_buyer) if last_buyer else words

    def search(
        self,
        message: str,
        history: Sequence[Turn] = (),
        k: int = 5,
        filters: Filters = Filters(),
        mode: str = "hybrid",
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """The ``k`` best cases for a buyer message.

        Args:
            message: the buyer's message.
            history: earlier turns, oldest first.
            k: how many hits to return.
            filters: status/scenario/stage/tag restrictions (approved cases only by default).
            mode: ``hybrid`` (fused), ``dense`` or ``lexical``.
            query_vector: a precomputed query vector (from ``query_vector``), to encode only once.

        Returns:
            Hits, best first.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if not self.cases:
            return []
        vector = query_vector if query_vector is not None else self.query_vector(message, history)
        dense_list: list[tuple[str, float]] = []
        lexical_list: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense"):
            dense_list = self._dense(vector, filters)
        if mode in ("hybrid", "lexical"):
            lexical_list = self._lexical(self.query_tokens(message, history), filters)
        fused: dict[str, float] = {}
        dense_rank = {cid: r for r, (cid, _) in enumerate(dense_list, start=1)}
        lexical_rank = {cid: r for r, (cid, _) in enumerate(lexical_list, start=1)}
        lexical_score = dict(lexical_list)
        for ranks in (dense_rank, lexical_rank):
            for cid, rank in ranks.items():
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (self.rrf_k + rank)
        similarity = dict(dense_list)
        ranked = sorted(fused.items(), key=lambda item: (-item[1], -similarity.get(item[0], 0.0)))[:k]
        missing = [cid for cid, _ in ranked if cid not in similarity]
        if missing:
            similarity.update(self._similarities(vector, missing))
        return [
            Hit(
                case=self.by_id[cid],
                score=score,
                similarity=float(similarity.get(cid, 0.0)),
                dense_rank=dense_rank.get(cid),
                lexical_rank=lexical_rank.get(cid),
                lexical_score=lexical_score.get(cid),
            )
            for cid, score in ranked
        ]

    def _dense(self, vector: np.ndarray, filters: Filters) -> list[tuple[str, float]]:
        depth = self.depth
        total = len(self.cases)
        while True:
            found = self.dense.search(vector.reshape(1, -1), min(depth, total))[0]
            kept = [
                (r.case_id, float(r.score))
                for r in found
                if r.case_id in self.by_id and filters.accepts(self.by_id[r.case_id])
            ]
            # narrow filters can starve the list: widen the search until enough survive
            if len(kept) >= min(self.depth, total) or depth >= total:
                return kept[: self.depth]
            depth *= 4

    def _lexical(self, query_tokens: list[str], filters: Filters) -> list[tuple[str, float]]:
        found = self.lexical.search(query_tokens, self.depth, self._mask(filters))
        ids = self.lexical.case_ids
        return [(ids[i], s) for i, s in found if ids[i] in self.by_id]

    def _mask(self, filters: Filters) -> np.ndarray | None:
        """Which lexical-index rows the filters accept (cached per filter set); None: all of them."""
        mask = self._masks.get(filters)
        if mask is None:
            mask = np.fromiter(
                (cid in self.by_id and filters.accepts(self.by_id[cid]) for cid in self.lexical.case_ids),
                dtype=bool,
            )
            self._masks[filters] = mask
        return None if mask.all() else mask

    def similarities(self, vector: np.ndarray, case_ids: list[str]) -> dict[str, float]:
        """Case id → cosine similarity of ``vector`` (an encoded query) and each case's own text, read
        from the stored vectors where the index has them (the ranking compares what the buyer asks
        with the question each candidate case was written for: core.Assistant._object_similarity)."""
        return self._similarities(vector, case_ids)

    def _similarities(self, vector: np.ndarray, case_ids: list[str]) -> dict[str, float]:
        """Cosine similarity of cases found only by BM25: their stored vectors when the index has
        them (no second encoding on the hot path), else freshly encoded."""
        stored = getattr(self.dense, "vectors", None)
        try:
            rows = stored(case_ids) if stored is not None else None
        except AssistantError:
            rows = None
        if rows is None:
            rows = self.vectors_for([case_text(self.by_id[cid]) for cid in case_ids])
        return {cid: float(s) for cid, s in zip(case_ids, rows @ vector, strict=True)}
