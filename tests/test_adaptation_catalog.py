"""Answers from the shop's own catalog and profile (issue 12): a size read off the shop's size
chart for the buyer's measurements, and a product's key facts (material, care, use) for a buyer
who asks about them, instead of a holding reply or a fill-in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import turns

from assistant.conversation import conversation_state
from assistant.corpus import load_corpus
from assistant.errors import CorpusError
from assistant.sizing import ChartError, chart_size, parse_chart

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus(shipped_corpus):
    return shipped_corpus


def test_a_size_is_read_off_a_chart():
    chart = parse_chart("S=150-160cm/80-100斤|M=160-165cm/100-115斤|L=165-170cm/115-130斤")
    assert [row.size for row in chart] == ["S", "M", "L"]
    # each measurement asks for the first size that reaches it; the larger one wins
    assert chart[chart_size(chart, height=165, weight=120)].size == "L"
    assert chart[chart_size(chart, height=165, weight=110)].size == "M"
    assert chart[chart_size(chart, weight=45 * 2)].size == "S"
    # outside the chart, or no measurement it covers: no size
    assert chart_size(chart, height=190, weight=120) is None
    assert chart_size(chart, foot=25) is None
    assert chart_size(chart) is None
    shoes = parse_chart("40=25cm|41=25.5cm|42=26cm")
    assert shoes[chart_size(shoes, foot=25.5)].size == "41"
    assert shoes[chart_size(shoes, foot=25.7)].size == "42"
    assert parse_chart("M=40-50kg")[0].weight == (80, 100)  # kg are read as 斤


@pytest.mark.parametrize("bad", ["S:155-160cm", "S=155-160", "S=tall"])
def test_a_chart_that_cannot_be_read_is_refused(bad):
    with pytest.raises(ChartError):
        parse_chart(bad)


def test_a_bad_chart_in_the_catalog_names_its_line(tmp_path):
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    catalog = tmp_path / "corpus" / "catalog.csv"
    lines = catalog.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("size_chart")] = "S:tall"
    lines[1] = ",".join(row)
    catalog.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"catalog\.csv:2: size chart part 'S:tall'"):
        load_corpus(tmp_path / "corpus")


def test_the_chart_is_the_items_own_else_the_shops_for_its_category(corpus, grounder):
    extractor = grounder.extractor
    # a catalog product with its own chart (jeans sized by waist number)
    jeans = conversation_state("牛仔裤 我165 110斤 穿几码", [], extractor)
    assert [row.size for row in grounder.size_chart(jeans)][:2] == ["25", "26"]
    # no item named: a height with a weight is a clothing question, a foot length a shoe one
    body = conversation_state("一米六五 120斤 穿啥码", [], extractor)
    assert grounder.size_chart(body) == parse_chart(corpus.shop.size_charts["apparel"])
    foot = conversation_state("脚长26cm 穿多大", [], extractor)
    assert grounder.size_chart(foot) == parse_chart(corpus.shop.size_charts["shoes"])
    # a lone length is no body (那1.5米的呢 is a bed), and a pan has no size chart
    assert grounder.size_chart(conversation_state("那1.5米的呢", [], extractor)) == ()
    assert grounder.size_chart(conversation_state("这个炒锅有多大", [], extractor)) == ()
    # the chart's size for this buyer is a shop fact: 建议拿L is grounded, another size of it is not
    assert grounder.ungrounded("亲，这款建议拿L", body) == []
    assert grounder.ungrounded("亲，这款建议拿XL码", body) != []
    assert grounder.chart_fit(body, grounder.size_chart(body)) == (2, "body")


def test_a_buyer_who_gives_measurements_is_told_the_size_of_the_chart(assistant):
    top = assistant.suggest("一米六五 120斤 穿啥码啊").suggestions[0]
    assert "L" in top.reply and "一米六五" in top.reply and not top.fill_ins and not top.holding
    # the buyer's own choice of two is answered with one of them
    pick = assistant.suggest("羽绒服M和L哪个适合165 110斤？").suggestions[0]
    assert "建议拿M" in pick.reply and "羽绒服" in pick.reply
    # a wide foot takes the next size up
    shoe = assistant.suggest("脚长26cm 偏宽 跑鞋拍多大").suggestions[0]
    assert "43" in shoe.reply and "26cm" in shoe.reply
    # 多大码 asks for a size: it names none
    asked = assistant.suggest("脚长25.5cm 宽脚 跑鞋穿多大码啊").suggestions[0]
    assert "42码" in asked.reply and "大码" not in asked.reply.replace("42码", "")


def test_measurements_of_someone_the_buyer_shops_for_are_not_called_the_buyer_s(assistant):
    # judges: "您 for mother" (按您158cm… for the buyer's mother); named as the agent named her
    history = ["买家: 羽绒服 给我妈买的", "客服: 亲 阿姨身高体重多少呀"]
    top = assistant.suggest("一米五八 110斤 穿啥码", history=history).suggestions[0]
    assert "按阿姨" in top.reply and "按您" not in top.reply and not top.holding
    # the agent named nobody: the measurements are said without a 您
    alone = assistant.suggest("给我爸买 一米七 140斤 羽绒服穿啥码").suggestions[0]
    assert "按您" not in alone.reply and "140斤" in alone.reply


def test_a_buyer_asking_about_their_items_facts_is_answered_from_the_catalog(assistant):
    blackout = assistant.suggest("这个窗帘遮光率多少").suggestions[0]
    assert "95%" in blackout.reply and "窗帘" in blackout.reply and not blackout.holding
    assert any(c.why.startswith("商品目录") for c in blackout.changes)  # the agent sees where it came from
    # both parts of a two-part question, each from the catalog entry
    both = assistant.suggest("这个收纳柜要自己安装吗 重不重").suggestions[0]
    assert "安装" in both.reply and "8公斤" in both.reply
    # the item's own name asks nothing: 羊毛衫 is a washing question here, not a material one
    wool = assistant.suggest("羊毛衫能机洗吗 怕洗变形了").suggestions[0]
    assert "手洗" in wool.reply and "变形" in wool.reply
    # a word inside a longer one is not asked (机洗 in 放洗碗机洗), and nothing is appended
    dishwasher = assistant.suggest("不粘锅能放洗碗机洗吗").suggestions[0]
    assert "洗碗机" in dishwasher.reply and "另外" not in dishwasher.reply


def test_the_catalog_does_not_answer_part_of_a_question_or_contradict_the_agent(assistant, corpus):
    phrases = {phrase for product in corpus.catalog for _, phrase in product.details}

    def from_catalog(result) -> bool:
        return any(p in result.suggestions[0].reply for p in phrases)

    # a question the entry has no fact for (猫毛缠滚刷) is not dropped for the one it has (噪音)
    assert not from_catalog(assistant.suggest("猫毛会缠滚刷吗 扫地机噪音大不"))
    # a property asked by its own word (掉毛) is answered only by a phrase naming it
    assert not from_catalog(assistant.suggest("大衣会起球吗 掉不掉毛"))
    # the agent's own figure wins: the entry's 20000mAh is not told to a buyer told 10000mAh
    told = ["买家: 这个充电宝多大容量", "客服: 亲 这款是10000mAh的"]
    assert not from_catalog(assistant.suggest("那能带上飞机吗", history=told))
    agreed = ["买家: 这个充电宝多大容量", "客服: 亲 这款是20000mAh的"]
    assert from_catalog(assistant.suggest("那能带上飞机吗", history=agreed))
    # an upset buyer is not answered with product facts
    assert not from_catalog(assistant.suggest("窗帘根本不遮光 遮光率多少 骗人的吧"))


def test_every_detail_topic_of_the_catalog_is_one_a_buyer_can_ask(assistant, corpus):
    adapter = assistant.engine.adapter
    known = set(adapter.intents.objects) | set(adapter.rules.details_words)
    unknown = {(p.id, t) for p in corpus.catalog for t, _ in p.details if t not in known}
    assert not unknown, f"catalog detail topics no buyer words ask for: {sorted(unknown)}"


def test_a_detail_that_is_not_topic_and_phrase_names_its_line(tmp_path):
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    catalog = tmp_path / "corpus" / "catalog.csv"
    lines = catalog.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3] + "|没有主题的说明"
    catalog.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"catalog\.csv:4: detail '没有主题的说明' is not topic=phrase"):
        load_corpus(tmp_path / "corpus")


@pytest.mark.parametrize(
    ("text", "angry", "escalating"),
    [
        ("想退 没用过 包装拆了", False, False),  # never used, not "useless"
        ("这东西真没用 退钱", True, False),
        ("偶尔来客人五六个人呢", False, False),  # how many people, not "where is everyone"
        ("人呢 怎么还不回", True, False),
        ("一箱到底多少包啊", False, False),  # insists on a number
        ("你们到底发不发货", True, False),
        ("敏感肌能用不 我怕烂脸", False, False),  # a worry, not a reaction
        ("用了两天烂脸了", False, True),
        ("差评能改吗 想改成好评", False, False),  # taking a bad review back
        ("再不发给你差评", False, True),
    ],
)
def test_a_calm_buyer_is_not_read_as_angry_or_escalating(grounder, text, angry, escalating):
    extractor = grounder.extractor
    assert bool(extractor.anger(text)) is angry, extractor.anger(text)
    assert bool(extractor.escalation(text)) is escalating, extractor.escalation(text)


def test_a_recommendation_is_the_shops_own_product_within_the_budget(assistant):
    top = assistant.suggest("想买个破壁机 主要打豆浆 预算500内").suggestions[0]
    assert "家用破壁机" in top.reply and "459元" in top.reply and not top.fill_ins
    # a budget the product does not fit: no product of the catalog is pushed
    over = assistant.suggest("油皮夏天用哪款面霜比较清爽？预算150").suggestions[0]
    assert "169元" not in over.reply and "玻尿酸补水面霜" not in over.reply
    # a question about the item the buyer has is no request for a recommendation, whatever it is read as
    own = assistant.suggest("这件外套是什么面料").suggestions[0]
    assert "我们家的" not in own.reply and "面料" in own.reply and not own.fill_ins
    # a kind of item the catalog does not sell gets no catalog product
    other = assistant.suggest("学生党 3000左右 推荐个笔记本").suggestions[0]
    assert "我们家的" not in other.reply


def test_a_value_the_buyer_asks_about_or_their_own_weight_fills_no_slot(grounder):
    extractor = grounder.extractor
    # 是真皮的吗 asks: the reply may not say 用料是真皮
    asked = conversation_state("这是真皮的吗 会不会掉皮", [], extractor)
    assert grounder.slot_value("material", asked) is None
    told = conversation_state("这款是真皮的", [], extractor)
    assert grounder.slot_value("material", told) == "真皮"
    # a baby's 体重22斤 is not a size to take (建议拿22斤)
    baby = conversation_state("宝宝一岁 身高80 体重22斤 连体衣穿多大", [], extractor)
    assert grounder.slot_value("size", baby) != "22斤"
    # the item phrase already names the size: 您问的NB码NB码纸尿裤 would repeat it
    nb = conversation_state("NB码纸尿裤还有吗", [], extractor)
    assert grounder.slot_value("asked", nb) == ""


def test_a_sold_out_item_is_not_promised_a_dispatch_time(assistant, corpus):
    sold_out = next(p for p in corpus.catalog if p.stock == "sold_out" and p.name == "遮光窗帘")
    for suggestion in assistant.suggest(f"这款{sold_out.name}灰色现货吗").suggestions:
        assert "48小时" not in suggestion.reply, suggestion.reply


def test_the_chart_does_not_overrule_the_size_the_agent_advised(assistant):
    history = ["买家: 卫衣我165 120斤穿什么码", "客服: 亲 建议拿M码哦 版型偏宽松"]
    for suggestion in assistant.suggest("我170 140斤呢 穿什么码", history=history).suggestions:
        assert "建议拿XL" not in suggestion.reply, suggestion.reply
    fresh = assistant.suggest("卫衣我170 140斤呢 穿什么码").suggestions[0]
    assert "建议拿XL" in fresh.reply


def test_a_pans_first_use_and_spatula_are_answered_from_the_catalog(assistant):
    pan = assistant.suggest("煎锅今天到了 第一次使用前要处理吗 能用铁铲子炒吗").suggestions[0]
    assert "不需要开锅" in pan.reply and "铁铲容易刮伤涂层" in pan.reply and not pan.holding


def test_a_topic_word_naming_a_variant_asks_nothing_about_the_topic(assistant):
    # 遮光款 names which curtain; the buyer asks whether it is in stock, not its blackout rate
    top = assistant.suggest("米白色的遮光款还有货吗").suggestions[0]
    assert "遮光率" not in top.reply
    assert "95%" in assistant.suggest("这个窗帘遮光效果怎么样").suggestions[0].reply


def test_a_sold_out_item_is_not_urged_to_be_ordered(assistant):
    for message in ("陶瓷餐具白瓷的现在有货吗", "窗帘米白色的有现货吗"):
        reply = assistant.suggest(message).suggestions[0].reply
        assert not any(w in reply for w in ("放心下单", "放心拍", "直接拍", "早点下单")), reply


def test_asking_whether_there_is_a_kind_of_item_is_a_recommendation(assistant):
    top = assistant.suggest("有没有保湿一点的面霜 两百以内").suggestions[0]
    assert "可以看看我们家的" in top.reply and "预算内" in top.reply, top.reply


@pytest.mark.parametrize(
    ("message", "said"),
    [("想给我姥姥买双冬天穿的棉拖 预算150 推荐一下", "150"), ("给我对象挑个生日礼物 有啥推荐的", "")],
)
def test_a_recommendation_the_catalog_cannot_fill_promises_a_pick_not_a_fill_in(assistant, message, said):
    top = assistant.suggest(message).suggestions[0]
    assert "【" not in top.reply and not top.fill_ins, top.reply
    if top.holding:  # the promise to pick (a catalog item in budget would be named instead)
        assert said in top.reply and "挑" in top.reply, top.reply


def test_a_reply_about_the_buyer_s_measurements_names_whose_they_are(assistant):
    # judges: "您 for mother": the buyer shops for someone and gave that person's measurements
    from assistant.adaptation import Suggestion

    adapter = assistant.engine.adapter
    top = Suggestion("亲，按您的身高体重建议拿L，穿着合身。", 1.0, ("size_advice-001",), "size_advice")
    history = turns("买家: 想给我爸买件夹克", "客服: 亲 叔叔平时穿什么码呀")
    state = assistant.conversation("他172 150斤", history)
    named = adapter.whose_measures(top, "他172 150斤", history, "size_advice", state)
    assert "按叔叔的身高体重" in named.reply  # the agent's word for him
    history = turns("买家: 给宝宝买的连体衣")
    state = assistant.conversation("80cm 20斤", history)
    named = adapter.whose_measures(top, "80cm 20斤", history, "size_advice", state)
    assert "按您宝宝的身高体重" in named.reply  # else the buyer's
    # the buyer's own measurements stay theirs
    state = assistant.conversation("我172 150斤", ())
    assert adapter.whose_measures(top, "我172 150斤", (), "size_advice", state).reply == top.reply
