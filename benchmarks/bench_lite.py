"""Speed and accuracy of the lite engine beside its peers, measured in one run.

    python benchmarks/bench_lite.py [--eval-dir ../shared/eval] [--rounds 1] [--threads 0] [--ocr-model NAME,...]

Scanned: the pages of the dev split's scanned items (PDF pages rendered at 150 dpi, greyscale; image pages as
they are), written once as PNG files and read by ocrvl lite, Tesseract (one thread, OMP_THREAD_LIMIT=1; skipped
with a note where the `tesseract` command is absent) and RapidOCR (its default pipeline, in a process of its own as
Tesseract is), page by page, the tools taking turns; with several `--ocr-model`s, ocrvl lite with each of them takes
its turn too. Printed: the pages of the dev split's docling born-digital PDFs rendered the same way, as scans of
ordinary printed pages (body text, tables, figures), read by the same tools in turns; the scanned items are mostly
large print on sparse pages, where the per-page costs of layout and orientation weigh most (`--skip-printed` leaves
these out). Born-digital: the dev split's born-digital PDFs, read by ocrvl lite (the first model) and pymupdf4llm's
`to_markdown` (text layer only), file by file in turns. Models are loaded and warmed up before timing.

Prints pages/s of each tool, each one's speed as a multiple of the reference's (one-thread Tesseract on scans,
where present; pymupdf4llm on born-digital PDFs), the NED (score.py's) of each on the scanned items and the printed
pages, the text of an item being its pages' texts joined, and for `--ocr-model auto` the share of lines its accurate
model read again.
"""

from __future__ import annotations

import argparse
import atexit
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image

from ocrvl import PaddleOCRVL
from ocrvl.recognition.lite.cascade import CascadeRecognizer, RereadCount
from ocrvl.recognition.lite.ocr_models import DEFAULT_OCR_MODEL

ROOT = Path(__file__).resolve().parents[1]
SCAN_DPI = 150


@dataclass
class Tool:
    """A reader of one page or file: the text it gives, and the time and pages it took in total."""

    name: str
    read: Callable[[Path], tuple[str, int]]  # a file -> (its text, pages read)
    seconds: float = 0.0
    pages: int = 0
    texts: dict[str, list[str]] = field(default_factory=dict)

    def timed(self, path: Path, item_id: str) -> None:
        start = time.perf_counter()
        text, pages = self.read(path)
        self.seconds += time.perf_counter() - start
        self.pages += pages
        self.texts.setdefault(item_id, []).append(text)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def load_scorer(eval_dir: Path):
    spec = importlib.util.spec_from_file_location("dev_score", eval_dir / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scanned_pages(items: list[dict], dev: Path, out: Path) -> list[tuple[str, Path]]:
    """(item id, PNG file) for every page of the scanned items, written into `out`."""
    pages = []
    for item in items:
        source = dev / item["file"]
        images: list[Image.Image] = []
        if source.suffix.lower() == ".pdf":
            with pymupdf.open(source) as doc:
                for page in doc:
                    pix = page.get_pixmap(dpi=SCAN_DPI, colorspace=pymupdf.csGRAY)
                    images.append(Image.frombytes("L", (pix.width, pix.height), pix.samples))
        else:
            with Image.open(source) as image:
                for frame in range(getattr(image, "n_frames", 1)):
                    image.seek(frame)
                    rgba = image.convert("RGBA")
                    white = Image.new("RGBA", rgba.size, "white")
                    images.append(Image.alpha_composite(white, rgba).convert("L"))
        for n, image in enumerate(images):
            path = out / f"{item['id']}_p{n + 1}.png"
            image.save(path)
            pages.append((item["id"], path))
    return pages


def ocrvl_reader(parser: PaddleOCRVL) -> Callable[[Path], tuple[str, int]]:
    def read(path: Path) -> tuple[str, int]:
        outputs = parser.predict(path)
        return "\n\n".join(output.page_markdown for output in outputs), len(outputs)

    return read


def tesseract_read(path: Path) -> tuple[str, int]:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    done = subprocess.run(["tesseract", str(path), "stdout"], capture_output=True, text=True, env=env, check=True)
    return done.stdout, 1


# The peers that run in Python read in a process of their own, as Tesseract does: in this one they would share
# the C heap that ocrvl tunes to keep its freed buffers for the next page (see ocrvl.allocator), which would crowd
# out ocrvl's buffers and hand the peer an allocator its users do not get. Each worker prints "ready", then
# answers each path on stdin with one JSON line: [text, pages].
_RAPIDOCR_WORKER = """
import json, sys
import numpy as np
from PIL import Image
from rapidocr import RapidOCR
from ocrvl.log import muted_third_party
with muted_third_party():
    engine = RapidOCR(params={"Global.log_level": "error"})
print("ready", flush=True)
for path in sys.stdin:
    result = engine(np.asarray(Image.open(path.strip()).convert("RGB"))[:, :, ::-1].copy())
    print(json.dumps(["\\n".join(result.txts or ()), 1]), flush=True)
"""

_PYMUPDF4LLM_WORKER = """
import json, sys
import pymupdf, pymupdf4llm
print("ready", flush=True)
for path in sys.stdin:
    with pymupdf.open(path.strip()) as doc:
        text = pymupdf4llm.to_markdown(doc, use_ocr=False, show_progress=False)
        print(json.dumps([text, doc.page_count]), flush=True)
"""


def worker_reader(script: str, name: str) -> Callable[[Path], tuple[str, int]]:
    worker = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    atexit.register(worker.stdin.close)
    for line in worker.stdout:  # past what the peer prints as it starts
        if line.strip() == "ready":
            break
    else:
        raise RuntimeError(f"{name}'s worker did not start")

    def read(path: Path) -> tuple[str, int]:
        worker.stdin.write(f"{path}\n")
        worker.stdin.flush()
        answer = worker.stdout.readline()
        if not answer:
            raise RuntimeError(f"{name}'s worker stopped on {path}")
        text, pages = json.loads(answer)
        return text, pages

    return read


def rapidocr_reader() -> Callable[[Path], tuple[str, int]]:
    return worker_reader(_RAPIDOCR_WORKER, "RapidOCR")


def pymupdf4llm_reader() -> Callable[[Path], tuple[str, int]]:
    return worker_reader(_PYMUPDF4LLM_WORKER, "pymupdf4llm")


def run_interleaved(tools: list[Tool], work: list[tuple[str, Path]], rounds: int) -> None:
    """Each file read by every tool in turn, the tool going first changing from file to file."""
    for _ in range(rounds):
        for n, (item_id, path) in enumerate(work):
            for k in range(len(tools)):
                tools[(n + k) % len(tools)].timed(path, item_id)


def mean_ned(tool: Tool, items: list[dict], dev: Path, scorer, rounds: int) -> float:
    values = []
    for item in items:
        pages = tool.texts.get(item["id"], [])
        per_round = len(pages) // rounds
        text = "\n\n".join(pages[:per_round])
        values.append(scorer.score_item(item, dev, text)["NED"])
    return float(np.mean(values))


def print_table(title: str, tools: list[Tool], reference: Tool, neds: dict[str, float] | None = None) -> None:
    print(f"\n{title}: {reference.pages} pages per tool; speed as a multiple of {reference.name}'s")
    header = f"{'tool':<32}{'pages/s':>9}{'speed':>9}"
    print(header + (f"{'NED':>8}" if neds else ""))
    for tool in tools:
        ratio = tool.pages_per_second / reference.pages_per_second if reference.pages_per_second else float("nan")
        row = f"{tool.name:<32}{tool.pages_per_second:>9.2f}{ratio:>8.2f}x"
        if neds:
            row += f"{neds[tool.name]:>8.3f}"
        print(row)


def typeset_arguments(description: str, pages: int, what: str, dpi: int | None = None) -> argparse.Namespace:
    """The command line of a benchmark that typesets its own pages: --eval-dir, --pages, --keep, --ocr-model, and
    --dpi where a default `dpi` is given."""
    ap = argparse.ArgumentParser(description=description)
    if dpi is not None:
        ap.add_argument("--dpi", type=int, default=dpi, help="the resolution pages are scanned at")
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval", help="where score.py is")
    ap.add_argument("--pages", type=int, default=pages, help=what)
    ap.add_argument("--keep", type=Path, help="write the pages, their reference texts and every tool's text here")
    ap.add_argument(
        "--ocr-model", default=DEFAULT_OCR_MODEL, help="the lite engine's OCR model; comma-separated on scanned pages"
    )
    return ap.parse_args()


def tilted_page(doc: pymupdf.Document, dpi: int, max_tilt: float, rng: np.random.Generator) -> Image.Image:
    """The first page of `doc` rendered grey at `dpi` and turned by up to `max_tilt` degrees either way, as a scanner
    feeds it (the scan's noise is each benchmark's own)."""
    pix = doc[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    return image.rotate(float(rng.uniform(-max_tilt, max_tilt)), resample=Image.BICUBIC, fillcolor=255)


def grey_scan(doc: pymupdf.Document, dpi: int, max_tilt: float, noise: float, seed: int) -> Image.Image:
    """The first page of `doc` scanned grey as an office scanner does: turned by up to `max_tilt` degrees, its
    paper a light grey, with noise of `noise` grey levels."""
    rng = np.random.default_rng(seed)
    image = tilted_page(doc, dpi, max_tilt, rng)
    tones = np.asarray(image).astype(np.float32) * 0.9 + 20 + rng.normal(0, noise, (image.height, image.width))
    return Image.fromarray(tones.clip(0, 255).astype(np.uint8))


def scanned_set(
    count: int,
    out: Path,
    makers: dict[str, Callable[[int], tuple[pymupdf.Document, list[str]]]],
    scan: Callable[[pymupdf.Document, int], Image.Image],
    dpi: int,
) -> list[tuple[str, Path, str]]:
    """(kind, PNG file, reference text) for `count` pages of each kind: page n of a kind typeset by its maker,
    scanned, written into `out`."""
    pages = []
    for n in range(count):
        for kind, make in makers.items():
            doc, reference = make(n)
            path = out / f"{kind}_{n:02d}.png"
            scan(doc, n).save(path, dpi=(dpi, dpi))
            pages.append((kind, path, "\n\n".join(reference)))
    return pages


def report_typeset_pages(
    tools: list[Tool], pages: list[tuple[str, Path, str]], scorer, keep: Path | None, width: int = 16
) -> None:
    """Read typeset pages ((kind, image, reference text) each) with every tool in turns, then print each page's
    NED per tool, each kind's mean, and the tools' speed as multiples of the last one's; with `keep`, each page's
    reference text and every tool's text are written beside the pages."""
    run_interleaved(tools, [(path.stem, path) for _, path, _ in pages], rounds=1)
    width = max(width, *(len(tool.name) + 2 for tool in tools))
    print(f"\n{'page':<16}" + "".join(f"{tool.name:>{width}}" for tool in tools) + "   NED")
    neds: dict[str, dict[str, float]] = {tool.name: {} for tool in tools}
    for _, path, reference in pages:
        truth = scorer.md_to_text(reference)
        if keep:
            (keep / f"{path.stem}.reference.md").write_text(reference)
        for tool in tools:
            text = tool.texts[path.stem][0]
            neds[tool.name][path.stem] = scorer.ned(scorer.md_to_text(text), truth)
            if keep:
                (keep / f"{path.stem}.{tool.name.split()[0]}.md").write_text(text)
        print(f"{path.stem:<16}" + "".join(f"{neds[tool.name][path.stem]:>{width}.3f}" for tool in tools))
    for kind in dict.fromkeys(kind for kind, _, _ in pages):
        stems = [path.stem for k, path, _ in pages if k == kind]
        means = [float(np.mean([neds[tool.name][stem] for stem in stems])) for tool in tools]
        print(f"{kind + ' mean':<16}" + "".join(f"{mean:>{width}.3f}" for mean in means))
    print_table("Speed", tools, tools[-1])


def tesseract_peers() -> list[Tool]:
    """One-thread Tesseract as a peer, where the `tesseract` command is present (else none, with a note)."""
    if shutil.which("tesseract"):
        return [Tool("tesseract (1 thread)", tesseract_read)]
    print("note: no `tesseract` command here: ocrvl lite alone")
    return []


def typeset_beside_peers(
    args: argparse.Namespace,
    makers: dict[str, Callable[[int], tuple[pymupdf.Document, list[str]]]],
    scan: Callable[[pymupdf.Document, int], Image.Image],
    dpi: int,
    prefix: str,
    peers: list[Tool],
    width: int = 22,
) -> None:
    """Typeset and scan `args.pages` pages of each kind (see `scanned_set`), read them with ocrvl lite and the
    `peers` in turns, and report each page's NED and the speed (see `report_typeset_pages`); `args` as
    `typeset_arguments` gives them."""
    scorer = load_scorer(args.eval_dir)
    work = args.keep or Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    pages = scanned_set(args.pages, work, makers, scan, dpi)
    models = args.ocr_model.split(",")
    parsers = {model: PaddleOCRVL(engine="lite", ocr_model=model) for model in models}
    ocrvl_tools = [
        Tool("ocrvl lite" if len(models) == 1 else f"ocrvl-{model}", ocrvl_reader(parser))
        for model, parser in parsers.items()
    ]
    tools = [*ocrvl_tools, *peers]
    for parser in parsers.values():
        parser.predict(pages[0][1])  # models loaded and warm before timing
    report_typeset_pages(tools, pages, scorer, args.keep, width=width)
    if not args.keep:
        shutil.rmtree(work)


def reread_count(parser: PaddleOCRVL) -> RereadCount | None:
    """The lines a cascade (`--ocr-model auto`) read, and read again; None for a single model."""
    recognizer = parser.pipeline.engine.recognizer.reader.models().recognizer
    return recognizer.count if isinstance(recognizer, CascadeRecognizer) else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="ocrvl's threads (0: every core)")
    ap.add_argument("--ocr-model", default=DEFAULT_OCR_MODEL, help="comma-separated: each one is timed")
    ap.add_argument("--skip-printed", action="store_true", help="leave out the printed pages read as scans")
    ap.add_argument("--skip-born-digital", action="store_true")
    args = ap.parse_args()

    dev = args.eval_dir / "dev"
    items = json.loads((dev / "manifest.json").read_text())["items"]
    scanned_items = [it for it in items if not it["kind"].startswith("born-digital") and it.get("gt_markdown")]
    born_items = [it for it in items if it["kind"].startswith("born-digital")]
    scorer = load_scorer(args.eval_dir)

    models = args.ocr_model.split(",")
    parsers = {model: PaddleOCRVL(engine="lite", threads=args.threads, ocr_model=model) for model in models}
    ocrvl_tools = [Tool(f"ocrvl lite ({model})", ocrvl_reader(parser)) for model, parser in parsers.items()]
    scan_tools = [*ocrvl_tools, Tool("RapidOCR", rapidocr_reader())]
    reference = ocrvl_tools[0]
    if shutil.which("tesseract"):
        reference = Tool("Tesseract (1 thread)", tesseract_read)
        scan_tools.insert(len(ocrvl_tools), reference)
    else:
        print("note: Tesseract skipped: no `tesseract` command here (Debian: apt-get install tesseract-ocr)")

    with tempfile.TemporaryDirectory(prefix="bench-lite-") as tmp:
        pages = scanned_pages(scanned_items, dev, Path(tmp))
        for tool in scan_tools:  # load and warm up every model before timing
            tool.read(pages[0][1])
        run_interleaved(scan_tools, pages, args.rounds)
        neds = {tool.name: mean_ned(tool, scanned_items, dev, scorer, args.rounds) for tool in scan_tools}
        print_table(f"scanned ({len(scanned_items)} dev items)", scan_tools, reference, neds)
        for model, parser in parsers.items():
            count = reread_count(parser)
            if count is not None:
                print(f"{model}: {count.reread} of {count.lines} lines read again ({count.fraction:.0%})")
        if not args.skip_printed:
            printed_items = [it for it in born_items if it["source"] == "docling"]
            printed = scanned_pages(printed_items, dev, Path(tmp))
            for tool in scan_tools:
                tool.seconds, tool.pages, tool.texts = 0.0, 0, {}
            run_interleaved(scan_tools, printed, args.rounds)
            neds = {tool.name: mean_ned(tool, printed_items, dev, scorer, args.rounds) for tool in scan_tools}
            title = f"printed pages as scans ({len(printed_items)} born-digital dev PDFs rendered at {SCAN_DPI} dpi)"
            print_table(title, scan_tools, reference, neds)

    if not args.skip_born_digital:
        born = Tool(ocrvl_tools[0].name, ocrvl_reader(parsers[models[0]]))
        born_tools = [born, Tool("pymupdf4llm to_markdown", pymupdf4llm_reader())]
        files = [(it["id"], dev / it["file"]) for it in born_items]
        for tool in born_tools:
            tool.read(files[0][1])
        run_interleaved(born_tools, files, args.rounds)
        print_table(f"born-digital ({len(files)} dev PDFs)", born_tools, born_tools[1])

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
