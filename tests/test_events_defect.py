"""A defect or its cause that a reply says the buyer's goods have is a fact about this order (issue 12,
facts.toml [claimed_events.defect_*]): held only when a turn of this chat tells that kind of problem.
A squeaking shoe is no glue failure, an opened outer box no crushed parcel, a dry skin no allergy; the
same words said as a warning or a possibility (容易变形开胶 / 万一有磕碰) claim nothing.

The chats are in wordings of no evaluation set.
"""

from __future__ import annotations

import pytest

from assistant.events import unheld


@pytest.fixture(scope="module")
def claimed(extractor):
    return extractor.vocabulary.claimed_events


@pytest.mark.parametrize(
    "reply, chat, held",
    [
        # glue: another defect told, the same one told, a warning
        ("抱歉亲，刚穿就开胶是我们的问题，拍照发我给您换。", ["运动鞋一走路就吱吱叫"], False),
        ("抱歉亲，刚穿就开胶是我们的问题，拍照发我给您换。", ["鞋头那里的胶开了一条缝"], True),
        ("皮鞋别放暖气上烤，容易变形开胶。", ["皮鞋淋湿了怎么办"], True),
        # crushed in transit: a buyer who only opened the box, one whose box came dented
        ("非常抱歉，快递路上把您的货压坏了，拍照给您补发。", ["月饼礼盒拆了外包装 还能退不"], False),
        ("非常抱歉，快递路上把您的货压坏了，拍照给您补发。", ["月饼盒子到的时候凹进去一块"], True),
        ("发货前会加厚包装，运输中万一有磕碰，拍照联系我给您换。", ["玻璃杯寄过来会不会碎"], True),
        # dropped by the buyer: not said, said
        ("亲，摔坏的不在保修范围内，我帮您问问维修费用。", ["耳机左边没声音了"], False),
        ("亲，摔坏的不在保修范围内，我帮您问问维修费用。", ["耳机从桌上掉地上 左边没声了"], True),
        # a leak nobody told, one told
        ("抱歉亲，保温杯漏水的话拍个视频，给您换新。", ["保温杯保温效果不好"], True),
        ("抱歉亲，保温杯漏水我们马上给您换新。", ["保温杯保温效果不好"], False),
        ("抱歉亲，保温杯漏水我们马上给您换新。", ["保温杯倒过来杯盖那里往外渗"], True),
        # an allergy for a skin that is dry, and for one that itches; asked about, it claims nothing
        ("抱歉亲，出现过敏请先停用，拍照发我给您退。", ["这个面霜抹了还是干"], False),
        ("抱歉亲，出现过敏请先停用，拍照发我给您退。", ["抹了面霜脸上发痒"], True),
        ("您平时有没有容易过敏的成分，我帮您避开。", ["干皮用哪款面霜"], True),
    ],
)
def test_a_reply_names_only_the_defect_this_chat_told(claimed, reply, chat, held):
    assert (unheld(reply, chat, "delivered", claimed) == "") is held
