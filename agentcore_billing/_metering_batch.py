"""The streaming BatchMeterUsage pipeline: chunk, plan, send in parallel, yield in order.

The input is read lazily, ``chunk_size`` records at a time. Each chunk is planned (see
:mod:`._metering_plan`), its requests run on up to ``max_workers`` threads (inline when
``max_workers`` is 1, so the request sequence is deterministic), and its results are
yielded in input order before the next chunk is read. Memory therefore stays bounded by
the chunk, whatever the length of the input.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from ._batching import chunked
from ._clock import Clock
from ._metering_models import UsageRecordResult
from ._metering_plan import ChunkPlanner, Final, Request
from ._metering_send import RequestRunner

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
    pool = (
        ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="agentcore-metering")
        if max_workers > 1
        else None
    )
    try:
        for chunk in chunked(enumerate(records), chunk_size):
            plan = planner.plan(chunk, now=clock(), refused_groups=runner.refused.get)
            logger.debug(
                "BatchMeterUsage: chunk of %d records, %d settled locally, %d requests",
                len(chunk),
                len(plan.finals) + len(plan.copies),
                len(plan.requests),
            )
            answers = _execute(plan.requests, runner, pool)
            yield from plan.results(answers)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _execute(
    requests: list[Request], runner: RequestRunner, pool: ThreadPoolExecutor | None
) -> dict[int, Final]:
    answers: dict[int, Final] = {}
    if pool is None:
        for group, entries in requests:
            answers.update(runner.run(group, entries))
        return answers
    futures = [pool.submit(runner.run, group, entries) for group, entries in requests]
    for future in futures:
        answers.update(future.result())
    return answers
