"""The shared readers of files.py: JSONL lines and TOML line numbers for ``file:line`` messages."""

from __future__ import annotations

import tomllib

import pytest

from assistant.errors import FileFormatError
from assistant.files import json_lines, json_objects, toml_error_line, toml_line

TOML = """# a shop
[shop]
name = "小店"
packs = ["kitchen"]

[policy]
"free_shipping" = 99

[scenarios.gift_wrap]
stage = "pre_sale"
pattern = "包装.*礼盒"
"""


def test_toml_line_finds_tables_keys_and_text(tmp_path):
    path = tmp_path / "shop.toml"
    path.write_text(TOML, encoding="utf-8")
    assert toml_line(path, "[policy]") == 6
    assert toml_line(path, "[scenarios") == 9  # a header prefix
    assert toml_line(path, "packs") == 4
    assert toml_line(path, "free_shipping") == 7  # a quoted key
    assert toml_line(path, "包装.*礼盒") == 11  # text inside a value
    assert toml_line(path, "name", text="\n\nname = 1") == 3  # the caller's text, not the file
    assert toml_line(path, "nowhere") is None
    assert toml_line(tmp_path / "missing.toml", "packs") is None


def test_toml_error_line_is_the_line_of_the_mistake():
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads('a = 1\nb = "unterminated\n')
    assert toml_error_line(caught.value) == 2
    assert toml_error_line(ValueError("no line here")) is None


def test_json_lines_report_bad_lines_and_json_objects_refuse_them():
    text = '{"a": 1}\n\n// note\n[1, 2]\n{"b": \n'
    assert list(json_lines(text, comments=True)) == [
        (1, {"a": 1}, None),
        (4, [1, 2], None),
        (5, None, "bad JSON at column 7: Expecting value"),
    ]
    assert list(json_objects('{"a": 1}\n{"b": 2}\n', "x.jsonl")) == [(1, {"a": 1}), (2, {"b": 2})]
    with pytest.raises(FileFormatError, match=r"^x\.jsonl:2: each line must be a JSON object$"):
        list(json_objects('{"a": 1}\n[1]\n', "x.jsonl"))
    with pytest.raises(FileFormatError, match=r"^x\.jsonl:1: bad JSON at column 1"):
        list(json_objects("nope\n", "x.jsonl"))


def test_a_bad_trainer_pattern_is_a_problem_naming_file_line_and_key(tmp_path):
    from assistant.files import pattern_or_problem

    rules = tmp_path / "adaptation.toml"
    rules.write_text('[usage_help]\nhowto = ["怎么(用", "咋"]\n', encoding="utf-8")
    problems: list = []
    assert pattern_or_problem("怎么(用", rules, "usage_help", "howto", problems) is None
    assert pattern_or_problem("", rules, "usage_help", "howto", problems) is None
    assert pattern_or_problem("咋", rules, "usage_help", "howto", problems).search("咋弄")
    assert len(problems) == 1
    assert problems[0].line == 2 and problems[0].message.startswith("[usage_help] howto: bad pattern")
