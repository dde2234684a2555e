"""How well the order stage and the scenario are read, per set, with the confusion tables (issue 12).

Reads the per-item results ``bench/heldout_eval.py --results DIR`` wrote for each set (``PREFIX<set>``,
e.g. ``/tmp/me_devset``) and prints, for conversations (and ``--singles``), the share of items whose
order stage and scenario were read as the set labels them, the expectations met, the order-stage
confusion table and the most frequent scenario confusions. With ``--base PREFIX`` it prints the
same numbers of an earlier run beside them and the ids gained and lost.

    python bench/stage_read.py /tmp/me_ --base /tmp/start_ [--sets devset,fresh9] [--singles]

Only totals and ids are printed: run it on held-out results without reading their rows.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

DEV_SETS = "devset,fresh,fresh2,fresh3,fresh4,fresh5,fresh8,fresh9"
STAGES = ("browsing", "ordered", "paid", "shipped", "delivered", "after_sale")


def load(prefix: str, name: str, kind: str) -> dict[str, dict] | None:
    path = Path(f"{prefix}{name}") / f"{kind}.jsonl"
    if not path.exists():
        return None
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row["id"]: row for row in rows}


def stage_ok(row: dict) -> bool:
    return row["order_stage"] == row["read_stage"]


def scenario_ok(row: dict) -> bool:
    return row["scenario"] == row["detected"]


def met(row: dict) -> bool:
    return not row["misses"]


def changed(now: dict[str, dict], before: dict[str, dict], check) -> tuple[list[str], list[str]]:
    """The ids ``check`` passes now and failed before, and the other way round."""
    both = [i for i in now if i in before]
    gained = [i for i in both if check(now[i]) and not check(before[i])]
    lost = [i for i in both if check(before[i]) and not check(now[i])]
    return gained, lost


def report(prefix: str, base: str | None, sets: list[str], kind: str, confusion: bool) -> None:
    stages: Counter = Counter()
    scenarios: Counter = Counter()
    totals: Counter = Counter()
    print(f"== {kind}: set, items, stage read, scenario, met" + ("  (before)" if base else ""))
    for name in sets:
        rows = load(prefix, name, kind)
        if rows is None:
            continue
        n = len(rows)
        line = (
            f"{name:8s} {n:5d} {sum(map(stage_ok, rows.values())) / n:.3f}"
            f" {sum(map(scenario_ok, rows.values())) / n:.3f} {sum(map(met, rows.values())):5d}"
        )
        before = load(base, name, kind) if base else None
        if before:
            line += (
                f"  ({sum(map(stage_ok, before.values())) / n:.3f}"
                f" {sum(map(scenario_ok, before.values())) / n:.3f} {sum(map(met, before.values())):5d})"
            )
        print(line)
        if before:
            for label, check in (("met", met), ("stage", stage_ok), ("scenario", scenario_ok)):
                gained, lost = changed(rows, before, check)
                if gained or lost:
                    print(f"    {label} +{len(gained)} {gained} -{len(lost)} {lost}")
        for row in rows.values():
            stages[row["order_stage"], row["read_stage"]] += 1
            scenarios[row["scenario"], row["detected"]] += 1
            totals["n"] += 1
            totals["stage"] += stage_ok(row)
            totals["scenario"] += scenario_ok(row)
    if not totals["n"]:
        return
    print(
        f"all {totals['n']}: stage {totals['stage'] / totals['n']:.3f},"
        f" scenario {totals['scenario'] / totals['n']:.3f}"
    )
    if confusion:
        print("order stage (rows labelled, columns read):")
        print(" " * 11 + " ".join(f"{s[:9]:>9s}" for s in STAGES))
        for labelled in STAGES:
            print(f"{labelled:10s} " + " ".join(f"{stages[labelled, read]:9d}" for read in STAGES))
        print("scenario confusions (labelled -> read):")
        wrong = Counter({pair: count for pair, count in scenarios.items() if pair[0] != pair[1]})
        for (labelled, read), count in wrong.most_common(15):
            print(f"  {labelled} -> {read}: {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("prefix", help="results folders are PREFIX<set> (heldout_eval.py --results)")
    parser.add_argument("--base", help="an earlier run's prefix, to compare with")
    parser.add_argument("--sets", default=DEV_SETS, help=f"comma-separated (default {DEV_SETS})")
    parser.add_argument("--singles", action="store_true", help="single messages too")
    parser.add_argument("--no-confusion", action="store_true", help="totals and ids only")
    args = parser.parse_args()
    sets = [s for s in args.sets.split(",") if s]
    for kind in ("conversations", "singles") if args.singles else ("conversations",):
        report(args.prefix, args.base, sets, kind, not args.no_confusion)


if __name__ == "__main__":
    main()
