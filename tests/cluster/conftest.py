"""A local Ray cluster for the cluster tests: 2 CPUs on 127.0.0.1, started once and stopped at the end."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from ocrvl.batch import BatchOptions, plan_batch, run_batch
from ocrvl.options import PipelineOptions
from ocrvl.pipeline import Pipeline

ray = pytest.importorskip("ray")

LITE = PipelineOptions(engine="lite")


@pytest.fixture(scope="package")
def cluster() -> str:
    """The test cluster's address (what ``ocrvl parse --ray ADDRESS`` takes); this process is its driver, and stops
    it once these tests are done (the rest of the suite runs without Ray)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             _node_ip_address="127.0.0.1")  # fmt: skip
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def text_pdf(path: Path, pages: int, title: str) -> Path:
    """A born-digital PDF of `pages` pages of text (the lite engine reads its text layer: fast)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page()
        page.insert_text((72, 90), f"{title}, part {n + 1}", fontsize=20)
        page.insert_text((72, 140), f"This page of {title} talks about apples, pears and jam, page {n + 1}.")
    doc.save(path)
    return path


def outputs(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def local_run(inputs: list[Path], out: Path, options: PipelineOptions = LITE, formats=None) -> dict[str, bytes]:
    """What a local run writes for `inputs`."""
    pipeline = Pipeline(options)
    batch_options = BatchOptions(formats) if formats else None
    run_batch(pipeline, plan_batch(inputs, out, pipeline.count_pages), batch_options)
    return outputs(out)
