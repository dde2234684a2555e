"""End-to-end ``suggest`` latency, warm, on the shipped corpus grown with synthetic cases.

For each size (default 10k and 100k cases) a scratch corpus is made: the shipped corpus plus
synthetic cases (shipped buyer messages recombined with products, sizes, fillers and typos,
with replies of the same scenario), the index is built (build throughput is reported), then
``Assistant.suggest`` answers the labeled evaluation messages after a warm-up. Reported: p50/p95
of the whole call, and where the time goes (encode, dense search, BM25, detection, adaptation).

    python bench/suggest_speed.py [--sizes 10000,100000] [--queries 300] [--index-types flat,hnsw]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, machine, markdown_table, percentiles, write_section  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.core import Assistant  # noqa: E402
from assistant.corpus import load_corpus  # noqa: E402
from assistant.evaluation import default_eval_file, load_labeled  # noqa: E402

FILLERS = [
    "亲",
    "在吗",
    "老板",
    "请问",
    "麻烦问下",
    "急",
    "谢谢",
    "哈",
    "呀",
    "😊",
    "🙏",
    "那个",
    "就是",
    "想问一下",
]
TAILS = ["？", "吗", "呢", "啊", "。", "!", "~", "", "", ""]


def synthetic_cases(corpus, n: int, seed: int = 7) -> list[dict]:
    """``n`` distinct cases made by recombining the corpus's own messages and replies."""
    rng = random.Random(seed)
    by_scenario = defaultdict(list)
    for case in corpus.approved:
        by_scenario[case.scenario].append(case)
    products = [name for p in corpus.catalog for name in p.names]
    sizes = [s for p in corpus.catalog for s in p.sizes]
    scenarios = sorted(by_scenario)
    seen: set[str] = set()
    out = []
    while len(out) < n:
        scenario = rng.choice(scenarios)
        base = rng.choice(by_scenario[scenario])
        parts = [rng.choice(FILLERS)] if rng.random() < 0.5 else []
        text = base.buyer
        if rng.random() < 0.5:
            text = text.replace(rng.choice(text), "", 1) if len(text) > 4 else text  # a dropped character
        parts.append(text)
        if rng.random() < 0.4:
            parts.append(f"{rng.choice(products)}{rng.choice(sizes)}码")
        if rng.random() < 0.3:
            parts.append(str(rng.randint(1, 999)))
        buyer = " ".join(parts) + rng.choice(TAILS)
        if buyer in seen:
            continue
        seen.add(buyer)
        reply = rng.choice(by_scenario[scenario]).reply
        out.append(
            {
                "id": f"syn-{len(out):06d}",
                "buyer": buyer,
                "reply": reply,
                "scenario": scenario,
                "stage": base.stage,
                "buyer_type": base.buyer_type,
                "tags": ["synthetic"],
                "source": "bench",
                "status": "approved",
            }
        )
    return out


def timed_parts(assistant: Assistant) -> dict[str, list[float]]:
    """Wrap the engine's parts to record how long each takes per call."""
    engine = assistant.engine
    samples: dict[str, list[float]] = defaultdict(list)

    def wrap(obj, name: str, label: str):
        original = getattr(obj, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                samples[label].append(time.perf_counter() - started)

        setattr(obj, name, wrapper)

    wrap(assistant, "_vectors_for", "encode")
    wrap(engine.retriever, "_dense", "dense search")
    wrap(engine.retriever, "_lexical", "BM25")
    wrap(engine.detector, "detect", "detection")
    wrap(engine.adapter, "suggest", "adaptation + checklist")
    return samples


def run(size: int, queries: list, index_type: str) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        corpus_dir = Path(scratch) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus_dir, ignore=shutil.ignore_patterns(".*"))
        shipped = load_corpus(corpus_dir)
        extra = synthetic_cases(shipped, max(0, size - len(shipped.cases)))
        (corpus_dir / "cases" / "synthetic.jsonl").write_text(
            "\n".join(json.dumps(c, ensure_ascii=False) for c in extra) + "\n", encoding="utf-8"
        )
        models = ROOT / "data" / "models"  # reuse the converted model
        settings = Settings.load(None, corpus_dir=str(corpus_dir), data_dir=scratch, index_type=index_type)
        if models.is_dir() and not (Path(scratch) / "models").exists():
            shutil.copytree(models, Path(scratch) / "models")
        assistant = Assistant(settings)
        started = time.perf_counter()
        report = assistant.build(full=True, progress=True)
        build_s = time.perf_counter() - started
        for item in queries[:20]:  # warm-up
            assistant.suggest(item.message, history=item.history)
        parts = timed_parts(assistant)
        totals = []
        for item in queries:
            t0 = time.perf_counter()
            assistant.suggest(item.message, history=item.history)
            totals.append(time.perf_counter() - t0)
        p50, p95 = percentiles(totals)
        breakdown = {label: percentiles(values)[0] for label, values in parts.items()}
        print(
            f"{size:>7} cases {index_type}: suggest p50 {p50:.1f} ms p95 {p95:.1f} ms; build {build_s:.0f}s; {breakdown}"
        )
        return {
            "size": report.count,
            "p50": p50,
            "p95": p95,
            "build_s": build_s,
            "build_rate": report.count / build_s,
            "parts": breakdown,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--index-types", default="flat,hnsw", help="Comma-separated index kinds to compare.")
    args = parser.parse_args()
    queries = load_labeled(default_eval_file())
    queries = (queries * (args.queries // len(queries) + 1))[: args.queries]
    results = [
        {**run(int(size), queries, kind), "index": kind}
        for size in args.sizes.split(",")
        for kind in args.index_types.split(",")
    ]
    labels = list(results[0]["parts"])
    rows = [
        [
            f"{r['size']:,}",
            r["index"],
            round(r["p50"], 1),
            round(r["p95"], 1),
            *(round(r["parts"][k], 2) for k in labels),
        ]
        for r in results
    ]
    build_rows = [
        [f"{r['size']:,}", r["index"], round(r["build_s"], 1), round(r["build_rate"])] for r in results
    ]
    body = "\n".join(
        [
            "## Suggest end to end (`bench/suggest_speed.py`)",
            "",
            f"Machine: {machine()}. The shipped corpus plus synthetic cases; "
            f"{args.queries} warm calls of `Assistant.suggest` with the labeled evaluation messages "
            "(history included). Parts are per-call medians in ms (encode runs once per call for the "
            "message, its context and earlier buyer turns together).",
            "",
            markdown_table(["cases", "index", "p50 ms", "p95 ms", *(f"{k} ms" for k in labels)], rows),
            "",
            "Build (embedding, FAISS, BM25, detector training on at most 20,000 cases):",
            "",
            markdown_table(["cases", "index", "seconds", "cases/s"], build_rows),
            "",
            "Target: p50 ≤ 30 ms at 100k cases.",
        ]
    )
    write_section("suggest_speed", body)


if __name__ == "__main__":
    main()
