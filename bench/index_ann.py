"""Exact vs approximate FAISS indexes: build time, single-query latency, recall@10, memory.

    python bench/index_ann.py [--n 100000] [--big] [--queries 500] [--types flat,hnsw,ivf-sq8,ivf-pq] [--no-write]

Synthetic 512-d L2-normalised vectors shaped like sentence embeddings: points scattered around
1,000 cluster centres (cosine about 0.7 to their centre), queries drawn the same way (not in the
index). Each index type is built with the assistant's own backends (``assistant.index``) and the
settings' defaults (HNSW M=32, efConstruction 80, efSearch 64; IVF nlist about 4*sqrt(n),
nprobe 16; PQ 64 x 8 bits). Latency is one query per call (FAISS on one thread, as
``CaseIndex.search`` runs it), k=10; recall@10 is against exact search; memory is the size of
the serialised index. ``--big`` runs 1M vectors as well (slow: HNSW and IVF training take a while
on two cores). Prints a table and writes it to docs/benchmarks.md between
``<!-- bench:index_ann -->`` markers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import machine, publish  # noqa: E402

from assistant.config import INDEX_TYPES, Settings  # noqa: E402
from assistant.index import backend_params, create_backend  # noqa: E402

NAME = "index_ann"
DIM = 512
K = 10


def clustered(n: int, centres: np.ndarray, rng: np.random.Generator, spread: float = 1.0) -> np.ndarray:
    """``n`` unit vectors around random centres (noise of norm ``spread`` before normalising)."""
    out = np.empty((n, DIM), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        rows = centres[rng.integers(0, len(centres), m)]
        rows = rows + rng.standard_normal((m, DIM), dtype=np.float32) * (spread / np.sqrt(DIM))
        out[start : start + m] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def build_backend(kind: str, vectors: np.ndarray, settings: Settings):
    backend = create_backend(kind, DIM, backend_params(settings.replace(index_type=kind)))
    started = time.perf_counter()
    backend.build(vectors, np.arange(len(vectors), dtype=np.int64))
    return backend, time.perf_counter() - started


def serialized_bytes(backend) -> int:
    import faiss

    with tempfile.NamedTemporaryFile(suffix=".faiss") as handle:
        faiss.write_index(backend.index, handle.name)
        return os.path.getsize(handle.name)


def latency(backend, queries: np.ndarray) -> tuple[float, float]:
    import faiss

    faiss.omp_set_num_threads(1)
    times = []
    for q in queries:
        started = time.perf_counter()
        backend.search(q[None, :], K)
        times.append(time.perf_counter() - started)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    ms = np.asarray(times) * 1e3
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)]))


def run(n: int, n_queries: int, kinds: list[str], settings: Settings, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((1000, DIM), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    print(f"n={n:,}: generating vectors ...", file=sys.stderr)
    vectors = clustered(n, centres, rng)
    queries = clustered(n_queries, centres, rng)
    rows, truth = [], None
    for kind in ["flat", *[k for k in kinds if k != "flat"]]:
        print(f"n={n:,}: {kind} ...", file=sys.stderr)
        backend, seconds = build_backend(kind, vectors, settings)
        p50, p95 = latency(backend, queries)
        found = backend.search(queries, K)[1]
        if kind == "flat":
            truth = found
        if kind in kinds:
            rows.append(
                {
                    "n": n,
                    "kind": kind,
                    "build_s": seconds,
                    "p50_ms": p50,
                    "p95_ms": p95,
                    "recall": recall(found, truth),
                    "mb": serialized_bytes(backend) / 2**20,
                    "params": {k: v for k, v in backend.params.items() if k != "nlist_setting"},
                }
            )
        del backend
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="vectors (default 100,000)")
    parser.add_argument("--big", action="store_true", help="also run 1,000,000 vectors (slow)")
    parser.add_argument("--queries", type=int, default=500, help="queries (default 500)")
    parser.add_argument("--types", default=",".join(INDEX_TYPES), help="comma-separated index types")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.types.split(",") if k.strip()]
    unknown = set(kinds) - set(INDEX_TYPES)
    if unknown:
        parser.error(f"unknown index types: {', '.join(sorted(unknown))}")

    settings = Settings.load()
    rows = run(args.n, args.queries, kinds, settings)
    if args.big:
        rows += run(1_000_000, args.queries, kinds, settings)

    lines = [
        "## Exact vs approximate index (bench/index_ann.py)",
        "",
        f"{machine()}. Synthetic {DIM}-d unit vectors around 1,000 centres; {args.queries} queries "
        f"from the same distribution; k={K}; one query per call on one FAISS thread. Recall@10 is "
        "against exact search; memory is the serialised index.",
        "",
        "| vectors | index | build s | p50 ms | p95 ms | recall@10 | memory MB | settings |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
        *(
            f"| {r['n']:,} | {r['kind']} | {r['build_s']:.1f} | {r['p50_ms']:.3f} | {r['p95_ms']:.3f} | "
            f"{r['recall']:.3f} | {r['mb']:,.1f} | {', '.join(f'{k}={v}' for k, v in r['params'].items()) or '-'} |"
            for r in rows
        ),
    ]
    if not args.big:
        lines += ["", "1M vectors: run `python bench/index_ann.py --big` (slow on two cores)."]
    body = "\n".join(lines)
    publish(NAME, body, write=not args.no_write)


if __name__ == "__main__":
    main()
