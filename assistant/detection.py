"""Scenario, stage and buyer-type detection.

A linear classifier (logistic regression) over character 1-3-grams of the folded message and its
sentence-transformers vector, trained on the approved cases at build time (no keyword lists in
code). Character n-grams cope with typos, missing punctuation and unsegmented text; the vector adds
paraphrase knowledge. On the labeled evaluation set this beat a k-nearest-neighbour vote over the
retrieved cases (0.80) and mixing the two, so the vote was dropped (docs/benchmarks.md).

When there is history, the message is also classified together with the last turns, and the two
probability vectors are mixed: "那L呢" after a size question is a stock question. The stage follows
from the scenario, except for scenarios whose stage is ``any`` (farewell, non_buyer), which take it
from the conversation so far. The buyer type is classified from all of the buyer's turns, since it
shows across a conversation.
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import Case, Turn
from .storage import atomic_write_bytes
from .taxonomy import ANY_STAGE, Taxonomy
from .text import fold

logger = logging.getLogger(__name__)

NO_TYPE = "_none"
# values written as such (a number, an order or tax code, a masked [电话x]) and what is no word at all
_VALUE = re.compile(r"\[[^\[\]\s]{1,8}x\]|[A-Za-z0-9\-]*\d[A-Za-z0-9\-]*")
_NOT_WORD = re.compile(r"[\W_]+")
DEFAULT_STAGE = "pre_sale"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Detection:
    """What the buyer's message is about, with confidences in [0, 1]."""

    scenario: str
    scenario_confidence: float
    stage: str
    buyer_type: str | None
    buyer_type_confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()  # the runners-up: (scenario, probability)
    # the question's scenario when a complaint in the same message was put first (complaint_first)
    moved_from: str = ""
    # the chat is still before any order (request.before_order): its scenarios imply no later stage
    before_order: bool = False

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "scenario_confidence": round(self.scenario_confidence, 4),
            "stage": self.stage,
            "buyer_type": self.buyer_type,
            "buyer_type_confidence": round(self.buyer_type_confidence, 4),
            "alternatives": [{"scenario": s, "probability": round(p, 4)} for s, p in self.alternatives],
            **({"moved_from": self.moved_from} if self.moved_from else {}),
        }


@dataclass
class _TextModel:
    """Character n-gram TF-IDF + dense vector → logistic regression."""

    vectorizer: Any
    classifier: Any
    dense_weight: float

    @property
    def classes(self) -> list[str]:
        return list(self.classifier.classes_)

    def features(self, texts: Sequence[str], vectors: np.ndarray):
        from scipy.sparse import csr_matrix, hstack

        sparse = self.vectorizer.transform([fold(t) for t in texts])
        return hstack([sparse, csr_matrix(vectors * self.dense_weight)]).tocsr()

    def predict_proba(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Class probabilities, rows aligned with ``texts``.

        Computed from the fitted vocabulary, idf and coefficients (sublinear tf-idf, l2-normalised,
        then a multinomial softmax): the same numbers as scikit-learn's ``transform`` +
        ``predict_proba``, without their per-call input validation, which cost more than the
        arithmetic on the single-message path.
        """
        analyze = self._analyzer()
        vocabulary, idf = self.vectorizer.vocabulary_, self.vectorizer.idf_
        coef, intercept = self.classifier.coef_, self.classifier.intercept_
        n_vocab = len(idf)
        dense = np.asarray(vectors, dtype=np.float64).reshape(len(texts), -1) * self.dense_weight
        logits = dense @ coef[:, n_vocab:].T + intercept
        for row, text in enumerate(texts):
            counts: dict[int, int] = {}
            for gram in analyze(fold(text)):
                index = vocabulary.get(gram)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
            weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[
                columns
            ]
            weights /= np.linalg.norm(weights)
            logits[row] += coef[:, columns] @ weights
        if logits.shape[1] == 1 and len(self.classifier.classes_) == 2:
            # two classes: scikit-learn keeps one row of coefficients, the second class's log-odds
            logits = np.hstack([np.zeros_like(logits), logits])
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits

    def _analyzer(self):
        analyzer = self.__dict__.get("_cached_analyzer")
        if analyzer is None:
            analyzer = self.__dict__["_cached_analyzer"] = self.vectorizer.build_analyzer()
        return analyzer

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_cached_analyzer", None)  # rebuilt on first use; keeps the pickle plain
        return state

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        vectors: np.ndarray,
        labels: Sequence[str],
        *,
        c: float,
        dense_weight: float,
    ):
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
        sparse = vectorizer.fit_transform([fold(t) for t in texts])
        features = hstack([sparse, csr_matrix(vectors * dense_weight)]).tocsr()
        classifier = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        classifier.fit(features, list(labels))
        return cls(vectorizer, classifier, dense_weight)


class Detector:
    """Detects scenario, stage and buyer type for a buyer message.

    Build one with ``Detector.train`` (from the corpus and its case vectors) or ``Detector.load``.
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        scenario_model: _TextModel,
        buyer_model: _TextModel | None,
        *,
        history_weight: float = 0.3,
        buyer_threshold: float = 0.45,
        fingerprint: str = "",
        carry_below: float = 0.5,
        carry_from: float = 0.5,
        carry_skip: tuple[str, ...] = ("greeting",),
        carry_own: float = 0.4,
    ):
        self.taxonomy = taxonomy
        # a farewell or non-buyer reading below carry_below takes the scenario of the buyer's turn
        # before when that turn's own reading reaches carry_from (_carried)
        self.carry_below = carry_below
        self.carry_from = carry_from
        self.carry_skip = carry_skip  # (你好 before says nothing of what the chat is about)
        self.carry_own = carry_own  # the message alone reads as that farewell: a closing, kept
        self.scenario_model = scenario_model
        self.buyer_model = buyer_model
        self.history_weight = history_weight
        self.buyer_threshold = buyer_threshold
        self.fingerprint = fingerprint

    # ------------------------------------------------------------------ training

    @classmethod
    def train(
        cls,
        cases: Sequence[Case],
        vectors: np.ndarray,
        taxonomy: Taxonomy,
        *,
        fingerprint: str = "",
        buyer_types: bool = True,
    ) -> Detector:
        """Fit the classifiers on approved cases.

        Args:
            cases: the approved cases.
            vectors: their buyer-message vectors (rows aligned with ``cases``), L2-normalised.
            taxonomy: the labels (the shop's own scenarios included: they are learnt like the others).
            fingerprint: identifies the corpus and model the detector was trained for.
            buyer_types: also fit the buyer-type classifier (evaluations of scenarios alone skip it).
        """
        if len(cases) == 0:
            raise ValueError("no approved cases to learn scenarios from")
        scenario_model = _TextModel.fit(
            [c.buyer for c in cases], vectors, [c.scenario for c in cases], c=32.0, dense_weight=0.5
        )
        buyer_texts = [_buyer_text(c.buyer, c.context) for c in cases]
        buyer_labels = [c.buyer_type or NO_TYPE for c in cases]
        buyer_model = None
        if buyer_types and len(set(buyer_labels)) > 1:
            buyer_model = _TextModel.fit(buyer_texts, vectors, buyer_labels, c=4.0, dense_weight=0.5)
        return cls(taxonomy, scenario_model, buyer_model, fingerprint=fingerprint)

    # ------------------------------------------------------------------ detection

    def scenario_probabilities(
        self, message: str, vector: np.ndarray, context: str = "", context_vector: np.ndarray | None = None
    ) -> dict[str, float]:
        """Probability of every scenario id for one message (mixed with its context when given)."""
        proba = self.scenario_model.predict_proba([message], vector.reshape(1, -1))[0]
        if context and context_vector is not None:
            with_context = self.scenario_model.predict_proba(
                [f"{context} {message}"], context_vector.reshape(1, -1)
            )[0]
            proba = (1 - self.history_weight) * proba + self.history_weight * with_context
        scores = dict.fromkeys(self.taxonomy.scenario_ids, 0.0)
        for label, p in zip(self.scenario_model.classes, proba, strict=True):
            scores[label] = float(p)
        return scores

    def detect(
        self,
        message: str,
        history: Sequence[Turn] = (),
        *,
        vector: np.ndarray,
        context: str = "",
        context_vector: np.ndarray | None = None,
        history_vectors: np.ndarray | None = None,
        vetoed: Sequence[str] = (),
    ) -> Detection:
        """Detect scenario, stage and buyer type.

        Args:
            message: the buyer's message.
            history: earlier turns, oldest first.
            vector: the message's own L2-normalised vector.
            context: the last turns as one text (empty without history).
            context_vector: the query vector with the context blended in.
            history_vectors: vectors of the history's buyer turns, newest first (for the stage of
                ``any``-stage scenarios such as farewell).
            vetoed: scenarios that cannot happen in this chat (a complaint before any order): the best
                of the others is taken.

        Returns:
            The detection.
        """
        scores = self.scenario_probabilities(message, vector, context, context_vector)
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        if vetoed:
            ranked = [r for r in ranked if r[0] not in vetoed] or ranked
        carried = self._carried(ranked[0], message, vector, history, history_vectors)
        if carried is not None:
            ranked = [carried, *(r for r in ranked if r[0] != carried[0])]
        scenario, confidence = ranked[0]
        stage = self.taxonomy.stage_of(scenario)
        if stage == ANY_STAGE:
            stage = self._stage_from_history(history, history_vectors)
        buyer_type, buyer_confidence = self._buyer_type(message, history, vector)
        return Detection(
            scenario=scenario,
            scenario_confidence=float(confidence),
            stage=stage,
            buyer_type=buyer_type,
            buyer_type_confidence=buyer_confidence,
            alternatives=tuple((s, float(p)) for s, p in ranked[1:3]),
        )

    def _carried(
        self,
        top: tuple[str, float],
        message: str,
        vector: np.ndarray,
        history: Sequence[Turn],
        history_vectors: np.ndarray | None,
    ) -> tuple[str, float] | None:
        """The scenario of the buyer's turn before, for a message that has none of its own: a bare
        answer to the agent's question (8个月 / 13766665555 / 南京市鼓楼区…) or a push (这啥情况 /
        快点 我等着用) reads as a weak farewell or non-buyer message, while the turn before it says
        what the chat is about (美容仪坏了 保修吗). None when the message's own reading is sure, or the
        turn before has no definite scenario either (nor one that only opens a chat: 你好). A message
        whose own words read as that farewell (拿到了 不好意思 是邻居帮我收了) keeps it, unless it is
        nothing but values (a number, a code, a masked [电话x])."""
        scenario, confidence = top
        if (
            self.taxonomy.stage_of(scenario) != ANY_STAGE
            or confidence >= self.carry_below
            or history_vectors is None
            or len(history_vectors) == 0
        ):
            return None
        if _NOT_WORD.sub("", _VALUE.sub("", message)):
            own = self.scenario_model.predict_proba([message], vector.reshape(1, -1))[0]
            if own[self.scenario_model.classes.index(scenario)] >= self.carry_own:
                return None
        before = next((t.text for t in reversed(history) if t.role == "buyer" and t.text.strip()), None)
        if before is None:
            return None
        proba = self.scenario_model.predict_proba([before], history_vectors[:1])[0]
        best = int(np.argmax(proba))
        label = self.scenario_model.classes[best]
        if (
            self.taxonomy.stage_of(label) == ANY_STAGE
            or label in self.carry_skip
            or proba[best] < self.carry_from
        ):
            return None
        # the message's own confidence stays: a scenario read from the turn before is no licence for
        # that scenario's safe first reply (麻烦您拍张照片 to 快点 after the agent promised a resend)
        return label, confidence

    def earlier_stages(
        self, history: Sequence[Turn], history_vectors: np.ndarray | None
    ) -> list[tuple[str, str]]:
        """``(text, stage)`` of the buyer's earlier turns, newest first, by the scenario each reads as
        alone, for the turns that say what the chat is about: not a greeting (你好) nor an
        ``any``-stage reading (好的 谢谢)."""
        buyer_turns = [t.text for t in reversed(history) if t.role == "buyer" and t.text.strip()]
        if not buyer_turns or history_vectors is None or len(history_vectors) == 0:
            return []
        buyer_turns = buyer_turns[: len(history_vectors)]
        proba = self.scenario_model.predict_proba(buyer_turns, history_vectors)
        labels = [self.scenario_model.classes[int(np.argmax(row))] for row in proba]
        return [
            (text, self.taxonomy.stage_of(label))
            for text, label in zip(buyer_turns, labels, strict=True)
            if label not in self.carry_skip and self.taxonomy.stage_of(label) != ANY_STAGE
        ]

    def _stage_from_history(self, history: Sequence[Turn], history_vectors: np.ndarray | None) -> str:
        buyer_turns = [t.text for t in reversed(history) if t.role == "buyer" and t.text.strip()]
        if not buyer_turns or history_vectors is None or len(history_vectors) == 0:
            return DEFAULT_STAGE
        proba = self.scenario_model.predict_proba(buyer_turns[: len(history_vectors)], history_vectors)
        classes = self.scenario_model.classes
        for row in proba:  # newest turn first: the most recent turn with a definite stage wins
            stage = self.taxonomy.stage_of(classes[int(np.argmax(row))])
            if stage != ANY_STAGE:
                return stage
        return DEFAULT_STAGE

    def _buyer_type(
        self, message: str, history: Sequence[Turn], vector: np.ndarray
    ) -> tuple[str | None, float]:
        if self.buyer_model is None:
            return None, 0.0
        proba = self.buyer_model.predict_proba([_buyer_text(message, history)], vector.reshape(1, -1))[0]
        best = int(np.argmax(proba))
        label = self.buyer_model.classes[best]
        if label == NO_TYPE or proba[best] < self.buyer_threshold:
            return None, float(proba[best]) if label != NO_TYPE else 0.0
        return label, float(proba[best])

    # ------------------------------------------------------------------ persistence

    def save(self, path: Path) -> None:
        """Save atomically (pickle of the fitted scikit-learn models; our own file, never untrusted)."""
        payload = {
            "version": FORMAT_VERSION,
            "fingerprint": self.fingerprint,
            "scenario_model": self.scenario_model,
            "buyer_model": self.buyer_model,
            "history_weight": self.history_weight,
            "buyer_threshold": self.buyer_threshold,
        }
        atomic_write_bytes(path, pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))

    @classmethod
    def load(cls, path: Path, taxonomy: Taxonomy, fingerprint: str) -> Detector | None:
        """The saved detector, or None when it is missing, unreadable or trained for another corpus."""
        try:
            payload = pickle.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except Exception as exc:  # a damaged file is simply retrained
            logger.warning("%s: detector file unreadable (%s); it will be retrained", path, exc)
            return None
        if not isinstance(payload, dict) or payload.get("version") != FORMAT_VERSION:
            return None
        if payload.get("fingerprint") != fingerprint:
            return None
        return cls(
            taxonomy,
            payload["scenario_model"],
            payload["buyer_model"],
            history_weight=payload["history_weight"],
            buyer_threshold=payload["buyer_threshold"],
            fingerprint=fingerprint,
        )


def _buyer_text(message: str, history: Sequence[Turn]) -> str:
    """All of the buyer's words in the conversation: the buyer type shows across turns."""
    earlier = [t.text for t in history if t.role == "buyer"]
    return " ".join([*earlier[-3:], message])


def moved_to(detection: Detection, scenario: str, stage: str) -> Detection:
    """The detection answered as ``scenario`` instead: the detected one becomes the first alternative
    and ``moved_from`` says where it came from."""
    others = tuple((s, p) for s, p in detection.alternatives if s != scenario)
    return dataclasses.replace(
        detection,
        scenario=scenario,
        stage=stage,
        alternatives=((detection.scenario, detection.scenario_confidence), *others)[:2],
        moved_from=detection.scenario,
    )


def complaint_first(
    detection: Detection, complaint_words: Sequence[str], scenario: str, stage: str, keeps: Sequence[str]
) -> Detection:
    """A message that reports damage, illness or fakes besides asking something (包装破了…另外发票
    能开吗, 狗吃了拉肚子 怎么办) is a complaint first: the complaint outranks the question's scenario,
    unless the detected scenario already handles a problem (``keeps``, from ``facts.toml [complaint]``).

    Args:
        detection: the classifier's detection.
        complaint_words: complaint words found in the message (``FactExtractor.complaint``).
        scenario: the complaint scenario to put first.
        stage: that scenario's stage.
        keeps: scenarios left as they are.

    Returns:
        The detection, with the complaint scenario first when a complaint word was found.
    """
    if not complaint_words or detection.scenario == scenario or detection.scenario in keeps:
        return detection
    return moved_to(detection, scenario, stage)


def supposed_first(
    detection: Detection, scenario: str, stage: str, complaint_scenario: str, reported: bool = False
) -> Detection:
    """A question about what might happen (要是坏了怎么办 / 咬坏了能换吗) asks the policy: read as a
    complaint, or naming a defect (``reported``), it is answered as ``scenario`` (adaptation.toml
    ``supposed_scenario``) instead."""
    if (
        not scenario
        or detection.scenario == scenario
        or not (reported or detection.scenario == complaint_scenario)
    ):
        return detection
    return moved_to(detection, scenario, stage)
