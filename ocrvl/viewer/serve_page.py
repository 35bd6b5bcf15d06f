"""What ``ocrvl serve`` adds for people: the page at ``/`` (upload a document, follow its pages, see the viewer,
download the results) and the document outputs a parse job gives beyond JSON and Markdown."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from html import escape
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from ocrvl.documents import SUPPORTED_SUFFIXES
from ocrvl.viewer import document_viewer
from ocrvl.viewer.document import resource

if TYPE_CHECKING:
    from ocrvl.results import DocumentOutput

# The page fetches only its own server, shows pictures from data and blob URLs, and is never framed elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; connect-src 'self'; frame-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# What the page asks a parse job for; the API's own default stays JSON and Markdown.
PAGE_FORMATS = "json,markdown,html,zip"
ARCHIVE_FORMATS = ("md", "img")  # written by DocumentOutput; the JSON and the viewer are added as the job has them


def app_page() -> str:
    """The upload page, self-contained like the viewer it shows."""
    accept = ",".join(sorted(SUPPORTED_SUFFIXES))
    return Template(resource("templates/app.html")).substitute(
        style=resource("static/app.css"), script=resource("static/app.js"), accept=escape(accept),
        formats=PAGE_FORMATS,
    )  # fmt: skip


@dataclass(frozen=True)
class ServedViewer:
    """A parse job's viewer and zip. `document_json` is the JSON the job answers with; `temporary` the server's
    path of the upload, shown as `filename` wherever the outputs would name it."""

    document: DocumentOutput
    document_json: dict
    temporary: Path
    filename: str

    def html(self) -> str:
        return document_viewer(self.document).replace(str(self.temporary), self.filename)

    def archive(self, html: str | None = None) -> bytes:
        """Everything in one zip, under a folder named for the document: its Markdown with the pictures, JSON,
        layout pictures and viewer."""
        name = self.document.name
        buffer = io.BytesIO()
        with (
            tempfile.TemporaryDirectory(prefix="ocrvl-zip-") as scratch,
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            folder = Path(scratch)
            self.document.save_all(folder, ARCHIVE_FORMATS)
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, f"{name}/{path.relative_to(folder).as_posix()}")
            archive.writestr(f"{name}/{name}.json", json.dumps(self.document_json, ensure_ascii=False, indent=2))
            archive.writestr(f"{name}/{name}.html", html if html is not None else self.html())
        return buffer.getvalue()
