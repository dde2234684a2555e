"""``assistant init``: a new shop's project folder from the shipped starter corpus.

The folder gets ``assistant.toml`` (paths relative to it), ``corpus/`` with the category-neutral
core and the chosen category packs, a shop profile whose values are visible fill-ins such as
【默认快递】 until the shop writes its own (``corpus validate`` lists them as still to fill; a reply
that uses one is never marked ready to send), an empty catalog with its columns explained, and
``NEXT_STEPS.md``.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .config import starter_corpus_dir
from .corpus import CATALOG_COLUMNS, case_files, load_corpus, parse_case, read_case_file
from .errors import InputError, Problem, UnknownIdError
from .facts import load_vocabulary
from .packs import CORE_PACK, case_packs, known_packs
from .taxonomy import did_you_mean

NEXT_STEPS_FILE = "NEXT_STEPS.md"
CATALOG_NOTES_FILE = "catalog.md"
# a slot value that is only a fill-in label: the shop has not written its own value yet
_UNFILLED = re.compile(r"^\s*(?P<key>[A-Za-z_][\w]*)\s*=\s*\"【(?P<label>[^【】]{1,12})】\"")
_POLICY_UNFILLED = re.compile(r"^\s*#\s*(?P<key>[A-Za-z_][\w]*)\s*=\s*(?P<example>\S+)\s*#\s*待填写")
_KEY_LINE = re.compile(
    r"^(?P<key>[A-Za-z_][\w]*)\s*=\s*(?P<value>\"[^\"]*\"|[^#\s]+)\s*(?:#\s*(?P<comment>.*))?$"
)
_TABLE = re.compile(r"^\[(?P<name>[^\]]+)\]\s*$")
# values a new shop may keep as they are
_KEEP = {"address_term"}

CATALOG_NOTES = """# 商品目录 catalog.csv

每行一个商品，第一行是表头，列之间用英文逗号分隔，一格里有多个值用 `|` 分隔。
One product a line after the header; several values in one cell are separated by `|`.

| 列 column | 含义 meaning | 例 example |
|---|---|---|
| `id` | 商品编号，店内唯一 / your product id | `K001` |
| `name` | 商品名，买家看到的标题简称 / the product's short name | `麦饭石不粘炒锅` |
| `aliases` | 买家常用的叫法 / what buyers call it | `炒锅|不粘锅` |
| `category` | 品类，`facts.toml [categories]` 的 id / the category id | `kitchen` |
| `sizes` | 尺寸或规格（任何单位）/ sizes or specs, any unit | `28cm|32cm` |
| `colours` | 颜色 / colours | `曜石黑|奶油白` |
| `price` | 价格（元，数字）/ price in yuan, a number | `169` |
| `stock` | 库存状态：`in_stock`、`low_stock` 或 `sold_out` / stock state | `in_stock` |

Suggestions state a product fact only when it comes from the buyer's catalog entry, this
conversation or the shop profile; everything else is a fill-in for the agent.
"""


@dataclass(frozen=True)
class InitResult:
    """What ``init_shop`` created."""

    directory: Path
    corpus_dir: Path
    packs: tuple[str, ...]
    cases: int  # starter cases copied
    per_pack: dict[str, int]  # per pack (a case of two packs counts in both)
    to_fill: tuple[Problem, ...] = ()
    next_steps: str = ""

    def to_dict(self) -> dict:
        return {
            "directory": str(self.directory),
            "corpus_dir": str(self.corpus_dir),
            "packs": list(self.packs),
            "cases": self.cases,
            "cases_per_pack": self.per_pack,
            "to_fill": [str(p) for p in self.to_fill],
        }


def init_shop(
    directory: str | Path,
    categories: tuple[str, ...] | list[str],
    shop_name: str,
    *,
    platform: str = "tmall",
    starter: Path | None = None,
) -> InitResult:
    """Create a new shop's project folder (see the module docstring).

    Args:
        directory: the folder to create (it may exist, but must not hold a corpus or settings yet).
        categories: the category packs to start with (``kitchen``, ``food`` …); the core always comes.
        shop_name: the shop's name (the ``{shop}`` slot).
        platform: ``tmall``, ``taobao``, ``jd``, ``douyin`` … (informational).
        starter: the starter corpus to copy from (default: the shipped one).

    Raises:
        InputError: the folder already holds a corpus or settings, or the shop name is empty.
        UnknownIdError: a category is not a pack (with the closest one).
    """
    target = Path(directory).expanduser().resolve()
    starter = (starter or starter_corpus_dir()).resolve()
    shop_name = shop_name.strip()
    if not shop_name:
        raise InputError("--shop-name: give the shop's name (店铺名)")
    if '"' in shop_name or "\\" in shop_name or "\n" in shop_name:
        raise InputError("--shop-name: a name without quotes, backslashes or line breaks")
    for existing in (target / "corpus", target / "assistant.toml"):
        if existing.exists():
            raise InputError(f"{existing}: already there; choose a new folder (nothing was changed)")
    vocabulary, _ = load_vocabulary(starter / "facts.toml")
    category_packs = tuple(p for p in known_packs(vocabulary.category_ids) if p != CORE_PACK)
    if not categories:
        raise InputError(f"--category: choose at least one category pack ({', '.join(category_packs)})")
    for category in categories:
        if category not in category_packs:
            raise UnknownIdError(
                f"unknown category {category!r}{did_you_mean(category, category_packs)}; "
                f"categories: {', '.join(category_packs)}"
            )
    packs = tuple(dict.fromkeys([CORE_PACK, *categories]))
    corpus_dir = target / "corpus"
    created = [corpus_dir, target / "assistant.toml", target / ".gitignore"]
    created = [path for path in created if not path.exists()] if target.exists() else [target]
    try:
        _write_project(target, starter, packs, shop_name, platform)
    except BaseException:
        for path in created:  # a failed init leaves nothing half made behind
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise
    total, counts = _count_cases(corpus_dir, packs)
    to_fill = tuple(still_to_fill(corpus_dir))
    steps = next_steps(target, shop_name, packs, len(to_fill))
    (target / NEXT_STEPS_FILE).write_text(steps, encoding="utf-8")
    return InitResult(target, corpus_dir, packs, total, counts, to_fill, steps)


def _write_project(
    target: Path, starter: Path, packs: tuple[str, ...], shop_name: str, platform: str
) -> None:
    """Write the project folder's files (see ``init_shop``); the corpus must load without problems."""
    corpus_dir = target / "corpus"
    corpus_dir.mkdir(parents=True)
    for path in sorted(starter.glob("*.toml")):
        if path.name != "shop.toml":
            shutil.copy2(path, corpus_dir / path.name)
    shutil.copytree(starter / "guidance", corpus_dir / "guidance", ignore=shutil.ignore_patterns(".*"))
    _copy_cases(starter, corpus_dir, packs)
    (corpus_dir / "shop.toml").write_text(
        shop_profile((starter / "shop.toml").read_text(encoding="utf-8"), shop_name, platform, packs[1:]),
        encoding="utf-8",
    )
    (corpus_dir / "catalog.csv").write_text(",".join(CATALOG_COLUMNS) + "\n", encoding="utf-8")
    (corpus_dir / CATALOG_NOTES_FILE).write_text(CATALOG_NOTES, encoding="utf-8")
    (target / "assistant.toml").write_text(
        "# 本店助手的设置 Settings of this shop's assistant; paths are relative to this file.\n"
        "# Run assistant commands in this folder (or below it) and they use this shop's corpus.\n"
        'corpus_dir = "corpus"\n'
        'data_dir = "data"\n',
        encoding="utf-8",
    )
    gitignore = target / ".gitignore"
    if not gitignore.exists():  # the index, models and feedback are rebuilt, not versioned
        gitignore.write_text("data/\n", encoding="utf-8")
    load_corpus(corpus_dir)  # the new corpus must be valid as created (raises CorpusError if not)


def _count_cases(corpus_dir: Path, packs: tuple[str, ...]) -> tuple[int, dict[str, int]]:
    """How many cases the new corpus holds, in all and per pack (a case of two packs counts in both)."""
    counts = dict.fromkeys(packs, 0)
    total = 0
    for path in case_files(corpus_dir):
        for case, _ in read_case_file(path):
            if case is not None:
                total += 1
                for pack in case_packs(case):
                    if pack in counts:
                        counts[pack] += 1
    return total, counts


def _copy_cases(starter: Path, corpus_dir: Path, packs: tuple[str, ...]) -> None:
    """Copy the approved starter cases of the chosen packs line by line (files keep their names)."""
    (corpus_dir / "cases").mkdir()
    for path in case_files(starter):
        kept: list[str] = []
        for number, line in enumerate(path.read_text(encoding="utf-8-sig").split("\n"), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("//"):
                continue
            try:
                case, _ = parse_case(json.loads(stripped), str(path), number)
            except json.JSONDecodeError:
                continue
            if case is not None and case.status == "approved" and any(p in packs for p in case_packs(case)):
                kept.append(stripped)
        if kept:
            (corpus_dir / "cases" / path.name).write_text("\n".join(kept) + "\n", encoding="utf-8")


def shop_profile(
    starter_text: str, shop_name: str, platform: str, categories: tuple[str, ...] | list[str]
) -> str:
    """The new shop's ``shop.toml``: the starter's profile with every shop value replaced by a visible
    fill-in 【label】 and marked 待填写 (still to fill); comments, conversation slots and the shop's
    own scenarios are kept."""
    header = [
        "# 店铺资料 Shop profile: every shop fact a suggestion may state comes from here.",
        f"# Created by `assistant init` for {shop_name}.",
        "#",
        "# 待填写 STILL TO FILL: a value written as 【标签】 is a visible fill-in; a suggestion that uses it",
        "# shows 【标签】 for the agent to complete and is never marked ready to send. Replace each one with",
        "# your shop's own short phrase (it is read inside a sentence: “{dispatch_time}发货”), and a policy",
        "# number by removing the leading # and writing your number. `assistant corpus validate` lists",
        "# every value still to fill.",
        "",
    ]
    out: list[str] = []
    table = ""
    in_header = True
    for raw in starter_text.split("\n"):
        line = raw.rstrip()
        if in_header:
            if line.startswith("#") or not line.strip():
                continue
            in_header = False
        found = _TABLE.match(line.strip())
        if found:
            table = found.group("name")
            out.append(line)
            if table == "shop":
                out += [
                    f'name = "{shop_name}"',
                    f'platform = "{platform}"                   # tmall | taobao | jd | douyin …',
                    "# 启用的入门语料包：core（通用）总在；其余是品类包 starter packs; core always comes",
                    f"packs = [{', '.join(repr(c).replace(chr(39), chr(34)) for c in categories)}]",
                ]
            continue
        if table == "shop":
            if line.lstrip().startswith("#"):
                continue  # the starter's notes on its own [shop] table (packs are written above)
            key = _KEY_LINE.match(line.strip())
            if key and key.group("key") in ("name", "platform", "packs"):
                continue
            if key and key.group("key") == "service_hours":
                out.append(
                    'service_hours = "【客服时间】"   # 待填写 still to fill: 客服在线时间 / service hours'
                )
                continue
            out.append(line)
        elif table == "slots":
            out.append(_slot_line(line, shop_name))
        elif table == "policy":
            key = _KEY_LINE.match(line.strip())
            if key and not line.lstrip().startswith("#"):
                out.append(
                    f"# {key.group('key')} = {key.group('value')}   # 待填写 still to fill (a number; example)"
                )
            else:
                out.append(line)
        else:
            out.append(line)
    return "\n".join(header + out).rstrip("\n") + "\n"


def _slot_line(line: str, shop_name: str) -> str:
    key = _KEY_LINE.match(line.strip())
    if not key or line.lstrip().startswith("#"):
        return line
    name, comment = key.group("key"), (key.group("comment") or "").strip()
    if name == "shop":
        return f'shop = "{shop_name}"                # 店名 / shop name'
    if name in _KEEP:
        return line
    label = _label(name, comment)
    return f'{name} = "【{label}】"    # 待填写 still to fill · {comment}'.rstrip(" ·")


def _label(name: str, comment: str) -> str:
    """A short Chinese fill-in label from the slot's comment (``默认快递 / default courier``)."""
    chinese = comment.split("/")[0].strip()
    chinese = re.split(r"[，,（(；;/]", chinese)[0].strip()
    if len(chinese) > 10:  # a fill-in label is at most 12 characters; the end names the value
        chinese = chinese.split("的")[-1] if "的" in chinese else chinese[-10:]
    return chinese or name[:12]


def still_to_fill(corpus_dir: str | Path) -> list[Problem]:
    """The shop profile's values still to fill: slots that are only a fill-in 【label】, policy
    numbers left commented out with 待填写. Notes for ``corpus validate``, not errors: the corpus
    works meanwhile, showing those values as fill-ins."""
    path = Path(corpus_dir) / "shop.toml"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    notes: list[Problem] = []
    for number, line in enumerate(text.split("\n"), start=1):
        slot = _UNFILLED.match(line)
        if slot:
            notes.append(
                Problem(
                    str(path),
                    number,
                    f"待填写 still to fill: {slot.group('key')} (【{slot.group('label')}】)",
                )
            )
            continue
        policy = _POLICY_UNFILLED.match(line)
        if policy:
            notes.append(
                Problem(str(path), number, f"待填写 still to fill: policy {policy.group('key')} (a number)")
            )
    return notes


def next_steps(directory: Path, shop_name: str, packs: tuple[str, ...], to_fill: int) -> str:
    """The checklist printed by ``assistant init`` and written to NEXT_STEPS.md."""
    return f"""# {shop_name} · 下一步 Next steps

This folder is {shop_name}'s assistant project: `assistant.toml` (settings), `corpus/` (the
starter packs {", ".join(packs)}; every case has source `starter`), and `data/` once you build.
Run every command below inside this folder.

1. [ ] 填写店铺资料 Fill in the shop profile: `corpus/shop.toml` has {to_fill} value(s) still to fill
       (written as 【标签】). `assistant corpus validate` lists them.
2. [ ] 填写商品目录 Fill in the catalog: `corpus/catalog.csv`, columns explained in `corpus/catalog.md`.
3. [ ] 导入聊天记录 Import your own chats (千牛/咚咚/抖店 CSV or XLSX, JSONL):
       `assistant import-chats your-export.csv`
4. [ ] 审核 Approve the good replies: `assistant case list --status candidate --order value`, then
       `assistant case approve ID ...` or `assistant case approve --where "passed and occurrences>=3"`
5. [ ] 培训资料 Add your training documents: `assistant ingest your-rules.docx`
6. [ ] 建索引 Build: `assistant build`
7. [ ] 试一试 Try it: `assistant suggest "在吗"`; replay past conversations to see what it would have
       suggested: `assistant replay your-export.csv` (where available)
8. [ ] 关掉用不到的入门语料 Switch off starter cases you do not need once your own cover a scenario:
       `assistant case disable --source starter --pack {packs[-1]}` (or `case remove ... --yes`)
"""
