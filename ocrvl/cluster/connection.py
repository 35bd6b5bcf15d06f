"""Joining a Ray cluster, or starting one on this machine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from ocrvl.errors import EngineUnavailableError, OcrvlError
from ocrvl.log import logger


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError:
        raise EngineUnavailableError("running on a Ray cluster needs Ray: pip install 'ocrvl[ray]'") from None
    return ray


@contextmanager
def ray_cluster(address: str = "auto") -> Iterator[ModuleType]:
    """Ray, connected for the block: to the cluster this process already joined (left joined), to the cluster at
    `address` (``ray://HOST:10001`` or ``HOST:6379``), or with ``auto`` to the cluster this machine is part of
    (``ray start --head`` / ``ray start --address ...``), else to one started here and stopped after the block."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    settings = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    try:
        if address == "auto":
            try:
                ray.init(address="auto", **settings)
            except ConnectionError:
                logger.info("no Ray cluster on this machine: starting one here for this run")
                ray.init(**settings)
        else:
            ray.init(address=address, **settings)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise OcrvlError(f"cannot join the Ray cluster at {address!r} ({exc}): start it with `ray start --head` or "
                         "give its address, e.g. --ray 10.0.0.1:6379") from None  # fmt: skip
    try:
        yield ray
    finally:
        ray.shutdown()
