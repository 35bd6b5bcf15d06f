"""A run's page workers on a Ray cluster, and the driver's side of it: the pipeline the batch writer writes with
and the reader that feeds it."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocrvl.batch import Batch
from ocrvl.cluster.connection import ray_cluster
from ocrvl.cluster.options import ClusterOptions
from ocrvl.cluster.reader import ClusterReader
from ocrvl.cluster.worker import PageWorker, TaskHook
from ocrvl.errors import OcrvlError, OptionsError
from ocrvl.log import logger
from ocrvl.options import PipelineOptions
from ocrvl.pipeline import Pipeline


@dataclass
class ClusterSession:
    ray: Any
    workers: list[Any]
    pipeline: Pipeline  # the driver's: the run's options, and the workers' engine as the manifests record it
    options: ClusterOptions

    def reader(self, batch: Batch, origins: Mapping[Path, str] | None = None) -> ClusterReader:
        """The page reader of `batch` (`ocrvl.batch.run_batch(..., reader=...)`), its first tasks already sent;
        `origins`: the URLs of inputs copied to this node (`ocrvl.cluster.storage`)."""
        reader = ClusterReader(self.ray, self.workers, self.pipeline, batch.jobs, self.options.pages_per_task,
                               self.options.max_retries, origins)  # fmt: skip
        reader.prefetch()
        return reader


@contextmanager
def cluster_session(
    options: PipelineOptions,
    cluster: ClusterOptions | None = None,
    on_task: TaskHook | None = None,
) -> Iterator[ClusterSession]:
    """Page workers for a run with `options`, on the cluster `cluster.address` names, stopped after the block (and
    Ray with them when the block started it). `on_task` is called in a worker as each of its tasks starts."""
    cluster = cluster or ClusterOptions()
    if options.inference.device.startswith("cuda") and cluster.gpus_per_worker == 0:
        raise OptionsError(f"--device {options.inference.device} on a Ray cluster needs GPUs for the workers: add "
                           "--ray-gpus-per-worker 1 (Ray hides the GPUs from workers that reserve none)")  # fmt: skip
    with ray_cluster(cluster.address) as ray:
        count = cluster.workers or _worker_slots(ray, cluster)
        actor = ray.remote(PageWorker).options(
            num_cpus=cluster.cpus_per_worker,
            num_gpus=cluster.gpus_per_worker,
            max_restarts=-1,  # a lost worker comes back with its models; its task is retried
            max_task_retries=cluster.max_retries,
        )
        workers = [actor.remote(options, _verbosity(), on_task) for _ in range(count)]
        try:
            identities = ray.get([worker.identity.remote() for worker in workers])
        except ray.exceptions.RayError as exc:
            _kill(ray, workers)
            cause = getattr(exc, "cause", None)
            if isinstance(cause, OcrvlError):
                raise cause from None
            raise OcrvlError(f"the page workers could not start on the Ray cluster: {exc}") from None
        logger.info("Ray: %d page worker(s), engine %s", count, identities[0].name)
        try:
            yield ClusterSession(ray, workers, Pipeline(options, engine=identities[0]), cluster)
        finally:
            _kill(ray, workers)


def _worker_slots(ray: Any, cluster: ClusterOptions) -> int:
    """As many workers as the cluster's CPUs (or GPUs, for workers that take one) hold."""
    resources = ray.cluster_resources()
    if cluster.gpus_per_worker > 0:
        slots = int(resources.get("GPU", 0) // cluster.gpus_per_worker)
        if slots < 1:
            raise OcrvlError(f"the Ray cluster has no GPU for a worker asking {cluster.gpus_per_worker}: add a GPU "
                             "node, or run the recognizer elsewhere (--vl-rec-backend vllm-server)")  # fmt: skip
        return slots
    return max(1, int(resources.get("CPU", 1) // cluster.cpus_per_worker))


def _verbosity() -> int:
    """The driver's log level as `ocrvl.log.configure` takes it, for the workers' logs (in Ray's log folder)."""
    level = logger.getEffectiveLevel()
    return 0 if level >= logging.WARNING else 1 if level >= logging.INFO else 2


def _kill(ray: Any, workers: list[Any]) -> None:
    for worker in workers:
        ray.kill(worker)
