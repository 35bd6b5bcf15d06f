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
        "Page workers on the cluster, each holding the models once (default: as many as its CPUs, or its GPUs "
        "with --ray-gpus-per-worker).",
        name="--ray-workers",
    )
    pages_per_task: int = flag(
        4, "Pages a task reads: a document is cut into tasks of this many pages.", name="--ray-pages-per-task"
    )
    cpus_per_worker: float = flag(1.0, "CPUs a page worker reserves.", name="--ray-cpus-per-worker")
    gpus_per_worker: float = flag(
        0.0, "GPUs a page worker reserves (1 for the vl engine's local recognizer on a GPU node).",
        name="--ray-gpus-per-worker",
    )  # fmt: skip
    max_retries: int = flag(
        3,
        "Times a task is run again when its worker process is lost; then its document is reported failed.",
        name="--ray-max-retries",
    )

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise OptionsError(f"--ray-workers {self.workers}: a run needs at least one worker")
        if self.pages_per_task < 1:
            raise OptionsError(f"--ray-pages-per-task {self.pages_per_task}: a task reads at least one page")
        if self.cpus_per_worker <= 0 or self.gpus_per_worker < 0:
            raise OptionsError("--ray-cpus-per-worker must be above 0 and --ray-gpus-per-worker 0 or more")
        if self.max_retries < 0:
            raise OptionsError(f"--ray-max-retries {self.max_retries}: give 0 or more")
