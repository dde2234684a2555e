"""Warm ``suggest`` latency with grounding, side by side with the pipeline before it (issue 12).

Both pipelines run in this one invocation on the same machine: the commit before grounding is
checked out in a temporary git worktree and its own ``bench/suggest_speed.run`` is called in a
subprocess (its package first on the path); then the current tree does the same. Each builds a
scratch corpus of the shipped cases plus synthetic ones up to the size asked, then answers the
labeled evaluation messages warm.

    python bench/grounding_speed.py [--size 10000] [--queries 300] [--before 8b15b29]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, machine, markdown_table, publish  # noqa: E402

BEFORE = "8b15b29"  # the last commit before grounded suggestions

PROBE = """
import json, sys
sys.path.insert(0, {bench!r})
import assistant
assert assistant.__file__.startswith({tree!r}), assistant.__file__
from suggest_speed import run
from assistant.evaluation import default_eval_file, load_labeled
queries = load_labeled(default_eval_file())
queries = (queries * ({queries} // len(queries) + 1))[:{queries}]
result = run({size}, queries, "flat")
print("RESULT " + json.dumps(result))
"""


def measure(tree: Path, size: int, queries: int) -> dict:
    code = PROBE.format(bench=str(tree / "bench"), tree=str(tree), size=size, queries=queries)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"{tree}: the benchmark failed:\n{done.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--before", default=BEFORE, help="commit of the pipeline to compare with")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="before-grounding-"))
    worktree = scratch / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(worktree), args.before],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        models = ROOT / "data"
        if models.is_dir():
            (worktree / "data").symlink_to(models)  # reuse the converted model
        before = measure(worktree, args.size, args.queries)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False)
        shutil.rmtree(scratch, ignore_errors=True)
    now = measure(ROOT, args.size, args.queries)
    rows = []
    for label, result in ((f"before grounding ({args.before})", before), ("grounded (this tree)", now)):
        rows.append(
            [
                label,
                f"{result['size']:,}",
                round(result["p50"], 1),
                round(result["p95"], 1),
                round(result["parts"].get("adaptation + checklist", float("nan")), 2),
            ]
        )
    body = "\n".join(
        [
            "## Suggest with grounding, side by side (`bench/grounding_speed.py`)",
            "",
            f"Machine: {machine()}. Both pipelines in one run: the commit before grounding (its own",
            "corpus and code, from a temporary git worktree) and this tree, each on its shipped corpus plus",
            f"synthetic cases up to {args.size:,}, flat index, {args.queries} warm calls with the labeled",
            "evaluation messages. Grounding adds the fact layer, the conversation state, intent reranking",
            "and the grounding of every candidate reply to adaptation.",
            "",
            markdown_table(["pipeline", "cases", "p50 ms", "p95 ms", "adaptation + checklist ms"], rows),
            "",
            "Target: warm `suggest` p50 ≤ 15 ms at 10k cases.",
        ]
    )
    publish("grounding_speed", body)


if __name__ == "__main__":
    main()
