"""The shop's own files: the shop profile (``shop.toml``: slots, conversation slots, policy numbers
that must agree with their slot text) and the catalog (``catalog.csv``), read and validated.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from pathlib import Path

from .errors import Problem
from .files import toml_error_line, toml_line
from .records import Product, ShopProfile
from .sizing import ChartError, parse_chart


def load_shop(path: Path, problems: list[Problem]) -> ShopProfile:
    """The shop profile of ``path`` (an empty one when it cannot be read); problems go to ``problems``."""
    empty = ShopProfile(name="", slots={}, policy={}, info={}, conversation_slots={})
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(path), None, "shop profile not found"))
        return empty
    except OSError as exc:
        problems.append(Problem(str(path), None, f"cannot read file ({exc.strerror})"))
        return empty
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), toml_error_line(exc), f"not valid TOML: {exc}"))
        return empty
    slots = data.get("slots", {})
    if not isinstance(slots, dict):
        problems.append(Problem(str(path), None, '[slots] must be a table of name = "text"'))
        slots = {}
    clean_slots = {}
    for name, value in slots.items():
        if not isinstance(value, str | int | float) or str(value).strip() == "":
            problems.append(Problem(str(path), toml_line(path, name), f"slot {name!r} has no value"))
            continue
        clean_slots[name] = str(value)
    conversation = data.get("conversation_slots", {})
    if not isinstance(conversation, dict):
        problems.append(Problem(str(path), None, '[conversation_slots] must be a table of name = "label"'))
        conversation = {}
    conversation_slots = {}
    for name, label in conversation.items():
        if not isinstance(label, str) or not label.strip():
            problems.append(
                Problem(str(path), toml_line(path, name), f"conversation slot {name!r} has no label")
            )
            continue
        conversation_slots[name] = label.strip()
    policy = data.get("policy", {})
    if not isinstance(policy, dict):
        problems.append(
            Problem(str(path), toml_line(path, "[policy]"), "[policy] must be a table of name = number")
        )
        policy = {}
    problems.extend(_policy_problems(path, policy, clean_slots))
    size_charts = {}
    for category, chart in (data.get("size_charts") or {}).items():
        if _chart_problem(str(chart)):
            problems.append(Problem(str(path), toml_line(path, category), _chart_problem(str(chart))))
            continue
        size_charts[category] = str(chart)
    info = data.get("shop", {})
    return ShopProfile(
        name=str(info.get("name", clean_slots.get("shop", ""))),
        slots=clean_slots,
        policy=dict(policy),
        info=dict(info),
        conversation_slots=conversation_slots,
        size_charts=size_charts,
    )


def _chart_problem(chart: str) -> str:
    """Why a size chart line cannot be read ("" when it can)."""
    try:
        parse_chart(chart)
    except ChartError as exc:
        return str(exc)
    return ""


_POLICY_UNITS = {"_yuan": "元", "_days": "天", "_months": "个月"}


def _policy_problems(path: Path, policy: dict, slots: dict[str, str]) -> list[Problem]:
    """Each ``[policy]`` number must agree with the slot text of the same name (the key, or the key
    without its unit: ``free_shipping_threshold_yuan`` ↔ ``free_shipping_threshold``): replies say
    the slot text, so a number changed in one place only would be silently wrong in the other."""
    from .facts import chinese_number

    problems = []
    for key, value in policy.items():
        unit = next((u for u in _POLICY_UNITS if key.endswith(u)), "")
        slot = key if key in slots else key[: -len(unit)] if unit and key[: -len(unit)] in slots else None
        if slot is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(
                Problem(str(path), toml_line(path, key), f"policy {key} must be a number, not {value!r}")
            )
            continue
        text = slots[slot]
        said = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)}
        said |= {
            n
            for w in re.findall(r"[零一二两三四五六七八九十百千半]+", text)
            if (n := chinese_number(w)) is not None
        }
        if unit == "_months" and "年" in text:
            said |= {n * 12 for n in said}
        if float(value) not in said:
            problems.append(
                Problem(
                    str(path),
                    toml_line(path, key),
                    f"policy {key} = {value:g} but slot {slot} says {text!r}: make them agree",
                )
            )
    return problems


CATALOG_COLUMNS = ("id", "name", "aliases", "category", "sizes", "colours", "price", "stock")
STOCK_STATES = ("in_stock", "low_stock", "sold_out")


def load_catalog(path: Path, problems: list[Problem]) -> list[Product]:
    """The valid products of ``catalog.csv``; problems go to ``problems``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.append(Problem(str(path), None, "catalog not found"))
        return []
    except OSError as exc:
        problems.append(Problem(str(path), None, f"cannot read file ({exc.strerror})"))
        return []
    except UnicodeDecodeError:
        problems.append(Problem(str(path), None, "not UTF-8 text; save the file as UTF-8"))
        return []
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CATALOG_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(Problem(str(path), 1, f"missing column(s): {', '.join(missing)}"))
        return []
    products = []
    for row in reader:
        line = reader.line_num

        def split(value: str | None) -> tuple[str, ...]:
            return tuple(v.strip() for v in (value or "").split("|") if v.strip())

        if not (row.get("id") or "").strip() or not (row.get("name") or "").strip():
            problems.append(Problem(str(path), line, "product needs an id and a name"))
            continue
        try:
            price = float(row["price"])
        except (TypeError, ValueError):
            problems.append(Problem(str(path), line, f"price {row.get('price')!r} is not a number"))
            continue
        chart = (row.get("size_chart") or "").strip()
        if chart and _chart_problem(chart):
            problems.append(Problem(str(path), line, _chart_problem(chart)))
            chart = ""
        details = []
        for part in split(row.get("details")):
            topic, equals, phrase = part.partition("=")
            if not equals or not topic.strip() or not phrase.strip():
                problems.append(
                    Problem(str(path), line, f"detail {part!r} is not topic=phrase (材质=面料是100%棉)")
                )
                continue
            details.append((topic.strip(), phrase.strip()))
        stock = (row.get("stock") or "").strip()
        if stock not in STOCK_STATES:
            problems.append(
                Problem(str(path), line, f"stock {stock!r} is not one of {', '.join(STOCK_STATES)}")
            )
            continue
        products.append(
            Product(
                id=row["id"].strip(),
                name=row["name"].strip(),
                aliases=split(row.get("aliases")),
                category=(row.get("category") or "").strip(),
                sizes=split(row.get("sizes")),
                colours=split(row.get("colours")),
                price=price,
                stock=stock,
                size_chart=chart,
                details=tuple(details),
            )
        )
    return products
