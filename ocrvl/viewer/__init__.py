"""The HTML viewer of a document's results (``ocrvl parse --format html``, ``DocumentOutput.save_to_viewer``, the
page ``ocrvl serve`` shows): one self-contained file that opens offline in any browser."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ocrvl.outputs import write_text
from ocrvl.viewer.document import ViewedDocument, viewer_html
from ocrvl.viewer.pictures import PictureSource, discard_stored_pictures, store_page_pictures

if TYPE_CHECKING:
    from ocrvl.results import DocumentOutput

__all__ = ["ViewedDocument", "document_viewer", "save_viewer", "store_page_pictures", "viewer_html"]


def document_viewer(document: DocumentOutput, stored_pictures: Path | None = None) -> str:
    """The viewer of `document` as it is restructured across pages; pictures its pages no longer hold are read
    from `stored_pictures` (the folder `store_page_pictures` wrote into)."""
    viewed = ViewedDocument(document.name, document.restructured, document.pages[0].markdown_ignore_labels,
                            PictureSource(stored_pictures))  # fmt: skip
    return viewer_html(viewed)


def save_viewer(document: DocumentOutput, target: Path, stored_pictures: Path | None = None) -> Path:
    """Write `document`'s viewer to `target`; the pictures kept in `stored_pictures` are then removed."""
    write_text(Path(target), document_viewer(document, stored_pictures))
    if stored_pictures is not None:
        discard_stored_pictures(stored_pictures)
    return Path(target)
