"""The top answers the object of the buyer's asking clause (issue 12, asked_object.py): a case whose
own question is about something else, and whose reply does not name what is asked, is not shown first."""

from __future__ import annotations

from assistant.adaptation import Suggestion
from assistant.asked_object import (
    another_object,
    another_value,
    asked_clause,
    asked_object,
    asked_values,
    compared_measure,
    content_words,
    takes_up_measure,
)


def test_the_object_is_what_the_asking_clause_names_and_the_chat_did_not():
    # the item named before and the values (a figure) are no object; the new noun of the question is
    assert asked_object("那个储物柜能用余额付吗", ["买家: 储物柜有现货吗"], ["储物柜"]) == {"余额"}
    # a clause that asks nothing gives no object
    assert asked_object("邮费我已经付过了", []) == frozenset()
    # a word the chat already said is context, not what this question adds
    assert asked_object("那邮费可以退吗", ["客服: 亲 邮费是单独算的"]) == frozenset()


def test_guessed_words_and_figures_name_nothing():
    # jieba's guess 能机 (a modal joined to 机洗) and a figure (12期) are not objects
    assert not content_words("这个能机洗吗")
    assert not {w for w in content_words("能分12期吗") if any(ch.isdigit() for ch in w)}


def test_a_case_about_another_named_thing_is_another_object():
    asked = frozenset({"余额"})
    # its question names 订单 and 超时, its reply says nothing of the balance
    assert another_object(asked, "订单超时了怎么办", "超时未付会自动关闭，重新拍就行")
    # a reply that names the asked word (or a two-character part of it) answers it
    assert not another_object(asked, "订单超时了怎么办", "可以用余额和花呗组合付款")
    assert not another_object(frozenset({"会员价"}), "有优惠吗", "会员每单额外95折")
    # a case question naming nothing but its item is no other object
    assert not another_object(asked, "沙发怎么样", "挺好的", ["沙发"])


def test_the_case_of_the_asked_object_still_answers(assistant):
    # the buyer asks the case's own object: nothing is taken from it
    result = assistant.suggest("能开专票吗 公司买的")
    top = result.suggestions[0]
    assert not top.holding
    assert "专票" in top.reply, top.reply


def test_the_asking_clause_is_read_apart_from_what_the_buyer_tells():
    # the reason told first is not what is asked; a message asking nothing has no asking clause
    assert asked_clause("卡里钱不多了 能拿红包抵一部分吗") == "能拿红包抵一部分吗"
    assert asked_clause("东西今天收到了") == ""


def test_a_candidate_far_below_the_nearest_question_is_not_shown_first(assistant):
    adapter = assistant.engine.adapter
    margin = adapter.rules.object_margin
    near = Suggestion("可以组合付款", 0.7, ("near",), "payment")
    far = Suggestion("超时未付会自动关闭", 0.95, ("far",), "payment")
    low = Suggestion("拍下后尽快付款", 0.5, ("low",), "payment")
    close = Suggestion("结算页可以选花呗", 0.8, ("close",), "payment")
    computed = Suggestion("满99包邮", 0.9, (), "shipping_fee")  # no case: nothing to compare
    similarity = {"near": 0.7, "far": 0.7 - margin - 0.05, "low": 0.1, "close": 0.7 - margin + 0.05}
    ranked = {
        s.reply: s.score for s in adapter.far_objects_down([near, far, low, close, computed], similarity)
    }
    assert (
        ranked["超时未付会自动关闭"] < ranked["可以组合付款"] == 0.7
    )  # about another object: below the nearest
    assert ranked["拍下后尽快付款"] == 0.5  # already below it: still offered, as it was
    assert ranked["结算页可以选花呗"] == 0.8  # within the margin: the same object, other words
    assert ranked["满99包邮"] == 0.9


def test_the_told_clause_does_not_pull_the_top_to_another_object(assistant):
    # 放驿站 / 不方便 tell why; 能换顺丰送到家吗 asks: not answered with remote-area delivery
    message = "快递老给我放驿站 我妈不方便 能换顺丰送到家吗 加钱可以"
    hits = assistant.engine.retriever.search(message, (), k=15)
    similarity = assistant._object_similarity(message, hits, None)
    assert set(similarity) == {h.case.id for h in hits}
    top = assistant.suggest(message).suggestions[0]
    assert "偏远地区" not in top.reply, top.reply


def test_a_message_asking_nothing_compares_nothing(assistant):
    message = "快递今天到了 谢谢"
    hits = assistant.engine.retriever.search(message, (), k=5)
    assert assistant._object_similarity(message, hits, None) == {}


def test_a_greeting_is_not_pushed_below_a_question_that_adds_an_object(assistant):
    # a case asked 在吗 + 包邮吗 comes nearer to 在吗 than the greeting cases do; the margin is read
    # within a scenario, so the greeting still answers a buyer who only says hello
    top = assistant.suggest("亲在吗？").suggestions[0]
    assert top.scenario == "greeting", top.reply
    assert "包邮" not in top.reply, top.reply


def test_a_reply_about_another_place_or_courier_is_another_value(extractor):
    asked = asked_values(extractor.extract("澳门能寄吗"), ("place", "courier"))
    assert asked == {"place": frozenset({"澳门"})}
    # the remote-area rule names other places and not this one: another object of the same kind
    assert another_value(asked, extractor.extract("新疆、西藏不包邮，其他地区满99包邮"))
    # naming the asked place beside others takes it up; naming no place is no other object
    assert not another_value(asked, extractor.extract("澳门和新疆都要补运费"))
    assert not another_value(asked, extractor.extract("付款后48小时内发货"))
    # a case written for another courier, its reply naming none, asks about that courier
    couriers = asked_values(extractor.extract("可以走圆通吗"), ("courier",))
    assert another_value(
        couriers, extractor.extract("不好意思，这家暂时不合作"), extractor.extract("发韵达吗")
    )
    assert not another_value(couriers, extractor.extract("可以的"), extractor.extract("圆通能发吗"))


def test_a_candidate_about_another_value_is_never_first(assistant):
    adapter = assistant.engine.adapter
    remote = Suggestion("偏远地区新疆、西藏需补运费", 0.9, ("remote",), "shipping_fee")
    plain = Suggestion("付款后48小时内发货", 0.6, ("plain",), "shipping_fee")
    ranked = {s.reply: s.score for s in adapter.other_values_down([remote, plain], "寄澳门行吗", {})}
    assert ranked["偏远地区新疆、西藏需补运费"] < ranked["付款后48小时内发货"] == 0.6
    # alone, it is taken below the floor: a holding reply is shown instead
    alone = adapter.other_values_down([remote], "寄澳门行吗", {})
    assert alone[0].score < adapter.rules.min_score
    # a message asking nothing, or naming no place or courier, changes nothing
    assert adapter.other_values_down([remote], "我在澳门", {})[0].score == 0.9
    assert adapter.other_values_down([remote], "几天能到", {})[0].score == 0.9


def test_a_courier_the_buyer_can_only_receive_is_not_answered_with_the_default(assistant):
    # the default courier is another courier than the one asked: the hold names the asked one
    top = assistant.suggest("能走极兔吗 我们这只有极兔能送").suggestions[0]
    assert "极兔" in top.reply, top.reply
    couriers = {f.value for f in assistant.engine.extractor.extract(top.reply) if f.kind == "courier"}
    assert couriers <= {"极兔"}, top.reply


def test_a_hold_does_not_name_a_neighbouring_object_for_an_asked_courier(assistant):
    adapter = assistant.engine.adapter
    assert adapter.topic_drops_the_value("可以改成圆通吗", "换货和改规格的事")
    assert not adapter.topic_drops_the_value("可以改成圆通吗", "圆通的事")
    assert not adapter.topic_drops_the_value("可以换个颜色吗", "换货的事")


def test_the_compared_measure_is_the_one_written_after_two_figures(assistant):
    skip = assistant.engine.adapter.rules.not_measures
    assert compared_measure("120目跟600目差在哪", skip) == ("目", frozenset({"120", "600"}))
    assert compared_measure("64GB和128GB选哪个好", skip) == ("gb", frozenset({"64", "128"}))
    # figures followed by a function character, or one figure of a measure, compare no measure
    assert compared_measure("36的和37的哪个合适", skip) is None
    assert compared_measure("买3个还是5个", skip) is None
    assert compared_measure("2米的床配1.8米的垫子行吗", skip) == ("米", frozenset({"2", "1.8"}))
    assert compared_measure("1米8的床能用吗", skip) is None
    assert takes_up_measure("目数越大越细", "目", frozenset({"120", "600"}))
    assert not takes_up_measure("先泡水再磨", "目", frozenset({"120", "600"}))


def test_a_reply_not_speaking_of_the_compared_measure_is_not_first(assistant):
    adapter = assistant.engine.adapter
    how = Suggestion("先把石头泡透水，斜着推磨", 0.9, ("how",), "usage_question")
    grit = Suggestion("粗目修缺口，细目抛光", 0.7, ("grit",), "usage_question")
    ranked = adapter.other_measure_down([how, grit], "120目跟600目差在哪？")
    assert max(ranked, key=lambda s: s.score).sources == ("grit",)
    # with no candidate taking the measure up, or no measure compared, nothing changes
    assert adapter.other_measure_down([how], "120目跟600目差在哪？")[0].score == 0.9
    assert adapter.other_measure_down([how, grit], "石头要泡多久？")[0].score == 0.9


def test_a_which_one_knowledge_case_answers_a_usage_question_not_the_reverse(assistant):
    from types import SimpleNamespace

    adapter = assistant.engine.adapter
    tag = adapter.rules.knowledge_tag
    which = SimpleNamespace(scenario="recommendation", tags=(tag,))
    care = SimpleNamespace(scenario="usage_question", tags=(tag,))
    # the grit case written as a "which one" answer is of a difference question read as usage
    assert adapter.of_scenario(which, "usage_question")
    # a care answer recommends nothing; a case without the knowledge tag keeps its own scenario
    assert not adapter.of_scenario(care, "recommendation")
    assert not adapter.of_scenario(SimpleNamespace(scenario="recommendation", tags=()), "usage_question")
