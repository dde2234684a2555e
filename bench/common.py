"""Helpers shared by the benchmark scripts: percentiles, machine line, docs/benchmarks.md sections."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
SHARED = ROOT.parent / "shared"


def percentiles(samples_s: list[float]) -> tuple[float, float]:
    """p50 and p95 of durations in seconds, as milliseconds."""
    array = np.asarray(samples_s) * 1000
    return float(np.percentile(array, 50)), float(np.percentile(array, 95))


def machine() -> str:
    """One line describing where a benchmark ran (load average included: helpers share the cores)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} CPUs, {platform.machine()}, Python {sys.version.split()[0]}; "
        f"load average at the end {load:.2f}"
    )


def write_section(name: str, body: str, path: Path = BENCHMARKS) -> None:
    """Replace (or append) the ``<!-- bench:name -->`` section of docs/benchmarks.md."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table; numbers right-aligned."""

    def cell(value: object) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    align = ["---:" if rows and isinstance(rows[0][i], int | float) else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def publish(name: str, body: str, write: bool = True) -> None:
    """Print a benchmark's section and (unless ``write`` is false) store it in docs/benchmarks.md."""
    print(body)
    if write:
        write_section(name, body)
        print(f"\nwritten to {BENCHMARKS}", file=sys.stderr)
