"""Shop facts nobody asked about (issue 12, assistant/unasked.py): a shop fact a retrieved case's writer
added (a gift promised while refusing a discount, the free-shipping rule, the warranty in a farewell)
is left out for a buyer who did not ask about it either, when the rest of the reply stands; the shop's
default courier is not named for a parcel already on its way; the shop's name and its reply time are
said only when the chat named them or the buyer asks (which shop, when); a coupon goes with a refused
discount unless the buyer asks about coupons."""

from __future__ import annotations

from pathlib import Path

from conftest import turns

from assistant.config import PROJECT_ROOT
from assistant.unasked import load_unasked

REFUSAL = (
    "谢谢亲～一起拍可以看看能不能用上{promotion}，满{free_shipping_threshold}也包邮；"
    "单独再降价这边申请不了，抱歉，我给您备注送{gift}。"
)


def adapted(assistant, template, message, history=(), scenario="bargaining", topics=None):
    """The reply ``template`` becomes for ``message`` (the real adapter, the shipped corpus)."""
    state = assistant.suggest(message, history=list(history) or None).context
    adapter = assistant.engine.adapter
    found, why = adapter.adapt(template, message, turns(*history), scenario, state, topics)
    assert found is not None, why
    return found


def test_a_gift_nobody_asked_for_is_left_out_of_a_refusal(assistant):
    reply, _, fixes, _, _ = adapted(
        assistant, REFUSAL, "两瓶一起拿能少点不", topics=frozenset({"bargaining"})
    )
    assert "收纳袋" not in reply and "99元" not in reply, reply
    # haggling asks for a lower price, not about the shop's promotion: the refusal stays, ended as a sentence
    assert "满199减20" not in reply and reply.endswith("申请不了，抱歉。"), reply
    assert any("gift" in f for f in fixes), fixes


def test_a_gift_asked_for_stays(assistant):
    # asking for something free asks about the shop's gift
    reply = adapted(assistant, REFUSAL, "多送两个小样呗", topics=frozenset({"bargaining"}))[0]
    assert "收纳袋" in reply, reply
    # …and a case written about the gift keeps it whatever this buyer asks
    gift = "亲，这款暂时没有送小样哦；店里现在的赠品是{gift}，{gift_condition}，您看可以吗？"
    reply = adapted(assistant, gift, "两瓶一起拿能少点不", topics=frozenset({"gift", "bargaining"}))[0]
    assert "收纳袋" in reply, reply


def test_the_rest_must_stand_on_its_own(assistant):
    # the whole reply is the shop fact: nothing is left out (the ranking decides whether it fits)
    lone = "亲，全店满{free_shipping_threshold}包邮。"
    assert (
        "99元" in adapted(assistant, lone, "保温杯几种颜色", scenario="stock", topics=frozenset({"stock"}))[0]
    )
    # a condition is not left dangling (万一不合适。): its sentence goes whole
    size = "亲，按您说的建议拿L码，穿着更舒展；万一不合适，签收{exchange_days}内可以换码。"
    reply = adapted(
        assistant, size, "肩膀宽 L会不会紧", scenario="size_advice", topics=frozenset({"size_advice"})
    )[0]
    assert reply.endswith("穿着更舒展。") and "15天" not in reply, reply


def test_a_value_the_chat_said_stays(assistant):
    # the agent stated this chat's free-shipping rule: restating it invents nothing
    history = ("买家: 这个杯子多少钱", "客服: 亲 39.9 满59包邮哦")
    reply = adapted(assistant, REFUSAL, "两个一起能便宜点吗", history, topics=frozenset({"bargaining"}))[0]
    assert "59" in reply, reply


def test_a_parcel_on_its_way_is_not_given_the_default_courier(assistant):
    check = "抱歉让您担心了，我已联系{courier}核实包裹位置，{complaint_reply_time}内给您回复。"
    reply = adapted(assistant, check, "快递停在一个地方两天了 怎么回事", scenario="logistics_tracking")[0]
    assert "联系快递核实" in reply and "中通" not in reply, reply
    # where the courier does not act, the agent fills in which one it went with
    sent = "不好意思，您的包裹已经用{courier}发出了，改不了快递了。"
    reply, _, _, fill_ins, _ = adapted(assistant, sent, "快递停在一个地方两天了 怎么回事", scenario="courier")
    assert "【快递公司】" in reply and "快递公司" in fill_ins, reply
    # the courier the agent named is this order's
    history = ("买家: 发了吗", "客服: 亲 昨天已经发出了 走的圆通")
    reply = adapted(assistant, check, "快递停在一个地方两天了 怎么回事", history, "logistics_tracking")[0]
    assert "圆通" in reply, reply
    # before dispatch, a buyer asking which courier hears the shop's default
    default = "亲，默认发{courier}，我给您备注请{courier}送货上楼。"
    reply = adapted(assistant, default, "你们发什么快递", scenario="courier")[0]
    assert reply.count("中通") == 2, reply


def test_the_shop_is_named_only_when_the_chat_named_it(assistant, monkeypatch):
    greeting = "在的亲，欢迎光临{shop}，请问有什么可以帮您？"
    reply, _, _, _, changes = adapted(assistant, greeting, "在么", scenario="greeting")
    assert "优选生活馆" not in reply and reply.startswith("在的亲，欢迎光临，"), reply
    # the change report says what went (was → now)
    assert any(c.was == "优选生活馆" for c in changes), changes
    # a redirect names no shop either, but reads as a sentence
    scope = "您好，这里是{shop}的购物咨询窗口，如有商品方面的问题欢迎随时咨询。"
    reply = adapted(assistant, scope, "有兼职刷单的活吗", scenario="non_buyer")[0]
    assert "优选生活馆" not in reply and "这里是本店的购物咨询窗口" in reply, reply
    # a buyer asking which shop this is, or an agent who already said the name, hears it
    assert "优选生活馆" in adapted(assistant, greeting, "你们这是哪家店啊", scenario="greeting")[0]
    history = ("买家: 你好", "客服: 您好 欢迎光临优选生活馆")
    assert "优选生活馆" in adapted(assistant, scope, "有兼职刷单的活吗", history, "non_buyer")[0]
    # a trainer who turns the name off in shop.toml is obeyed whatever the chat said
    monkeypatch.setitem(assistant.engine.adapter.grounder.shop.info, "name_in_greeting", False)
    reply = adapted(assistant, greeting, "你们这是哪家店啊", scenario="greeting")[0]
    assert "优选生活馆" not in reply and "欢迎光临，" in reply, reply


def test_a_reply_time_is_promised_only_to_a_buyer_asking_when(assistant):
    check = "不好意思让您着急了，我马上联系快递查一下，{complaint_reply_time}内回复您处理结果。"
    reply, _, _, _, changes = adapted(assistant, check, "物流四天没更新了", scenario="logistics_tracking")
    assert "2小时" not in reply and "尽快回复您处理结果" in reply, reply
    assert any(c.was == "2小时" and c.now == "尽快" for c in changes), changes
    # asked when, the shop's reply time is the answer
    reply = adapted(assistant, check, "物流四天没更新了 多久能给我个说法", scenario="logistics_tracking")[0]
    assert "2小时内回复您" in reply, reply
    # the agent already gave the time: saying it again invents nothing
    history = ("买家: 快递到哪了", "客服: 亲 我去问 2小时内给您回复")
    reply = adapted(assistant, check, "物流四天没更新了", history, "logistics_tracking")[0]
    assert "2小时内回复您" in reply, reply


def test_a_coupon_goes_with_a_refused_discount_and_stays_when_asked(assistant):
    refuse = "亲，这个价确实给不了哦，单独改价这边做不了；可以领{coupon}，下单直接抵扣，您看可以吗？"
    reply, _, _, _, changes = adapted(assistant, refuse, "便宜30行不行", topics=frozenset({"bargaining"}))
    assert "5元" not in reply and reply.endswith("单独改价这边做不了。"), reply
    assert any(c.was == "5元无门槛券" and c.now == "" for c in changes), changes
    # a price objection asks nothing about coupons either
    reply = adapted(
        assistant, refuse, "隔壁店才卖一半", scenario="price_objection", topics=frozenset({"price_objection"})
    )[0]
    assert "5元" not in reply, reply
    # a buyer asking for a coupon is answered with the shop's
    reply = adapted(assistant, refuse, "便宜30行不行 有没有优惠券", topics=frozenset({"bargaining"}))[0]
    assert "5元无门槛券" in reply, reply


def test_every_topic_is_an_object_or_a_scenario(assistant):
    unasked = assistant.engine.adapter.rules.unasked
    known = set(assistant.engine.adapter.intents.objects) | set(assistant.corpus.taxonomy.scenario_ids)
    listed = (
        {t for topics in unasked.topics.values() for t in topics} | set(unasked.asks) | unasked.courier_asks
    )
    assert listed and listed <= known, sorted(listed - known)


def test_a_slot_the_shop_lacks_is_a_problem():
    path = Path(PROJECT_ROOT / "corpus" / "adaptation.toml")
    rules, problems = load_unasked(path, {"topics": {"coupn": ["coupon"]}, "opening": "("}, {"coupon": "5元"})
    assert "coupn" not in rules.topics
    assert any("coupn" in p.message for p in problems) and any("opening" in p.message for p in problems)


def test_far_areas_do_not_concern_a_buyer_elsewhere(assistant):
    rule = "亲，两袋满{free_shipping_threshold}就包邮（{remote_areas}除外）。"
    here = adapted(
        assistant, rule, "两袋包邮吗 我在湖南", scenario="free_shipping", topics=frozenset({"free_shipping"})
    )
    assert "新疆" not in here[0] and "99元" in here[0], here[0]
    # a buyer in a far area, or one the list's 等 may mean, hears it
    for place in ("新疆", "内蒙古"):
        there = adapted(assistant, rule, f"两袋包邮吗 我在{place}", scenario="free_shipping")[0]
        assert "新疆" in there, there
    # a reply that is all about the far areas is not shown to a buyer elsewhere
    far = "亲，{remote_areas}快递成本比较高，需要补一点运费，下单页会直接显示，请您理解。"
    message = "两袋包邮吗 我在湖南"
    state = assistant.suggest(message).context
    found, why = assistant.engine.adapter.adapt(far, message, [], "free_shipping", state)
    assert found is None and "偏远" in why


def test_a_reply_about_a_courier_nobody_named_is_not_shown(assistant):
    refused = "不好意思亲，{asked_courier}这家我们暂时没有合作，这单发不了{asked_courier}哦。"
    message = "发啥快递 周五前能到杭州不"
    state = assistant.suggest(message).context
    found, why = assistant.engine.adapter.adapt(refused, message, [], "courier", state)
    assert found is None and "asked_courier" in why
    assert "申通这家" in adapted(assistant, refused, "能发申通吗", scenario="courier")[0]


def test_the_return_window_is_said_to_a_buyer_asking_about_returns(assistant):
    fit = "好的亲，按您说的腰围，这条裤子穿着会比较合身；万一收到不合身，{return_days}内可以无理由退换。"
    topics = frozenset({"size_advice"})
    reply = adapted(assistant, fit, "腰围72穿什么码", scenario="size_advice", topics=topics)[0]
    assert "7天" not in reply and reply.endswith("会比较合身。"), reply
    # a condition without 如果 goes with its sentence too (收到试穿不满意，… is not left dangling)
    bare = "好的亲，按您说的腰围，这条裤子穿着会比较合身；收到试穿不满意，{return_days}内可以无理由退换。"
    reply = adapted(assistant, bare, "腰围72穿什么码", scenario="size_advice", topics=topics)[0]
    assert reply.endswith("会比较合身。"), reply
    # asked whether it can go back, the window is the answer
    reply = adapted(assistant, fit, "腰围72穿什么码 不合身可以退吗", scenario="size_advice", topics=topics)[0]
    assert "7天内可以无理由退换" in reply, reply
