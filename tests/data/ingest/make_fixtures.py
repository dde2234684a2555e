"""Write the test documents of tests/data/ingest/ that are not plain UTF-8: other encodings, .docx, .pdf.

Run from anywhere: ``python tests/data/ingest/make_fixtures.py``. The text of each document is here,
so a reviewer reads it in one place; the output files are committed beside this script, and
``tests/test_ingest.py`` checks that the encoded text files are what this script writes.
"""

from __future__ import annotations

import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

GBK_FORUM_HTML = """<html>
<head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>售前售后客服礼仪 - 电商交流论坛</title></head>
<body>
<table width="100%"><tr><td><a href="/">首页</a> | <a href="/bbs">论坛</a> | <a href="/news">资讯</a> | <a href="/down">下载</a> | <a href="/help">帮助</a></td></tr></table>
<div id="main">
<div class="t"><font size="5">售前售后客服礼仪（转帖）</font></div>
<div>点击：356 | 回复：12 | 发表于 2019-8-6 21:05</div>
<p><strong>售前接待</strong></p>
<p>买家问“在吗”时，要马上回复“在的，亲，请问有什么可以帮您？”，不要只回一个“在”。</p>
<p>介绍商品时先说买家最关心的尺码、颜色和发货时间，再说其他卖点。</p>
<p style="font-weight: bold">售中跟进</p>
<p>买家拍下未付款时，可以友好提醒一次，不要反复催促，以免引起反感。</p>
<p><b>售后处理</b></p>
<p>收到退换货申请，先核对订单和原因，再告诉买家寄回地址和运费由谁承担。</p>
<p>处理完后感谢买家的耐心，欢迎下次光临。</p>
</div>
<table width="100%"><tr><td><a href="/">首页</a> | <a href="/bbs">论坛</a> | <a href="/news">资讯</a> | <a href="/down">下载</a> | <a href="/help">帮助</a></td></tr></table>
<p>网站地图 | 联系我们 | 免责声明 | 广告服务</p>
<p>粤ICP备2020012345号　粤公网安备44030502000001号</p>
</body>
</html>
"""

GBK_HANDBOOK = """网店客服服务手册
编辑：王芳　　日期：2022年3月5日　　阅读：268次
第一章 售前服务礼仪
第一节 问候与称呼
买家进店后，客服应在十秒内主动问好，统一使用“亲”“您”等礼貌称呼，不用“喂”“哎”。
同一买家多次咨询时，可以带上上次聊过的内容，让买家感到被记住。
第二节 商品介绍
介绍商品要实事求是，不夸大功效；买家问到不清楚的参数，先说“我帮您确认一下”，查清后再答复。
第二章 售后服务礼仪
第一节 退换货
买家申请退换货，先表示理解，再说明流程和时效，不要质问买家为什么要退。
第二节 中差评处理
收到中差评后，客服应在二十四小时内联系买家，了解原因并真诚道歉，能补救的尽量补救。
相关阅读：
· 客服如何应对职业差评师 2022-02-18
· 售后话术五十句 2022-01-07
· 新手客服培训计划表 2021-12-30
本文网址：http://www.kefu-shouce.cn/a/123.html
（责任编辑：王芳）
"""

GB18030_EMOJI = """客服聊天中的表情与语气
分享到：微信　微博　QQ空间　复制链接
一、表情要用得恰当
①问候时的表情
问候时可以加一个微笑表情😊，显得亲切，但不要连续发好几个表情，刷屏会让买家反感。
②买家生气时
买家生气时不要发笑脸，以免让买家觉得被敷衍，可以用文字认真表达歉意。
二、语气词的分寸
①句尾语气词
句尾加“哦”“呢”能让语气柔和，但一句话里不要堆太多语气词，显得不够专业。
②道歉时的措辞
道歉时少用“哈哈”“呵呵”这类词，容易让买家误会你在敷衍或嘲笑。
三、标点符号
连续的感叹号会让人觉得在吵架，一般一句话用一个感叹号就够了；问号也不要连用。
上一篇：客服接待的七个步骤　　下一篇：如何写好自动回复
"""

UTF16_FAQ = """客服常见问题解答
＊＊＊＊＊＊＊＊＊＊＊＊＊＊＊＊
1、买家一直不回复怎么办？
隔一段时间友好提醒一次即可，例如“亲，还在吗？有问题随时找我哦”，不要连续追问。
2、买家要求加微信怎么办？
礼貌说明平台规定只能在旺旺沟通，这样也能保障买家的售后权益。
（1）不要直接拒绝
先感谢买家的信任，再解释平台的规定和原因，语气要诚恳，不要生硬地说“不行”。
（2）给出替代办法
告诉买家可以收藏店铺或关注店铺动态，同样能第一时间收到上新和优惠信息。
3、买家发来辱骂的话怎么办？
保持冷静，不要回骂；先安抚情绪，必要时把聊天记录交给主管处理。
— 第 1 页 共 1 页 —
"""

BOM_MARKDOWN = """[首页](https://kf.example.org/) | [文章](https://kf.example.org/posts) | [关于](https://kf.example.org/about)

# 售后沟通的好习惯

标签：售后　沟通　礼仪

## 先道歉，再解释

**为什么先道歉**

买家遇到问题时最需要的是被理解，一句真诚的“给您添麻烦了”比长篇解释更有用。

**怎么道歉才真诚**

道歉要具体，说清楚哪里做得不好，而不是一句“不好意思”就带过去。

## 给出明确的时间

告诉买家“今天下午五点前给您答复”，比“尽快处理”更让人放心，说到就要做到。

---

© 2024 客服成长笔记 保留所有权利
"""

GB18030_FORUM_HTML = """<html>
<head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>客服开场白和结束语 - 掌柜论坛</title></head>
<body>
<div class="postmessage">
<div>作者：老张 发表于 2012-5-6 13:45 | 只看该作者</div>
<div class="t_msgfont">
客服开场白和结束语怎么说<br>
<br>
<strong>一、开场白</strong><br>
开场白要热情而简短，例如“亲，欢迎光临小店，我是客服小美，很高兴为您服务”。<br>
不要一上来就推销，先问清楚买家想要什么。<br>
<strong>二、结束语</strong><br>
成交后说“感谢您的支持，我们会尽快为您发货”；没成交也要说“有需要随时找我”。<br>
<strong>三、注意事项</strong><br>
开场白和结束语可以设成快捷短语，但要定期更换，避免千篇一律。<br>
</div>
<div><a href="#">回复</a> <a href="#">引用</a> <a href="#">举报</a> <a href="#">TOP</a></div>
</div>
<div>Powered by Discuz! X3.2 © 2001-2013 Comsenz Inc.</div>
</body>
</html>
"""

UTF16_INTRANET_HTML = """<html>
<head><meta charset="utf-16"><title>客服质检标准</title></head>
<body>
<div>当前栏目：培训中心 » 质检标准</div>
<h1>客服质检标准说明</h1>
<div>更新时间：2024/02/20　　访问次数：5210</div>
<h2>1. 响应时效</h2>
<p>首次响应不超过三十秒，平均响应不超过六十秒；超时的对话会被抽检。</p>
<h2>2. 服务用语</h2>
<p><b>必须使用</b></p>
<p>“您好”“请稍等”“感谢您的耐心等待”等礼貌用语，每次对话至少出现一次问候和一次感谢。</p>
<p><b>禁止使用</b></p>
<p>“不知道”“不归我管”“你自己看”等推诿或命令式的话，一经发现扣除当月质检分。</p>
<h2>3. 问题解决</h2>
<p>对话结束前要确认买家的问题是否已经解决，没解决的要登记并在二十四小时内回访。</p>
<hr>
<p>本页面由培训中心维护 | 内网地址：http://10.0.0.8/kefu/qc.html</p>
</body>
</html>
"""

GBK_AFTER_SALE = """客服必知的售后礼仪
返回首页 | 客服培训 | 运营推广 | 联系我们
·······························
一. 退款
1．到账时间
退款（tuì kuǎn）到账时间要说清楚，例如“审核通过后一到三个工作日原路退回”，不要只说“很快”。
2．催退款
买家催退款时，先查清进度再答复，不要随口承诺一个自己做不到的时间。
二. 换货
1．确认现货
换货前先确认买家要换的尺码或颜色有没有现货，没有的话提前告知，别让买家白寄一趟。
2．寄出后告知
换货寄出后把新单号发给买家，提醒买家注意查收，有问题随时联系客服。
三. 补偿
买家因为我们的失误多等了几天，可以主动送一张小额优惠券，并真诚道歉。
·······························
返回首页 | 客服培训 | 运营推广 | 联系我们
"""

GBK_PORTAL_HTML = """<html><head><meta charset="gbk"><title>客服话术</title></head><body>
<div id="top"><a href="/">网站首页</a><a href="/a">电商资讯</a><a href="/b">开店指南</a><a href="/c">客服话术</a></div>
<div class="main">
<h1>催付话术的分寸</h1>
<p class="date">2022-09-18 来源：开店宝典 作者：佚名</p>
<h3>一、什么时候催付</h3>
<p>买家拍下后超过半小时未付款，可以催付一次；大促期间可以适当提前，但一天内不要超过两次。</p>
<p><strong>注意：</strong>夜里十点以后不要催付，以免打扰买家休息。</p>
<h3>二、怎么说</h3>
<p>语气要轻松友好，例如“亲，您拍的宝贝还没付款哦，今天付款今天就能发出”。</p>
<table><tr><td>场景</td><td>话术</td></tr><tr><td>库存紧张</td><td>亲，这款只剩最后几件了，喜欢的话尽快付款哦。</td></tr></table>
<h3>三、催付之后</h3>
<p>买家付款后要及时道谢，并告诉买家预计发货时间，让买家安心等待。</p>
</div>
<div class="side"><p>最新文章</p><ul><li><a href="/1">淘宝开店流程</a></li><li><a href="/2">直通车怎么开</a></li><li><a href="/3">主图拍摄技巧</a></li></ul></div>
<p><a href="/about">关于我们</a> | <a href="/privacy">隐私政策</a> | <a href="/map">网站地图</a></p>
<p>Copyright 2020 开店宝典 版权所有</p>
</body></html>
"""

UTF16_MARKDOWN = """# 客服回复的五个“不要”

**1. 不要只回一个字**

买家问“在吗”，只回“在”会显得冷淡，要回“在的亲，请问有什么可以帮您”。

**2. 不要连发好几条**

一个问题的回答尽量写在一条消息里，连发好几条会打断买家的思路。

**3. 不要用反问句**

“这个详情页不是写了吗？”这样的反问会让买家觉得被指责，直接回答就好。

- 上一篇：[客服回复的五个“要”](./yao.md)
- 下一篇：[售后话术精选](./shouhou.md)
"""

GB2312_WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv=Content-Type content="text/html; charset=gb2312"><title>客服培训</title>
<style>p.MsoNormal{margin:0cm;font-size:10.5pt}</style></head>
<body lang=ZH-CN style='text-justify-trim:punctuation'>
<div class=WordSection1>
<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:16.0pt'>大促期间客服工作要求<o:p></o:p></span></b></p>
<p class=MsoNormal><span>&nbsp;</span></p>
<p class=MsoNormal><b><span>一、提前准备<o:p></o:p></span></b></p>
<p class=MsoNormal><span>大促前三天，客服要熟悉活动规则、优惠券使用方法和各商品的库存情况，并准备好常见问题的快捷回复。<o:p></o:p></span></p>
<p class=MsoNormal><b><span>二、响应要求<o:p></o:p></span></b></p>
<p class=MsoNormal><span>大促当天咨询量大，首次响应不超过二十秒，排队的买家要先发安抚话术，例如“亲，咨询的人比较多，请稍等一下哦”。<o:p></o:p></span></p>
<p class=MsoNormal><b><span>三、售后跟进<o:p></o:p></span></b></p>
<p class=MsoNormal><span>大促后发货慢的问题较多，要主动告知买家预计发货时间，减少催单和投诉。<o:p></o:p></span></p>
</div></body></html>
"""

TEXT_FILES = {
    "02_forum_gbk.html": (GBK_FORUM_HTML, "gbk"),
    "04_handbook_gbk.txt": (GBK_HANDBOOK, "gbk"),
    "05_emoji_gb18030.txt": (GB18030_EMOJI, "gb18030"),
    "06_faq_utf16.txt": (UTF16_FAQ, "utf-16"),
    "07_habits_bom.md": (BOM_MARKDOWN, "utf-8-sig"),
    "13_forum_gb18030.html": (GB18030_FORUM_HTML, "gb18030"),
    "15_intranet_utf16.html": (UTF16_INTRANET_HTML, "utf-16"),
    "16_after_sale_gbk.txt": (GBK_AFTER_SALE, "gbk"),
    "18_portal_gbk.html": (GBK_PORTAL_HTML, "gbk"),
    "32_donts_utf16.md": (UTF16_MARKDOWN, "utf-16"),
    "39_word_export_gb2312.html": (GB2312_WORD_HTML, "gb2312"),
}

# ----------------------------------------------------------------------------- .docx

DOCX_NAME = "09_script_training.docx"


def write_docx(path: Path) -> None:
    """A handout whose section titles are bold Normal paragraphs (not Heading styles)."""
    import docx

    document = docx.Document()
    document.add_paragraph("客服话术礼仪培训讲义", style="Title")
    document.add_paragraph("发布日期：2023-01-01 | 版本：V2.1 | 培训部")

    def bold(text: str) -> None:
        document.add_paragraph().add_run(text).bold = True

    bold("一、开场问候")
    document.add_paragraph("买家发来第一句话后要尽快回应，语气要耐(nài)心、热情，先问好再询问需求。")
    bold("二、处理投诉")
    document.add_paragraph("投诉是改进服务的机会，客服要把每一次投诉当成留住买家的机会来对待。")
    document.add_paragraph("（一）先安抚情绪")
    document.add_paragraph("买家情绪激动时，先说“非常理解您的心情”，让买家感到被尊重，再了解经过。")
    document.add_paragraph("（二）再给出方案")
    document.add_paragraph("方案要具体，说清楚补发、退款还是补偿，以及多久能完成，不要含糊其辞。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "买家说"
    table.cell(0, 1).text = "客服答"
    table.cell(1, 0).text = "东西坏了"
    table.cell(1, 1).text = "非常抱歉，我马上为您补发一件"
    bold("三、礼貌结束")
    document.add_paragraph("结束对话前确认买家没有其他问题，再说“祝您生活愉快，期待您再次光临”。")
    document.add_paragraph("版权所有 © 某某电商培训中心 2023")
    fixed = datetime.datetime(2024, 1, 1)  # a fixed date, so a rerun changes nothing but the zip stamps
    document.core_properties.created = document.core_properties.modified = fixed
    document.save(str(path))


CONTENTS_DOCX_NAME = "22_contents.docx"


def write_contents_docx(path: Path) -> None:
    """A handout with a table of contents before its Heading 1 sections, pinyin and a page number."""
    import docx

    document = docx.Document()
    document.add_paragraph("新客服上岗培训", style="Title")
    document.add_paragraph("目录")
    for line in ("一、认识岗位 ........................ 1", "二、沟通礼仪 ........................ 2"):
        document.add_paragraph(line)
    document.add_paragraph("三、售后处理 ........................ 3")
    document.add_heading("一、认识岗位", level=1)
    document.add_paragraph("客服是店铺和买家之间的桥梁，买家对店铺的第一印(yìn)象往往来自客服的第一句话。")
    document.add_heading("二、沟通礼仪", level=1)
    document.add_paragraph("说话要有礼貌，多用“请”“您”，回复要及时，遇到不懂的问题要如实告诉买家并尽快查清。")
    document.add_heading("三、售后处理", level=1)
    document.add_paragraph("售后问题先道歉再处理，处理结果要主动告诉买家，让买家感到被重视(zh\ufffd)。")
    document.add_paragraph("第 1 页")
    fixed = datetime.datetime(2024, 1, 1)
    document.core_properties.created = document.core_properties.modified = fixed
    document.save(str(path))


MANUAL_DOCX_NAME = "31_manual_headings.docx"


def write_manual_docx(path: Path) -> None:
    """Heading 1–3 styles under a classification line, bulleted paragraphs, an attachment line."""
    import docx

    document = docx.Document()
    document.add_paragraph("机密 ★ 内部使用")
    document.add_heading("售后客服操作手册", level=1)
    document.add_heading("退款流程", level=2)
    document.add_paragraph("买家申请退款后，客服应在两小时内审核，符合条件的直接同意，不符合的要说明原因。")
    document.add_heading("仅退款", level=3)
    document.add_paragraph(
        "未发货的订单申请仅退款，核实未发货后直接同意，并提醒买家注意到账时间。", style="List Bullet"
    )
    document.add_heading("退货退款", level=3)
    document.add_paragraph(
        "已签收的订单需要买家先寄回，客服收到退货后检查商品，无误再退款。", style="List Bullet"
    )
    document.add_heading("换货流程", level=2)
    document.add_paragraph("换货要先确认新尺码或颜色有货，再让买家寄回原商品，收到后二十四小时内寄出新商品。")
    document.add_paragraph("附件：售后话术表.xlsx")
    fixed = datetime.datetime(2024, 1, 1)
    document.core_properties.created = document.core_properties.modified = fixed
    document.save(str(path))


LIST_DOCX_NAME = "42_list_number_style.docx"


def write_list_docx(path: Path) -> None:
    """Section titles as List Number paragraphs: Word numbers them, the text holds no number."""
    import docx

    document = docx.Document()
    document.add_paragraph("客服仪态规范", style="Title")
    document.add_paragraph("问候", style="List Number")
    document.add_paragraph("每一次对话都以问候开始，问候语要热情，不要直接开始回答问题，让买家感到被欢迎。")
    document.add_paragraph("确认", style="List Number")
    document.add_paragraph("回答涉及订单的问题前，先和买家确认订单号和收货信息，避免答错或发错。")
    document.add_paragraph("道别", style="List Number")
    document.add_paragraph("对话结束时感谢买家，并欢迎买家随时再来，不要在买家还没说完时就结束对话。")
    fixed = datetime.datetime(2024, 1, 1)
    document.core_properties.created = document.core_properties.modified = fixed
    document.save(str(path))


# ----------------------------------------------------------------------------- .pdf

PDF_NAME = "10_guide.pdf"
PDF_PAGES = [
    [
        "某某电商学院 内部培训资料",
        "网店客服礼仪指南",
        "第一章 售前礼仪",
        "1. 回复及时：买家咨询后十秒内回复，忙不过来时设置好自动回复，请买家稍等。",
        "2. 称呼得体：统一称呼买家为“亲”或“您”，不要用“喂”或直接不称呼。",
        "— 1 —",
    ],
    [
        "某某电商学院 内部培训资料",
        "第二章 售后礼仪",
        "1. 先认错再解释：确实是我们的问题时，先道歉认错，再解释原因和补救办法。",
        "2. 说到做到：答应买家的补发、退款和回电，一定要按时完成并告知结果。",
        "www.kefu-liyi-example.com",
        "— 2 —",
    ],
]


RUNNING_PDF_NAME = "36_running_headers.pdf"
RUNNING_PDF_PAGES = [
    [
        "某某电商公司客服部",
        "新人客服须知",
        "一、上班前",
        "检查旺旺和千牛是否正常登录，查看交接本上的待办事项，提前",
        "熟悉当天的活动内容。",
        "第 1 页，共 2 页",
    ],
    [
        "某某电商公司客服部",
        "二、上班中",
        "保持在线，及时回复，离开座位前要设置好自动回复，并告知同组",
        "同事帮忙照看。",
        "第 2 页，共 2 页",
    ],
]


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A PDF whose lines of Chinese text pypdf reads back.

    The font is the standard Adobe CID font STSong-Light with the UniGB-UCS2-H encoding (not
    embedded: a reader supplies it), so each character is its UCS-2 code in a hex string.
    """
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H"
        b" /DescendantFonts [4 0 R] >>",
        4: b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
        b" /FontDescriptor 5 0 R /DW 1000 >>",
        5: b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900]"
        b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 80 >>",
    }
    kids = []
    for n, lines in enumerate(pages):
        page, content = 6 + 2 * n, 7 + 2 * n
        kids.append(f"{page} 0 R")
        ops = ["BT /F1 12 Tf 50 780 Td 20 TL"]
        ops += [f"<{line.encode('utf-16-be').hex().upper()}> Tj T*" for line in lines]
        stream = (" ".join(ops) + " ET").encode("ascii")
        objects[page] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
            + f" /Contents {content} 0 R".encode()
            + b" /Resources << /Font << /F1 3 0 R >> >> >>"
        )
        objects[content] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode()
    out, offsets = b"%PDF-1.4\n", {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return out


def main() -> None:
    for name, (text, encoding) in TEXT_FILES.items():
        (HERE / name).write_bytes(text.encode(encoding))
    write_docx(HERE / DOCX_NAME)
    write_contents_docx(HERE / CONTENTS_DOCX_NAME)
    write_manual_docx(HERE / MANUAL_DOCX_NAME)
    write_list_docx(HERE / LIST_DOCX_NAME)
    (HERE / PDF_NAME).write_bytes(pdf_bytes(PDF_PAGES))
    (HERE / RUNNING_PDF_NAME).write_bytes(pdf_bytes(RUNNING_PDF_PAGES))


if __name__ == "__main__":
    main()
