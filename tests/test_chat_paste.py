"""A chat block pasted from 千牛/京麦/抖店: names, timestamps and system lines in; turns out."""

from assistant.chat_paste import parse_pasted_chat

QIANNIU = """tb_lily2023 2024-05-01 10:23:45
在吗
旗舰店:小王 2024-05-01 10:24:01
在的亲，请问有什么可以帮您？
--- 以上为历史消息 ---
tb_lily2023 2024-05-01 10:25:10
这个T恤白色M码还有吗
[图片]
今天拍能发吗
"""


def roles(chat) -> list[tuple[str, str]]:
    return [(t.role, t.text) for t in chat.history]


def test_a_qianniu_block_gives_history_and_the_last_buyer_message():
    chat = parse_pasted_chat(QIANNIU)
    assert chat.message == "这个T恤白色M码还有吗，今天拍能发吗"  # the buyer's lines joined, [图片] dropped
    assert roles(chat) == [("buyer", "在吗"), ("agent", "在的亲，请问有什么可以帮您？")]
    assert chat.speakers == ("tb_lily2023", "旗舰店:小王") and chat.turns == 3
    assert chat.history_lines() == ["买家: 在吗", "客服: 在的亲，请问有什么可以帮您？"]


def test_jingmai_system_lines_and_recalls_are_dropped():
    chat = parse_pasted_chat(
        "jd_8833aa 2024-05-01 10:23:45\n[系统消息] 买家已进入店铺\n在吗\n今天\n"
        "客服小刘 10:24\n您好\njd_8833aa 10:25\n怎么还没发货\njd_8833aa撤回了一条消息\n"
    )
    assert chat.message == "怎么还没发货"
    assert roles(chat) == [("buyer", "在吗"), ("agent", "您好")]


def test_the_agents_own_nickname_marks_the_shop_side():
    block = "小明 10:23\n在吗\n小红 10:24\n在的亲\n小明 10:25\n发货了吗\n"
    assert parse_pasted_chat(block, agent_names=["小红"]).message == "发货了吗"
    # without a nickname the last speaker is the buyer all the same
    assert roles(parse_pasted_chat(block)) == [("buyer", "在吗"), ("agent", "在的亲")]


def test_prefixed_lines_and_plain_text():
    chat = parse_pasted_chat("买家: M码有吗\n客服: 有的\n买家: 那L呢")
    assert chat.message == "那L呢" and roles(chat) == [("buyer", "M码有吗"), ("agent", "有的")]
    assert parse_pasted_chat("亲 这个有M码吗").message == "亲 这个有M码吗"


def test_a_block_that_ends_with_the_agent_has_no_message():
    chat = parse_pasted_chat("买家: 在吗\n客服: 在的亲")
    assert chat.message == "" and len(chat.history) == 2


def test_messages_that_end_in_a_time_are_not_name_lines():
    # a header line has a message under it; a buyer line that ends in a time is the buyer's text
    assert parse_pasted_chat("在吗 10:00").message == "在吗 10:00"
    chat = parse_pasted_chat("发货了吗 明天14:00\n能到吗 18:30")
    assert chat.speakers == () and chat.message == "发货了吗 明天14:00，能到吗 18:30"
    # one real header with a message under it keeps the whole block a pasted chat
    chat = parse_pasted_chat("小明 10:23\n在吗 10:00 前能发吗")
    assert chat.speakers == ("小明",) and chat.message == "在吗 10:00 前能发吗"
