"""Ingestion of training documents into guidance Markdown: the five seed files, the documents of
tests/data/ingest/ (page furniture, pronunciations, headings in every encoding and format), HTML,
.docx, GBK/Big5 text, and bad input (empty, binary)."""

import importlib.util
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.config import PROJECT_ROOT
from assistant.corpus import parse_guidance
from assistant.files import decode_text
from assistant.ingest import clean_line, ingest_file, ingest_files, load_patterns, remove_pinyin
from assistant.ingest_furniture import drop_furniture, furniture_shape
from assistant.ingest_structure import sections_from_lines
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
    # --out outside the corpus's guidance folder: one note first, saying the sections are not loaded
    note, _, errors = result.stderr.partition("\n")
    assert note.startswith(f"注意 Note: {out} is outside ") and note.endswith("not loaded until moved there")
    assert errors == (
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
    note, _, errors = result.stderr.partition("\n")
    assert note.startswith("注意 Note: ")
    assert errors == (
        f"错误 Error: {pdf}: not a readable PDF (PdfStreamError)\n"
        f"错误 Error: {docx_file}: not a readable .docx file (PackageNotFoundError)\n"
        "2 of 2 file(s) could not be ingested\n"
    )


# ----------------------------------------------------------------------------- documents of any shape

DOCUMENTS = DATA / "ingest"
DOCUMENT_FILES = sorted(
    p for p in DOCUMENTS.iterdir() if p.suffix in (".txt", ".md", ".html", ".docx", ".pdf")
)


def expected_of(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))


def fixture_script():
    spec = importlib.util.spec_from_file_location("make_fixtures", DOCUMENTS / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_documents_cover_every_format_and_encoding():
    assert len(DOCUMENT_FILES) >= 15
    assert {p.suffix for p in DOCUMENT_FILES} == {".txt", ".md", ".html", ".docx", ".pdf"}
    assert all(p.with_name(p.stem + ".expected.json").exists() for p in DOCUMENT_FILES)
    encodings = {encoding for _, encoding in fixture_script().TEXT_FILES.values()}
    assert {"gbk", "gb18030", "utf-16", "utf-8-sig"} <= encodings
    plain = [
        p
        for p in DOCUMENT_FILES
        if p.name not in fixture_script().TEXT_FILES and p.suffix not in (".docx", ".pdf")
    ]
    assert all(p.read_bytes().decode("utf-8") for p in plain)  # the rest are UTF-8 without BOM


def test_the_encoded_and_binary_documents_are_what_their_script_writes(tmp_path):
    script = fixture_script()
    for name, (text, encoding) in script.TEXT_FILES.items():
        assert (DOCUMENTS / name).read_bytes() == text.encode(encoding), name
    assert (DOCUMENTS / script.PDF_NAME).read_bytes() == script.pdf_bytes(script.PDF_PAGES)
    assert (DOCUMENTS / script.RUNNING_PDF_NAME).read_bytes() == script.pdf_bytes(script.RUNNING_PDF_PAGES)
    for write, name in (
        (script.write_docx, script.DOCX_NAME),
        (script.write_contents_docx, script.CONTENTS_DOCX_NAME),
        (script.write_manual_docx, script.MANUAL_DOCX_NAME),
        (script.write_list_docx, script.LIST_DOCX_NAME),
    ):
        write(tmp_path / name)  # a .docx zip carries timestamps: compare what it says
        again, committed = ingest_file(tmp_path / name), ingest_file(DOCUMENTS / name)
        assert [(s.title, s.text) for s in again.sections] == [(s.title, s.text) for s in committed.sections]


@pytest.mark.parametrize("path", DOCUMENT_FILES, ids=lambda p: p.name)
def test_document_ingests_to_its_expected_sections(path):
    expected = expected_of(path)
    result = ingest_file(path, TAXONOMY)
    assert result.ok, result.error
    assert result.title == expected["title"]
    assert [s.title for s in result.sections] == expected["sections"]
    written = "\n".join([result.title, *(f"{s.title}\n{s.text}" for s in result.sections)])
    left = [phrase for phrase in expected["furniture"] if phrase in written]
    assert left == [], f"furniture left in {path.name}: {left}"
    lost = [phrase for phrase in expected["keep"] if phrase not in written]
    assert lost == [], f"content lost from {path.name}: {lost}"
    markdown = result.to_markdown()
    assert "\ufffd" not in markdown and "\ufffd" not in "".join(s.text for s in result.skipped)
    assert [s.title for s in sections_of(markdown, f"{path.stem}.md")] == expected["sections"]


def test_documents_through_the_cli(tmp_path):
    out = tmp_path / "guidance"
    result = CliRunner().invoke(
        cli, ["ingest", *map(str, DOCUMENT_FILES), "--out", str(out), "--show-skipped"]
    )
    assert result.exit_code == 0, result.output
    assert "furniture: links" in result.stdout and "furniture: metadata" in result.stdout
    for path in DOCUMENT_FILES:
        text = (out / f"{path.stem}.md").read_text(encoding="utf-8")
        assert titles(text) == expected_of(path)["sections"], path.name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("商品质(zh\ufffd\ufffd)量", "商品质量"),
        ("再诚(ch\ufffd\ufffdng)恳地道歉", "再诚恳地道歉"),
        ("请再说一遍【hu\ufffd】，不要乱猜", "请再说一遍，不要乱猜"),
        ("感谢信任（xìn rèn），提醒发货", "感谢信任，提醒发货"),
        ("售后保障(bao3 zhang4)要写清楚", "售后保障要写清楚"),
        ("质zh\ufffd量", "质量"),
        ("亲\ufffd\ufffd，在的", "亲，在的"),
        ("[\ufffd] 备注", "备注"),
        ("尺码(S/M/L)和(OK)", "尺码(S/M/L)和(OK)"),
        ("先问清楚原因(正确)，方案(1)", "先问清楚原因(正确)，方案(1)"),
        ("【注意】不要说不知道", "【注意】不要说不知道"),
        ("型号[A2]有货", "型号[A2]有货"),
    ],
)
def test_bracketed_pronunciations_and_replacement_characters_go(raw, clean):
    assert clean_line(raw) == clean


def test_no_replacement_character_survives_a_lone_surrogate():
    assert "\ufffd" not in clean_line("客服\ud800回复")


@pytest.mark.parametrize(
    ("line", "shape"),
    [
        ("您的位置：首页 > 客服学院 > 礼仪规范", "breadcrumb"),
        ("当前栏目：培训中心 » 质检标准", "breadcrumb"),
        ("发布时间：2023-04-12 10:20 作者：小李 来源：客服学院 浏览：1024次", "metadata"),
        ("原创 客服成长营 2023-06-01 08:30", "metadata"),
        ("阅读 2356 在看 18", "metadata"),
        ("浏览：1024次", "metadata"),
        ("（责任编辑：王芳）", "metadata"),
        ("【打印本页】 【关闭窗口】", "print/close"),
        ("[打印] [关闭]", "print/close"),
        ("Copyright © 2015-2023 kefuxueyuan.com All Rights Reserved 沪ICP备12345678号-1", "footer"),
        ("粤ICP备2020012345号 粤公网安备44030502000001号", "footer"),
        ("Powered by Discuz! X3.2", "footer"),
        ("本文网址：http://www.kefu-shouce.cn/a/123.html", "address"),
        ("— 第 1 页 共 5 页 —", "page number"),
        ("— 2 —", "page number"),
        ("浏览 3560 次", "metadata"),
        ("一、认识岗位 ........................ 1", "contents"),
        ("附件：售后话术表.xlsx", "attachment"),
        # content of the same length and look stays
        ("买家：在吗", None),
        ("第一章 售前礼仪", None),
        ("一、接待礼仪", None),
        ("1. 回复及时：买家咨询后十秒内回复。", None),
        ("问候、询问、推荐、议价、核实、道别", None),
        ("【注意】", None),
        ("2023年起，退货运费由店铺承担。", None),
        ("身高>170cm 选L码", None),
        ("满 200 减 30", None),
        ("客服的三种“微笑”", None),
        ("问候 · 询问 · 推荐", None),
        ("活动时间：2023-11-01 至 2023-11-11", None),
        ("人工客服工作时间：9:00-18:30", None),
        ("尺码 | 身高 | 体重", None),
    ],
)
def test_furniture_is_known_by_its_shape(line, shape):
    assert furniture_shape(line, clean_line(line), load_patterns().furniture) == shape


def _numbered(texts: list[str]) -> list[tuple[int, str, str]]:
    return [(n, t, clean_line(t)) for n, t in enumerate(texts, start=1)]


def test_navigation_tag_and_share_lines_are_furniture_only_in_the_head_and_tail_of_a_page():
    prose = "买家咨询时要在十秒内回复，先问好再解答，语气要热情。"
    middle = ["颜色：红色 蓝色 白色", "尺码 | 身高 | 体重", "作者：小李 来源：客服学院"]
    lines = [
        "转发：微信 微博 QQ空间",
        "首页 | 论坛 | 资讯 | 下载",
        prose,
        *middle,
        prose,
        "网站地图 | 联系我们 | 免责声明",
    ]
    lines.append("作者：小王 来源：本站原创")
    kept, skipped = drop_furniture(_numbered(lines))
    assert [t for _, t in kept] == [prose, *middle, prose]
    assert [(s.line, s.reason) for s in skipped] == [
        (1, "furniture: navigation"),
        (2, "furniture: navigation"),
        (8, "furniture: navigation"),
        (9, "furniture: metadata"),
    ]
    # at the tail, a label over a few words is as often the document's summary as its tags
    kept, _ = drop_furniture(_numbered([prose, "三个关键词：耐心 细致 热情"]))
    assert len(kept) == 2


def test_related_articles_go_with_their_heading_and_a_running_header_goes_everywhere():
    prose = "退款审核通过后一到三个工作日原路退回，请买家留意账户。"
    lines = [
        "某某学院 内部资料",
        prose,
        "某某学院 内部资料",
        prose + "有问题随时联系。",
        "相关阅读：",
        "· 客服如何应对差评 2022-02-18",
        "· 售后话术五十句 2022-01-07",
    ]
    kept, skipped = drop_furniture(_numbered(lines))
    assert [n for n, _ in kept] == [2, 4]
    assert {s.reason for s in skipped} == {"furniture: repeated", "furniture: related"}


def test_emphasis_is_a_heading_only_when_it_reads_as_a_title():
    lines = [
        (1, "手册"),
        (2, "**小贴士**"),
        (3, "每处理完一个难缠的买家，可以起身喝口水、深呼吸。"),
        (4, "**注意：不要对买家说“不知道”。**"),
        (5, "**二、结束语**"),
        (6, "成交后说“感谢您的支持，我们会尽快为您发货”。"),
    ]
    _, sections = sections_from_lines(lines, "x", "x.md")
    assert [s.title for s in sections] == ["小贴士", "结束语"]
    assert "注意：不要对买家说“不知道”。" in sections[0].text


def test_a_gb2312_page_is_decoded_by_its_declared_charset(tmp_path):
    page = '<html><head><meta charset="gb2312"></head><body><h2>道别</h2><p>无论是否成交，都要热情道别，欢迎再来。</p></body></html>'
    path = tmp_path / "short.html"
    path.write_bytes(page.encode("gb2312"))
    result = ingest_file(path, TAXONOMY)
    assert [(s.title, s.text) for s in result.sections] == [
        ("道别", "无论是否成交，都要热情道别，欢迎再来。")
    ]


def test_the_footer_starts_at_the_first_furniture_after_the_last_prose():
    prose = "退款审核通过后一到三个工作日原路退回，请买家留意账户。"
    lines = [
        prose,
        "— 3 —",
        "多练习 多复盘",
        prose,
        "【打印】【关闭】",
        "杭州某某网络科技有限公司 承办",
        "技术支持 某某网络",
    ]
    kept, skipped = drop_furniture(_numbered(lines))
    # a page number is no footer: the short line after it stays; after the print/close links all goes
    assert [n for n, _ in kept] == [1, 3, 4]
    assert [(s.line, s.reason) for s in skipped] == [
        (2, "furniture: page number"),
        (5, "furniture: print/close"),
        (6, "furniture: footer"),
        (7, "furniture: footer"),
    ]


def test_a_heading_whose_text_all_went_to_its_sub_sections_opens_the_first_of_them():
    lines = [
        (1, "客服手册"),
        (2, "一、售前礼仪"),
        (3, "（一）问候"),
        (4, "买家进店后十秒内主动问好，统一称呼买家为亲或您。"),
        (5, "（二）议价"),
        (6, "先肯定商品的价值，再说明店铺的优惠活动和赠品。"),
    ]
    _, sections = sections_from_lines(lines, "x", "x.txt")
    assert [s.title for s in sections] == ["问候", "议价"]
    assert sections[0].text.split("\n")[0] == "一、售前礼仪"  # the chapter's words are not lost
    assert "售前礼仪" not in sections[1].text


def test_a_heading_or_list_item_met_again_is_not_a_running_header():
    prose = "买家咨询时要在十秒内回复，先问好再解答，语气要热情。"
    lines = ["## 一、 小结", prose, "- 快速 回应", "## 一、 小结", prose + "再确认需求。", "- 快速 回应"]
    kept, skipped = drop_furniture(_numbered(lines))
    assert [n for n, _ in kept] == [1, 2, 3, 4, 5, 6] and skipped == []


def test_a_short_last_section_after_a_separator_is_not_a_signature():
    prose = "退款审核通过后一到三个工作日原路退回，请买家留意账户。"
    lines = [prose, "------", "三、补偿", "送一张优惠券并道歉。"]
    kept, _ = drop_furniture(_numbered(lines))
    assert [n for n, _ in kept] == [1, 3, 4]
    # after the rule of a web page, a signature; after the rule of a handout, its summary
    page = ["首页 | 论坛 | 资讯 | 下载", prose, "------", "签名：做最好的客服，卖最好的货"]
    kept, skipped = drop_furniture(_numbered(page))
    assert [n for n, _ in kept] == [2] and skipped[-1].reason == "furniture: signature"
    kept, _ = drop_furniture(_numbered([prose, "------", "总结：多听、多问、多确认。"]))
    assert [n for n, _ in kept] == [1, 3]


def test_a_dialog_under_a_counted_heading_is_not_a_comment_box():
    prose = "议价时先肯定商品的价值，再说明店铺的优惠活动和赠品。"
    dialog = ["案例（3）", "买家：能便宜点吗", "客服：亲，现在下单送小礼品哦", "买家：那我拍了"]
    kept, _ = drop_furniture(_numbered([prose, *dialog]))
    assert [t for _, t in kept] == [prose, *dialog]
    comments = ["评论（2）", "小王：模板很实用，谢谢分享！", "阿美：可以再加一句补偿方案。"]
    kept, skipped = drop_furniture(_numbered([prose, *comments]))
    assert [t for _, t in kept] == [prose] and {s.reason for s in skipped} == {"furniture: comments"}


def test_a_label_line_without_links_is_not_a_link_line(tmp_path):
    page = (
        "<html><body><h2>议价</h2><p>对策：</p><p>先肯定商品的价值，再说明店铺的优惠活动。</p>"
        '<p>标签：<a href="/1">议价</a> <a href="/2">话术</a> <a href="/3">技巧</a></p></body></html>'
    )
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    [section] = ingest_file(path).sections
    assert section.text == "对策：\n先肯定商品的价值，再说明店铺的优惠活动。"


# ----------------------------------------------------------------------------- every scheme × encoding × format

SCHEMES = {
    "一、": ("一、{}", "二、{}"),
    "（一）": ("（一）{}", "（二）{}"),
    "1.": ("1. {}", "2. {}"),
    "1、": ("1、{}", "2、{}"),
    "第X章": ("第一章 {}", "第二章 {}"),
    "第X节": ("第一节 {}", "第二节 {}"),
    "①": ("①{}", "②{}"),
}
BODIES = (
    "买家进店后十秒内主动问好，统一称呼买家为“亲”或“您”。",
    "无论是否成交，都要感谢买家的光临，欢迎再来。",
)


def _matrix_lines(scheme: str) -> list[str]:
    first, second = SCHEMES[scheme]
    return ["客服礼仪", first.format("问候礼仪"), BODIES[0], second.format("道别礼仪"), BODIES[1]]


def _write(lines: list[str], suffix: str, encoding: str, path: Path) -> Path:
    if suffix == ".html":
        charset = {"utf-8-sig": "utf-8", "utf-16": "utf-16"}.get(encoding, encoding)
        body = "".join(f"<p>{line}</p>\n" for line in lines)
        text = f'<html><head><meta charset="{charset}"></head><body>\n{body}</body></html>\n'
    elif suffix == ".md":
        text = "\n\n".join(lines) + "\n"
    else:
        text = "\n".join(lines) + "\n"
    path = path.with_suffix(suffix)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_every_numbering_scheme_in_every_encoding_and_text_format(scheme, encoding, suffix, tmp_path):
    path = _write(_matrix_lines(scheme), suffix, encoding, tmp_path / "doc")
    result = ingest_file(path, TAXONOMY)
    assert result.ok, result.error
    assert (result.title, [s.title for s in result.sections]) == ("客服礼仪", ["问候礼仪", "道别礼仪"])
    assert [s.text for s in result.sections] == list(BODIES)


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_every_numbering_scheme_in_docx_and_pdf(scheme, tmp_path):
    import docx

    lines = _matrix_lines(scheme)
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(tmp_path / "doc.docx")
    (tmp_path / "doc.pdf").write_bytes(fixture_script().pdf_bytes([lines]))
    for name in ("doc.docx", "doc.pdf"):
        result = ingest_file(tmp_path / name, TAXONOMY)
        assert [s.title for s in result.sections] == ["问候礼仪", "道别礼仪"], name
        assert [s.text for s in result.sections] == list(BODIES), name


MARKUP = {
    "h2": "<h2>{}</h2>",
    "h3": "<h3>{}</h3>",
    "h4": "<h4>{}</h4>",
    "strong": "<p><strong>{}</strong></p>",
    "b": "<div><b>{}</b></div>",
    "bold style": '<p style="font-weight:700">{}</p>',
    "strong and br": "<strong>{}</strong><br>",
}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
@pytest.mark.parametrize("markup", list(MARKUP))
def test_html_headings_and_emphasis_in_every_encoding(markup, encoding, tmp_path):
    heading = MARKUP[markup]
    body = "".join(
        heading.format(title) + (f"{text}<br>" if markup == "strong and br" else f"<p>{text}</p>")
        for title, text in zip(("问候礼仪", "道别礼仪"), BODIES, strict=True)
    )
    charset = {"utf-8-sig": "utf-8"}.get(encoding, encoding)
    page = f'<html><head><meta charset="{charset}"></head><body><h1>客服礼仪</h1>{body}</body></html>'
    path = tmp_path / "page.html"
    path.write_bytes(page.encode(encoding))
    result = ingest_file(path, TAXONOMY)
    assert (result.title, [s.title for s in result.sections]) == ("客服礼仪", ["问候礼仪", "道别礼仪"])
    assert [s.text for s in result.sections] == list(BODIES)


def _patterns_without_the_word_list(tmp_path: Path):
    """The shipped patterns with [boilerplate] lines and blocks (the words of sites seen before) emptied."""
    from assistant.ingest_patterns import PATTERNS_FILE

    text = PATTERNS_FILE.read_text(encoding="utf-8")
    start = text.index("[boilerplate]\nlines = [")
    end = text.index("# Text removed wherever it occurs inside a line")
    path = tmp_path / "shapes_only.toml"
    path.write_text(text[:start] + "[boilerplate]\nlines = []\n\n" + text[end:], encoding="utf-8")
    patterns = load_patterns(path)
    assert patterns.lines == () and patterns.blocks == ()
    return patterns


def test_the_documents_come_out_clean_by_shape_alone(tmp_path):
    patterns = _patterns_without_the_word_list(tmp_path)
    for path in DOCUMENT_FILES:
        expected = expected_of(path)
        result = ingest_file(path, TAXONOMY, patterns)
        written = "\n".join([result.title, *(f"{s.title}\n{s.text}" for s in result.sections)])
        assert [s.title for s in result.sections] == expected["sections"], path.name
        assert [f for f in expected["furniture"] if f in written] == [], path.name
        assert [k for k in expected["keep"] if k not in written] == [], path.name


def test_ingest_files_keeps_going_when_one_file_cannot_be_written(tmp_path):
    # the write of one guidance file fails (its target is a folder): that document gets an error
    # naming the file, and the batch goes on with the next one, as the docstring promises
    docs = tmp_path / "docs"
    docs.mkdir()
    text = "退换货须知\n\n签收后七天内可以申请退换，请保持商品完好、吊牌齐全。\n\n运费由买家承担，质量问题除外。\n"
    (docs / "blocked.txt").write_text(text, encoding="utf-8")
    (docs / "fine.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "guidance"
    (out / "blocked.md").mkdir(parents=True)
    results = ingest_files([docs / "blocked.txt", docs / "fine.txt"], out)
    assert [r.ok for r in results] == [False, True]
    assert results[0].error.startswith(f"{out / 'blocked.md'}: could not be saved (")
    assert "\n" not in results[0].error
    assert results[1].out == str(out / "fine.md")
    assert "## 退换货须知 {#fine-001}" in (out / "fine.md").read_text(encoding="utf-8")
