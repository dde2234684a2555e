"""Ingestion of training documents into guidance Markdown: the five seed files, HTML, .docx,
GBK/Big5 text, and bad input (empty, binary)."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.config import PROJECT_ROOT
from assistant.corpus import parse_guidance
from assistant.files import decode_text
from assistant.ingest import clean_line, ingest_file, remove_pinyin
from assistant.taxonomy import load_taxonomy
from assistant.text import to_simplified

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
DATA = Path(__file__).resolve().parent / "data"
TAXONOMY = load_taxonomy(PROJECT_ROOT / "corpus" / "taxonomy.toml")

TONE = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN_LEFT = re.compile(rf"[(（]\s*[a-zü]*[{TONE}][a-zü{TONE}]*\s*[)）]|\?[a-zü{TONE}]+[)）]")
PUA = re.compile(r"[\ue000-\uf8ff]")
BOILERPLATE = (
    "下载本文档",
    "版权",
    "温馨提示",
    "http",
    "www.",
    "0/150",
    "提交评论",
    "文档简介",
    "当前位置",
    "继续免费阅读",
    "文章来源网络整理",
    "免责声明",
    "相关文档",
    "最新文档",
    "本站",
    "1 / 4",
    ".ppt_第",
)


def seed(prefix: str) -> Path:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    assert found, f"seed file {prefix}_*.txt missing from {SEEDS}"
    return found[0]


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    """Ingest the five seed files once through the CLI; yield (result, out_dir, {stem: markdown})."""
    files = sorted(SEEDS.glob("*.txt"))
    assert len(files) == 5, f"expected the five seed files in {SEEDS}, found {len(files)}"
    out = tmp_path_factory.mktemp("guidance")
    result = CliRunner().invoke(cli, ["ingest", *map(str, files), "--out", str(out)])
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.md"))}
    return result, out, texts


def sections_of(text: str, path: str = "x.md"):
    problems = []
    sections = parse_guidance(text, path, TAXONOMY, problems)
    assert problems == [], [str(p) for p in problems]
    return sections


def titles(text: str) -> list[str]:
    return [s.title for s in sections_of(text)]


# ----------------------------------------------------------------------------- the seed files


def test_cli_ingests_every_seed_file(seed_run):
    result, out, texts = seed_run
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().split("\n")
    assert len(lines) == 5
    for line, path in zip(lines, sorted(SEEDS.glob("*.txt")), strict=True):
        assert re.fullmatch(
            rf"{re.escape(str(path))} -> {re.escape(str(out / (path.stem + '.md')))}: \d+ sections; skipped lines: .+",
            line,
        ), line
    assert sorted(texts) == sorted(p.stem for p in SEEDS.glob("*.txt"))


def test_seed_output_parses_as_guidance_with_unique_ids(seed_run):
    _, _, texts = seed_run
    ids = []
    for stem, text in texts.items():
        sections = sections_of(text, f"{stem}.md")
        assert len(sections) >= 10, (stem, len(sections))
        ids += [s.id for s in sections]
        assert all(s.id.startswith(f"{stem}-") for s in sections)
        assert all(s.text.strip() for s in sections)
    assert len(ids) == len(set(ids))


def test_seed_output_is_simplified(seed_run):
    _, _, texts = seed_run
    for stem, text in texts.items():
        assert to_simplified(text) == text, stem


def test_seed_output_has_no_pinyin_or_mojibake(seed_run):
    _, _, texts = seed_run
    for stem, text in texts.items():
        assert not PINYIN_LEFT.search(text), (stem, PINYIN_LEFT.search(text).group(0))
        assert not PUA.search(text), stem
        assert "xùn" not in text and "培训(" not in text


def test_seed_output_has_no_boilerplate(seed_run):
    _, _, texts = seed_run
    for stem, text in texts.items():
        for phrase in BOILERPLATE:
            assert phrase not in text, (stem, phrase)
        assert not re.search(r"^\d+\s*/\s*\d+$|^\+$|^\d{1,3}$", text, re.M), stem


def test_seed_sections_record_their_source_line(seed_run):
    _, _, texts = seed_run
    for stem, text in texts.items():
        raw = (SEEDS / f"{stem}.txt").read_text(encoding="utf-8").split("\n")
        cleaned = {}
        for section in sections_of(text):
            name, _, line = section.source.rpartition(":")
            assert name == f"{stem}.txt"
            assert 1 <= int(line) <= len(raw)
            # the section's own title is written on that line (a parent title may prefix it)
            own = section.title.split("：")[-1].rstrip("…")
            if line not in cleaned:
                cleaned[line] = clean_line(raw[int(line) - 1])
            assert own[:6] in cleaned[line], (section.source, section.title)


def test_the_seven_service_steps_are_separate_sections(seed_run):
    _, _, texts = seed_run
    found = titles(texts[seed("000").stem])
    steps = ["招呼", "询问", "推荐", "议价", "核实", "道别", "跟进"]
    matches = [next((i for i, t in enumerate(found) if t.startswith(step)), None) for step in steps]
    assert None not in matches, dict(zip(steps, matches, strict=True))
    assert len(set(matches)) == 7
    # the same seven steps of the sale, numbered ①..⑦ in another document
    found = titles(texts[seed("003").stem])
    for step in ["进门问好", "接待咨询", "推荐产品", "处理异议", "促成交易", "确认订单", "礼貌告别"]:
        assert step in found, step


def test_every_buyer_type_is_a_separate_section(seed_run):
    _, _, texts = seed_run
    sections = sections_of(texts[seed("000").stem])
    kinds = ["理智型", "贪婪型", "冲动型", "VIP型", "谨小慎微型", "习惯型", "感情型", "随意型"]
    hits = {k: [s for s in sections if k in s.title] for k in kinds}
    assert all(len(v) == 1 for v in hits.values()), {k: [s.title for s in v] for k, v in hits.items()}
    assert len({v[0].id for v in hits.values()}) == 8
    # buyer types found by their names in taxonomy.toml
    assert hits["理智型"][0].buyer_types == ("rational",)
    assert hits["VIP型"][0].buyer_types == ("vip",)


def test_every_objection_is_a_separate_section(seed_run):
    _, _, texts = seed_run
    sections = sections_of(texts[seed("001").stem])
    objections = ["我要考虑一下", "太贵了", "别的地方更便宜", "真的值那么多钱吗", "我不要"]
    hits = {o: [s for s in sections if o in s.title] for o in objections}
    assert all(len(v) == 1 for v in hits.values()), {k: [s.title for s in v] for k, v in hits.items()}
    assert "hesitation" in hits["我要考虑一下"][0].scenarios
    assert "price_objection" in hits["太贵了"][0].scenarios


def test_seed_section_counts_are_stable(seed_run):
    _, _, texts = seed_run
    counts = {stem[:3]: len(sections_of(text)) for stem, text in texts.items()}
    # loose bounds: enough structure found, no explosion into one-line sections
    assert 12 <= counts["000"] <= 40
    assert 40 <= counts["001"] <= 150
    assert 30 <= counts["002"] <= 120
    assert 10 <= counts["003"] <= 25
    assert 15 <= counts["004"] <= 60


# ----------------------------------------------------------------------------- cleaning


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("hitshop客服培訓(xùn)課程", "hitshop客服培訓課程"),
        ("心態(tài)和狀態(tài)", "心態和狀態"),
        ("賣家答:(正確)您好,歡迎光臨 (錯誤)在", "賣家答:(正確)您好,歡迎光臨 (錯誤)在"),
        ("解決方案(1)。", "解決方案(1)。"),
        ("選項(a)和(OK)", "選項(a)和(OK)"),
        ("要求退貨、賠償?shù)?很多商家", "要求退貨、賠償很多商家"),
        ("能夠買a、b、c、d等幾樣?xùn)|西,而", "能夠買a、b、c、d等幾樣西,而"),
        ("將產品價格分?jǐn)偟", "將產品價格分"),
        ("您真不怕我投訴你????賣家:隨便!", "您真不怕我投訴你????賣家:隨便!"),
        ("恰當?shù)貙\ue6eb栴}進行", "恰當進行"),
        ("服務有價?F(xiàn)在假貨泛濫", "服務有價在假貨泛濫"),
    ],
)
def test_remove_pinyin(raw, clean):
    assert remove_pinyin(raw) == clean


def test_clean_line_converts_and_strips_furniture():
    assert clean_line("培訓(xùn)課程,文章來源網絡整理,僅供參考學習作能力 1 / 4") == "培训课程，作能力"
    assert (
        clean_line("版權(quán)說明:本文檔由用戶提供") == "版权说明：本文档由用户提供"
    )  # line filters drop it later
    assert "\ue000" not in clean_line("客\ue000服")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "utf-16"])
def test_decode_text_detects_the_encoding(encoding):
    text = "客服接待的七个步骤：问好、提问、推荐、议价、核实、道别、跟进。\n理智型买家重视参数。\n" * 3
    if encoding == "big5":
        text = "客服接待的七個步驟：問好、提問、推薦、議價、核實、道別、跟進。\n理智型買家重視參數。\n" * 3
    assert decode_text(text.encode(encoding), "x.txt") == text


# ----------------------------------------------------------------------------- other formats


def test_html_is_read_without_navigation_scripts_or_comments(tmp_path):
    result = ingest_file(DATA / "ingest_page.html", TAXONOMY)
    assert result.ok, result.error
    assert result.title == "网店客服售后培训"
    assert [s.title for s in result.sections] == ["退换货怎么处理", "如何应对投诉"]
    text = result.to_markdown()
    for junk in (
        "首页",
        "当前位置",
        "阅读：1234",
        "var hits",
        "color:red",
        "评论",
        "0/150",
        "版权",
        "example.com",
    ):
        assert junk not in text, junk
    assert "先问清楚原因(正确)" in text and "培训时要反复练习" in text and "方案(1)" in text
    assert "- 快速回应" in text
    assert result.sections[0].source == "ingest_page.html:10"
    assert result.sections[0].scenarios == ("return_exchange",)
    sections_of(text)


def test_docx_headings_paragraphs_and_tables(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("客服培訓手冊", level=1)
    document.add_paragraph("本手冊用於新客服上崗培訓(xùn)。")
    document.add_heading("一、議價", level=2)
    document.add_paragraph("買家要求便宜時，先肯定商品價值，再送小禮品。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "買家說"
    table.cell(0, 1).text = "客服答"
    table.cell(1, 0).text = "太貴了"
    table.cell(1, 1).text = "一分錢一分貨，品質有保障哦"
    document.add_heading("二、道別", level=2)
    document.add_paragraph("無論是否成交，都要熱情道別，歡迎再來。")
    path = tmp_path / "手册.docx"
    document.save(path)

    result = ingest_file(path, TAXONOMY)
    assert result.ok, result.error
    assert result.title == "客服培训手册"
    assert [s.title for s in result.sections] == ["客服培训手册", "议价", "道别"]
    bargain = result.sections[1]
    assert "先肯定商品价值" in bargain.text and "太贵了 | 一分钱一分货，品质有保障哦" in bargain.text
    assert bargain.scenarios == ("bargaining",)
    assert result.sections[2].scenarios == ("farewell",)
    assert result.sections[1].source == "手册.docx:3"  # the third paragraph of the document
    assert all(re.fullmatch(r"doc-[0-9a-f]{8}-\d{3}", s.id) for s in result.sections)
    assert "培训(" not in result.to_markdown()


def test_gbk_and_big5_text_files(tmp_path):
    simplified = "客服的禁忌\n一、不要说“没有”\n买家问有没有货时，没货也要给出替代款。\n二、不要直接拒绝议价\n先说明商品的好处，再送一点小优惠。\n"
    (tmp_path / "gbk.txt").write_bytes(simplified.encode("gbk"))
    (tmp_path / "big5.txt").write_bytes(to_traditional(simplified).encode("big5"))
    for name in ("gbk.txt", "big5.txt"):
        result = ingest_file(tmp_path / name, TAXONOMY)
        assert result.ok, result.error
        assert [s.title for s in result.sections] == ["不要说“没有”", "不要直接拒绝议价"], name
        assert result.sections[1].scenarios == ("bargaining",)
        assert result.title == "客服的禁忌"


def to_traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def test_bad_files_are_reported_and_the_others_still_written(tmp_path):
    good = tmp_path / "good.md"
    good.write_text(
        "# 售后\n\n## 退款时效\n\n退款审核通过后1到3个工作日原路退回，请买家留意账户。\n", encoding="utf-8"
    )
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    missing = tmp_path / "missing.txt"
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["ingest", str(empty), str(binary), str(good), str(missing), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert result.stdout == f"{good} -> {out / 'good.md'}: 1 sections; skipped lines: none\n"
    assert result.stderr == (
        f"错误 Error: {empty}: empty file, nothing to ingest\n"
        f"错误 Error: {binary}: not a text file (binary data)\n"
        f"错误 Error: {missing}: file not found\n"
        "3 of 4 file(s) could not be ingested\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["good.md"]
    [section] = sections_of((out / "good.md").read_text(encoding="utf-8"))
    assert (section.title, section.scenarios, section.source) == ("退款时效", ("refund",), "good.md:3")


def test_a_file_that_is_only_boilerplate_is_an_error(tmp_path):
    path = tmp_path / "furniture.txt"
    path.write_text(
        "当前位置：首页 > 文档\n下载本文档\n版权说明：本文档由用户提供\n评论\n0/150\n提交评论\n",
        encoding="utf-8",
    )
    result = ingest_file(path, TAXONOMY)
    assert result.error == f"{path}: no text left after removing boilerplate"
    assert {s.reason for s in result.skipped} == {"boilerplate"}


def test_same_stem_twice_gets_distinct_files_and_ids(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.txt").write_text(
            "笔记\n一、问候\n买家进店先问好，十秒内回复。\n", encoding="utf-8"
        )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["ingest", str(tmp_path / "a/notes.txt"), str(tmp_path / "b/notes.txt"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["notes-2.md", "notes.md"]
    ids = [s.id for p in sorted(out.iterdir()) for s in sections_of(p.read_text(encoding="utf-8"))]
    assert ids == ["notes-2-001", "notes-001"]


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF with these lines of text (Helvetica; ASCII only)."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_text_is_read_line_by_line(tmp_path):
    path = tmp_path / "guide.pdf"
    path.write_bytes(
        _pdf(["Service guide", "Answer within ten seconds.", "Buyers may return unworn items within 7 days."])
    )
    result = ingest_file(path, TAXONOMY)
    assert result.ok, result.error
    [section] = result.sections
    assert (section.title, section.source) == ("Service guide", "guide.pdf:2")
    assert section.text == "Answer within ten seconds.\nBuyers may return unworn items within 7 days."


def test_broken_pdf_and_docx_are_one_line_errors(tmp_path):
    pdf = tmp_path / "broken.pdf"
    pdf.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    docx_file = tmp_path / "broken.docx"
    docx_file.write_bytes(b"PK this is not a zip")
    result = CliRunner().invoke(cli, ["ingest", str(pdf), str(docx_file), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr == (
        f"错误 Error: {pdf}: not a readable PDF (PdfStreamError)\n"
        f"错误 Error: {docx_file}: not a readable .docx file (PackageNotFoundError)\n"
        "2 of 2 file(s) could not be ingested\n"
    )
