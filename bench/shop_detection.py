"""Scenario detection for a new shop as its own cases grow: 0, 15, 50 and 200 own cases beside the
starter core (and beside core + the shop's category pack).

The shop is the kitchenware shop of ``bench/shops/kitchen`` (its own scenario ``warranty`` included).
Own cases are drawn at random from its labelled chat history (``history.jsonl``, 213 buyer messages
written for this bench; any message identical to a test question is left out); the test set is the
shop's 30 buyer questions (``questions.jsonl``), which the history never contains. 15 and 50 are drawn
twice and the accuracies averaged. The detector is the product's (``Detector.train``:
character n-grams + sentence vectors → logistic regression), trained the way ``assistant build``
trains it, on the message alone (no history).

Run: ``python bench/shop_detection.py [--no-write]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, machine, markdown_table, publish  # noqa: E402

from assistant import Assistant  # noqa: E402
from assistant.corpus import Case, load_corpus  # noqa: E402
from assistant.detection import Detector  # noqa: E402
from assistant.taxonomy import load_taxonomy  # noqa: E402

SHOP = ROOT / "bench" / "shops" / "kitchen"
SIZES = (0, 15, 50, 200)
SEEDS = (0, 1)  # two draws of the small sizes; 200 of the 213 messages is one draw


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _packs(case: Case) -> tuple[str, ...]:
    try:  # the starter packs (issue 17): a case's pack, else its categories, else core
        from assistant.packs import case_packs

        return case_packs(case)
    except ImportError:
        return case.categories or ("core",)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:  # the shipped labels plus the shop's own scenarios
        shutil.copy(ROOT / "corpus" / "taxonomy.toml", Path(scratch) / "taxonomy.toml")
        shutil.copy(SHOP / "shop.toml", Path(scratch) / "shop.toml")
        taxonomy = load_taxonomy(Path(scratch) / "taxonomy.toml")
    own_ids = set(taxonomy.shop_scenario_ids)
    starter = [c for c in load_corpus(ROOT / "corpus").approved if c.source == "starter" or not c.source]
    core = [c for c in starter if _packs(c) == ("core",)]
    pack = [c for c in starter if "core" in _packs(c) or "kitchen" in _packs(c)]
    questions = _lines(SHOP / "questions.jsonl")
    asked = {q["message"] for q in questions}
    history = [h for h in _lines(SHOP / "history.jsonl") if h["buyer"] not in asked]
    pool = [Case(h["id"], h["buyer"], "", h["scenario"], taxonomy.stage_of(h["scenario"])) for h in history]
    assistant = Assistant.load()
    texts = sorted({c.buyer for c in [*pack, *pool]} | asked)
    vectors = dict(zip(texts, assistant.encode(texts), strict=True))
    test_vectors = np.stack([vectors[q["message"]] for q in questions])
    expected = [q["scenario"] for q in questions]
    own_rows = [i for i, s in enumerate(expected) if s in own_ids]

    def accuracy(base: list[Case], n: int) -> tuple[float, float]:
        overall, own = [], []
        for seed in SEEDS if 0 < n < 200 else SEEDS[:1]:
            rng = np.random.default_rng(seed)
            drawn = [pool[i] for i in sorted(rng.choice(len(pool), n, replace=False))] if n else []
            training = [*base, *drawn]
            training_vectors = np.stack([vectors[c.buyer] for c in training])
            detector = Detector.train(training, training_vectors, taxonomy, buyer_types=False)
            got = [
                max(detector.scenario_probabilities(q["message"], v).items(), key=lambda kv: kv[1])[0]
                for q, v in zip(questions, test_vectors, strict=True)
            ]
            overall.append(np.mean([g == e for g, e in zip(got, expected, strict=True)]))
            own.append(np.mean([got[i] == expected[i] for i in own_rows]) if own_rows else float("nan"))
        return float(np.mean(overall)), float(np.mean(own))

    rows = []
    for label, base, sizes in (("starter core", core, SIZES), ("core + kitchen pack", pack, (0, 200))):
        for n in sizes:
            total, own = accuracy(base, n)
            rows.append([label, len(base), n, total, own])
            print(f"{label} + {n}: {total:.3f} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    table = markdown_table(
        [
            "starter",
            "starter cases",
            "own cases",
            "scenario accuracy (30 questions)",
            f"own scenario ({len(own_rows)} questions)",
        ],
        rows,
    )
    body = "\n".join(
        [
            "## Detection for a new shop as its own cases grow (`bench/shop_detection.py`)",
            "",
            "The kitchenware shop of `bench/shops/kitchen` (own scenario `warranty`): the detector trained on the",
            "starter core, or core + kitchen pack, plus 0/15/50/200 of the shop's own labelled messages (drawn at",
            f"random from {len(pool)}; 15 and 50 averaged over two draws), tested on the shop's 30 buyer questions (message only).",
            "",
            table,
            "",
            f"Run in {time.perf_counter() - started:.0f} s on {machine()}.",
        ]
    )
    publish("shop-detection", body, write=not args.no_write)


if __name__ == "__main__":
    main()
