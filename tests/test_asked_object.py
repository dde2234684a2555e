"""The top answers the object of the buyer's asking clause (issue 12, asked_object.py): a case whose
own question is about something else, and whose reply does not name what is asked, is not shown first."""

from __future__ import annotations

from assistant.asked_object import another_object, asked_object, content_words


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
