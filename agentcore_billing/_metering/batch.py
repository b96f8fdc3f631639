"""The streaming BatchMeterUsage pipeline: chunk, plan, send in parallel, yield in order.

The input is read lazily, ``chunk_size`` records at a time, and each chunk is planned
(see :mod:`.plan`). With one worker, or while no chunk has needed more than one
request, requests run inline (so the request sequence is deterministic) and a chunk's
results are yielded before the next chunk is read. With several workers, requests run on
a thread pool created on first need, and the next chunk is read, planned and queued
before the previous one's results are yielded, so the workers do not drain at every chunk
boundary. At most two chunks are held at once, and results are yielded in input order:
memory stays bounded whatever the length of the input.
"""

from __future__ import annotations

import functools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from agentcore_billing._core.clock import Clock

from .packing import chunked
from .plan import ChunkPlan, ChunkPlanner, Request, Settled
from .results import UsageRecordResult
from .send import RequestRunner

logger = logging.getLogger(__name__)


def stream_results(
    records: Iterable[object],
    *,
    planner: ChunkPlanner,
    runner: RequestRunner,
    clock: Clock,
    max_workers: int,
    chunk_size: int,
) -> Iterator[UsageRecordResult]:
    """Yield one :class:`UsageRecordResult` per input record, in input order."""
    pool: ThreadPoolExecutor | None = None
    queued: deque[tuple[ChunkPlan, list[_Answer]]] = deque()
    try:
        for chunk in chunked(enumerate(records), chunk_size):
            plan = planner.plan(chunk, now=clock(), refused_groups=runner.refused.get)
            logger.debug(
                "BatchMeterUsage: chunk of %d records, %d settled locally, %d requests",
                len(chunk),
                len(plan.finals) + len(plan.copies),
                len(plan.requests),
            )
            # A pool costs more than it saves for one request: create it only when a
            # chunk has several requests to overlap.
            if pool is None and max_workers > 1 and len(plan.requests) > 1:
                pool = ThreadPoolExecutor(
                    max_workers=max_workers, thread_name_prefix="agentcore-metering"
                )
            queued.append((plan, _start(plan.requests, runner, pool)))
            # Keep one chunk queued behind the one being settled (none when inline).
            while len(queued) > (1 if pool is not None else 0):
                yield from _settled(*queued.popleft())
        while queued:
            yield from _settled(*queued.popleft())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_Answer = Callable[[], dict[int, Settled]]
"""Returns one request's final outcomes (waiting for them when the request runs on a pool)."""


def _start(
    requests: list[Request], runner: RequestRunner, pool: ThreadPoolExecutor | None
) -> list[_Answer]:
    """Submit ``requests`` to ``pool``; without a pool, defer each to when it is needed."""
    if pool is None:
        return [functools.partial(runner.run, group, entries) for group, entries in requests]
    return [pool.submit(runner.run, group, entries).result for group, entries in requests]


def _settled(plan: ChunkPlan, answers: list[_Answer]) -> Iterator[UsageRecordResult]:
    finals: dict[int, Settled] = {}
    for answer in answers:
        finals.update(answer())
    return plan.results(finals)
