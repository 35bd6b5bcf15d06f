"""Chinese textbook and exam pages as scans, ocrvl lite beside RapidOCR (its lines in reading order): NED of each.

    python benchmarks/bench_cjk.py [--eval-dir ../shared/eval] [--pages 4] [--keep DIR]

The dev split has no Chinese page, so this benchmark sets its own with PyMuPDF's built-in Chinese font, from text
written for it: textbook pages (a chapter heading, a section heading, indented paragraphs that wrap in
mid-sentence) and exam pages (a title, numbered sections, questions each followed by a row of four lettered
answer choices, fill-in questions). They are scanned at 200 dpi (grey, with noise, turned by up to 0.5 degrees).
The reference is the text as typeset, in reading order; score.py's NED compares each tool's text with it.
"""

from __future__ import annotations

import random

import bench_lite
import pymupdf
from PIL import Image

SCAN_DPI = 200
FONT = "china-s"

PARAGRAPHS = (
    "文档解析是把纸质或电子文档转换为结构化数据的过程。它通常包括版面分析、文字识别、表格识别和阅读顺序恢复等步骤，"
    "每一步的结果都会影响最终输出的质量。",
    "版面分析负责找出页面上的标题、段落、图片和表格等区域，并判断它们的先后顺序。对于多栏排版的页面，"
    "只有先正确划分栏目，才能得到通顺的文字。",
    "扫描件往往存在倾斜、噪声和模糊等问题，这些问题会降低识别的准确率。因此，一个好的系统需要在预处理阶段"
    "校正页面方向，并在后处理阶段合并跨页的段落和表格。",
    "近年来，视觉语言模型在文档解析任务上取得了很大进展。与传统方法相比，它们能够同时理解文字和版面，"
    "在复杂的表格和公式上表现更好，但对计算资源的要求也更高。",
    "在图书馆和档案馆中，大量历史资料只以纸质形式保存。把这些资料数字化以后，研究人员就可以在几秒钟内检索"
    "上百年的文献，这对学术研究具有重要意义。",
    "表格是文档中最难处理的元素之一。有的表格没有边框，有的单元格跨越多行多列，还有的表格跨越两页，"
    "解析程序必须根据文字的位置推断出表格的结构。",
)
CHAPTERS = ("第一章 信息处理概述", "第二章 文档的结构", "第三章 文档解析基础", "第四章 应用与实践")
SECTIONS = ("1.1 基本概念", "2.3 版面与阅读顺序", "3.1 识别方法", "4.2 常见问题")
QUESTIONS = (
    ("下列哪一项不属于文档解析的步骤？", ("版面分析", "文字识别", "图像压缩", "阅读顺序恢复")),
    ("扫描件中常见的问题不包括", ("倾斜", "噪声", "模糊", "彩色")),
    ("计算 25 × 4 的结果是", ("90", "100", "110", "120")),
    ("下列数中，最小的数是", ("-3", "0", "2", "-1")),
    ("一个三角形的两边长分别为3和5，则第三边可能是", ("1", "2", "6", "9")),
    ("某商品原价200元，打八折后的价格是", ("40元", "160元", "180元", "240元")),
)
FILL_INS = (
    "如果一个数的相反数是5，那么这个数是______。",
    "2023年的前一年是______年。",
    "一本书共有120页，小明已经读了其中的四分之一，还剩______页。",
    "已知一个角是40度，则它的余角是______度。",
)


def textbook_page(rng: random.Random) -> tuple[pymupdf.Document, list[str]]:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    chapter, section = rng.choice(CHAPTERS), rng.choice(SECTIONS)
    page.insert_text((60, 80), chapter, fontsize=18, fontname=FONT)
    page.insert_text((60, 120), section, fontsize=14, fontname=FONT)
    reference, y, size = [chapter, section], 140.0, rng.choice([10.5, 11, 12])
    for paragraph in rng.sample(PARAGRAPHS, 4):
        box = pymupdf.Rect(60, y, 535, y + 200)
        left = page.insert_textbox(box, "\u3000\u3000" + paragraph, fontsize=size, fontname=FONT, lineheight=1.6)
        reference.append(paragraph)
        y += 200 - left + size
    return doc, reference


def exam_page(rng: random.Random) -> tuple[pymupdf.Document, list[str]]:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    title = f"{rng.randint(2018, 2024)}年{rng.choice(['七', '八', '九'])}年级期末考试"
    page.insert_text((190, 70), title, fontsize=16, fontname=FONT)
    reference, y = [title], 110.0
    heading = "一、选择题（每小题3分，共18分）"
    page.insert_text((60, y), heading, fontsize=12, fontname=FONT)
    reference.append(heading)
    y += 30
    for n, (question, choices) in enumerate(rng.sample(QUESTIONS, 4), start=1):
        line = f"{n}. {question}（  ）"
        page.insert_text((60, y), line, fontsize=11, fontname=FONT)
        y += 24
        row = [f"{letter}. {choice}" for letter, choice in zip("ABCD", choices, strict=True)]
        for k, choice in enumerate(row):
            page.insert_text((80 + 120 * k, y), choice, fontsize=11, fontname=FONT)
        reference += [line, " ".join(row)]
        y += 34
    heading = "二、填空题（每小题4分，共16分）"
    page.insert_text((60, y), heading, fontsize=12, fontname=FONT)
    reference.append(heading)
    y += 30
    for n, question in enumerate(rng.sample(FILL_INS, 3), start=5):
        line = f"{n}. {question}"
        page.insert_text((60, y), line, fontsize=11, fontname=FONT)
        reference.append(line)
        y += 30
    return doc, reference


def scanned(doc: pymupdf.Document, seed: int) -> Image.Image:
    return bench_lite.grey_scan(doc, SCAN_DPI, 0.5, 10, seed)


def main() -> None:
    args = bench_lite.typeset_arguments(__doc__.splitlines()[0], 4, "pages of each kind")
    rng = random.Random(11)
    makers = {"textbook": lambda n: textbook_page(rng), "exam": lambda n: exam_page(rng)}
    peers = [bench_lite.Tool("rapidocr", bench_lite.rapidocr_reader())]
    bench_lite.typeset_beside_peers(args, makers, scanned, SCAN_DPI, "ocrvl-cjk-", peers, width=14)


if __name__ == "__main__":
    main()
