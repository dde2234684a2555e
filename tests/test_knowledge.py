"""Category knowledge (issue 12): what a trained agent of the category knows without looking anything
up (crystallised honey, a spatula for a non-stick pan, a smart plug's Wi-Fi band, how a trekking pole is
adjusted) is answered from the ``pack-knowledge-*.jsonl`` cases, hedged where products differ; such a
case is shown only for the kind of item it speaks of and for the property asked, never because the
item's name alone makes it look close (Adapter.knowledge_fits)."""

from __future__ import annotations

import pytest
from conftest import turns


def knowledge_sources(result) -> list[str]:
    return [s for suggestion in result.suggestions for s in suggestion.sources if s.startswith("know-")]


@pytest.mark.parametrize(
    ("message", "history", "says"),
    [
        ("空气炸锅里面能铺一层锡纸吗", [], "锡纸"),
        ("铸铁锅放了一阵子长锈了 还能用吗", [], "锈"),
        ("登山杖的长短要怎么调节", [], "锁紧"),
        ("人呢", ["买家: 这条浴巾用久了会不会掉毛"], "浮毛"),
        ("换狗粮要怎么换", [], "新粮"),
    ],
)
def test_category_knowledge_is_answered_instead_of_held(assistant, message, history, says):
    result = assistant.suggest(message, history=history or None)
    assert not result.abstained, result.abstain_reason
    top = result.suggestions[0]
    assert top.sources and top.sources[0].startswith("know-"), (top.sources, top.reply)
    assert says in top.reply, top.reply


@pytest.mark.parametrize(
    "message",
    [
        "床垫有几种硬度可以选",  # a mattress's smell case shares only the item
        "这个猫砂盆有带盖子的款吗",  # a 猫条 case must not become 猫砂盆属于零嘴
        "登山杖一根大概多重",  # the pole's weight is this shop's fact, not how to adjust it
        "充电宝是多少毫安的",
    ],
)
def test_knowledge_is_not_shown_for_another_question_about_the_item(assistant, message):
    assert not knowledge_sources(assistant.suggest(message)), assistant.suggest(message).suggestions


def test_knowledge_fits_needs_the_kind_of_item_and_the_property(assistant):
    adapter = assistant.engine.adapter
    cases = {c.id: c for c in assistant.engine.corpus.cases}
    treats = next(c for c in cases.values() if "常识" in c.tags and c.buyer.startswith("猫条"))
    towel = next(c for c in cases.values() if "常识" in c.tags and "毛巾掉毛" in c.buyer)

    def fits(case, message, history=(), similarity=0.6):
        chat = turns(*history)
        return adapter.knowledge_fits(case, message, chat, assistant.conversation(message, chat), similarity)

    assert fits(treats, "猫条能天天喂吗")
    assert not fits(treats, "猫砂盆每天都要清理吗")  # another kind of item: 盆 is no 条
    assert fits(towel, "浴巾掉毛吗")  # 浴巾 is a towel too
    assert not fits(towel, "浴巾吸水吗")  # the same item, another property
    assert fits(towel, "浴巾吸水吗", similarity=0.9)  # …unless the whole question is that close
    # a question chased with 人呢 is the one asked
    assert fits(towel, "人呢", ["买家: 浴巾会不会掉毛"])


def test_a_care_question_fits_by_what_it_asks_the_kind_by_its_item_the_cloth_by_its_material(assistant):
    """Care questions asked in words of their own (扔洗衣机 for a case about 水洗, 弄脏了能擦吗 for one
    about 清理) fit by the kind of question ([holding_wording] answered_by); a kind word that only names
    the whole category (宠物) asks for no item word; a case about one material (真丝) fits no chat that
    names another (纯棉)."""
    adapter = assistant.engine.adapter
    cases = {c.id: c for c in assistant.engine.corpus.cases}

    def case(start):
        return next(c for c in cases.values() if "常识" in c.tags and c.buyer.startswith(start))

    def fits(found, message, history=(), similarity=0.6):
        chat = turns(*history)
        return adapter.knowledge_fits(found, message, chat, assistant.conversation(message, chat), similarity)

    quilt, suede = case("羽绒被能水洗"), case("翻毛皮的鞋")
    fountain, shell, silk = case("宠物饮水机"), case("冲锋衣能放洗衣机"), case("真丝的衣服")
    assert fits(quilt, "可以直接扔洗衣机里转吗", ["买家: 这床羽绒被收到了"])
    assert not fits(quilt, "被套是什么颜色的", ["买家: 这床羽绒被收到了"])  # no care question
    assert fits(suede, "鞋面弄脏了能拿湿布擦吗", ["买家: 翻毛皮的短靴到了"])
    assert fits(fountain, "狗狗用的饮水机 滤芯要多久换")
    assert fits(shell, "户外穿的冲锋衣能不能机洗")
    assert not fits(silk, "纯棉的衣服怎么洗 能机洗吗", similarity=0.9)


@pytest.mark.parametrize(
    ("message", "history", "source", "says"),
    [
        ("这锅以后能丢洗碗机里洗不", ["买家: 铸铁锅收到了 挺沉"], "know-kitchen-018", "不建议进洗碗机"),
        ("光猫出来的网线插路由器哪个口", ["买家: 路由器到货了"], "know-electronics-017", "WAN"),
        ("沙发垫洗完以后能进烘干机吗", [], "know-home-018", "洗标"),
        # common know-how a buyer asks of any shop (descaling, lacing, lubricant, a teether)
        ("跑步机跑带有点涩 要不要加润滑油", [], "know-sports-018", "硅油"),
        ("这个牙胶能不能放开水里煮 宝宝多大能用", [], "know-baby-019", "说明书"),
        ("系好了还是长一截拖在地上 有啥系法", ["买家: 运动鞋收到了"], "know-shoes-017", "鞋孔"),
        ("热水壶底下积了好多水垢 咋弄", [], "know-kitchen-011", "柠檬酸"),
    ],
)
def test_care_questions_a_trained_agent_answers(assistant, message, history, source, says):
    result = assistant.suggest(message, history=history or None)
    assert not result.abstained, result.abstain_reason
    top = result.suggestions[0]
    assert source in top.sources, (top.sources, top.reply)
    assert says in top.reply, top.reply


def test_a_knowledge_reply_does_not_say_it_will_check_what_its_question_names(assistant):
    """A reply of category knowledge answers the question it was written for, in its own words (过滤部件
    隔几周就要换 for 滤芯多久换一次): the clause a reply to several questions adds for the parts it leaves
    open does not name that part as still to check."""
    result = assistant.suggest("家里猫咪的饮水机 滤芯要多久换 水箱怎么清洗")
    top = result.suggestions[0]
    assert "know-pets-014" in top.sources, (top.sources, top.reply)
    assert "滤芯" not in top.reply and "确认" not in top.reply, top.reply


def test_a_case_for_an_item_named_by_its_material_is_not_for_one_that_only_ends_like_it(assistant):
    adapter = assistant.engine.adapter
    iron = next(
        c for c in assistant.engine.corpus.cases if "常识" in c.tags and c.buyer.startswith("铸铁锅第一次")
    )

    def fits(message):
        return adapter.knowledge_fits(iron, message, [], assistant.conversation(message, []), 0.9)

    assert fits("铸铁锅第一次用怎么开锅")
    assert not fits("砂锅第一次用怎么开锅")  # 砂锅 ends like 铁锅 but is no iron: not seasoned with oil


@pytest.mark.parametrize(
    ("message", "source", "says", "never"),
    [
        # the clay pot's own case, not the iron pan's or the any-pan template's oil seasoning
        ("砂锅第一次用要怎么开锅 用米汤煮是吗", "know-kitchen-002", "米汤", "抹一层"),
        # powder is kept dry, not refrigerated like an opened perishable
        ("奶粉罐开了能放多久 要放冰箱吗", "know-baby-018", "不建议放冰箱", "放冰箱冷藏"),
    ],
)
def test_care_written_for_another_kind_or_form_is_never_shown(assistant, message, source, says, never):
    result = assistant.suggest(message)
    top = result.suggestions[0]
    assert top.sources == (source,), (top.sources, top.reply)
    assert says in top.reply, top.reply
    assert not any(never in s.reply for s in result.suggestions), [s.reply for s in result.suggestions]


def test_a_bare_how_is_asked_of_what_the_message_told_and_a_tagged_topic_is_named(assistant):
    """A buyer who tells what they see and then asks a bare how (壶底一层水垢 咋弄) asks about that
    (the 水垢), not about the 弄; a topic the trainer tagged the case with, said as it is inside a longer
    clause (内壁结了一层厚厚的水垢), is what the question is about."""
    adapter = assistant.engine.adapter
    kettle = next(c for c in assistant.engine.corpus.cases if "常识" in c.tags and "水垢" in c.tags)

    def fits(message):
        return adapter.knowledge_fits(kettle, message, [], assistant.conversation(message, []), 0.6)

    assert fits("热水壶底下积了好多水垢 咋弄")
    assert fits("热水壶内壁结了一层厚厚的水垢怎么去除")
    assert not fits("电水壶烧开要多久")  # the same item, another property


def test_a_kind_named_only_in_the_tags_still_holds_the_case_to_its_kind(assistant):
    """A case whose question names its item in everyday words (宝宝牙膏) and its kind in the tags
    (儿童牙膏) answers the toothpaste, never a teether (胶 is no 膏)."""
    adapter = assistant.engine.adapter
    paste = next(c for c in assistant.engine.corpus.cases if "常识" in c.tags and "儿童牙膏" in c.tags)

    def fits(message):
        return adapter.knowledge_fits(paste, message, [], assistant.conversation(message, []), 0.75)

    assert not fits("给孩子磨牙的牙胶能不能用开水烫")
    assert fits("孩子刷牙把儿童牙膏咽下去了 要紧吗")


@pytest.mark.parametrize(
    "message",
    [
        "推荐一套适合新手的化妆刷 别太贵",  # a recommendation, not whether new brushes shed
        "想买个羽毛球拍 有没有适合初学的",  # nor how many pounds to string one
    ],
)
def test_a_care_answer_does_not_answer_a_recommendation(assistant, message):
    result = assistant.suggest(message)
    assert not knowledge_sources(result), [(s.sources, s.reply) for s in result.suggestions]
