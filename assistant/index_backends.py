"""The FAISS backends of the case index: one class per index type (flat, HNSW, IVF-SQ8, IVF-PQ)
with the same small interface (build, append, delete, search, reconstruct, save, load), and the
factory keyed by ``Settings.index_type``. Vectors are L2-normalised and searched by inner product.

faiss is imported on first use.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .config import INDEX_TYPES
from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from .config import Settings

logger = logging.getLogger(__name__)

HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 64
PQ_M = 64  # sub-quantisers: 8 dimensions each for 512-d vectors, 64 bytes per vector
PQ_NBITS = 8


def _faiss() -> Any:
    import faiss

    return faiss


class AnnBackend:
    """A FAISS index kind (after txtai's ANN backends): build, append, delete, search, save, load.

    Vectors are float32 rows with unit L2 norm; ids are int64. ``params`` holds the build settings
    recorded in the manifest. Subclasses make the FAISS index (``_create``) and override what
    their kind does differently.
    """

    kind: ClassVar[str] = ""

    def __init__(self, dimension: int, params: dict[str, Any], index: Any = None):
        self.dimension = dimension
        self.params = dict(params)
        self.index = index if index is not None else self._create(0)

    # --- building

    def _create(self, n: int) -> Any:
        """A new, empty FAISS index sized for about ``n`` vectors."""
        raise NotImplementedError

    def build(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Replace the contents with ``vectors`` (training the index on them if it needs it)."""
        self.index = self._create(len(vectors))
        self.append(vectors, ids)

    def append(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Add rows with their ids (ids must not be in the index yet)."""
        if len(vectors):
            self.index.add_with_ids(vectors, ids)

    def delete(self, ids: np.ndarray) -> None:
        """Remove the given ids (unknown ids are ignored)."""
        if len(ids):
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))

    # --- reading

    def count(self) -> int:
        return int(self.index.ntotal)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` per query row: scores ``(n, k)`` float32 and ids ``(n, k)`` int64 (-1: none)."""
        return self.index.search(queries, k)

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of ``ids`` (decoded: approximate for compressed kinds)."""
        return np.vstack([self.index.reconstruct(int(i)) for i in ids]) if len(ids) else self._empty()

    def tune(self, params: dict[str, Any]) -> None:
        """Apply search-time settings (``nprobe``, ``ef_search``) without rebuilding."""

    # --- persistence

    def save(self) -> bytes:
        """The index serialised by FAISS."""
        return _faiss().serialize_index(self.index).tobytes()

    @classmethod
    def load(cls, data: bytes, dimension: int, params: dict[str, Any]) -> AnnBackend:
        """Rebuild a backend from :meth:`save`'s bytes (FAISS errors propagate)."""
        index = _faiss().deserialize_index(np.frombuffer(data, dtype=np.uint8))
        if index.d != dimension:
            raise ValueError(f"the index holds {index.d}-d vectors, the manifest says {dimension}")
        backend = cls(dimension, params, index)
        backend.tune(params)
        return backend

    def _empty(self) -> np.ndarray:
        return np.empty((0, self.dimension), dtype=np.float32)


class FlatBackend(AnnBackend):
    """Exact search: every vector is compared (``IndexFlatIP`` under ``IndexIDMap2``)."""

    kind = "flat"

    def _create(self, n: int) -> Any:
        faiss = _faiss()
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))


class HnswBackend(AnnBackend):
    """HNSW graph (``IndexHNSWFlat``, inner product) under ``IndexIDMap2``.

    FAISS cannot remove vectors from an HNSW graph, so ``delete`` rebuilds the graph from the
    vectors it stores (full-precision copies; nothing is re-encoded).
    """

    kind = "hnsw"

    def _create(self, n: int) -> Any:
        faiss = _faiss()
        inner = faiss.IndexHNSWFlat(self.dimension, int(self.params.get("m", 32)), faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = int(self.params.get("ef_construction", HNSW_EF_CONSTRUCTION))
        index = faiss.IndexIDMap2(inner)
        self._set_ef(index)
        return index

    def _set_ef(self, index: Any) -> None:
        _faiss().downcast_index(index.index).hnsw.efSearch = int(self.params.get("ef_search", HNSW_EF_SEARCH))

    def tune(self, params: dict[str, Any]) -> None:
        self.params.update({k: v for k, v in params.items() if k == "ef_search"})
        self._set_ef(self.index)

    def delete(self, ids: np.ndarray) -> None:
        faiss = _faiss()
        if not len(ids) or not self.count():
            return
        stored = faiss.vector_to_array(self.index.id_map).astype(np.int64)
        keep = ~np.isin(stored, np.asarray(ids, dtype=np.int64))
        if keep.all():
            return
        vectors = self.index.index.reconstruct_n(0, self.count())
        self.build(np.ascontiguousarray(vectors[keep]), np.ascontiguousarray(stored[keep]))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        inner = _faiss().downcast_index(self.index.index)
        if inner.hnsw.efSearch < k:  # the graph walk must keep at least k candidates
            inner.hnsw.efSearch = k
        return self.index.search(queries, k)


class IvfBackend(AnnBackend):
    """Inverted lists over k-means cells: ``IndexIVFScalarQuantizer`` (8-bit) or ``IndexIVFPQ``.

    Trained on the first vectors it receives (``nlist`` cells, 0: about 4*sqrt(n)); the trained
    cell count and the number of training vectors are recorded in ``params``.
    """

    kind = "ivf-sq8"

    def _nlist(self, n: int) -> int:
        wanted = int(self.params.get("nlist_setting", 0)) or round(4 * math.sqrt(max(n, 1)))
        # k-means wants ~39 points per cell; fewer cells on a small corpus
        return max(1, min(wanted, n // 39 if n >= 39 else 1))

    def _quantized(self, quantizer: Any, nlist: int) -> Any:
        faiss = _faiss()
        return faiss.IndexIVFScalarQuantizer(
            quantizer, self.dimension, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )

    def _min_training(self) -> int:
        return 1

    def _create(self, n: int) -> Any:
        faiss = _faiss()
        nlist = self._nlist(n)
        index = self._quantized(faiss.IndexFlatIP(self.dimension), nlist)
        self.params["nlist"] = nlist
        index.nprobe = int(self.params.get("nprobe", 16))
        return index

    def append(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        if not len(vectors):
            return
        if not self.index.is_trained:
            self.index = self._create(len(vectors))
            training = vectors
            needed = max(self._min_training(), self.params["nlist"])
            if len(training) < needed:  # tiny corpus: repeat the rows so that k-means can run
                training = np.resize(training, (needed, self.dimension))
            self.index.train(training)
            self.params["trained_on"] = len(vectors)
        self.index.add_with_ids(vectors, ids)
        trained_on = int(self.params.get("trained_on", 0))
        if trained_on and self.count() > 4 * trained_on:
            logger.warning(
                "the %s index has grown from %d to %d vectors since its cells were trained; "
                "`assistant build --full` trains them again",
                self.kind,
                trained_on,
                self.count(),
            )

    def tune(self, params: dict[str, Any]) -> None:
        if "nprobe" in params:
            self.params["nprobe"] = int(params["nprobe"])
            self.index.nprobe = self.params["nprobe"]

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        faiss = _faiss()
        if self.index.direct_map.type == faiss.DirectMap.NoMap:
            self.index.set_direct_map_type(faiss.DirectMap.Hashtable)
        return super().reconstruct(ids)


class IvfPqBackend(IvfBackend):
    """``IndexIVFPQ``: 64 sub-quantisers of 8 bits, 64 bytes per vector (approximate scores)."""

    kind = "ivf-pq"

    def _quantized(self, quantizer: Any, nlist: int) -> Any:
        faiss = _faiss()
        m = int(self.params.get("pq_m", PQ_M))
        if self.dimension % m:
            m = math.gcd(self.dimension, m)
            self.params["pq_m"] = m
        nbits = int(self.params.get("pq_nbits", PQ_NBITS))
        return faiss.IndexIVFPQ(quantizer, self.dimension, nlist, m, nbits, faiss.METRIC_INNER_PRODUCT)

    def _min_training(self) -> int:
        return 2 ** int(self.params.get("pq_nbits", PQ_NBITS))


BACKENDS: dict[str, type[AnnBackend]] = {
    cls.kind: cls for cls in (FlatBackend, HnswBackend, IvfBackend, IvfPqBackend)
}


def backend_params(settings: Settings) -> dict[str, Any]:
    """The build settings of ``settings.index_type`` (recorded in the manifest)."""
    kind = settings.index_type
    if kind == "hnsw":
        return {"m": settings.hnsw_m, "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": HNSW_EF_SEARCH}
    if kind.startswith("ivf"):
        params: dict[str, Any] = {"nlist_setting": settings.ivf_nlist, "nprobe": settings.ivf_nprobe}
        if kind == "ivf-pq":
            params.update(pq_m=PQ_M, pq_nbits=PQ_NBITS)
        return params
    return {}


def create_backend(index_type: str, dimension: int, params: dict[str, Any] | None = None) -> AnnBackend:
    """A new, empty backend of ``index_type`` (one of :data:`INDEX_TYPES`)."""
    try:
        cls = BACKENDS[index_type]
    except KeyError:
        raise InputError(f"unknown index type {index_type!r}; use one of {', '.join(INDEX_TYPES)}") from None
    return cls(dimension, params or {})
