"""Five shops of other categories set up on the starter corpus: does it become *their* assistant?

Each of ``bench/shops/<category>/`` (kitchen, food, beauty, electronics, home) was written without
reading the starter cases or packs: a shop profile (with the shop's own scenarios), a 10-item
catalog, 20 of the shop's own approved cases and 30 buyer questions with expectations. For every
shop the bench creates its corpus with ``assistant init`` (the starter core and the category's pack),
puts in the shop's profile, catalog and own cases, asks the 30 questions and reports:

- scenario accuracy (detected vs expected label, the shop's own scenarios included);
- expectations met: the top suggestion holds every ``must`` fact (one of each group) and no shown
  suggestion holds a ``must_not`` text;
- leaks in any shown suggestion: wording or items of another product category (facts.toml
  ``[categories]``, words the shop's own category shares are allowed), and facts of the starter shop
  (its slot values and catalog names) that this shop does not have. Goal: 0.

The starter's vectors are encoded once and shared by the five shops (same model, same texts).

Run: ``python bench/shops_eval.py [--no-write] [--shop kitchen] [--dump results.jsonl]``
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, machine, markdown_table, publish  # noqa: E402

from assistant import Assistant  # noqa: E402
from assistant.config import Settings  # noqa: E402

SHOPS_DIR = ROOT / "bench" / "shops"
SHOPS = ("kitchen", "food", "beauty", "electronics", "home")
STARTER = ROOT / "corpus"


class CachingAssistant(Assistant):
    """The assistant with batch encodings remembered across shops (the starter's texts repeat)."""

    memo: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            for text, vector in zip(missing, super().encode(missing), strict=True):
                self.memo[text] = vector
        if not texts:
            return super().encode(texts)
        return np.stack([self.memo[t] for t in texts])


def make_shop_corpus(shop: Path, target: Path) -> Path:
    """What ``assistant init`` creates for the shop's category (the starter core and its pack), with
    this shop's profile, catalog and own cases (as a trainer would after editing the profile and
    catalog, importing and approving their chats). Returns the corpus directory."""
    from assistant.shop_init import init_shop

    profile = tomllib.loads((shop / "shop.toml").read_text(encoding="utf-8"))
    target = init_shop(target, profile["shop"]["categories"], profile["shop"]["name"]).corpus_dir
    shutil.copy(shop / "shop.toml", target / "shop.toml")
    shutil.copy(shop / "catalog.csv", target / "catalog.csv")
    shutil.copy(shop / "cases.jsonl", target / "cases" / f"own-{shop.name}.jsonl")
    if (shop / "guidance.md").exists():
        (target / "guidance" / "imported").mkdir(exist_ok=True)
        shutil.copy(shop / "guidance.md", target / "guidance" / "imported" / f"{shop.name}.md")
    return target


def leak_vocabulary(category: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(word, category) pairs of other categories' items and wording, and the starter shop's facts."""
    facts = tomllib.loads((STARTER / "facts.toml").read_text(encoding="utf-8"))
    categories = facts.get("categories", {})
    own = set(categories.get(category, {}).get("items", [])) | set(
        categories.get(category, {}).get("wording", [])
    )
    foreign = sorted(
        {
            (word, other)
            for other, entry in categories.items()
            if other != category
            for word in [*entry.get("items", []), *entry.get("wording", [])]
            if word not in own and not any(word in mine for mine in own)
        }
    )
    starter = tomllib.loads((STARTER / "shop.toml").read_text(encoding="utf-8"))
    values = [str(v) for v in starter.get("slots", {}).values()]
    with (STARTER / "catalog.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            values += [row["name"], *[a for a in row["aliases"].split("|") if a]]
    return foreign, sorted({v for v in values if len(v) >= 2})


def leaks(
    text: str, question: dict, shop_text: str, foreign: list[tuple[str, str]], starter: list[str]
) -> list[str]:
    """What in a shown suggestion belongs to another category or to the starter shop."""
    asked = " ".join([question["message"], *question.get("history", [])])
    found = [f"{word}({cat})" for word, cat in foreign if word in text and word not in asked]
    found += [
        f"starter:{value}"
        for value in starter
        if value in text and value not in shop_text and value not in asked
    ]
    return found


def _unquoted(reply: str, message: str) -> str:
    """The reply without its quotes of the buyer's own words (“...”)."""
    return re.sub(r"“([^”]*)”", lambda m: "" if m.group(1) in message else m.group(0), reply)


def evaluate_shop(name: str, work: Path, base_index: Path | None, dump: list | None) -> dict:
    shop = SHOPS_DIR / name
    corpus = make_shop_corpus(shop, work / name / "project")
    index_dir = work / name / "index"
    if base_index is not None and base_index.exists():
        shutil.copytree(base_index, index_dir)  # the starter's vectors: only the shop's cases are new
    settings = Settings.load(None, corpus_dir=corpus, index_dir=index_dir)
    assistant = CachingAssistant(settings)
    started = time.perf_counter()
    assistant.build(progress=False)
    build_s = time.perf_counter() - started
    profile = tomllib.loads((shop / "shop.toml").read_text(encoding="utf-8"))
    category = profile["shop"]["categories"][0]
    shop_text = (shop / "shop.toml").read_text(encoding="utf-8") + (shop / "catalog.csv").read_text(
        encoding="utf-8"
    )
    foreign, starter = leak_vocabulary(category)
    questions = [
        json.loads(line)
        for line in (shop / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    right = met = leaked = 0
    # the shop's own training document (ingested as `scenarios: all` sections): how often one shows
    own_guidance = {
        line[line.index("{#") + 2 : line.index("}")]
        for line in (
            (shop / "guidance.md").read_text(encoding="utf-8").splitlines()
            if (shop / "guidance.md").exists()
            else []
        )
        if line.startswith("## ") and "{#" in line
    }
    guided = 0
    own_right = own_total = 0
    leak_examples: list[str] = []
    own_scenarios = set(profile.get("scenarios", {}))
    for q in questions:
        result = assistant.suggest(q["message"], q.get("history") or None)
        shown = [s.reply for s in result.suggestions]
        top = shown[0] if shown else ""
        correct = result.detection.scenario == q["scenario"]
        right += correct
        if q["scenario"] in own_scenarios:
            own_total += 1
            own_right += correct
        must_ok = all(any(alt in top for alt in group) for group in q.get("must", []))
        # a reply may quote the buyer's question (您问的“蒸锅还有货吗”): that is not a claim of its own
        said = [_unquoted(s, q["message"]) for s in shown]
        must_not_hit = [t for t in q.get("must_not", []) if any(t in s for s in said)]
        met += must_ok and not must_not_hit
        guided += bool(own_guidance & {g.id for g in result.guidance})
        found = sorted({item for s in shown for item in leaks(s, q, shop_text, foreign, starter)})
        if found:
            leaked += 1
            leak_examples.append(f"{q['id']} {q['message']} → {', '.join(found)}")
        if dump is not None:
            dump.append(
                {
                    "shop": name,
                    "id": q["id"],
                    "message": q["message"],
                    "expected": q["scenario"],
                    "detected": result.detection.scenario,
                    "must_ok": must_ok,
                    "must_not_hit": must_not_hit,
                    "leaks": found,
                    "suggestions": shown,
                    "sources": [list(s.sources) for s in result.suggestions],
                    "guidance": [g.id for g in result.guidance],
                    "abstained": result.abstained,
                }
            )
    return {
        "shop": name,
        "questions": len(questions),
        "scenario_accuracy": right / len(questions),
        "own_scenarios": f"{own_right}/{own_total}",
        "expectations_met": met / len(questions),
        "leaking_questions": leaked,
        "leak_examples": leak_examples,
        "own_guidance": f"{guided}/{len(questions)}" if own_guidance else "–",
        "build_s": build_s,
        "cases": len(assistant.corpus.approved),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--shop", action="append", choices=SHOPS, help="only these shops")
    parser.add_argument("--dump", type=Path, help="write every question's outcome as JSONL here")
    args = parser.parse_args(argv)
    shops = tuple(args.shop or SHOPS)
    dump: list | None = [] if args.dump else None
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="shops-eval-") as scratch:
        work = Path(scratch)
        # the starter alone, built once: each shop's build then embeds only its own cases
        base = CachingAssistant(Settings.load(None, corpus_dir=STARTER, index_dir=work / "starter-index"))
        base.build(progress=False)
        rows = [evaluate_shop(name, work, work / "starter-index", dump) for name in shops]
    total_s = time.perf_counter() - started
    if dump is not None:
        args.dump.write_text(
            "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dump), encoding="utf-8"
        )
    table = markdown_table(
        [
            "shop",
            "approved cases",
            "questions",
            "scenario accuracy",
            "own scenarios right",
            "expectations met",
            "questions with a leak",
            "own guidance shown",
        ],
        [
            [
                r["shop"],
                r["cases"],
                r["questions"],
                r["scenario_accuracy"],
                r["own_scenarios"],
                r["expectations_met"],
                r["leaking_questions"],
                r["own_guidance"],
            ]
            for r in rows
        ],
    )
    n = sum(r["questions"] for r in rows)
    overall = (
        f"All {n} questions: scenario accuracy {sum(r['scenario_accuracy'] * r['questions'] for r in rows) / n:.3f}, "
        f"expectations met {sum(r['expectations_met'] * r['questions'] for r in rows) / n:.3f}, "
        f"questions with a leak {sum(r['leaking_questions'] for r in rows)} (goal 0)."
    )
    examples = [e for r in rows for e in r["leak_examples"]]
    body = "\n".join(
        [
            "## Five shops of other categories (`bench/shops_eval.py`)",
            "",
            "Five shop set-ups written without reading the starter cases or packs (`bench/shops/<category>/`:",
            "profile with the shop's own scenarios, 10-item catalog, 20 own approved cases, 30 buyer questions",
            "with expectations), each set up with `assistant init` (starter core + its category pack) plus its",
            "profile, catalog and own cases. Leaks: another",
            "category's items or wording, or a fact of the starter shop, in any shown suggestion. Own guidance",
            "shown: questions that showed a section of the shop's ingested training document (kitchen and",
            "electronics; all its sections are `scenarios: all`, so they show only when close to the message).",
            "",
            table,
            "",
            overall,
            "",
            *(["Leaks found:", "", *[f"- {e}" for e in examples[:15]], ""] if examples else []),
            f"Run in {total_s:.0f} s on {machine()}.",
        ]
    )
    publish("shops-eval", body, write=not args.no_write)


if __name__ == "__main__":
    main()
