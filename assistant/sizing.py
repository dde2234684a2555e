"""Size charts: the shop's own table of which size fits which body (height and weight) or foot
length, read from the catalog's ``size_chart`` column or ``shop.toml`` ``[size_charts]``, and the
size a buyer's measurements fall in.

A chart is one line a trainer writes, sizes smallest first, separated by ``|``::

    S=155-160cm/85-100斤|M=160-165cm/100-115斤|L=165-170cm/115-130斤
    38=24cm|39=24.5cm|40=25cm|41=25.5cm|42=26cm

A size may give a height range (cm), a weight range (斤 or kg) and a foot length (cm, one value
or a range); any of them may be left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RANGE = re.compile(
    r"^(\d+(?:\.\d+)?)(?:\s*[-~到]\s*(\d+(?:\.\d+)?))?\s*(cm|厘米|斤|kg|公斤)$", re.IGNORECASE
)
# with no item named, the chart a buyer's measurements ask for: a foot length is a shoe question, a
# height with a weight a clothing one (a lone 1.5米 may be a bed)
MEASURE_CHARTS = ((frozenset({"foot_length"}), "shoes"), (frozenset({"height", "weight"}), "apparel"))
# a value this far outside the whole chart is not read off it (a 140cm buyer is no S of 155-160)
_MARGIN = {"height": 5.0, "weight": 10.0, "foot": 0.5}


@dataclass(frozen=True)
class ChartRow:
    """One size of a chart and the ranges it fits (``None`` where the chart says nothing)."""

    size: str
    height: tuple[float, float] | None = None  # cm
    weight: tuple[float, float] | None = None  # 斤
    foot: tuple[float, float] | None = None  # cm


class ChartError(ValueError):
    """A size chart a trainer wrote that cannot be read."""


def parse_chart(text: str) -> tuple[ChartRow, ...]:
    """The rows of a chart line (``S=155-160cm/85-100斤|M=…``); an empty line is an empty chart.

    Raises:
        ChartError: a part that is not ``size=range[/range]`` with a unit (cm, 斤, kg).
    """
    rows = []
    for part in (p.strip() for p in text.split("|")):
        if not part:
            continue
        size, equals, ranges = part.partition("=")
        if not equals or not size.strip() or not ranges.strip():
            raise ChartError(f"size chart part {part!r} is not size=range (S=155-160cm/85-100斤)")
        found: dict[str, tuple[float, float]] = {}
        for piece in (r.strip() for r in ranges.split("/")):
            match = _RANGE.match(piece)
            if match is None:
                raise ChartError(f"size chart range {piece!r} needs a number and a unit (cm, 斤, kg)")
            low = float(match.group(1))
            high = float(match.group(2) or match.group(1))
            unit = match.group(3).lower()
            if unit in ("kg", "公斤"):
                found["weight"] = (low * 2, high * 2)
            elif unit == "斤":
                found["weight"] = (low, high)
            elif low >= 100:
                found["height"] = (low, high)
            else:
                found["foot"] = (low, high)
        rows.append(ChartRow(size.strip(), **found))
    return tuple(rows)


def chart_size(
    rows: tuple[ChartRow, ...],
    height: float | None = None,
    weight: float | None = None,
    foot: float | None = None,
) -> int | None:
    """The index of the smallest size that fits every measurement given (height cm, weight 斤, foot
    length cm): each measurement asks for the first size whose range reaches it, and the largest of
    those wins (a tall, slim buyer takes the taller size). None when nothing is given, the chart has
    no range for a measurement, or a measurement lies outside the chart."""
    wanted = []
    for kind, value in (("height", height), ("weight", weight), ("foot", foot)):
        if value is None:
            continue
        ranges = [getattr(row, kind) for row in rows]
        if not any(ranges):
            continue
        known = [(i, r) for i, r in enumerate(ranges) if r is not None]
        if value < known[0][1][0] - _MARGIN[kind] or value > known[-1][1][1]:
            return None
        wanted.append(next(i for i, r in known if value <= r[1]))
    return max(wanted) if wanted else None


def number(value: str) -> float | None:
    """The number a measurement fact's value starts with (``120斤`` → 120.0), or None."""
    match = re.match(r"\d+(?:\.\d+)?", value)
    return float(match.group(0)) if match else None
