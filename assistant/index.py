"""The case index: the cases' vectors in FAISS beside a manifest, built along one path (``build_index``).

The backends are in ``index_backends.py``, the manifest in ``index_manifest.py``.

An index directory (``Settings.resolved_index_dir``) holds::

    manifest.json            what the index holds and how it was built (JSON, written last)
    vectors-<sha256:16>.faiss the FAISS index the manifest names, with its size and SHA-256

Vectors are L2-normalised and every index type scores by inner product, so a score is the cosine
similarity of query and case (``normalization: "l2, inner product = cosine"`` in the manifest).

Index types (``Settings.index_type``), one backend class each, made by :func:`create_backend`:

* ``flat`` (default): exact search, ``IndexFlatIP`` under ``IndexIDMap2``.
* ``hnsw``: graph search, ``IndexHNSWFlat`` (inner product, ``hnsw_m`` links) under
  ``IndexIDMap2``. HNSW cannot remove vectors: a removal rebuilds the graph from the vectors it
  stores (no re-encoding), so incremental updates stay correct but cost a graph build.
* ``ivf-sq8`` / ``ivf-pq``: inverted lists over k-means cells (``IndexIVFScalarQuantizer`` 8-bit /
  ``IndexIVFPQ`` 64 x 8-bit codes, inner product). The cells are trained on the vectors present
  when the index is first filled, ``ivf_nlist`` of them (0: about 4*sqrt(n)); later additions
  reuse them, and ``assistant build --full`` trains again. ``ivf_nprobe`` cells are searched.

The manifest maps each case id to its int64 FAISS id and keeps a digest of each case's
fingerprint and text, so :meth:`CaseIndex.sync` re-embeds only new and changed cases and removes
deleted ones. Saves are atomic: the index file is written to a temporary file in the same
directory, flushed and renamed, then the manifest the same way; the index file name carries its
checksum and the manifest its size and checksum, so a crash between the two renames leaves the
previous, consistent pair in place and a damaged file is detected. Writers serialise with
:func:`index_lock`; readers need no lock.

Errors (all say how to get out: ``assistant build`` rebuilds the index):
``IndexMissingError`` (nothing built yet), ``IndexCorruptError`` (damaged, truncated or
unreadable manifest or index), ``IndexMismatchError`` (built for another model, dimension,
format or corpus).

faiss is imported on first use.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import INDEX_TYPES
from .errors import IndexCorruptError, IndexMismatchError, IndexMissingError, InputError, ModelError
from .index_backends import (  # noqa: F401  (re-exported: the backends lived here)
    BACKENDS,
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    PQ_M,
    PQ_NBITS,
    AnnBackend,
    FlatBackend,
    HnswBackend,
    IvfBackend,
    IvfPqBackend,
    _faiss,
    backend_params,
    create_backend,
)
from .index_manifest import (  # noqa: F401  (FORMAT, NORMALIZATION re-exported: the manifest lived here)
    FORMAT,
    MANIFEST,
    NORMALIZATION,
    REBUILD,
    Manifest,
    check_compatible,
    read_manifest_file,
)
from .records import fingerprints_hash
from .storage import atomic_write_bytes, atomic_write_text, locked

if TYPE_CHECKING:  # pragma: no cover
    from .config import Settings

logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class IndexHit:
    """One search result: a case and its cosine similarity to the query (-1..1, higher is closer)."""

    case_id: str
    score: float

    def to_dict(self) -> dict:
        return {"case_id": self.case_id, "score": self.score}


@dataclass(frozen=True)
class SyncReport:
    """What :meth:`CaseIndex.sync` changed. ``count`` is the number of cases indexed afterwards."""

    added: int
    removed: int
    updated: int
    unchanged: int
    seconds: float
    count: int = 0
    index_type: str = "flat"

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.updated)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        """One line for people, e.g. ``index flat: 494 cases (+3 added, ...) in 0.4s``."""
        return (
            f"index {self.index_type}: {self.count} cases "
            f"(+{self.added} added, -{self.removed} removed, {self.updated} updated, "
            f"{self.unchanged} unchanged) in {self.seconds:.1f}s"
        )


# ----------------------------------------------------------------------------- the case index


class CaseIndex:
    """The vector index of the corpus cases in one directory.

    Open an existing one with :meth:`open` (search), or get one to update with
    :meth:`create_or_open` and :meth:`sync` (build; hold :func:`index_lock` while doing so).
    """

    def __init__(self, directory: Path, manifest: Manifest, backend: AnnBackend, saved: bool = True):
        self.directory = Path(directory)
        self._manifest = manifest
        self._backend = backend
        self._saved = saved
        self._case_of = {faiss_id: case_id for case_id, faiss_id in manifest.ids.items()}

    # --- construction

    @classmethod
    def open(
        cls,
        directory: str | Path,
        *,
        model_id: str,
        dimension: int | None = None,
        settings: Settings | None = None,
        corpus_hash: str | None = None,
    ) -> CaseIndex:
        """Load the index in ``directory`` for searching.

        Args:
            directory: the index directory.
            model_id: the model the caller embeds queries with; the index must have been built with it.
            dimension: the model's vector size, checked when given.
            settings: search-time settings applied when given (``ivf_nprobe``).
            corpus_hash: when given, the index must have been built from this corpus version.

        Returns:
            The index.

        Raises:
            IndexMissingError: nothing has been built in ``directory``.
            IndexCorruptError: the manifest or index file is damaged, truncated or unreadable.
            IndexMismatchError: built for another model, dimension, format or corpus.
        """
        directory = Path(directory)
        manifest_path = directory / MANIFEST
        for attempt in (1, 2):
            manifest = read_manifest_file(manifest_path)
            check_compatible(manifest, manifest_path, model_id, dimension)
            try:
                backend = _read_backend(directory, manifest)
                break
            except FileNotFoundError:
                # a writer may have replaced the pair between our two reads: read the manifest again
                if attempt == 2:
                    raise IndexCorruptError(
                        f"{directory / manifest.index_file}: the index file named by the manifest is missing; "
                        f"{REBUILD}"
                    ) from None
        if backend.count() != manifest.count:
            raise IndexCorruptError(
                f"{directory / manifest.index_file}: holds {backend.count()} vectors, the manifest says "
                f"{manifest.count}; {REBUILD}"
            )
        if corpus_hash is not None and manifest.corpus_hash != corpus_hash:
            raise IndexMismatchError(
                f"{directory}: the index was built from another version of the corpus "
                f"({manifest.corpus_hash}, now {corpus_hash}); run `assistant build` to update it"
            )
        if settings is not None and manifest.index_type.startswith("ivf"):
            backend.tune({"nprobe": settings.ivf_nprobe})
        return cls(directory, manifest, backend)

    @classmethod
    def create(cls, directory: str | Path, *, model_id: str, dimension: int, settings: Settings) -> CaseIndex:
        """A new, empty index of ``settings.index_type`` for ``directory`` (written by ``sync``/``save``)."""
        if dimension < 1:
            raise ModelError(f"model {model_id!r} reports dimension {dimension}; it cannot be indexed")
        params = backend_params(settings)
        backend = create_backend(settings.index_type, dimension, params)
        now = _now()
        manifest = Manifest(
            model=model_id,
            dimension=dimension,
            index_type=settings.index_type,
            params=backend.params,
            corpus_hash="",
            count=0,
            created=now,
            updated=now,
            index_file="vectors-0000000000000000.faiss",
            index_bytes=0,
            index_sha256="",
            next_id=0,
            ids={},
            fingerprints={},
        )
        return cls(Path(directory), manifest, backend, saved=False)

    @classmethod
    def create_or_open(
        cls,
        directory: str | Path,
        *,
        model_id: str,
        dimension: int,
        settings: Settings,
        fresh: bool = False,
    ) -> CaseIndex:
        """The index to update: the existing one if it fits, else a new, empty one.

        An index that is missing, damaged, built for another model or dimension, or of another
        type than ``settings.index_type`` is replaced (the reason is logged); ``fresh`` always
        starts empty (``assistant build --full``). Nothing is written until ``sync``/``save``.
        """
        if not fresh:
            try:
                found = cls.open(directory, model_id=model_id, dimension=dimension, settings=settings)
            except IndexMissingError:
                logger.info("%s: no index yet; building one", directory)
            except (IndexCorruptError, IndexMismatchError) as exc:
                logger.warning("%s — building a new index", exc)
            else:
                if found.index_type == settings.index_type:
                    return found
                logger.warning(
                    "%s: the index is %s, settings ask for %s; building a new one",
                    directory,
                    found.index_type,
                    settings.index_type,
                )
        return cls.create(directory, model_id=model_id, dimension=dimension, settings=settings)

    # --- what it holds

    @property
    def manifest(self) -> Manifest:
        return self._manifest

    @property
    def model_id(self) -> str:
        return self._manifest.model

    @property
    def dimension(self) -> int:
        return self._manifest.dimension

    @property
    def index_type(self) -> str:
        return self._manifest.index_type

    @property
    def corpus_hash(self) -> str:
        return self._manifest.corpus_hash

    @property
    def case_ids(self) -> frozenset[str]:
        return frozenset(self._manifest.ids)

    def __len__(self) -> int:
        return self._manifest.count

    def __contains__(self, case_id: object) -> bool:
        return case_id in self._manifest.ids

    def __repr__(self) -> str:
        return f"CaseIndex({str(self.directory)!r}, {self.index_type}, {len(self)} cases, model={self.model_id!r})"

    # --- updating

    def sync(
        self,
        items: Sequence[tuple[str, str, str]],
        encode_batch: Callable[[list[str]], np.ndarray],
        *,
        corpus_hash: str | None = None,
    ) -> SyncReport:
        """Make the index hold exactly ``items``, embedding only what is new or changed, then save.

        Args:
            items: ``(case_id, fingerprint, text)`` per case: ``text`` is what gets embedded; a
                case is re-embedded when its fingerprint or text changes.
            encode_batch: texts -> float32 array ``(len(texts), dimension)`` of unit rows (e.g.
                ``embedding.batch_encoder(model)``); called once, with the texts to embed.
            corpus_hash: recorded in the manifest (default: a hash of the fingerprints, sorted by
                case id, computed like ``Corpus.content_hash``).

        Returns:
            The counts of added, removed, updated and unchanged cases, and the time taken.

        Raises:
            InputError: an item is malformed or a case id appears twice.
            ModelError: ``encode_batch`` returned the wrong shape or non-finite values.
            StoreError: the index could not be written.
        """
        started = time.perf_counter()
        wanted = _wanted(items)
        old = self._manifest.fingerprints
        removed = [cid for cid in old if cid not in wanted]
        updated = [cid for cid, (digest, _) in wanted.items() if cid in old and old[cid] != digest]
        added = [cid for cid in wanted if cid not in old]
        unchanged = len(wanted) - len(added) - len(updated)
        corpus_hash = (
            corpus_hash if corpus_hash is not None else fingerprints_hash((i[0], i[1]) for i in items)
        )

        to_embed = updated + added
        vectors = _checked(
            encode_batch([wanted[cid][1] for cid in to_embed]) if to_embed else None,
            len(to_embed),
            self.dimension,
        )
        ids = dict(self._manifest.ids)
        drop = [ids.pop(cid) for cid in removed] + [ids[cid] for cid in updated]
        if drop:
            self._backend.delete(np.asarray(drop, dtype=np.int64))
        next_id = self._manifest.next_id
        for cid in added:
            ids[cid], next_id = next_id, next_id + 1
        if to_embed:
            self._backend.append(vectors, np.asarray([ids[cid] for cid in to_embed], dtype=np.int64))
        fingerprints = {cid: digest for cid, (digest, _) in wanted.items()}
        changed = bool(removed or updated or added)
        if changed or corpus_hash != self._manifest.corpus_hash or not self._saved:
            self._manifest = dataclasses.replace(
                self._manifest,
                ids=ids,
                fingerprints=fingerprints,
                next_id=next_id,
                count=len(ids),
                corpus_hash=corpus_hash,
                params=self._backend.params,
            )
            self._case_of = {faiss_id: case_id for case_id, faiss_id in ids.items()}
            self.save()
        report = SyncReport(
            added=len(added),
            removed=len(removed),
            updated=len(updated),
            unchanged=unchanged,
            seconds=time.perf_counter() - started,
            count=len(ids),
            index_type=self.index_type,
        )
        logger.info("%s: %s", self.directory, report)
        return report

    def save(self) -> None:
        """Write the index file, then the manifest that names it (both atomically); drop old files."""
        if self._backend.count() != len(self._manifest.ids):
            raise IndexCorruptError(
                f"{self.directory}: refusing to save an index of {self._backend.count()} vectors for "
                f"{len(self._manifest.ids)} cases; {REBUILD}"
            )
        data = self._backend.save()
        digest = hashlib.sha256(data).hexdigest()
        name = f"vectors-{digest[:16]}.faiss"
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.directory / name, data)
        manifest = dataclasses.replace(
            self._manifest, index_file=name, index_bytes=len(data), index_sha256=digest, updated=_now()
        )
        atomic_write_text(self.directory / MANIFEST, json.dumps(manifest.to_dict(), ensure_ascii=False))
        self._manifest = manifest
        self._saved = True
        for path in self.directory.glob("vectors-*.faiss"):
            if path.name != name:
                with contextlib.suppress(OSError):
                    path.unlink()

    # --- searching

    def search(self, vectors: np.ndarray, k: int) -> list[list[IndexHit]]:
        """The ``k`` nearest cases of each query row, best first.

        Args:
            vectors: ``(n, dimension)`` float32 query rows (a single ``(dimension,)`` vector counts
                as one row); rows are L2-normalised here if they are not already.
            k: results per query (at most the number of cases).

        Returns:
            One list of :class:`IndexHit` per query row, sorted by descending score (cosine
            similarity); shorter than ``k`` when the index holds fewer cases.
        """
        queries = _as_queries(vectors, self.dimension)
        if k < 1:
            raise InputError(f"k must be at least 1, not {k}")
        if not self._manifest.count:
            return [[] for _ in range(len(queries))]
        _search_threads(len(queries))
        scores, ids = self._backend.search(queries, min(k, self._manifest.count))
        case_of = self._case_of
        return [
            [IndexHit(case_of[i], float(s)) for s, i in zip(row_scores, row_ids, strict=True) if i >= 0]
            for row_scores, row_ids in zip(scores, ids, strict=True)
        ]

    def vectors(self, case_ids: Sequence[str]) -> np.ndarray:
        """The stored vectors of ``case_ids``, ``(len(case_ids), dimension)`` float32.

        Exact for ``flat`` and ``hnsw``; decoded (approximate) for the ``ivf-*`` kinds.

        Raises:
            UnknownIdError: a case id is not in the index.
        """
        from .errors import UnknownIdError
        from .taxonomy import did_you_mean

        ids = []
        for cid in case_ids:
            if cid not in self._manifest.ids:
                raise UnknownIdError(
                    f"case {cid!r} is not in the index{did_you_mean(cid, list(self._manifest.ids))}"
                )
            ids.append(self._manifest.ids[cid])
        return self._backend.reconstruct(ids)


# ----------------------------------------------------------------------------- module functions


def index_lock(directory: str | Path, timeout_s: float = 30.0) -> contextlib.AbstractContextManager[None]:
    """The lock writers of ``directory`` hold (a file beside it: ``.<name>.lock``)."""
    directory = Path(directory)
    return locked(directory.parent / f".{directory.name}.lock", timeout_s)


def build_index(
    directory: str | Path,
    items: Sequence[tuple[str, str, str]],
    encode_batch: Callable[[list[str]], np.ndarray],
    *,
    model_id: str,
    dimension: int,
    settings: Settings,
    full: bool = False,
    corpus_hash: str | None = None,
) -> tuple[CaseIndex, SyncReport]:
    """The one build path (``Assistant.build``, the benchmarks and the tests): open the index in
    ``directory`` if it fits (else start a new one; ``full`` always does), make it hold exactly
    ``items`` and save it. The caller holds :func:`index_lock` (the core keeps it while it also
    rebuilds what derives from the index). See :meth:`CaseIndex.sync` for the arguments.

    Returns:
        The index, ready to search, and what the sync changed.
    """
    index = CaseIndex.create_or_open(
        directory, model_id=model_id, dimension=dimension, settings=settings, fresh=full
    )
    return index, index.sync(items, encode_batch, corpus_hash=corpus_hash)


def read_manifest(directory: str | Path) -> Manifest:
    """The manifest of the index in ``directory`` (for status displays; nothing else is checked)."""
    return read_manifest_file(Path(directory) / MANIFEST)


# ----------------------------------------------------------------------------- helpers


_threads_set: list[int] = []  # the FAISS thread count last set by _search_threads


def _search_threads(n_queries: int) -> None:
    """One FAISS thread for a few queries, all cores for many.

    Measured on 2 cores: one query against 100k vectors takes 9 ms on one thread and 22 ms on
    two (the thread team costs more than it shares); batches of queries do split well.
    """
    faiss = _faiss()
    wanted = 1 if n_queries < 16 else _cpu_count()
    if _threads_set != [wanted]:
        faiss.omp_set_num_threads(wanted)
        _threads_set[:] = [wanted]


@functools.cache
def _cpu_count() -> int:
    import os

    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _digest(fingerprint: str, text: str) -> str:
    return hashlib.sha256(f"{fingerprint}\x00{text}".encode()).hexdigest()[:20]


def _wanted(items: Sequence[tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    wanted: dict[str, tuple[str, str]] = {}
    for n, item in enumerate(items, 1):
        try:
            case_id, fingerprint, text = item
        except (TypeError, ValueError):
            raise InputError(f"index item {n} is not (case_id, fingerprint, text)") from None
        if not all(isinstance(v, str) for v in (case_id, fingerprint, text)) or not case_id:
            raise InputError(f"index item {n}: case id, fingerprint and text must be non-empty text")
        if case_id in wanted:
            raise InputError(f"index item {n}: case id {case_id!r} appears twice")
        wanted[case_id] = (_digest(fingerprint, text), text)
    return wanted


def _checked(vectors: Any, n: int, dimension: int) -> np.ndarray:
    if vectors is None:
        return np.empty((0, dimension), dtype=np.float32)
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    if array.shape != (n, dimension):
        raise ModelError(f"the encoder returned vectors of shape {array.shape}, expected ({n}, {dimension})")
    if not np.isfinite(array).all():
        raise ModelError("the encoder returned NaN or infinite values; the model is broken")
    return _normalized(array)


def _normalized(array: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(array, axis=1)
    if np.all(np.abs(norms - 1.0) < 1e-3):
        return array
    return np.ascontiguousarray(array / np.where(norms > 0, norms, 1.0)[:, None], dtype=np.float32)


def _as_queries(vectors: np.ndarray, dimension: int) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != dimension:
        raise InputError(f"query vectors must have shape (n, {dimension}), not {array.shape}")
    return _normalized(np.ascontiguousarray(array))


def _read_backend(directory: Path, manifest: Manifest) -> AnnBackend:
    path = directory / manifest.index_file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise IndexCorruptError(f"{path}: the index cannot be read ({exc.strerror}); {REBUILD}") from None
    if len(data) != manifest.index_bytes:
        raise IndexCorruptError(
            f"{path}: the index file has {len(data)} bytes, the manifest says {manifest.index_bytes} "
            f"(truncated?); {REBUILD}"
        )
    if hashlib.sha256(data).hexdigest() != manifest.index_sha256:
        raise IndexCorruptError(f"{path}: the index file does not match its checksum (damaged); {REBUILD}")
    try:
        return BACKENDS[manifest.index_type].load(data, manifest.dimension, manifest.params)
    except (RuntimeError, ValueError) as exc:  # faiss reports unreadable data as RuntimeError
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise IndexCorruptError(f"{path}: FAISS cannot read the index ({first}); {REBUILD}") from None


__all__ = [
    "BACKENDS",
    "INDEX_TYPES",
    "AnnBackend",
    "CaseIndex",
    "IndexHit",
    "Manifest",
    "SyncReport",
    "backend_params",
    "build_index",
    "create_backend",
    "index_lock",
    "read_manifest",
]
