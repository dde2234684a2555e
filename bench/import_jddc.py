"""Importing a shop's own history: the JDDC 2019 chat sample as a shop's chat export (issue 13).

    python bench/import_jddc.py [--no-write]

Imports ``../shared/data/external/jddc2019-sample/chat_0.1per.txt`` (read in place, never copied)
into a temporary copy of the shipped corpus with the keyword labeller (the detector would only
change the scenario labels), then reports the candidates produced, the share with checklist
violations, the distribution of ``occurrences``, what review policies would approve (dry run),
how many facts the import turned into slots or fill-ins, and whether ``corpus lint`` passes once
the policy's choice is approved. Writes its section of docs/benchmarks.md between
``<!-- bench:import_jddc -->`` markers.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED, machine, markdown_table, publish  # noqa: E402

from assistant.chats import TemporaryKeywordLabeller, import_chats  # noqa: E402
from assistant.core import Assistant  # noqa: E402
from assistant.taxonomy import load_taxonomy  # noqa: E402

LOG = SHARED / "data" / "external" / "jddc2019-sample" / "chat_0.1per.txt"
POLICIES = ("passed and occurrences>=3", "passed and occurrences>=2", "passed", "occurrences>=3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        label = TemporaryKeywordLabeller(load_taxonomy(corpus / "taxonomy.toml"))
        started = time.perf_counter()
        result = import_chats(LOG, "jddc2019", corpus, label, out="history.jsonl")
        seconds = time.perf_counter() - started
        cases = result.candidates
        assistant = Assistant.load(corpus_dir=str(corpus))
        queue = {item.case.id: item for item in assistant.review_queue()}
        imported = [queue[c.id] for c in cases if c.id in queue]
        flagged = sum(1 for c in cases if c.violations)
        not_passed = sum(1 for item in imported if not item.facts.passed)
        errors = sum(1 for item in imported if "error:" in item.blocked)
        rules = Counter(rule for c in cases for rule in (c.violations or ()))
        templated = sum(1 for c in cases if "facts became slots" in c.notes)
        buckets = Counter()
        for c in cases:
            n = c.occurrences or 1
            buckets["1" if n == 1 else "2" if n == 2 else "3-4" if n < 5 else "5-9" if n < 10 else "10+"] += 1
        policy_rows = []
        for policy in POLICIES:
            approval = assistant.approve_where(policy, dry_run=True)
            mine = [
                i for i in approval.approved if i.case.id in queue and i.case.path.endswith("history.jsonl")
            ]
            policy_rows.append(
                [f"`{policy}`", len(mine), f"{len(mine) / len(cases):.1%}", approval.matched_blocked]
            )
        approval = assistant.approve_where(POLICIES[0])
        lint = [f for f in Assistant(assistant.settings).lint() if f.path.endswith("history.jsonl")]
        # the worst case: every candidate a policy may approve approved at once
        everything = assistant.approve_where("occurrences>=1")
        careless = everything.matched_blocked
        lint_all = [f for f in Assistant(assistant.settings).lint() if f.path.endswith("history.jsonl")]

    total = len(cases)
    summary = markdown_table(
        ["measure", "value"],
        [
            ["conversations read", result.conversations],
            ["agent replies (runs of agent turns)", result.replies],
            ["skipped (system/robot, placeholder only, no buyer, too short)", sum(result.skipped.values())],
            ["near-duplicates folded into another candidate", result.merged],
            ["candidates", total],
            ["candidates with a checklist violation (any severity)", f"{flagged} ({flagged / total:.1%})"],
            [
                "candidates failing the checklist (warn or error): no policy approves them",
                f"{not_passed} ({not_passed / total:.1%})",
            ],
            ["… of which with an error violation", f"{errors} ({errors / total:.1%})"],
            ["candidates whose facts became slots or fill-ins", f"{templated} ({templated / total:.1%})"],
            ["import time (read, clean, dedup, template, check, write)", f"{seconds:.1f} s"],
        ],
    )
    occurrences = markdown_table(
        ["occurrences", "candidates", "share"],
        [[k, buckets[k], f"{buckets[k] / total:.1%}"] for k in ("1", "2", "3-4", "5-9", "10+")],
    )
    policies = markdown_table(
        ["policy", "would approve", "of candidates", "matched but fail the checklist"], policy_rows
    )
    top = ", ".join(f"`{rule}` {n}" for rule, n in rules.most_common(6))
    body = f"""## Importing a shop's history (`bench/import_jddc.py`, issue 13)

The JDDC 2019 chat sample (`chat_0.1per.txt`, read from `../shared`, never copied) imported as if it
were a shop's own chat export, into a copy of the shipped corpus, labelled with the keyword labeller.
Every candidate carries its checklist verdict (`violations`) and `occurrences` (near-duplicates
clustered); facts of one buyer's order became slots or fill-ins. {machine()}.

{summary}

Occurrences of the imported replies:

{occurrences}

Most frequent violations: {top}.

Review policies (dry run; only `candidate` cases, never one that fails the checklist):

{policies}

After approving `{POLICIES[0]}` ({len(approval.approved)} cases), `assistant corpus lint` finds
{len(lint)} ungrounded facts in the imported file; with every candidate a policy may approve approved
(`occurrences>=1`, {len(approval.approved) + len(everything.approved)} cases; the {careless} that fail the checklist stay
candidates) it finds {len(lint_all)}.
"""
    publish("import_jddc", body, write=not args.no_write)


if __name__ == "__main__":
    main()
