"""The etiquette checklist: the spec's rules and examples, spans, fixes, the rule language and its
validation, renderers, the `check` command, the labeled set and the corpus's approved cases."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.checklist import (
    BLOCKING,
    CheckResult,
    check,
    first_chars,
    fold,
    load_checklist,
    load_rules,
    render_html,
    render_rich,
    render_text,
)
from assistant.cli import cli
from assistant.config import PROJECT_ROOT
from assistant.corpus import Turn, load_corpus
from assistant.errors import ChecklistError

SHIPPED = PROJECT_ROOT / "corpus"
RULES_FILE = SHIPPED / "checklist.toml"
SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "etiquette-rules.md"
LABELED = Path(__file__).resolve().parent / "data" / "checklist_labeled.jsonl"
COMPLAINT = "我上周买的外套今天才到，拆开发现袖口开线了，拉链也拉不上，你们怎么回事？"


@pytest.fixture(scope="module")
def rules():
    return load_checklist(RULES_FILE)


def fired(rules, reply, message=None, scenario=None, history=None) -> set[str]:
    return set(check(reply, message, history, rules=rules, scenario=scenario).rules)


# ----------------------------------------------------------------------------- the spec's contract


def spec_ids() -> list[str]:
    text = SPEC.read_text(encoding="utf-8")  # fails (not skips) when ../shared is missing
    return re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", text, flags=re.M)


def test_every_spec_rule_is_in_the_checklist(rules):
    ids = spec_ids()
    assert len(ids) == 18
    assert set(ids) <= set(rules.ids)
    for rule in rules.rules:
        assert rule.severity in ("error", "warn", "info")
        assert rule.message and rule.guidance


# (rule, reply, buyer message) — the spec table's examples that fire ...
SPEC_FIRES = [
    ("greeting.bare", "在", "在吗"),
    ("ack.bare", "嗯", None),
    ("word.slang", "晕，这个都不知道啊", None),
    ("pronoun.ni", "你看一下详情页", None),
    ("refusal.blunt", "不行", None),
    ("refusal.blunt", "这个价格不行", None),
    ("stock.no_alternative", "没了", None),
    ("stock.no_alternative", "卖完了", None),
    ("tone.command", "自己去看详情页", None),
    ("tone.interrogate", "你到底要不要？", None),
    ("tone.blame", "是你自己拍错了", None),
    ("tone.impatient", "都说了没有优惠了", None),
    ("complaint.no_apology", "拍照发过来", "收到就是坏的！"),
    ("complaint.no_action", "抱歉", "收到就是坏的！"),
    ("complaint.no_action", "抱歉", None),
    ("repeat.greeting", "亲，您好，在的。亲，您好，这款有货", None),
    ("punct.shouting", "没有优惠！！！", None),
    ("claim.absolute", "我们家质量全网最好", None),
    ("platform.off_site", "加我微信，便宜点卖你", None),
    ("privacy.leak", "快递员电话13812345678", None),
    ("length.disproportion", "哦", COMPLAINT),
]

# ... and the similar examples that must not fire
SPEC_SILENT = [
    ("greeting.bare", "在的，您好，欢迎光临，请问有什么可以帮您？", "在吗"),
    ("ack.bare", "好的，没问题，马上为您处理", None),
    ("word.slang", "这款不会晕染的哦", None),
    ("pronoun.ni", "您看一下详情页", None),
    ("refusal.blunt", "真的不好意思哦，这个价格已经是活动底价了，我帮您申请一张5元优惠券可以吗？", None),
    ("stock.no_alternative", "不好意思，这款卖完了，同系列的XX很相似，要不要看看？", None),
    ("tone.command", "详情页第三张图有尺码表，您可以参考一下哦", None),
    ("tone.interrogate", "请问您更喜欢哪个颜色呢？", None),
    ("tone.blame", "可能是下单时选错了规格，没关系，我帮您改一下", None),
    ("tone.impatient", "目前确实没有额外优惠哦，不过满199有赠品", None),
    ("complaint.no_apology", "非常抱歉给您带来不便，麻烦您拍张照片，我马上为您处理", "收到就是坏的！"),
    ("complaint.no_action", "抱歉让您久等了，我现在联系快递核实，2小时内给您回复", "怎么还没到"),
    ("repeat.greeting", "亲，您好，这款有货的", None),
    ("punct.shouting", "欢迎光临！", None),
    ("claim.absolute", "这款是店里的热销款，评价都不错", None),
    ("platform.off_site", "您可以在店铺首页关注我们，上新会有通知", None),
    ("privacy.leak", "快递员电话已在物流详情里，您点开就能看到", None),
    (
        "length.disproportion",
        "纯棉的，做过预缩处理，不会缩水。尺码偏大，建议拍小一码。",
        "这件是什么面料的？会缩水吗？尺码标准吗？",
    ),
]


@pytest.mark.parametrize(("rule", "reply", "message"), SPEC_FIRES)
def test_spec_example_fires(rules, rule, reply, message):
    assert rule in fired(rules, reply, message)


@pytest.mark.parametrize(("rule", "reply", "message"), SPEC_SILENT)
def test_spec_counter_example_is_silent(rules, rule, reply, message):
    assert rule not in fired(rules, reply, message)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("在的，您好，欢迎光临", "在吗"),
        ("第一次购买可以领新人券哦", None),
        ("满100减10，满200减30", None),
        ("这款不会晕染的", None),
        ("您的订单号13812345678901已经发出", None),
        ("您说的“不行”是指尺码不合适吗？", "不行"),
        ("不好意思，这款卖完了，同系列XX很相似，要不要看看？", None),
        ("面料是100%纯棉的", None),
        ("建议您最好先量一下腰围", None),
        ("我们会第一时间为您发货", None),
        ("这款是迷你款", None),
        ("支持微信支付和花呗", None),
    ],
)
def test_hard_negatives_break_no_rule(rules, reply, message):
    result = check(reply, message, rules=rules)
    assert result.violations == ()
    assert result.passed and result.fixed is None


# ----------------------------------------------------------------------------- spans and matching


def test_spans_are_offsets_into_the_original_reply(rules):
    reply = "😀亲，你看一下！！"
    result = check(reply, rules=rules)
    spans = {(v.rule, v.start, v.end, v.text) for v in result.violations}
    assert spans == {("pronoun.ni", 3, 4, "你"), ("punct.shouting", 7, 9, "！！")}
    for v in result.violations:
        assert reply[v.start : v.end] == v.text


def test_full_width_and_traditional_text_match_with_exact_spans(rules):
    result = check("加我ＶＸ：ａｂｃ１２３４５", rules=rules)
    [v] = [v for v in result.violations if v.rule == "platform.off_site"]
    assert v.text == "加我ＶＸ"
    assert fold("ＱＱ號") == "qq号"
    result = check("妳們這款全網最好", rules=rules)
    assert [(v.rule, v.text) for v in result.violations] == [
        ("pronoun.ni", "妳們"),
        ("claim.absolute", "全網最好"),
    ]


def test_whole_reply_rules_span_the_whole_reply(rules):
    [v] = check("嗯嗯。", rules=rules).violations
    assert (v.rule, v.start, v.end, v.text) == ("ack.bare", 0, 3, "嗯嗯。")


def test_every_violation_carries_message_and_guidance(rules):
    result = check("你到底买不买！！", rules=rules)
    assert not result.passed
    for v in result.violations:
        rule = rules.rule(v.rule)
        assert (v.severity, v.message, v.guidance) == (rule.severity, rule.message, rule.guidance)
        assert set(v.to_dict()) == {"rule", "severity", "start", "end", "text", "message", "guidance"}


def test_info_violations_do_not_fail_a_reply(rules):
    result = check("您好，欢迎光临！您好，请问需要什么尺码？", rules=rules)
    assert result.rules == ("repeat.greeting",)
    assert result.violations[0].severity == "info" and "info" not in BLOCKING
    assert result.passed


def test_buyer_words_quoted_in_the_reply_never_fire(rules):
    message = "你们怎么还不发货！！"
    reply = "您说的“你们怎么还不发货！！”我非常理解，抱歉让您久等了，我马上帮您催仓库，今天发出"
    assert check(reply, message, rules=rules).violations == ()
    # a quotation after a saying word is the buyer's too, even without the message
    assert check("您说的“不行”是指哪里不合适呢？", rules=rules).violations == ()
    # but the agent's own emphasis quotes are checked
    assert "claim.absolute" in fired(rules, "我们家是“全网第一”的品牌")


def test_the_scenario_decides_when_the_caller_knows_it(rules):
    assert "complaint.no_apology" in fired(rules, "拍照发过来", "收到就是坏的！")
    assert "complaint.no_apology" not in fired(
        rules, "拍照发过来", "收到就是坏的！", scenario="usage_question"
    )
    assert "complaint.no_apology" in fired(rules, "好的，我看一下", None, scenario="service_complaint")
    assert "complaint.no_apology" in fired(
        rules, "好的，我看一下", "鞋子才穿一天就开胶了", scenario="quality_complaint"
    )


def test_an_apology_made_earlier_in_the_chat_counts(rules):
    history = [Turn("buyer", "少发了一件"), Turn("agent", "非常抱歉亲，我马上核实")]
    assert "complaint.no_apology" in fired(rules, "核实了，今天给您补发", "查到了吗 少发了一件")
    assert "complaint.no_apology" not in fired(
        rules, "核实了，今天给您补发", "查到了吗 少发了一件", history=history
    )
    # plain strings and (role, text) pairs work as history too
    assert check("好的", "在吗", ["在吗", ("agent", "在的")], rules=rules).rules == ("ack.bare",)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("快递员电话13812345678", "13812345678"),
        ("师傅电话 139-1234-5678，您直接打", "139-1234-5678"),
        ("身份证号11010119900307123X已登记", "11010119900307123X"),
        ("卡号 6217 0000 1234 5678", "6217 0000 1234 5678"),
    ],
)
def test_privacy_leak_spans_the_number(rules, reply, expected):
    [v] = [v for v in check(reply, rules=rules).violations if v.rule == "privacy.leak"]
    assert v.text == expected


@pytest.mark.parametrize(
    "reply", ["订单号13812345678的包裹已发出", "快递单号SF1234567890123", "电话138****5678", "满199减20"]
)
def test_numbers_that_are_not_private(rules, reply):
    assert "privacy.leak" not in fired(rules, reply)


@pytest.mark.parametrize(
    ("rule", "reply", "message"),
    [
        ("greeting.bare", "有", "有人吗"),
        ("greeting.bare", "在的亲", None),
        ("ack.bare", "OK！", None),
        ("word.slang", "呵呵，随便你", None),
        ("refusal.blunt", "地址改不了", None),
        ("refusal.blunt", "不能再便宜了", None),
        ("stock.no_alternative", "M码已经没有了", None),
        ("stock.no_alternative", "没有了", "这个还有吗"),
        ("tone.command", "赶紧下单", None),
        ("tone.interrogate", "难道您没收到短信吗？", None),
        ("tone.blame", "跟我们没关系，是快递的问题", None),
        ("tone.impatient", "我已经说过了", None),
        ("claim.absolute", "100%正品", None),
        ("claim.absolute", "销量第一", None),
        ("platform.off_site", "支付宝直接转我就行", None),
        ("length.disproportion", "在的，" + "您好" * 60 + "，欢迎光临。" * 20, "在吗"),
    ],
)
def test_more_positives(rules, rule, reply, message):
    assert rule in fired(rules, reply, message)


@pytest.mark.parametrize(
    ("rule", "reply", "message"),
    [
        ("greeting.bare", "有", "这个还有M码吗"),
        ("word.slang", "面料吸汗透气", None),
        ("word.slang", "您随便看看，有喜欢的叫我", None),
        ("refusal.blunt", "这款不能机洗，建议冷水手洗", None),
        ("refusal.blunt", "请问是不能付款吗？", None),
        ("stock.no_alternative", "通风放两天味道就没有了", "有股味道怎么办"),
        ("tone.command", "我这就赶紧帮您查", None),
        ("tone.interrogate", "买不买都没关系，您可以先收藏", None),
        ("tone.impatient", "评价里大家都说了质量很好", None),
        ("complaint.no_apology", "正常洗涤不会掉色的哦", "这件会不会掉色？"),
        ("claim.absolute", "最快明天就能到", None),
        ("platform.off_site", "退款会原路退回微信零钱", None),
    ],
)
def test_more_negatives(rules, rule, reply, message):
    assert rule not in fired(rules, reply, message)


def test_prefilter_never_hides_a_match(rules):
    """A trigger is skipped when the reply has none of the characters its matches start with;
    that set must contain the first character of every real match."""
    texts = [json.loads(line)["reply"] for line in LABELED.read_text(encoding="utf-8").splitlines()]
    for rule in rules.rules:
        for trigger in rule.triggers:
            if trigger.find is None or trigger.first is None:
                continue
            for text in texts:
                for m in trigger.find.finditer(fold(text)):
                    if m.end() > m.start():
                        assert fold(text)[m.start()] in trigger.first, (rule.id, text)


def test_first_chars_reads_the_regex():
    assert first_chars(re.compile(r"(?:^|(?<=\W))晕|汗+|[a-c]x", re.I)) == frozenset("晕汗abcABC")
    assert first_chars(re.compile(r"(亲)?您好")) == frozenset("亲您")
    assert first_chars(re.compile(r"\d{11}")) is None
    assert first_chars(re.compile(r"a?")) is None


# ----------------------------------------------------------------------------- fixes


@pytest.mark.parametrize(
    ("reply", "message", "fixed"),
    [
        ("你看一下详情页", None, "您看一下详情页"),
        ("你们好，欢迎光临", None, "您好，欢迎光临"),
        ("没有优惠！！！", None, "没有优惠！"),
        ("真的吗??", None, "真的吗?"),
        ("亲，拍照发过来", "收到就是坏的！", "亲，非常抱歉给您带来不便，拍照发过来"),
        ("在", "在吗", "在的，您好，欢迎光临！请问有什么可以帮您？"),
        ("你看下详情页！！", None, "您看下详情页！"),
    ],
)
def test_safe_fixes(rules, reply, message, fixed):
    result = check(reply, message, rules=rules)
    assert result.fixed == fixed
    again = check(result.fixed, message, rules=rules)
    assert not {f.rule for f in result.fixes} & set(again.rules)


def test_fixes_never_touch_the_buyers_quoted_words(rules):
    message = "你们怎么还不发货"
    result = check("您说的“你们怎么还不发货”我理解，你别急，我马上催仓库今天发出", message, rules=rules)
    assert result.fixed == "您说的“你们怎么还不发货”我理解，您别急，我马上催仓库今天发出"
    [fix] = result.fixes
    assert (fix.rule, fix.start, fix.end, fix.before, fix.after) == ("pronoun.ni", 17, 18, "你", "您")
    assert str(fix) == "pronoun.ni: 「你」→「您」"


def test_no_fix_means_fixed_is_none(rules):
    result = check("嗯", rules=rules)
    assert result.rules == ("ack.bare",) and result.fixed is None and result.fixes == ()


def test_check_result_to_dict(rules):
    data = check("你好！！", rules=rules).to_dict()
    assert data["passed"] is False
    assert [v["rule"] for v in data["violations"]] == ["pronoun.ni", "punct.shouting"]
    assert data["fixed"] == "您好！"
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


FRAGMENTS = [
    "你",
    "您",
    "你们",
    "亲，",
    "您好，",
    "在",
    "在的",
    "嗯",
    "！！",
    "？？",
    "!!",
    "不行",
    "不能再便宜了",
    "没了",
    "卖完了",
    "抱歉",
    "马上补发",
    "微信",
    "加我微信",
    "13812345678",
    "订单号",
    "全网最好",
    "100%",
    "“",
    "”",
    "说",
    "都说了",
    "自己去看",
    "到底",
    "是你自己",
    "随便",
    "晕",
    "，",
    "。",
    "😀",
    " ",
    "\n",
    "哦",
    "好的",
]
texts = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    reply=texts,
    message=st.one_of(st.none(), texts, st.sampled_from(["在吗", "收到就是坏的！", "有货吗", COMPLAINT])),
)
def test_a_safe_fix_never_introduces_a_violation(rules, reply, message):
    result = check(reply, message, rules=rules)
    for v in result.violations:
        assert 0 <= v.start <= v.end <= len(reply) and reply[v.start : v.end] == v.text
    if result.fixed is not None:
        again = check(result.fixed, message, rules=rules)
        assert set(again.rules) <= set(result.rules)
        assert not {f.rule for f in result.fixes} & set(again.rules)


@settings(max_examples=300, deadline=None)
@given(
    reply=st.text(),
    message=st.one_of(st.none(), st.text()),
    history=st.lists(st.tuples(st.sampled_from(["buyer", "agent"]), st.text()), max_size=3),
    scenario=st.one_of(st.none(), st.sampled_from(["greeting", "quality_complaint", "nonsense"])),
)
def test_check_never_raises_on_any_text(rules, reply, message, history, scenario):
    result = check(reply, message, history, rules=rules, scenario=scenario)
    assert isinstance(result, CheckResult)
    for v in result.violations:
        assert reply[v.start : v.end] == v.text


def test_lone_surrogates_and_huge_replies(rules):
    result = check("\ud800你好！！\udfff", "\ud83d在吗", [("agent", "\udc00")], rules=rules)
    assert [(v.rule, v.start) for v in result.violations] == [("pronoun.ni", 1), ("punct.shouting", 3)]
    assert result.fixed == "\ud800您好！\udfff"
    assert check("你" * 50_000, rules=rules).fixed == "您" * 50_000


# ----------------------------------------------------------------------------- the rule language


MINIMAL = """
[lists]
apology = ["抱歉", "不好意思"]

[[rule]]
id = "word.dont_know"
severity = "warn"
message = "别说“不知道”，说“我帮您确认一下”。"
guidance = "etiquette-wording"
find = ["不知道", "re:不(清楚|晓得)"]
except = ["知不知道"]
unless = ["@apology"]
fires = ["这个我不知道"]
passes = ["您知不知道尺码？", "不好意思，我不清楚"]
"""


def write_rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "checklist.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_rule_needs_no_code(tmp_path):
    rules, problems = load_rules(write_rules(tmp_path, MINIMAL), guidance_ids={"etiquette-wording"})
    assert problems == []
    result = check("这个我不知道，也不晓得", rules=rules)
    assert [(v.rule, v.text, v.start) for v in result.violations] == [
        ("word.dont_know", "不知道", 3),
        ("word.dont_know", "不晓得", 8),
    ]
    assert check("不好意思，我不知道", rules=rules).violations == ()


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (
            ('severity = "warn"', 'severty = "warn"'),
            7,
            "rule 'word.dont_know': unknown key 'severty' (did you mean 'severity'?)",
        ),
        (
            ('severity = "warn"', 'severity = "warning"'),
            7,
            "unknown severity 'warning' (did you mean 'warn'?) (error, warn or info)",
        ),
        (
            ('guidance = "etiquette-wording"', 'guidance = "etiquette-wordng"'),
            9,
            "unknown guidance section 'etiquette-wordng' (did you mean 'etiquette-wording'?)",
        ),
        (
            ('"re:不(清楚|晓得)"', '"re:不(清楚|晓得"'),
            10,
            "bad regex 're:不(清楚|晓得': missing ), unterminated subpattern",
        ),
        (
            ('unless = ["@apology"]', 'unless = ["@apolgy"]'),
            12,
            "unknown list '@apolgy' (did you mean 'apology'?)",
        ),
        (
            ('fires = ["这个我不知道"]', 'fires = ["这个我清楚"]'),
            13,
            "example '这个我清楚' should fire but does not",
        ),
        (
            ('passes = ["您知不知道尺码？", ', 'passes = ["我不知道", '),
            14,
            "example '我不知道' should not fire but does",
        ),
        (
            ("[[rule]]", "[[rule]]\nwhen = { scenario = ['greting'] }"),
            6,
            "unknown scenario 'greting' (did you mean 'greeting'?)",
        ),
        (
            ('find = ["不知道"', 'fix = { replace = "x", collapse = true }\nfind = ["不知道"'),
            10,
            "fix needs exactly one of replace, collapse, prepend, reply",
        ),
    ],
)
def test_problems_name_the_line_and_suggest_a_fix(tmp_path, edit, line, message):
    shutil.copy(SHIPPED / "taxonomy.toml", tmp_path / "taxonomy.toml")
    path = write_rules(tmp_path, MINIMAL.replace(*edit))
    _, problems = load_rules(path, guidance_ids={"etiquette-wording"})
    assert problems, "the problem was not found"
    assert (problems[0].path, problems[0].line) == (str(path), line), [str(p) for p in problems]
    assert message in problems[0].message


def test_broken_files(tmp_path):
    _, problems = load_rules(tmp_path / "missing.toml")
    assert [str(p) for p in problems] == [f"{tmp_path / 'missing.toml'}: checklist file not found"]
    path = write_rules(tmp_path, '[[rule]]\nid = "a.b"\nmessage = "x\n')
    _, problems = load_rules(path)
    assert problems[0].line == 3 and problems[0].message.startswith("not valid TOML")
    path = write_rules(
        tmp_path, MINIMAL + MINIMAL.split("[lists]")[1].split('apology = ["抱歉", "不好意思"]')[1]
    )
    _, problems = load_rules(path)
    assert any("duplicate rule id 'word.dont_know' (first at line 5)" in p.message for p in problems)
    (tmp_path / "gbk.toml").write_bytes("id = '不知道'".encode("gbk"))
    _, problems = load_rules(tmp_path / "gbk.toml")
    assert problems[0].message == "not UTF-8 text; save the file as UTF-8"
    with pytest.raises(ChecklistError, match="checklist file not found"):
        load_checklist(tmp_path / "missing.toml")


def test_shipped_rules_have_no_problems_and_their_examples_hold():
    corpus = load_corpus(SHIPPED)
    rules, problems = load_rules(RULES_FILE, guidance_ids={s.id for s in corpus.guidance})
    assert problems == []
    assert corpus.rules.ids == rules.ids
    assert all(rule.fires for rule in rules.rules), "every rule documents examples that fire"


def test_corpus_validate_reports_a_checklist_typo(tmp_path):
    target = tmp_path / "corpus"
    shutil.copytree(SHIPPED, target, ignore=shutil.ignore_patterns(".*"))
    path = target / "checklist.toml"
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith('guidance = "etiquette-wording"')) + 1
    lines[number - 1] = 'guidance = "etiquette-wordin"'
    path.write_text("\n".join(lines), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--corpus", str(target), "corpus", "validate"])
    assert result.exit_code == 1
    assert (
        f"{path}:{number}: rule 'word.slang': unknown guidance section 'etiquette-wordin' (did you mean 'etiquette-wording'?)"
        in result.stdout
    )


# ----------------------------------------------------------------------------- rendering


def test_render_html_escapes_and_highlights(rules):
    reply = "<script>你</script>！！"
    result = check(reply, rules=rules)
    out = render_html(
        reply, result.violations, details=True, guidance_titles={"etiquette-wording": "措辞 <b>"}
    )
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert re.search(r'<mark class="checklist-warn"[^>]*title="pronoun.ni: [^"]*">你</mark>', out)
    assert "措辞 &lt;b&gt;" in out and "<li>" in out
    plain = render_html(reply, result.violations)
    assert "<li>" not in plain and plain.startswith('<div class="checklist">')


def test_render_text_and_rich(rules):
    result = check("你好，这款全网最好", rules=rules)
    assert render_text(result.reply, result.violations) == "【你】好，这款【全网最好】"
    from rich.console import Console

    console = Console(record=True, width=200, color_system=None)
    console.print(render_rich(result, {"etiquette-wording": "措辞"}))
    text = console.export_text()
    assert "1. 警告 warn pronoun.ni 「你」 0–1" in text
    assert "指引 guidance: etiquette-wording 措辞" in text
    # 你→您 alone would leave 全网最好: no one-click fix, the agent is told to rewrite (issue 14)
    assert "建议改为 fixed" not in text
    assert "无一键修正 no safe fix: 只做安全修正仍不合格" in text
    assert "✗ 未通过 not passed (2 处 violations)" in text


# ----------------------------------------------------------------------------- the check command


def test_check_command_highlights_and_explains():
    result = CliRunner().invoke(cli, ["check", "你看一下详情页！！", "--message", "这件有M码吗"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "你看一下详情页！！\n"
        "1. 警告 warn pronoun.ni 「你」 0–1\n"
        "   称呼买家请用“您”或“亲”，不要用“你”。\n"
        "   指引 guidance: etiquette-wording 措辞：这些说法要换掉\n"
        "2. 警告 warn punct.shouting 「！！」 7–9\n"
        "   连续的感叹号/问号像在吼人，用一个就够了。\n"
        "   指引 guidance: etiquette-punctuation 标点与表情\n"
        "建议改为 fixed: 您看一下详情页！\n"
        "✗ 未通过 not passed (2 处 violations)\n"
    )


def test_check_command_passes_and_json():
    runner = CliRunner()
    result = runner.invoke(cli, ["check", "亲，这款有货的哦，今天下单今天发"])
    assert (result.exit_code, result.stdout) == (0, "亲，这款有货的哦，今天下单今天发\n✓ 通过 passed\n")
    result = runner.invoke(cli, ["check", "拍照发过来", "-m", "收到就是坏的！", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["passed"] is False
    assert [v["rule"] for v in data["violations"]] == ["complaint.no_apology"]
    assert data["fixed"] == "非常抱歉给您带来不便，拍照发过来"
    result = runner.invoke(
        cli,
        [
            "check",
            "核实了，今天给您补发",
            "-m",
            "查到了吗",
            "--history",
            "买家: 少发了一件",
            "--history",
            "客服: 非常抱歉亲",
            "--scenario",
            "quality_complaint",
            "--json",
        ],
    )
    assert json.loads(result.stdout)["violations"] == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["check", ""], "错误 Error: 回复为空 the reply is empty\n"),
        (["check", "   "], "错误 Error: 回复为空 the reply is empty\n"),
        (
            ["check", "在", "--scenario", "greting"],
            "错误 Error: unknown scenario 'greting' (did you mean 'greeting'?)\n",
        ),
        (
            ["check", "在" * 20001],
            "错误 Error: 回复或消息太长 the reply or message is longer than 20,000 characters\n",
        ),
    ],
)
def test_check_command_bad_input(args, error):
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stderr) == (1, error)
    assert result.stdout == ""


def test_check_command_uses_the_corpus_given(tmp_path):
    target = tmp_path / "corpus"
    shutil.copytree(SHIPPED, target, ignore=shutil.ignore_patterns(".*"))
    with (target / "checklist.toml").open("a", encoding="utf-8") as fh:
        fh.write(MINIMAL.split("[[rule]]", 1)[1].join(["\n[[rule]]", ""]).replace("@apology", "@apology"))
    result = CliRunner().invoke(cli, ["--corpus", str(target), "check", "这个我不知道", "--json"])
    assert result.exit_code == 0, result.output
    assert [v["rule"] for v in json.loads(result.stdout)["violations"]] == ["word.dont_know"]


# ----------------------------------------------------------------------------- quality


def test_labeled_set_precision_recall_and_false_alarms(rules):
    tp = fp = fn = clean = false_alarms = 0
    rows = [json.loads(line) for line in LABELED.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 200
    covered = {rule for row in rows for rule in row["expected"]}
    assert set(rules.ids) <= covered, "every rule has positives in the labeled set"
    for row in rows:
        expected = set(row["expected"])
        got = fired(rules, row["reply"], row.get("message"), row.get("scenario"))
        tp += len(got & expected)
        fp += len(got - expected)
        fn += len(expected - got)
        if not expected:
            clean += 1
            false_alarms += bool(got)
    assert tp / (tp + fp) >= 0.95
    assert tp / (tp + fn) >= 0.92
    assert false_alarms / clean <= 0.03


def test_every_approved_case_passes_the_checklist():
    corpus = load_corpus(SHIPPED)
    assert corpus.approved, "the corpus has approved cases"
    failures = []
    for case in corpus.approved:
        result = check(case.reply, case.buyer, list(case.context), rules=corpus.rules, scenario=case.scenario)
        blocking = [f"{v.rule}「{v.text}」" for v in result.violations if v.severity in BLOCKING]
        if blocking:
            failures.append(f"{case.where} {case.id}: {', '.join(blocking)}")
    assert failures == []


def test_every_rule_and_key_is_documented_for_trainers(rules):
    from assistant.checklist import FIX_KEYS, RULE_KEYS, WHEN_KEYS

    doc = (PROJECT_ROOT / "docs" / "checklist-rules.md").read_text(encoding="utf-8")
    for rule in rules.rules:
        assert f"| `{rule.id}` |" in doc, rule.id
    for key in (*RULE_KEYS, *WHEN_KEYS, *FIX_KEYS):
        assert f"`{key}" in doc or f"{key} =" in doc or f"[[rule.{key}]]" in doc, key


# ----------------------------------------------------------------------------- issue 14: real replies


SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL_LABELED = Path(__file__).resolve().parent / "data" / "jddc_labeled.jsonl"
BENCH = PROJECT_ROOT / "bench"


def _real_items(split: str | None = None):
    """The real labeled replies resolved against ../shared; skips when ../shared lacks JDDC."""
    if not (SHARED / "data" / "external" / "jddc2019-sample" / "chat_0.1per.txt").exists():
        pytest.skip("../shared/data/external (JDDC) is not here")
    import sys

    sys.path.insert(0, str(BENCH))
    from jddc_labeled import load_items

    return load_items(REAL_LABELED, SHARED, split)


def _scores(rules, items) -> tuple[float, float, dict[str, float]]:
    tp: dict[str, int] = {}
    fp: dict[str, int] = {}
    fn: dict[str, int] = {}
    for item in items:
        row = item.row
        got = set(check(row.reply, row.message, list(row.history), rules=rules, fix=False).rules)
        for rule in got & item.expected:
            tp[rule] = tp.get(rule, 0) + 1
        for rule in got - item.expected:
            fp[rule] = fp.get(rule, 0) + 1
        for rule in item.expected - got:
            fn[rule] = fn.get(rule, 0) + 1
    t, f, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    per_rule = {r: tp.get(r, 0) / (tp.get(r, 0) + fp.get(r, 0)) for r in set(tp) | set(fp)}
    return t / (t + f), t / (t + n), per_rule


def test_the_real_labeled_file_stores_references_and_labels_only():
    lines = [
        json.loads(line) for line in REAL_LABELED.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    assert len(lines) >= 600
    keys = frozenset({"file", "line", "split", "expected", "source", "note"})
    # a corrected label says why in one line ("reason"); held-out labels were never corrected
    assert all(frozenset(d) in (keys, keys | {"reason"}) for d in lines)
    assert all(len(d.get("reason", "")) <= 160 for d in lines)
    assert not [d for d in lines if "reason" in d and d["split"] != "tune"]
    assert {d["split"] for d in lines} == {"tune", "holdout"}
    assert len({(d["file"], d["line"]) for d in lines}) == len(lines)
    assert all(len(d["note"]) <= 100 for d in lines)  # a short note, never a copied reply


def test_the_real_labeled_references_resolve_and_quote_no_reply():
    items = _real_items()
    assert len(items) >= 600
    notes = REAL_LABELED.read_text(encoding="utf-8")
    long_replies = [item.row.reply for item in items if len(item.row.reply) >= 24]
    assert not [reply for reply in long_replies if reply in notes]


SECOND_LABELS = Path(__file__).resolve().parent / "data" / "jddc_labeled_second.jsonl"


def test_the_second_labels_cover_the_held_out_half_with_known_rules_only(rules):
    """The held-out half's second, blind labels (bench/checklist_agreement.py): one line per held-out
    reference, references and labels only, every label a rule the checklist has, an adjudication only
    where the two labellers differed."""
    first = {
        (d["file"], d["line"]): set(d["expected"])
        for d in map(json.loads, REAL_LABELED.read_text(encoding="utf-8").splitlines())
        if d["split"] == "holdout"
    }
    second = [
        json.loads(line) for line in SECOND_LABELS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    assert {(d["file"], d["line"]) for d in second} == set(first) and len(second) == len(first)
    known = {rule.id for rule in rules.rules}
    for d in second:
        assert set(d) <= {"file", "line", "second", "second_note", "adjudicated", "adjudication_note"}
        assert set(d["second"]) <= known and set(d.get("adjudicated", [])) <= known, d
        assert ("adjudicated" in d) == (set(d["second"]) != first[(d["file"], d["line"])]), d
        assert len(d["second_note"]) <= 100 and len(d.get("adjudication_note", "")) <= 120


@pytest.mark.xfail(
    strict=True,
    reason="issue 14's goal is not met yet: held-out micro precision 0.876, recall 0.821; the complaint "
    "rules (0.88 / 0.69 precision, 0.64 / 0.69 recall) do not generalise from cue words (docs/benchmarks.md)",
)
def test_the_checklist_meets_issue_14s_goal_on_held_out_real_replies(rules):
    """Micro precision ≥ 0.95 and recall ≥ 0.92 on the held-out half, no rule below 0.85 precision
    (the tune half was read while the rules were written; this half's errors were not). Strict: when
    the goal is met this test fails until the marker is removed."""
    precision, recall, per_rule = _scores(rules, _real_items("holdout"))
    assert precision >= 0.95, precision
    assert recall >= 0.92, recall
    assert not {r: p for r, p in per_rule.items() if p < 0.85}


def test_the_checklist_on_real_replies_does_not_regress(rules):
    """The scores measured when issue 14's work stopped (held-out 0.876 / 0.821; tune 0.904 / 0.912
    on all 1,471 replies, with the alarm-drawn `cue:batch14` to `cue:batch17`): a change to the rules may
    not lower them (before issue 14 the held-out recall was 0.643)."""
    precision, recall, _ = _scores(rules, _real_items("holdout"))
    assert precision >= 0.87 and recall >= 0.82, (precision, recall)
    precision, recall, _ = _scores(rules, _real_items("tune"))
    assert precision >= 0.90 and recall >= 0.91, (precision, recall)


def test_the_hand_made_labeled_set_stays_perfect(rules):
    rows = [json.loads(line) for line in LABELED.read_text(encoding="utf-8").splitlines() if line.strip()]
    wrong = [
        (row["reply"], sorted(row["expected"]), sorted(got))
        for row in rows
        if (got := fired(rules, row["reply"], row.get("message"), row.get("scenario")))
        != set(row["expected"])
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        ("电话也不接，还这么多事", "您提供下订单号"),
        ("能否提供一下快递单号 快递找不到了", "这款吗"),
        ("显示已收货完成!!!", "您看下物流信息"),
        ("这次配送好难!平常自营的上午就到了", "请您放心，我会跟进的"),
        ("帮朋友买的，天天问好几趟!", "您耐心等待哦"),
        ("如果再不处理的话，我就要申请退货了", "好的，亲"),
        ("还没开始检测?? 昨天应该就收到了", "这边为您留言催促"),
    ],
)
def test_complaints_are_recognised_by_meaning(rules, message, reply):
    assert "complaint.no_apology" in fired(rules, reply, message)


@pytest.mark.parametrize(
    "message",
    [
        "这个怎么用",  # how-to
        "价格保护在哪申请 我怎么找不到",
        "有色差吗",  # yes/no
        "换新保是只要坏了就可以换新是吗?",
        "快递到哪了",  # tracking checks
        "我的订单取消了怎么没有退款呢",
        "帮我改一下收货地址",  # plain requests
        "还没有发货的要推掉",
        "京东从不让人失望",
        "我看评价说是翻新机 次品",
    ],
)
def test_neutral_questions_and_requests_are_no_complaint(rules, message):
    assert not fired(rules, "好的，马上帮您看", message) & {"complaint.no_apology", "complaint.no_action"}


def test_a_complaint_in_the_buyers_earlier_turn_still_counts(rules):
    # jddc2018 style: the buyer's turns since the agent last wrote
    history = [
        ("buyer", "我申请退款，怎么还没有退呢?"),
        ("agent", "稍等"),
        ("buyer", "什么时候能核实完啊，都两天了"),
    ]
    assert "complaint.no_apology" in fired(rules, "货到付款是现金还是刷卡？", "你好", history=history)
    # the agent asked for the order number: the reply after it answers the complaint before it
    history = [("buyer", "物品没收到啊，怎么就签收了"), ("agent", "麻烦您提供一下订单号")]
    assert "complaint.no_apology" in fired(rules, "这个订单吗", "[订单x]", history=history)
    # but not when the buyer has moved on to a new question of their own
    assert not fired(rules, "这个订单吗", "发票怎么开", history=history) & {"complaint.no_apology"}


def test_next_steps_in_the_forms_agents_write(rules):
    message = "降价了，我买贵了，太坑了"
    assert "complaint.no_action" not in fired(rules, "抱歉亲，差价我们会补给您", message)
    assert "complaint.no_action" not in fired(rules, "非常抱歉，我帮您取消订单", message)
    assert "complaint.no_action" in fired(rules, "非常抱歉", message)


def test_a_refusal_with_a_reason_or_alternative_after_it_is_not_blunt(rules):
    assert "refusal.blunt" not in fired(rules, "不可以的，因为已经出库了", "能改地址吗")
    assert "refusal.blunt" not in fired(rules, "不能改地址了，您可以收到后拒收，我们重新发", "能改地址吗")
    # a stock formula's 可以 is no alternative, nor a 可以 asking the buyer
    assert "refusal.blunt" in fired(rules, "这个不可以的，请问还有其他可以帮到您的吗？", "能改地址吗")
    assert "refusal.blunt" in fired(rules, "您看可以吗 不可以", "能改地址吗")
    assert "refusal.blunt" in fired(rules, "亲这个是无法更换其他的颜色的呢", "能换个颜色吗")


def test_one_refusal_is_one_violation(rules):
    result = check("这个不可以改的", "能改地址吗", rules=rules)
    spans = [(v.start, v.end) for v in result.violations if v.rule == "refusal.blunt"]
    assert spans == [(2, 5)]  # 不可 and 不可以 from two triggers, joined


def test_length_disproportion_is_not_about_order_cards(rules):
    card = "[数字x] 谢谢 咨询订单号:[订单x] 订单金额:[金额x] 下单时间:[日期x]"
    assert "length.disproportion" not in fired(rules, "好的", card)
    assert "length.disproportion" in fired(rules, "嗯", "反正就是增值税发票就行 现在提供给你这边吗?")


def test_the_console_misses_are_flagged(rules):
    assert "tone.impatient" in fired(rules, "嫌贵别买", "能便宜点吗")
    assert {"tone.blame", "pronoun.ni"} <= fired(rules, "你的问题你出啊", "退货运费谁出")
    assert "greeting.bare" in fired(rules, "在的呐 亲爱的", "在吗")


def test_no_one_click_fix_when_the_fixed_reply_would_still_fail(rules):
    result = check("急什么，催也没用，等着吧", "都三天了还没发货！", rules=rules)
    assert not result.passed and result.fixed is None and result.fixes == ()
    assert "complaint.no_apology" in result.unfixed  # an apology in front would leave it rude
    assert result.to_dict()["unfixed"] == list(result.unfixed)
    ok = check("拍照发过来", "收到就是坏的！", rules=rules)
    assert ok.fixed == "非常抱歉给您带来不便，拍照发过来" and ok.unfixed == ()


@pytest.mark.parametrize("message", ["都三天了还没发货！", None])
def test_an_apology_in_front_of_rude_text_gets_no_fix_and_says_what_to_rewrite(rules, message):
    # issue 14's console example: the apology is there already, the rest stays rude
    result = check("非常抱歉给您带来不便，急什么，催也没用，等着吧", message, rules=rules)
    assert not result.passed and result.fixed is None and result.fixes == ()
    assert {"tone.impatient", "tone.command"} <= set(result.rules)
    assert all(v.message for v in result.violations)  # each violation says what to rewrite


@pytest.mark.parametrize("message", [None, "能便宜点吗", "嫌贵"])
def test_xian_gui_bie_mai_fails_whatever_the_buyer_said(rules, message):
    result = check("嫌贵别买", message, rules=rules)
    assert not result.passed and "tone.impatient" in result.rules and result.fixed is None


@pytest.mark.parametrize("message", [None, "退货运费谁出"])
def test_ni_de_wen_ti_ni_chu_gets_more_than_the_pronoun(rules, message):
    result = check("你的问题你出啊", message, rules=rules)
    assert "tone.blame" in result.rules and set(result.rules) > {"pronoun.ni"}
    # 您的问题您出啊 would still blame the buyer: no one-click fix, the pronoun fix is withheld
    assert result.fixed is None and result.unfixed == ("pronoun.ni",)


def test_a_safe_fix_is_offered_only_when_the_fixed_reply_passes(rules):
    for reply, message in [
        ("你看一下详情页", None),
        ("拍照发过来", "收到就是坏的！"),
        ("没有优惠！！！", "能便宜吗"),
    ]:
        result = check(reply, message, rules=rules)
        assert result.fixed is not None, reply
        assert check(result.fixed, message, rules=rules).passed, result.fixed


def test_a_hold_message_does_not_end_the_buyers_turn(rules):
    # 咋的还没发货 → 请您稍等 → 好 → the reply still answers the complaint
    history = [("buyer", "咋的还没发货呢?"), ("agent", "亲爱的，妹子马上为您核实情况，请您稍等哈")]
    assert "complaint.no_apology" in fired(
        rules, "这个目前是缺货的状态哦 补货预计一周哈", "好", history=history
    )
    # a real answer in between does end it: the buyer's 好 answers that
    history = [("buyer", "咋的还没发货呢?"), ("agent", "非常抱歉，仓库缺货，预计周五发出")]
    assert not fired(rules, "好的亲", "好", history=history) & {"complaint.no_apology", "complaint.no_action"}


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        ("我之前买的这个表 现在不走了是什么情况 ?", "马上核实情况，请您稍等哈"),
        ("订单却显示已收货完成 请核实情况回复", "您是否有家人代收的呢"),
        ("三件三天后仍然不发货，也无人接客服", "建议您耐心等待的呢"),
        ("昨天下单时有货。显示现货呀", "这边会尽快为您操作配货"),
        ("为何还没人给我打电话安空调啊?", "您已经安装好了是吗?"),
        ("发的不是九代雅阁空气滤芯", "您可以在我的订单申请售后"),
    ],
)
def test_problems_stated_as_facts_are_complaints(rules, message, reply):
    assert "complaint.no_apology" in fired(rules, reply, message)


@pytest.mark.parametrize(
    "message",
    [
        "能不能取消订单???",
        "这个商品昨晚刚买的，还没收到就降价了，差价怎么处理",
        "好久能处理",
        "那我就申请退货?",
    ],
)
def test_questions_with_complaint_words_are_no_complaint(rules, message):
    assert not fired(rules, "好的，马上帮您看", message) & {"complaint.no_apology", "complaint.no_action"}


@pytest.mark.parametrize(
    "reply", ["好的 / 我问下", "小妹为您看看，您稍等哦", "这边帮您预约哈", "辛苦您关机重启试一下哦"]
)
def test_more_next_steps_in_the_forms_agents_write(rules, reply):
    assert "complaint.no_action" not in fired(rules, reply, "送货员电话关机，我的表坏了")


def test_honest_answers_and_reasons_are_no_blunt_refusal(rules):
    assert "refusal.blunt" not in fired(rules, "这个小妹没办法给您保证呢", "周五前能到吗")
    assert "refusal.blunt" not in fired(rules, "跨区的话不可以修改的呢", "能改地址吗")
    assert "refusal.blunt" not in fired(rules, "商品本身也是不支持无理由退货的呢", "能退吗")
    assert "refusal.blunt" in fired(rules, "这个售后不支持取件呢", "能上门取件吗")
    assert "refusal.blunt" in fired(rules, "亲爱的这边还不能价保的", "降价了怎么办")
    assert "refusal.blunt" not in fired(rules, "如果还不行，您再联系我", "好的")


def test_the_multi_pattern_prefilter_changes_no_verdict(rules):
    """The Aho-Corasick prefilter and the phrase-by-phrase search decide exactly as checking
    every trigger with its own prefilters does, spans included."""
    import dataclasses

    plain = dataclasses.replace(rules, indexed=False)
    rows = [json.loads(line) for line in LABELED.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = [(row["reply"], row.get("message"), ()) for row in rows]
    cases += [
        ("你好，这款全网最好！！", None, ()),
        ("在的呐 亲爱的", "在吗", ()),
        ("快递员电话13812345678，您联系他", "联系不上快递", ()),
        ("ＫＫ码没有了", "ｋ码有吗", ()),  # the Kelvin sign: ignore-case letters skip the prefilter
        ("好的", "你好", (("buyer", "都三天了还没到"),)),
    ]
    for reply, message, history in cases:
        a = check(reply, message, list(history), rules=rules, fix=False).violations
        b = check(reply, message, list(history), rules=plain, fix=False).violations
        assert [(v.rule, v.start, v.end) for v in a] == [(v.rule, v.start, v.end) for v in b], reply


def test_without_pyahocorasick_the_checklist_falls_back_to_per_trigger_prefilters(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ahocorasick", None)  # `import ahocorasick` now fails
    plain = load_checklist(RULES_FILE)
    assert plain.plan.reply_index is None and plain.plan.when_index is None
    rows = [json.loads(line) for line in LABELED.read_text(encoding="utf-8").splitlines() if line.strip()]
    wrong = [
        row["reply"]
        for row in rows
        if fired(plain, row["reply"], row.get("message"), row.get("scenario")) != set(row["expected"])
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("message", "history"),
    [
        ("还没收到", [("agent", "麻烦您把收到的验证码提供一下")]),  # answers the agent's question
        ("还没有", [("buyer", "已经签收了吗")]),
        ("我看订单还没发货", []),  # a status, no stress
        ("昨天拍的 今天还没发货", []),
    ],
)
def test_a_bare_status_is_no_complaint(rules, message, history):
    assert not fired(rules, "好的，马上帮您看", message, history=history) & {
        "complaint.no_apology",
        "complaint.no_action",
    }


@pytest.mark.parametrize(
    "message",
    [
        "下午我看已经退款。  但是钱还没到卡里",  # a contrast
        "还没发货呢，都四号了",  # a date
        "[数字x]天了还没退完",  # a duration
        "到现在还没派送呢",
        "咋的还没发货呢?",
        "怎么还没到啊",
        "还没收到货啊!",  # the buyer's tone
    ],
)
def test_a_stressed_status_is_a_complaint(rules, message):
    assert "complaint.no_apology" in fired(rules, "好的，马上帮您看", message)


@pytest.mark.parametrize(
    "message",
    [
        "为啥现在还没收到呢",  # a why-question with words in between
        "显示已签收，但是都没有接到电话收到快递",  # signed, then not received
    ],
)
def test_more_problems_stated_as_facts_are_complaints(rules, message):
    assert "complaint.no_apology" in fired(rules, "好的，马上帮您看", message)


@pytest.mark.parametrize(
    "reply", ["[姓名x]  妹纸帮您询问下", "您打商家电话可以和他们协商换人安装", "您可以联系站点重新派送"]
)
def test_a_way_forward_for_the_buyer_is_a_next_step(rules, reply):
    assert "complaint.no_action" not in fired(rules, reply, "工人语气太差，还说给多少钱也不给装")


def test_a_complaint_the_buyer_says_is_over_needs_no_apology(rules):
    history = [("buyer", "上面那个货 没收到"), ("agent", "请您稍等一下，正在为您核实处理中哦~")]
    over = "好了! 快递小哥给我打电话了，找到了。"
    assert not fired(rules, "好的呢", over, history=history) & {"complaint.no_apology", "complaint.no_action"}
    # a last line that still complains keeps it open
    assert "complaint.no_apology" in fired(rules, "好的呢", "收到了，但是坏了", history=history)
    assert "complaint.no_apology" in fired(rules, "好的呢", "快递员电话也打不通", history=history)


@pytest.mark.parametrize(
    "message",
    [
        "申请了退货一直未办理",  # 未 like 没
        "什么意思?没有人给我打电话",  # nobody did it
        "我提供好几次了 你这边到底怎么回事",  # said N times, 到底
        "站点电话空号，位置导航也找不到",
        "放腿上直接烧的 没有激活",
        "我的订单取消，没有拦截成功吗?为什么还发到南宁了?",
    ],
)
def test_complaints_of_batch8_are_recognised(rules, message):
    assert "complaint.no_apology" in fired(rules, "好的，马上帮您看", message)


@pytest.mark.parametrize(
    "message",
    [
        "现在应该还没发货吧",  # a hedge
        "因为现在也还没到[数字x]点，然后我手机摔坏了",  # a time not reached yet, the buyer's own accident
        "很多人都说不发货了!",  # hearsay
    ],
)
def test_hedges_times_and_hearsay_are_no_complaint(rules, message):
    assert not fired(rules, "好的，马上帮您看", message) & {"complaint.no_apology", "complaint.no_action"}


def test_a_hedged_explanation_is_a_reason_for_a_refusal(rules):
    assert "refusal.blunt" not in fired(rules, "应该是商品不支持上门取件的哈", "为什么没有上门取件的选项呢?")
    assert "refusal.blunt" in fired(rules, "不支持上门取件", "能上门取件吗")


@pytest.mark.parametrize(
    "message",
    [
        "可是我下单要求开的是纸的啊 为啥变成电子发票了",  # what came instead of what was asked
        "我给你说了那么半天，你现在还不知道是我哪个订单吗?",
        "我收到短信，正在派送 打快递员电话，快递员不接",
        "我的这个订单下午没有送达\n可是你们页面上显示送达了",
    ],
)
def test_complaints_of_batch9_are_recognised(rules, message):
    assert "complaint.no_apology" in fired(rules, "好的，马上帮您看", message)


def test_shen_qing_and_dan_shi_bu_shi_are_no_request_or_question(rules):
    # 申请 holds 请 and 但是不是 holds 是不是: neither asks anything, so 好的 is in proportion
    assert "length.disproportion" not in fired(
        rules, "好的", "有客服打电话过来了，但是不是我本人 我已经申请了"
    )
    assert "length.disproportion" in fired(rules, "好的", "有客服打电话过来了，请问是不是你们打的电话呢")


@pytest.mark.parametrize(
    "message",
    [
        "今天安装，连接不上",  # a function that fails: 连接不上
        "[链接x] 我没有收到这本书",
        "为什么到现在还没解决",
        "[数字x]号了还没发货，[数字x]号能到吗",  # a date before the status
        "明天能不能到啊!不是预计今天吗",  # a rhetorical 不是…吗
        "第三方退货申请被关闭是什么情况",  # something done to the buyer
    ],
)
def test_complaints_of_batch10_are_recognised(rules, message):
    assert "complaint.no_apology" in fired(rules, "好的，马上帮您看", message)


@pytest.mark.parametrize(
    "message",
    [
        "钱没到账，页面上明明退款成功了",  # not received though shown done, in either order
        "我同事跟我一起下的单，她的早就到了，我的还没发",  # theirs came, mine not
        "下班去取件，驿站每次都关门",  # a place that is always shut
        "订单显示配送失败是什么情况",  # a status that failed
        "耳机有点毛病 左边没声",  # an item with a fault
        "盒子里连说明书都没有",  # a bare minimum missing
        "吹风机用着用着突然断电了",  # a machine that stops by itself
    ],
)
def test_complaints_of_batch12_are_recognised(rules, message):
    assert "complaint.no_apology" in fired(rules, "请问是哪个订单呢", message)


@pytest.mark.parametrize("message", ["连发票都没有吗", "手机有问题可以保修吗", "我的早就到了，你们真快"])
def test_questions_and_praise_near_the_batch12_cues_are_no_complaint(rules, message):
    assert "complaint.no_apology" not in fired(rules, "请问是哪个订单呢", message)


def test_a_promise_to_notify_and_the_agents_own_look_are_next_steps(rules):
    complaint = "买的安装服务，为什么一直没收到验证码"
    assert "complaint.no_action" not in fired(rules, "抱歉让您久等了，订单完成后会短信通知您的", complaint)
    assert "complaint.no_action" not in fired(rules, "抱歉，有订单号吗 我看看", complaint)
    assert "complaint.no_action" in fired(rules, "抱歉，这个我也看不到呢", complaint)


def test_a_hypothesis_across_a_comma_is_no_complaint(rules):
    message = "放超市，我没意见，就是问，万一打开，坏了，怎么办?"
    assert not fired(rules, "好的，马上帮您看", message) & {"complaint.no_apology", "complaint.no_action"}


def test_the_agents_own_worry_is_no_empathy_but_a_patient_wait_is(rules):
    complaint = "我[数字x]月[数字x]号下的单子不至于这么慢吧"
    worry = [("agent", "我们也担心为您送到的时候您不在家，再运回去很麻烦的啦")]
    assert "complaint.no_apology" in fired(rules, "需要预约的呢", complaint, history=worry)
    assert "complaint.no_apology" not in fired(rules, "您别担心，我帮您催一下", complaint)
    assert "complaint.no_apology" not in fired(rules, "辛苦耐心等待一下哈，配送的时候会联系您的", complaint)


def test_already_done_yet_not_is_a_complaint_and_a_purpose_is_a_reason(rules):
    message = "这个订单，我已经把东西送到配送站了 售后显示还没发出去"
    assert "complaint.no_apology" in fired(rules, "请您稍等一下，正在为您核实处理中哦~", message)
    reply = "为了客户账户与信息安全，我们是无法操作修改的，亲爱的"
    assert "refusal.blunt" not in fired(rules, reply, "帮忙让我联系他")


# precision on text the rules were not written on (the forward-chained look at the fresh batches):
# the complaint rules' wrong alarms were mostly next steps agents write in other forms, and how-to
# questions that name a fault


@pytest.mark.parametrize(
    "reply",
    [
        "钱都已经退了哦",  # a resolution stated
        "这种情况不需要您承担运费的",  # a cost taken off the buyer
        "质量问题是不收运费的哦",
        "建议您先把两件分开下单",  # a suggestion of what to do
    ],
)
def test_resolutions_costs_taken_off_and_suggestions_are_next_steps(rules, reply):
    assert "complaint.no_action" not in fired(rules, reply, "等了一个星期了还没退款")


def test_a_suggestion_to_wait_is_no_next_step(rules):
    for reply in ("建议您耐心等待一下", "建议您先等一等的哦", "建议再观察两天"):
        assert "complaint.no_action" in fired(rules, reply, "都一个星期了还没到"), reply


@pytest.mark.parametrize(
    "message", ["吹风机坏了怎么报修", "耳机坏了 一定要寄回去维修吗", "屏幕坏了要不要走售后？"]
)
def test_how_to_get_a_fault_repaired_is_a_question(rules, message):
    assert not fired(rules, "您在订单页申请售后就可以", message) & {
        "complaint.no_apology",
        "complaint.no_action",
    }


def test_a_fault_stated_before_a_repair_step_is_still_a_complaint(rules):
    assert "complaint.no_apology" in fired(rules, "您在订单页申请售后就可以", "才用了两天就坏了 需要返修")


def test_a_refused_return_is_no_unanswered_phone(rules):
    message = "商家不接受我退货，让我改成无理由 请问可以么"
    assert "complaint.no_apology" not in fired(rules, "您提供下订单号", message)
    assert "complaint.no_apology" in fired(rules, "您提供下订单号", "快递员电话一直不接")


def test_cancelled_yet_still_on_its_way_is_a_complaint_and_the_orders_stage_a_reason(rules):
    assert "complaint.no_apology" in fired(rules, "您的订单编号是多少", "订单我取消了 怎么还在配送")
    assert "refusal.blunt" not in fired(rules, "亲这个订单生成 没有办法修改地址的哦", "帮我改个地址")


@pytest.mark.parametrize(
    "message",
    [
        "我订单留的手机号打不通了，因为手机丢了",  # the buyer's own phone
        "一定要备注好，因为快递联系不上我",
        "我白天上班用不了手机，放门卫就行",
        "外壳摔裂了，通过平台换一个多少钱",  # what a repair costs
        "耳机坏了，怎么报修",
        "不会是二手的吧😄 我就问问",  # a tag question
        "我有几个快递地址填错了 下单时没注意",  # the buyer's own mistake
        "退款 还未收到货 帮我拦截吧",  # not received yet, as the reason for a request
        "页面说今天到的 还能到吗",  # the promised day has not passed
        "我买的耳机价格怎么变成[数字x]了",  # a price question
        "总不会要我重新下单吧?",
    ],
)
def test_the_buyers_own_situation_and_questions_near_complaint_cues_are_no_complaint(rules, message):
    assert not fired(rules, "请问是哪个订单呢", message) & {"complaint.no_apology", "complaint.no_action"}


@pytest.mark.parametrize(
    "message",
    [
        "快递员电话打不通，东西还没送来",
        "其他的都到了 是不是漏发了",
        "下单五天了 不至于这么慢吧",
        "说好今天到的 还没到",
    ],
)
def test_complaints_next_to_those_questions_are_still_complaints(rules, message):
    assert "complaint.no_apology" in fired(rules, "请问是哪个订单呢", message)


def test_not_promising_with_words_between_is_no_refusal(rules):
    assert "refusal.blunt" not in fired(rules, "这个我们也没办法先跟您保证呢", "一般几天能到广州")


def test_a_review_in_hand_is_a_next_step(rules):
    for reply in ("我这边帮您审核一下", "已经在审核了"):
        assert "complaint.no_action" not in fired(rules, reply, "申请退款两天了一直没有反应"), reply


@pytest.mark.parametrize(
    "reply",
    [
        "我们店里没有的..没办法给您搭配",  # a negative state before 没办法
        "生鲜类不支持开专票哦",  # a kind of goods
        "删除了就无法恢复了哦",  # a consequence, not a refusal
    ],
)
def test_reasons_and_consequences_around_refusal_words(rules, reply):
    assert "refusal.blunt" not in fired(rules, reply, "可以吗")


@pytest.mark.parametrize(
    "message",
    [
        "你好麻烦查一下这个单为什么取消了，谢谢",  # 你好 + 麻烦, not 好麻烦
        "鞋子降价了，能补吗? 我还没收到货",  # a price drop before delivery
        "我换了手机号，收不到验证码，现在也登录不上了",  # the buyer's own new phone
    ],
)
def test_greetings_price_drops_and_a_new_phone_are_no_complaint(rules, message):
    assert not fired(rules, "请问是哪个订单呢", message) & {"complaint.no_apology", "complaint.no_action"}


@pytest.mark.parametrize(
    "reply",
    [
        "如果您无法及时取件呢",  # a condition
        "不可能退回的",  # 不可能 is a statement
        "不可以的哦 这边需要预约的呢",  # a step the buyer must take first
        "正常情况下是不支持修改的，您看下订单页有没有修改按钮",  # a way to check
        "大家电不支持自提呢",  # a kind of goods
    ],
)
def test_conditions_statements_and_reasons_are_no_blunt_refusal(rules, reply):
    assert "refusal.blunt" not in fired(rules, reply, "可以吗")


def test_a_deduction_asked_about_is_no_complaint_and_a_return_address_is_a_step(rules):
    assert not fired(rules, "您说的是哪一笔", "我不确定退货要被扣多少钱") & {
        "complaint.no_apology",
        "complaint.no_action",
    }
    assert "complaint.no_action" not in fired(rules, "抱歉，售后返件地址发您了", "充电宝一个口不能用了")


@pytest.mark.parametrize(
    "message",
    [
        "本来应该可以上午送到的。",  # what should have happened
        "你赶紧帮我催一下吧 昨天跟我说今天出结果",  # a promise recalled
        "为什么我昨天拍的要等5号才可以到货",  # why must it wait until
        "还有这个单子没有申请成功 退款",  # an operation that failed
        "对 就收到两个小箱子",  # only part arrived, with a count
        "开机有主板logo，进桌面就黑了",  # a machine that stops by itself
        "我之前不是要退款吗\n怎么还给我寄",  # still sent to the buyer
        "我在没发货之前修改了啊!",  # what the buyer did already, insisted on
    ],
)
def test_complaints_told_as_structures_not_keywords(rules, message):
    assert "complaint.no_apology" in fired(rules, "请问是哪个订单呢", message)


def test_a_menu_label_is_no_complaint_and_steps_to_you_or_a_party_told_are_steps(rules):
    assert not fired(rules, "请问是哪个订单呢", "咨询订单号:[订单x] 少件咨询") & {
        "complaint.no_apology",
        "complaint.no_action",
    }
    for reply in ("好的，我帮你联系一下", "抱歉，已经告知站点了"):
        assert "complaint.no_action" not in fired(rules, reply, "预约了，两天都没来"), reply


def test_a_statement_after_a_refusal_is_its_reason(rules):
    assert "refusal.blunt" not in fired(rules, "不可以的呢 取件单是单独有师傅取件的呢", "可以吗")
    for reply in ("是不可以的呢", "不可以的呢 这个是无法修改的"):
        assert "refusal.blunt" in fired(rules, reply, "可以吗"), reply


def test_a_party_that_did_not_answer_and_a_refused_operation_are_complaints(rules):
    for message in (
        "我刚在商品页面联系卖家 也没回复",
        "显示该笔订单当前无法取消",
        "以前不都是有送货员的电话!",
    ):
        assert "complaint.no_apology" in fired(rules, "请问是哪个订单呢", message), message


def test_what_the_agent_needs_to_act_and_another_way_that_works_are_steps(rules):
    for reply in ("手机号码", "电子发票也是可以报销的哦"):
        assert "complaint.no_action" not in fired(rules, reply, "没收到快递 怎么显示签收了"), reply


def test_a_no_to_what_the_product_can_do_is_an_answer_not_a_refusal(rules):
    for message in ("请问这款剃须刀在充电的时候可以使用吗?", "那能调低亮度吗?", "用电信的卡可以吗"):
        assert "refusal.blunt" not in fired(rules, "不可以的", message), message
    assert "refusal.blunt" not in fired(rules, "不能自动带呢", "应该有开过吧 开票系统可以自动带出")
    # the same asked as A-not-A
    for message in ("这个能不能防水", "可不可以连接电脑"):
        assert "refusal.blunt" not in fired(rules, "不能", message), message
    assert "refusal.blunt" in fired(rules, "不能", "能不能改地址")
    # a request worded as a question is still refused
    for message in ("请问，正常情况，这样可以改地址吗", "能用优惠券吗", "能调货吗", "可以开纸质的发票不"):
        assert "refusal.blunt" in fired(rules, "不可以的", message), message


def test_unless_message_is_checked_on_the_buyer_message(tmp_path):
    path = tmp_path / "checklist.toml"
    path.write_text(
        'version = 1\n[[rule]]\nid = "x.no"\nseverity = "warn"\nmessage = "m"\nguidance = "g"\n'
        'find = ["不行"]\nunless_message = ["功能"]\n',
        encoding="utf-8",
    )
    rules = load_checklist(path)
    assert check("不行", "有这个功能吗", rules=rules).passed
    assert not check("不行", "可以退吗", rules=rules).passed
    assert not check("不行", rules=rules).passed


def test_work_pushed_onto_the_buyer_unanswered_asks_and_a_call_that_failed_are_complaints(rules):
    for message in (
        "说是不在配送范围 让我自己去取",
        "昨天另外一个没收到问过 问过两次了 目前还没收到回复",
        "交易纠纷也申请了。可为啥就是不处理?",
        "付款了不发货这算啥事?",
        "我们和你联系电话没接通",
    ):
        assert "complaint.no_apology" in fired(rules, "请问是哪个订单呢", message), message
    assert "complaint.no_action" not in fired(rules, "我帮你;联系", "让我自己去取")


def test_a_party_that_could_not_find_it_an_answer_demanded_and_what_is_the_matter_are_complaints(rules):
    for message in ("他们找不到", "?????不行我申请退款 回答我", "请问我这个空调的配送是怎么回事?"):
        assert "complaint.no_apology" in fired(rules, "请问是哪个订单呢", message), message
    # wanting to know, without a thing of the buyer's gone wrong, is a question
    assert "complaint.no_apology" not in fired(rules, "请问是哪个订单呢", "我想知道这是怎么回事")
