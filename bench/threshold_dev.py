"""Choosing ``[grounding] min_score`` on the development set (never on the held-out sets).

A blind judge rated every suggestion of 160 development items (``bench/devset/ratings/dev.jsonl``,
stored with each suggestion's score). For each threshold this replays what the agent would see:
the suggestions scoring at least the threshold, or the holding reply when none does (rated as the
judge rated the holding replies of the set, on average), and reports the top suggestion's ratings.

    python bench/threshold_dev.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, markdown_table, publish  # noqa: E402

RATINGS = ROOT / "bench" / "devset" / "ratings" / "dev.jsonl"
THRESHOLDS = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


def main() -> None:
    rows = [json.loads(line) for line in RATINGS.read_text(encoding="utf-8").splitlines() if line.strip()]
    holding = [r["top"] for r in rows if r["holding"]]
    mean_holding = sum(holding) / len(holding)
    ge1_holding = sum(v >= 1 for v in holding) / len(holding)
    eq2_holding = sum(v == 2 for v in holding) / len(holding)
    table = []
    for threshold in THRESHOLDS:
        total = ge1 = eq2 = abstained = 0.0
        for row in rows:
            if row["holding"] or not row["scores"] or row["scores"][0] == 0:
                top = row["top"]
                total, ge1, eq2 = total + top, ge1 + (top >= 1), eq2 + (top == 2)
                abstained += row["holding"]
                continue
            shown = [
                rating for score, rating in zip(row["scores"], row["all"], strict=True) if score >= threshold
            ]
            if shown:
                total, ge1, eq2 = total + shown[0], ge1 + (shown[0] >= 1), eq2 + (shown[0] == 2)
            else:
                abstained += 1
                total, ge1, eq2 = total + mean_holding, ge1 + ge1_holding, eq2 + eq2_holding
        n = len(rows)
        table.append([threshold, total / n, ge1 / n, eq2 / n, abstained / n])
    body = "\n".join(
        [
            "## Choosing min_score on the development set (`bench/threshold_dev.py`)",
            "",
            f"{len(rows)} development items (`bench/devset/`, an independent writer's set engineers may tune on),",
            "every suggestion rated blind (2 send as is, 1 small edit, 0 wrong). Holding replies were rated",
            f"{mean_holding:.2f} on average ({ge1_holding:.0%} ≥ 1). Replayed per threshold:",
            "",
            markdown_table(["min_score", "mean rating", "top ≥ 1", "top = 2", "abstained"], table),
            "",
            "The shipped `corpus/adaptation.toml` uses 0.7, the best mean rating: the score ranks well but",
            "separates right from wrong replies only weakly, so a higher threshold trades suggestions for",
            "holding replies (rated 1 when a lookup was not really needed).",
        ]
    )
    publish("threshold_dev", body)


if __name__ == "__main__":
    main()
