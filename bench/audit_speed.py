"""Audit speed: replies per second on 100,000 synthetic (message, reply) rows.

    python bench/audit_speed.py [--rows 100000] [--seed 7]

The rows are generated here from templates (clean replies, and about one in four with a violation
such as 你, ！！！, 全网最好, 加我微信, a phone number or a bare 在), with buyer messages that
include greetings and complaints, 5 to 260 characters long. Compared side by side in one run:
the checklist with no prefilter, with only the first-character prefilter, with the first-character
and literal prefilters (the shipped setting), and the shipped setting over two worker processes. Prints a table and writes it to docs/benchmarks.md
between ``<!-- bench:audit_speed -->`` markers.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.audit import audit_rows, summarize  # noqa: E402
from assistant.checklist import RuleSet, load_checklist  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_section  # noqa: E402

RULES = ROOT / "corpus" / "checklist.toml"
TARGET = 5000  # replies per second on the project's 2-core machines

PRODUCTS = ["这款T恤", "牛仔裤", "连衣裙", "羊毛开衫", "运动鞋", "双肩包", "保温杯", "卫衣", "围巾", "羽绒服"]
SIZES = ["S码", "M码", "L码", "XL码", "均码", "38码", "27码"]
COLOURS = ["黑色", "白色", "杏色", "深蓝", "灰色", "酒红"]
MESSAGES = [
    "在吗", "你好", "有人吗", "{p}{s}还有货吗", "{p}{c}有吗", "能便宜点吗", "包邮吗", "什么时候发货",
    "我身高165体重110斤，{p}穿什么码合适？", "{p}会不会起球", "收到就是坏的！", "怎么还没发货，都三天了",
    "你们客服态度太差了", "发错颜色了，我要的是{c}", "{p}洗了一次就缩水了，你们怎么回事？", "谢谢",
    "我想退货，怎么操作", "可以开发票吗", "快递到哪了", "这个怎么洗",
]  # fmt: skip
CLEAN = [
    "亲，{p}{s}有现货的，今天下午四点前付款当天就能发出哦",
    "您好，欢迎光临，请问有什么可以帮您？",
    "非常抱歉给您带来不便，麻烦您拍张照片，我马上为您补发一件新的",
    "满99元包邮哦，您再凑一件小东西就刚好",
    "根据您的身高体重，建议选{s}，穿着会比较合身",
    "抱歉让您久等了，我现在联系快递核实，2小时内给您回复",
    "{c}暂时卖完了，同系列的{p}很相似，要不要看看？",
    "支持七天无理由退换，运费险会帮您承担退货运费",
    "可以开电子发票，您在订单里点申请开票就可以",
    "不客气，祝您生活愉快，有需要随时来找我",
    "亲，{p}是纯棉的，建议冷水手洗，不要暴晒",
]  # fmt: skip
BAD = [
    "你看一下详情页", "在", "嗯", "不行", "没了", "自己去看详情页", "都说了没有优惠了", "我们家质量全网最好",
    "加我微信，便宜点卖你", "快递员电话13812345678", "没有优惠！！！", "你到底要不要？", "是你自己拍错了", "拍照发过来",
]  # fmt: skip


def synthetic_rows(n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` reproducible (message, reply) pairs; about a quarter of the replies break a rule."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        fill = {"p": rng.choice(PRODUCTS), "s": rng.choice(SIZES), "c": rng.choice(COLOURS)}
        message = rng.choice(MESSAGES).format(**fill)
        parts = [rng.choice(CLEAN).format(**fill) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        if rng.random() < 0.25:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(BAD))
        rows.append((message, "，".join(parts)))
    return rows


def without_prefilter(rules: RuleSet, *, first: bool = False, literals: bool = False) -> RuleSet:
    """The same rules with the prefilters turned off, except those named."""
    changes = {"first": None} if not first else {}
    if not literals:
        changes["literals"] = None
    stripped = tuple(
        dataclasses.replace(rule, triggers=tuple(dataclasses.replace(t, **changes) for t in rule.triggers))
        for rule in rules.rules
    )
    return dataclasses.replace(rules, rules=stripped)


_WORKER_RULES: RuleSet | None = None


def _init(path: str) -> None:
    global _WORKER_RULES
    _WORKER_RULES = load_checklist(path)


def _chunk(rows: list[tuple[str, str]]) -> list:
    return list(audit_rows(rows, _WORKER_RULES))


def run_single(rows, rules) -> tuple[float, float | None, int]:
    """(wall seconds, CPU seconds, rows not passed) for one process."""
    start, cpu = time.perf_counter(), time.process_time()
    checked = list(audit_rows(rows, rules))
    report = summarize(checked, rules)
    return time.perf_counter() - start, time.process_time() - cpu, report.total - report.passed


def run_pool(rows, processes: int) -> tuple[float, float | None, int]:
    """(wall seconds, None, rows not passed) over worker processes (CPU time is theirs)."""
    size = max(1, len(rows) // (processes * 8))
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    with multiprocessing.get_context("fork").Pool(
        processes, initializer=_init, initargs=(str(RULES),)
    ) as pool:
        pool.apply(time.sleep, (0,))  # workers are up before the clock starts
        start = time.perf_counter()
        checked = [row for part in pool.map(_chunk, chunks) for row in part]
        elapsed = time.perf_counter() - start
    return elapsed, None, sum(1 for r in checked if not r.passed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-write", action="store_true", help="Do not update docs/benchmarks.md.")
    args = parser.parse_args()

    rules = load_checklist(RULES)
    rows = synthetic_rows(args.rows, args.seed)
    chars = sum(len(r) for _, r in rows) / len(rows)
    part = len(rows) // 10  # the slower baselines on a tenth of the rows, to save time
    load_before = os.getloadavg()[0]
    results = []
    for name, runner in (
        ("1 process, no prefilter", lambda: run_single(rows[:part], without_prefilter(rules))),
        (
            "1 process, first-character prefilter",
            lambda: run_single(rows[:part], without_prefilter(rules, first=True)),
        ),
        ("1 process, first-character + literal prefilters (shipped)", lambda: run_single(rows, rules)),
        ("2 processes, shipped", lambda: run_pool(rows, 2)),
    ):
        elapsed, cpu, failed = runner()
        n = part if "shipped" not in name else len(rows)
        results.append((name, n, elapsed, n / elapsed, n / cpu if cpu else None, failed / n))
        print(f"{name}: {n:,} replies in {elapsed:.2f}s = {n / elapsed:,.0f} replies/s", flush=True)
    load_after = os.getloadavg()[0]

    lines = [
        "| setting | replies | wall seconds | replies/s (wall) | replies/CPU-second | not passed |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {name} | {n:,} | {elapsed:.2f} | {rate:,.0f} | {f'{cpu_rate:,.0f}' if cpu_rate else '–'} | {share:.1%} |"
            for name, n, elapsed, rate, cpu_rate, share in results
        ),
    ]
    table = "\n".join(lines)
    shipped, shipped_cpu = results[2][3], results[2][4]
    verdict = (
        f"target ≥ {TARGET:,} replies/s on one process: {'met' if shipped >= TARGET else 'NOT met'} "
        f"({shipped:,.0f} wall, {shipped_cpu:,.0f} per CPU-second); load average {load_before:.1f} → "
        f"{load_after:.1f} on {os.cpu_count()} cores (other work on the machine lowers the wall rate)"
    )
    print()
    print(table)
    print(verdict)
    if not args.no_write:
        body = (
            "## Audit speed (`bench/audit_speed.py`)\n\n"
            f"{args.rows:,} synthetic replies (seed {args.seed}, mean {chars:.0f} characters, about a quarter "
            f"breaking a rule), checked with the buyer message, no fixes (as `audit` does); {os.cpu_count()} "
            f"CPU cores, Python {platform.python_version()}. The prefilters are read from each rule's regex "
            "when the rules load: the characters a match can start with, and literal pieces one of which "
            "every match contains; a reply with none of them skips the rule.\n\n"
            f"{table}\n\n{verdict}\n"
        )
        write_section("audit_speed", body)


if __name__ == "__main__":
    main()
