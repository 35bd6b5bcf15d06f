"""The options of a run on a Ray cluster: where the cluster is, and how the work is cut and placed."""

from __future__ import annotations

from dataclasses import dataclass

from ocrvl.errors import OptionsError
from ocrvl.flags import api_only, flag


@dataclass(frozen=True)
class ClusterOptions:
    """How ``ocrvl parse --ray`` spreads a batch over a Ray cluster (``ocrvl.cluster``)."""

    address: str = api_only(
        "auto", "the command line's --ray [auto|ADDRESS]: auto joins the cluster of this machine, or starts one"
    )
    workers: int | None = flag(
        None,
        "Page workers on the cluster, each holding its models once: loading and layout for the vl engines, whole "
        "pages for lite (default: as many as its CPUs hold beside the recognizers; with --ray-recognizers 0, its "
        "GPUs with --ray-gpus-per-worker).",
        name="--ray-workers",
    )
    recognizers: int | None = flag(
        None,
        "Recognizer actors of --engine vl and vl-server, each holding the recognizer (or the server's client) once "
        "and reading the crops of many pages together, fed by the page workers (default: one per GPU with "
        "--ray-gpus-per-worker, else one). 0: each page worker runs the whole engine. Lite and auto read whole "
        "pages on page workers.",
        name="--ray-recognizers",
    )
    pages_per_task: int = flag(
        4, "Pages a task reads: a document is cut into tasks of this many pages.", name="--ray-pages-per-task"
    )
    cpus_per_worker: float = flag(1.0, "CPUs a page worker or a recognizer reserves.", name="--ray-cpus-per-worker")
    gpus_per_worker: float = flag(
        0.0, "GPUs a recognizer reserves (1 for the vl engine's local recognizer on a GPU node); page workers reserve "
        "none, unless --ray-recognizers 0 puts the recognizer in them.",
        name="--ray-gpus-per-worker",
    )  # fmt: skip
    max_retries: int = flag(
        3,
        "Times a task is run again when its worker or recognizer process is lost; then its document is "
        "reported failed.",
        name="--ray-max-retries",
    )

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise OptionsError(f"--ray-workers {self.workers}: a run needs at least one worker")
        if self.recognizers is not None and self.recognizers < 0:
            raise OptionsError(f"--ray-recognizers {self.recognizers}: give 0 (page workers run the whole engine) or "
                               "more")  # fmt: skip
        if self.pages_per_task < 1:
            raise OptionsError(f"--ray-pages-per-task {self.pages_per_task}: a task reads at least one page")
        if self.cpus_per_worker <= 0 or self.gpus_per_worker < 0:
            raise OptionsError("--ray-cpus-per-worker must be above 0 and --ray-gpus-per-worker 0 or more")
        if self.max_retries < 0:
            raise OptionsError(f"--ray-max-retries {self.max_retries}: give 0 or more")
