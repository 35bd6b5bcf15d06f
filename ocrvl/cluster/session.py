"""A run's actors on a Ray cluster, and the driver's side of it: the pipeline the batch writer writes with and the
reader that feeds it.

The lite engine (and ``auto``, which a page worker resolves where the weights are) runs whole pages in page
workers. The vl engines are cut in two: page workers load pages and run layout on CPUs, recognizer actors hold the
recognizer (the GPUs go to them) and read the crops of many pages together, and the driver assembles the pages.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ocrvl.batch import Batch
from ocrvl.cluster.connection import ray_cluster
from ocrvl.cluster.options import ClusterOptions
from ocrvl.cluster.reader import ClusterReader, Route, SplitPages, WholePages
from ocrvl.cluster.recognizer import RecognizerWorker
from ocrvl.cluster.worker import EngineIdentity, LayoutWorker, PageWorker, TaskHook
from ocrvl.errors import OcrvlError, OptionsError
from ocrvl.log import logger
from ocrvl.options import PipelineOptions
from ocrvl.pipeline import Pipeline

SPLIT_ENGINES = ("vl", "vl-server")


@dataclass
class ClusterSession:
    ray: Any
    workers: list[Any]
    pipeline: Pipeline  # the driver's: the run's options, and the workers' engine as the manifests record it
    options: ClusterOptions
    recognizers: list[Any] = field(default_factory=list)  # the vl engines' recognizer actors (empty: whole pages)

    def reader(self, batch: Batch, origins: Mapping[Path, str] | None = None) -> ClusterReader:
        """The page reader of `batch` (`ocrvl.batch.run_batch(..., reader=...)`), its first tasks already sent;
        `origins`: the URLs of inputs copied to this node (`ocrvl.cluster.storage`)."""
        route: Route = SplitPages(self.recognizers, self.pipeline.engine) if self.recognizers else WholePages()
        reader = ClusterReader(self.ray, self.workers, self.pipeline, batch.jobs, self.options.pages_per_task,
                               self.options.max_retries, origins, route)  # fmt: skip
        reader.prefetch()
        return reader


def splits(options: PipelineOptions, cluster: ClusterOptions) -> bool:
    """Whether the run's pages are planned by page workers and read by recognizer actors."""
    return options.engine in SPLIT_ENGINES and cluster.recognizers != 0


@contextmanager
def cluster_session(
    options: PipelineOptions,
    cluster: ClusterOptions | None = None,
    on_task: TaskHook | None = None,
    on_recognize: TaskHook | None = None,
) -> Iterator[ClusterSession]:
    """The actors of a run with `options` on the cluster `cluster.address` names, stopped after the block (and Ray
    with them when the block started it). `on_task` is called in a page worker as each of its tasks starts,
    `on_recognize` in a recognizer actor as it is handed a task's crops."""
    cluster = cluster or ClusterOptions()
    with ray_cluster(cluster.address) as ray:
        # The actors run the engine auto stands for on the cluster; the driver keeps the options as given, so the
        # manifests say what a local run's say.
        actor_options = _resolve_auto(ray, options, cluster)
        with _actors(ray, options, actor_options, cluster, on_task, on_recognize) as session:
            yield session


@contextmanager
def _actors(
    ray: Any,
    options: PipelineOptions,
    actor_options: PipelineOptions,
    cluster: ClusterOptions,
    on_task: TaskHook | None,
    on_recognize: TaskHook | None,
) -> Iterator[ClusterSession]:
    split = splits(actor_options, cluster)
    # split, the device is the local recognizer's alone: layout runs on the page workers' CPUs
    on_device = not split or options.vl_rec_backend == "local"
    if on_device and options.inference.device.startswith("cuda") and cluster.gpus_per_worker == 0:
        holder = "recognizers" if split else "workers"
        raise OptionsError(f"--device {options.inference.device} on a Ray cluster needs GPUs for the {holder}: add "
                           f"--ray-gpus-per-worker 1 (Ray hides the GPUs from actors that reserve none)")  # fmt: skip
    actors: list[Any] = []
    try:
        if split:
            recognizers = _start(ray, RecognizerWorker, cluster, _recognizer_count(ray, cluster), actor_options,
                                 on_recognize, gpus=cluster.gpus_per_worker)  # fmt: skip
            actors += recognizers
            count = cluster.workers or _cpu_slots(ray, cluster, beside=len(recognizers))
            workers = _start(ray, LayoutWorker, cluster, count, actor_options, on_task, gpus=0.0)
        else:
            recognizers = []
            count = cluster.workers or _worker_slots(ray, cluster)
            workers = _start(ray, PageWorker, cluster, count, actor_options, on_task, gpus=cluster.gpus_per_worker)
        actors += workers
        # both kinds load their models at once; a recognizer's failure is reported first
        loading = [actor.ready.remote() for actor in recognizers]
        naming = [worker.identity.remote() for worker in workers]
        _started(ray, loading, "recognizer actors")
        identities: list[EngineIdentity] = _started(ray, naming, "page workers")
        pipeline = _driver_pipeline(options, identities[0], split)
    except BaseException:
        _kill(ray, actors)
        raise
    logger.info("Ray: %d page worker(s)%s, engine %s", count,
                f" and {len(recognizers)} recognizer(s)" if split else "", identities[0].name)  # fmt: skip
    try:
        yield ClusterSession(ray, workers, pipeline, cluster, recognizers)
    finally:
        _kill(ray, actors)


def _resolve_auto(ray: Any, options: PipelineOptions, cluster: ClusterOptions) -> PipelineOptions:
    """`options` with ``auto`` replaced by the engine it stands for where the actors run: the weight lookup runs
    as a task on the cluster (a node's models folder, not the driver's, decides)."""
    if options.engine != "auto":
        return options
    from ocrvl.engines import resolve_auto

    lookup = ray.remote(resolve_auto).options(num_cpus=cluster.cpus_per_worker, max_retries=cluster.max_retries)
    name, reason = ray.get(lookup.remote(options))
    logger.info("engine: %s (%s, on the cluster)", name, reason)
    return replace(options, engine=name)


def _start(ray: Any, kind: type, cluster: ClusterOptions, count: int, options: PipelineOptions,
           hook: TaskHook | None, gpus: float) -> list[Any]:  # fmt: skip
    """`count` actors of `kind` for a run with `options`, each reserving the CPUs of a worker and `gpus`."""
    actor = ray.remote(kind).options(
        num_cpus=cluster.cpus_per_worker,
        num_gpus=gpus,
        max_restarts=-1,  # a lost actor comes back with its models; its calls are retried
        max_task_retries=cluster.max_retries,
    )
    return [actor.remote(options, _verbosity(), hook) for _ in range(count)]


def _started(ray: Any, calls: list[Any], what: str) -> list[Any]:
    """The answers of the actors' first calls; raises why they could not start."""
    try:
        return ray.get(calls)
    except ray.exceptions.RayError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, OcrvlError):
            raise cause from None
        raise OcrvlError(f"the {what} could not start on the Ray cluster: {exc}") from None


def _driver_pipeline(options: PipelineOptions, identity: EngineIdentity, split: bool) -> Pipeline:
    """The pipeline the driver writes with: an engine that names the workers' models, and for a split run
    assembles the pages (`ocrvl.cluster.assembly`)."""
    if not split:
        return Pipeline(options, engine=identity)
    from ocrvl.cluster.assembly import page_assembler

    return Pipeline(options, engine=page_assembler(options, identity))


def _recognizer_count(ray: Any, cluster: ClusterOptions) -> int:
    """The recognizers asked for, or one per GPU slot when they take GPUs, else one."""
    if cluster.recognizers is not None:
        return cluster.recognizers
    return _gpu_slots(ray, cluster) if cluster.gpus_per_worker > 0 else 1


def _worker_slots(ray: Any, cluster: ClusterOptions) -> int:
    """As many whole-page workers as the cluster's CPUs (or GPUs, for workers that take one) hold."""
    return _gpu_slots(ray, cluster) if cluster.gpus_per_worker > 0 else _cpu_slots(ray, cluster)


def _gpu_slots(ray: Any, cluster: ClusterOptions) -> int:
    slots = int(ray.cluster_resources().get("GPU", 0) // cluster.gpus_per_worker)
    if slots < 1:
        raise OcrvlError(f"the Ray cluster has no GPU for an actor asking {cluster.gpus_per_worker}: add a GPU "
                         "node, or run the recognizer elsewhere (--vl-rec-backend vllm-server)")  # fmt: skip
    return slots


def _cpu_slots(ray: Any, cluster: ClusterOptions, beside: int = 0) -> int:
    """As many page workers as the cluster's CPUs hold, beside `beside` actors reserving as many CPUs each."""
    cpus = ray.cluster_resources().get("CPU", 1) - beside * cluster.cpus_per_worker
    return max(1, int(cpus // cluster.cpus_per_worker))


def _verbosity() -> int:
    """The driver's log level as `ocrvl.log.configure` takes it, for the workers' logs (in Ray's log folder)."""
    level = logger.getEffectiveLevel()
    return 0 if level >= logging.WARNING else 1 if level >= logging.INFO else 2


def _kill(ray: Any, actors: list[Any]) -> None:
    for actor in actors:
        ray.kill(actor)
