"""The driver's wait for a task's pages, without a cluster: Ray's `wait` stood in for by a fake."""

from __future__ import annotations

from pathlib import Path

from ocrvl.cluster.reader import ClusterReader, SplitPages, _Part


class SmallResultsFirst:
    """`ray.wait` as a driver sees it: a small result (a recognizer's texts) is ready at once and returned first,
    while a large one (the pages' plans) is still being fetched into this node's store on that call."""

    def __init__(self):
        self.calls = 0

    def wait(self, refs: list[str], num_returns: int = 1) -> tuple[list[str], list[str]]:
        self.calls += 1
        assert self.calls < 20, "the driver waits on and on for what it already has"
        ready = [ref for ref in refs if ref.startswith("texts")][:num_returns] or refs[:num_returns]
        return ready, [ref for ref in refs if ref not in ready]


def test_a_task_whose_texts_arrive_before_its_plans_is_waited_for_until_both_are_there():
    ray = SmallResultsFirst()
    reader = ClusterReader(ray, ["page worker"], None, [], 2, 0, route=SplitPages(["recognizer"], None))  # type: ignore[arg-type]
    part = _Part(Path("report.pdf"), [0, 1], held="plans 1-2", ref="texts 1-2", plans="plans 1-2", worker=0)
    reader.in_flight[part.held] = part
    reader.calls[0] = 1
    reader._wait(part)
    assert ray.calls == 2 and reader.calls == [0] and not reader.in_flight, "the page worker is free again"
