"""A reply that denies a courier, colour or size the agent stated in this chat is not shown (issue 12,
``events.denies_stated``, ``facts.toml [claimed_events] negates / asked``).

The chats are in wordings of no evaluation set. The agent said the shop ships by one courier, or
that a colour or size is in stock; a reply retrieved from another chat that says the shop does not
work with that courier, or that the colour is sold out, takes back what the agent told this buyer.
"""

from __future__ import annotations

import pytest

from assistant.events import denies_stated


@pytest.mark.parametrize(
    "reply, lines, denied",
    [
        # the courier the agent named as the default, denied after it (这家没有合作) or before it (发不了)
        (
            "抱歉亲，邮政我们这边暂时没有合作哦，帮您问问别的办法",
            ("买家: 寄哪家快递呀", "客服: 我们家统一发邮政 新疆也能到", "买家: 邮政好慢 换个快的行吗"),
            "denied：邮政",
        ),
        (
            "亲，这边发不了韵达呢，给您换中通可以吗",
            ("客服: 亲 默认韵达包邮", "买家: 几天能到"),
            "denied：韵达",
        ),
        # a colour and a size the agent said are in stock, said to be gone
        (
            "不好意思亲，雾蓝色没货了，可以看看别的颜色",
            ("买家: 雾蓝色还有吗", "客服: 有的亲 雾蓝色现货", "买家: 那我拍了"),
            "denied：雾蓝",
        ),
        (
            "亲，XL码已经没有了哦",
            ("客服: XL码有现货的 今天拍今天发", "买家: 好"),
            "denied：XL码",
        ),
        # the reply denies another courier than the agent's: 只发邮政 is what the agent said
        (
            "亲，我们只发邮政不发顺丰哦",
            ("客服: 亲 默认邮政 偏远地区也能到", "买家: 能发顺丰不"),
            "",
        ),
        # the agent only asked or offered (发邮政可以吗), or denied it themselves: nothing stated
        (
            "邮政这家我们暂时没有合作哦",
            ("客服: 亲 发邮政可以吗", "买家: 邮政慢吧"),
            "",
        ),
        (
            "亲，顺丰发不了哦，默认发邮政",
            ("客服: 亲 顺丰不到您那边", "买家: 那发啥"),
            "",
        ),
        # only the buyer named it: a buyer's question is no fact of the shop's
        (
            "亲，黑色没货了哦",
            ("买家: 黑色有吗",),
            "",
        ),
        # the agent's turn breaks its clauses with spaces: the colour said out in one size is no stock of it
        (
            "亲，L码灰色已售罄，可以看看别的颜色",
            ("客服: 亲 M码白色有货 灰色M暂时断码了", "买家: 那L码灰色呢"),
            "",
        ),
        # 找不到 denies nothing: the courier after it is whom the agent will call
        (
            "在物流详情里能看到派件员电话，找不到的话我帮您联系安能安排派送",
            ("客服: 亲 大件走安能物流 送货上门", "买家: 快递员电话多少"),
            "",
        ),
        # a supposition denies nothing (如果没有)
        (
            "如果韵达到不了的话我们再给您换别的快递",
            ("客服: 亲 默认韵达",),
            "",
        ),
    ],
)
def test_a_reply_may_not_deny_what_the_agent_stated(
    extractor, claimed_events, texts_and_roles, reply, lines, denied
):
    texts, roles = texts_and_roles(lines)
    assert denies_stated(reply, texts, roles, claimed_events, extractor.extract) == denied
