"""Held-out evaluation of suggestions: grounding, expectations, stage, abstention (issue 12).

The held-out sets in ``bench/heldout/`` were written by writers who never read the corpus; nobody
tunes the corpus on them. For the top suggestion of every item this measures:

* grounding: a fact in the reply that is neither from this conversation, the shop profile nor the
  buyer's catalog entry (audited with the fact layer on the final text), and the set's own
  ``must_not_include`` strings (contradicting values, another item, another category's wording);
* expectations met: every ``must_include`` group present and no ``must_not_include`` string (a
  holding reply meets an item that ``needs_lookup`` when it hits no forbidden string);
* the order stage read from the conversation, the scenario, the abstention rate.

It also samples held-out sessions of the JDDC 2019 chat sample (read from ../shared, never copied):
the share of top suggestions with an ungrounded fact. ``--judge-dir DIR`` writes the packets blind
judges rate (conversation and suggestions only); ``--ratings DIR`` folds their ratings in.

    python bench/heldout_eval.py [--limit N] [--judge-dir /tmp/judge] [--ratings bench/heldout/ratings]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, machine, markdown_table, percentiles, publish  # noqa: E402

HELDOUT = ROOT / "bench" / "heldout"
JDDC_2019 = SHARED / "data" / "external" / "jddc2019-sample" / "chat_0.1per.txt"


def load(name: str, directory: Path = HELDOUT) -> list[dict]:
    path = directory / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ungrounded(assistant, result, suggestion) -> list[str]:
    """Facts of a shown reply that neither this conversation, the shop nor the catalog supplied."""
    return assistant.engine.adapter.grounder.ungrounded(suggestion.reply, result.context)


def expectations(item: dict, suggestion) -> list[str]:
    """What the top suggestion misses of the item's expectations (empty when all are met)."""
    reply = suggestion.reply
    misses = [f"forbidden:{s}" for s in item.get("must_not_include", []) if s and s in reply]
    if suggestion.holding and item.get("needs_lookup"):
        return misses
    for group in item.get("must_include", []):
        if not any(alternative in reply for alternative in group):
            misses.append("missing:" + "|".join(group))
    return misses


def evaluate(assistant, items: list[dict], k: int = 3) -> tuple[list[dict], list[float]]:
    rows, times = [], []
    for item in items:
        started = time.perf_counter()
        result = assistant.suggest(item["message"], history=item.get("history") or None, k=k)
        times.append(time.perf_counter() - started)
        top = result.suggestions[0]
        rows.append(
            {
                "id": item["id"],
                "category": item.get("category"),
                "scenario": item.get("scenario"),
                "detected": result.detection.scenario,
                "order_stage": item.get("order_stage"),
                "read_stage": result.context.order_stage,
                "abstained": result.abstained,
                "holding": top.holding,
                "escalate_expected": bool(item.get("escalate")),
                "escalate": result.escalate,
                "ungrounded": ungrounded(assistant, result, top),
                "misses": expectations(item, top),
                "fill_ins": list(top.fill_ins),
                "ready": top.ready,
                "reply": top.reply,
                "suggestions": [s.reply for s in result.suggestions],
                "scores": [round(s.score, 4) for s in result.suggestions],
                "sources": list(top.sources),
            }
        )
    return rows, times


# the columns of one summarise() row
SUMMARY_HEADER = [
    "set",
    "items",
    "expectations met",
    "ungrounded fact",
    "forbidden string",
    "order stage read",
    "scenario",
    "abstained",
    "with fill-ins",
    "escalations flagged",
]


def summarise(name: str, rows: list[dict]) -> list[object]:
    n = len(rows)
    met = sum(not r["misses"] for r in rows)
    forbidden = sum(any(m.startswith("forbidden:") for m in r["misses"]) for r in rows)
    grounded_bad = sum(bool(r["ungrounded"]) for r in rows)
    stage = sum(r["order_stage"] == r["read_stage"] for r in rows)
    scenario = sum(r["scenario"] == r["detected"] for r in rows)
    abstained = sum(r["abstained"] for r in rows)
    escalations = [r for r in rows if r["escalate_expected"]]
    flagged = sum(r["escalate"] for r in escalations)
    return [
        name,
        n,
        met / n,
        grounded_bad / n,
        forbidden / n,
        stage / n,
        scenario / n,
        abstained / n,
        sum(bool(r["fill_ins"]) for r in rows) / n,
        f"{flagged}/{len(escalations)}",
    ]


def jddc_sessions(limit: int, seed: int = 7) -> list[dict]:
    """Held-out JDDC 2019 moments: a buyer turn with at least two turns before it, one per session."""
    from assistant.chats import read_conversations

    if not JDDC_2019.exists():
        return []
    conversations = list(read_conversations(JDDC_2019, "jddc2019"))
    random.Random(seed).shuffle(conversations)
    picked = []
    for conversation in conversations:
        turns = conversation.turns
        positions = [
            i for i, t in enumerate(turns) if t.role == "buyer" and i >= 2 and len(t.text.strip()) >= 4
        ]
        if not positions:
            continue
        at = positions[len(positions) // 2]
        history = [
            f"{'买家' if t.role == 'buyer' else '客服'}: {t.text}" for t in turns[:at][-8:] if t.text.strip()
        ]
        picked.append(
            {
                "id": f"jddc2019:{turns[at].line}",
                "message": turns[at].text[:1000],
                "history": history,
                "ref": f"data/external/jddc2019-sample/chat_0.1per.txt:{turns[at].line}",
            }
        )
        if len(picked) >= limit:
            break
    return picked


def judge_packets(
    directory: Path,
    sets: dict[str, tuple[list[dict], list[dict]]],
    references_only: frozenset[str] = frozenset(),
) -> None:
    """What blind judges see: the conversation and the suggestions (up to three, best first), nothing
    else; ``top_sha1`` ties a rating to the rated top suggestion. Sets in ``references_only`` (JDDC,
    whose text may not be copied into the repository) get the line reference and the hash only: the
    packets are written again outside the repository with ``--judge-dir``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, (items, rows) in sets.items():
        with (directory / f"{name}.jsonl").open("w", encoding="utf-8") as out:
            for item, row in zip(items, rows, strict=True):
                packet = {
                    "id": item["id"],
                    "history": item.get("history") or [],
                    "message": item["message"],
                    "suggestions": row["suggestions"],
                    "holding": row["holding"],
                    "top_sha1": hashlib.sha1(row["reply"].encode()).hexdigest()[:12],
                }
                if name in references_only:
                    packet = {k: packet[k] for k in ("id", "holding", "top_sha1")} | {
                        "ref": item.get("ref"),
                        "suggestions": len(row["suggestions"]),
                    }
                out.write(json.dumps(packet, ensure_ascii=False) + "\n")


def fold_ratings(directory: Path, rows_by_set: dict[str, list[dict]]) -> list[list[object]]:
    """Per set: items rated, share of top suggestions rated ≥ 1 and = 2, the same for shown
    (non-holding) suggestions, and how many rated top suggestions this run still shows unchanged.

    The ratings are of the suggestions stored with them (``top_sha1`` identifies the rated top one);
    a rating is never moved onto a different reply."""
    table = []
    for name, rows in rows_by_set.items():
        path = directory / f"{name}.jsonl"
        if not path.exists():
            continue
        ratings = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not ratings:
            continue
        # JDDC rows keep only the top reply's hash (the text may quote the buyer and is not stored)
        now = {
            r["id"]: r.get("top_sha1") or hashlib.sha1(r["reply"].encode()).hexdigest()[:12]
            for r in rows
            if "reply" in r or "top_sha1" in r
        }
        holding = {r["id"]: r["holding"] for r in rows if "holding" in r}
        unchanged = sum(now.get(r["id"]) == r.get("top_sha1") for r in ratings)
        shown = [r for r in ratings if not r.get("holding", holding.get(r["id"], False))]
        table.append(
            [
                name,
                len(ratings),
                sum(r["top"] >= 1 for r in ratings) / len(ratings),
                sum(r["top"] == 2 for r in ratings) / len(ratings),
                len(shown),
                sum(r["top"] >= 1 for r in shown) / max(len(shown), 1),
                sum(r["top"] == 2 for r in shown) / max(len(shown), 1),
                unchanged,
            ]
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sets",
        type=Path,
        default=HELDOUT,
        help="folder of singles/conversations.jsonl (bench/devset to develop on)",
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N items of each set")
    parser.add_argument("--jddc", type=int, default=150, help="JDDC 2019 moments to sample (0: none)")
    parser.add_argument("--judge-dir", type=Path, help="write blind-judge packets here")
    parser.add_argument("--ratings", type=Path, default=HELDOUT / "ratings", help="judges' ratings")
    parser.add_argument("--results", type=Path, default=HELDOUT / "results", help="per-item results")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md")
    args = parser.parse_args()

    from assistant.config import Settings
    from assistant.core import Assistant

    assistant = Assistant.load(Settings.load())
    assistant.suggest("在吗")  # warm: model, index, detector
    sets: dict[str, tuple[list[dict], list[dict]]] = {}
    all_times: list[float] = []
    for name in ("singles", "conversations"):
        items = load(name, args.sets)
        if args.limit:
            items = items[: args.limit]
        rows, times = evaluate(assistant, items)
        sets[name] = (items, rows)
        all_times += times
    jddc_items = jddc_sessions(args.jddc) if args.jddc else []
    if jddc_items:
        rows, _ = evaluate(assistant, jddc_items)
        sets["jddc2019"] = (jddc_items, rows)

    args.results.mkdir(parents=True, exist_ok=True)
    for name, (_, rows) in sets.items():
        with (args.results / f"{name}.jsonl").open("w", encoding="utf-8") as out:
            for row in rows:
                if (
                    name == "jddc2019"
                ):  # JDDC text may not be copied (a reply may quote the buyer): references only
                    sha = hashlib.sha1(row["reply"].encode()).hexdigest()[:12]
                    row = {
                        k: row[k]
                        for k in ("id", "detected", "read_stage", "abstained", "holding", "ungrounded")
                    }
                    row["top_sha1"] = sha
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    # the top-3 suggestions of every item, in the shape the judge rounds use, beside the results
    judge_packets(args.results / "judge", sets, references_only=frozenset({"jddc2019"}))
    if args.judge_dir:
        judge_packets(args.judge_dir, sets)

    header = SUMMARY_HEADER
    summary = [summarise(name, rows) for name, (_, rows) in sets.items() if name != "jddc2019"]
    lines = [
        "## Grounded suggestions on held-out sets (issue 12)",
        "",
        f"`python bench/heldout_eval.py` · {machine()}",
        "",
        "Top suggestion of every item of `bench/heldout/` (written by writers who never read the corpus;",
        "nobody tunes the corpus on them). *Ungrounded fact*: a fact in the shown reply that neither this",
        "conversation, the shop profile nor the buyer's catalog entry supplied, or wording of another",
        "category (audited on the final text with the fact layer). *Forbidden string*: one of the set's own",
        "`must_not_include` (contradicting values, another item, another category's wording).",
        "*Expectations met*: all `must_include` groups and no forbidden string (a holding reply counts for",
        "items that need a lookup).",
        "",
        markdown_table(header, summary),
    ]
    if "jddc2019" in sets:
        rows = sets["jddc2019"][1]
        lines += [
            "",
            f"JDDC 2019 chat sample, {len(rows)} held-out moments (a buyer turn with its earlier turns; read from",
            "../shared, never copied): top suggestions with an ungrounded fact "
            f"{sum(bool(r['ungrounded']) for r in rows) / len(rows):.3f}, abstained "
            f"{sum(r['abstained'] for r in rows) / len(rows):.3f}.",
        ]
    p50, p95 = percentiles(all_times)
    lines += [
        "",
        f"Warm `suggest` over the held-out items (shipped corpus): p50 {p50:.1f} ms, p95 {p95:.1f} ms.",
    ]
    by_category: dict[str, Counter] = defaultdict(Counter)
    for name in ("singles", "conversations"):
        for row in sets[name][1]:
            by_category[row["category"]]["n"] += 1
            by_category[row["category"]]["met"] += not row["misses"]
            by_category[row["category"]]["bad"] += bool(row["ungrounded"])
    lines += [
        "",
        "By category (both sets):",
        "",
        markdown_table(
            ["category", "items", "expectations met", "ungrounded fact"],
            [[c, v["n"], v["met"] / v["n"], v["bad"] / v["n"]] for c, v in sorted(by_category.items())],
        ),
    ]
    ratings = fold_ratings(args.ratings, {name: rows for name, (_, rows) in sets.items()})
    if ratings:
        lines += [
            "",
            "Blind judges (they saw only the conversation and the suggestions; rubric in",
            "`bench/heldout/RUBRIC.md`, per-item ratings in `bench/heldout/ratings/`): 2 = send as is,",
            "1 = small edit, 0 = wrong. A rating is of the suggestions shown when it was made (earlier",
            "rounds are kept in `ratings/round*/`); *rated top still shown* counts the rated top",
            "suggestions this tree shows unchanged: the others changed since and are not rated again yet.",
            "",
            markdown_table(
                [
                    "set",
                    "rated",
                    "top ≥ 1",
                    "top = 2",
                    "shown (not holding)",
                    "shown ≥ 1",
                    "shown = 2",
                    "rated top still shown",
                ],
                ratings,
            ),
        ]
    publish("heldout", "\n".join(lines), write=not args.no_write)
    misses = Counter(m.split(":")[0] for _, rows in sets.values() for r in rows for m in r.get("misses", []))
    print("misses by kind:", dict(misses), file=sys.stderr)


if __name__ == "__main__":
    main()
