"""One self-contained HTML file per document: each page's picture with its blocks' boxes drawn over it, beside
the page's content rendered, each block linked to its box."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib.resources import files
from string import Template

from ocrvl.postprocess.markdown import DEFAULT_MARKDOWN_IGNORE_LABELS
from ocrvl.postprocess.visualize import label_color
from ocrvl.types import Block, PageResult
from ocrvl.viewer.content import block_html
from ocrvl.viewer.pictures import PictureSource


@cache
def resource(name: str) -> str:
    """A template or static file of the viewer's package."""
    return files("ocrvl.viewer").joinpath(name).read_text(encoding="utf-8")


def block_key(page_index: int, position: int) -> str:
    """The id shared by a block's box and its content: ``p{page}-{position in the page's blocks}``."""
    return f"p{page_index}-{position}"


@dataclass(frozen=True)
class ViewedDocument:
    """What the viewer shows: the document's `name`, its `pages` as the document outputs have them (restructured
    across pages), the labels left out of its Markdown (shown, but marked) and where its pictures come from."""

    name: str
    pages: Sequence[PageResult]
    ignore_labels: Sequence[str] = DEFAULT_MARKDOWN_IGNORE_LABELS
    pictures: PictureSource = PictureSource()


def viewer_html(document: ViewedDocument) -> str:
    """The document as one HTML page that needs nothing but a browser: no network, pictures embedded."""
    links = _MergeLinks(document.pages)
    sections = "\n".join(_page_section(document, page, links) for page in document.pages)
    labels = sorted({block.label for page in document.pages for block in page.blocks})
    return Template(resource("templates/viewer.html")).substitute(
        title=escape(document.name),
        style=resource("static/viewer.css"),
        script=resource("static/viewer.js"),
        summary=escape(_summary(document.pages)),
        legend="".join(f'<li style="--c:{_css_color(label)}">{escape(label)}</li>' for label in labels),
        pages=sections,
    )


def _summary(pages: Sequence[PageResult]) -> str:
    count = pages[0].page_count if pages else 0
    shown = f"{len(pages)} of {count} pages" if len(pages) != count else f"{count} page{'s' * (count != 1)}"
    engine = next((str(p.model_settings["engine"]) for p in pages if p.model_settings.get("engine")), None)
    return f"{shown} · engine {engine}" if engine else shown


def _css_color(label: str) -> str:
    return "#{:02x}{:02x}{:02x}".format(*label_color(label))


class _MergeLinks:
    """Blocks whose content went into a block of an earlier page (a table continued, a paragraph cut by a page
    break): which block took each one over, and which blocks each took over."""

    def __init__(self, pages: Sequence[PageResult]):
        positions = {}
        for page in pages:
            for position, block in enumerate(page.blocks):
                positions.setdefault((page.page_index, block.block_id), block_key(page.page_index, position))
        self.target: dict[str, str] = {}
        self.page_of: dict[str, int] = {}
        self.continued: dict[str, list[tuple[str, int]]] = {}
        for page in pages:
            for position, block in enumerate(page.blocks):
                if block.merged_into is not None and block.merged_into in positions:
                    key, into = block_key(page.page_index, position), positions[block.merged_into]
                    self.target[key] = into
                    self.page_of[into] = block.merged_into[0]
                    self.continued.setdefault(into, []).append((key, page.page_index))


def _page_section(document: ViewedDocument, page: PageResult, links: _MergeLinks) -> str:
    number = page.page_index + 1
    head = f'<h2 class="page-head">Page {number}<span> of {page.page_count}</span></h2>'
    if page.error is not None:
        return (f'<section class="page failed" id="page-{number}" data-page="{page.page_index}">{head}'
                f'<p class="page-error">{escape(page.error)}</p></section>')  # fmt: skip
    picture = document.pictures.page(page)
    image = '<p class="no-image">(the page picture was not kept)</p>'
    if picture:
        image = f'<img class="page-image" src="{picture}" alt="page {number}" loading="lazy" decoding="async">'
    tag_size = max(12, round(page.width / 55))  # reading-order tags the same size on the screen for any dpi
    boxes = "".join(_box(page, position, block, tag_size) for position, block in enumerate(page.blocks))
    content = "\n".join(_content(document, page, links))
    svg = (f'<svg class="boxes" viewBox="0 0 {page.width} {page.height}" preserveAspectRatio="none" '
           f'font-size="{tag_size}">{boxes}</svg>')  # fmt: skip
    return f"""<section class="page" id="page-{number}" data-page="{page.page_index}">{head}
<div class="sheet"><div class="scan"><div class="frame" style="aspect-ratio:{page.width}/{page.height}">{image}
{svg}</div></div>
<article class="content">{content}</article></div></section>"""


def _box(page: PageResult, position: int, block: Block, tag_size: int) -> str:
    region = block.region
    x0, y0, x1, y1 = region.bbox
    order = f"{region.order} · " if region.order is not None else ""
    tip = f"{order}{block.label} · score {region.score:.2f}"
    if region.polygon is not None:
        points = " ".join(f"{x:g},{y:g}" for x, y in region.polygon)
        shape = f'<polygon points="{points}"/>'
    else:
        shape = f'<rect x="{x0:g}" y="{y0:g}" width="{x1 - x0:g}" height="{y1 - y0:g}"/>'
    tag = ""
    if region.order is not None:
        width, height = tag_size * (0.62 * len(str(region.order)) + 0.5), tag_size * 1.25
        tag = (f'<rect class="tag" x="{x0 - width:g}" y="{y0:g}" width="{width:g}" height="{height:g}"/>'
               f'<text x="{x0 - width / 2:g}" y="{y0 + height / 2:g}">{region.order}</text>')  # fmt: skip
    return (f'<g class="box" data-block="{block_key(page.page_index, position)}" data-label="{escape(block.label)}" '
            f'data-tip="{escape(tip)}" style="--c:{_css_color(block.label)}"><title>{escape(tip)}</title>'
            f"{shape}{tag}</g>")  # fmt: skip


def _content(document: ViewedDocument, page: PageResult, links: _MergeLinks) -> Iterator[str]:
    ignored = set(document.ignore_labels)
    blocks = page.blocks
    numbered = set()  # formula numbers shown inside their formula
    for position, block in enumerate(blocks):
        if position in numbered:
            continue
        key = block_key(page.page_index, position)
        keys = [key]
        classes = ["block", f"label-{block.label}"]
        if key in links.target:
            yield _continuation(key, block, links)
            continue
        number = None
        if _numbered_formula(blocks, position):
            numbered.add(position + 1)
            keys.append(block_key(page.page_index, position + 1))
            number = blocks[position + 1].content
        html = block_html(block, document.pictures.block(page, position), number)
        badge = ""
        if key in links.continued:
            keys += [k for k, _ in links.continued[key]]
            pages = ", ".join(str(p + 1) for _, p in links.continued[key])
            classes.append("merged")
            badge = f'<p class="note">continues on page {pages}, merged here</p>'
        if block.label in ignored:
            classes.append("ignored")
            badge += f'<p class="note">{escape(block.label)}: not in the Markdown</p>'
        if not html.strip():
            html = '<p class="empty">(nothing read)</p>'
        yield (f'<div class="{" ".join(classes)}" id="{key}" data-blocks="{" ".join(keys)}" '
               f'data-label="{escape(block.label)}" style="--c:{_css_color(block.label)}">'
               f"{html}{badge}</div>")  # fmt: skip


def _continuation(key: str, block: Block, links: _MergeLinks) -> str:
    into = links.target[key]
    what = "table" if block.label == "table" else "paragraph"
    return (f'<div class="block continuation" data-blocks="{key}" data-label="{escape(block.label)}" '
            f'style="--c:{_css_color(block.label)}"><p class="note">this {what} continues the one on '
            f'<a href="#{into}">page {links.page_of[into] + 1}</a>; merged there</p></div>')  # fmt: skip


def _numbered_formula(blocks: Sequence[Block], position: int) -> bool:
    """The display formula at `position` is followed by its number (shown inside it, as the Markdown does)."""
    following = blocks[position + 1] if position + 1 < len(blocks) else None
    return (blocks[position].label in ("display_formula", "formula") and following is not None
            and following.label == "formula_number" and bool(following.content.strip()))  # fmt: skip
