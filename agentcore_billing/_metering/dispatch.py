"""Where admitted records wait for a request, and the worker threads that send requests.

:class:`Lanes` keeps records waiting to be sent, one queue per *lane* (records that may
share a request: same group, same suspicion). Records the service returned unprocessed
go back to the front of their lane once their back-off has passed, so they travel with
fresh records in full requests instead of in small requests of their own. The halves of
a request refused for a record-level cause are sent as they are (bisection isolates the
bad record), ahead of everything else.

:class:`Workers` are daemon threads that run one request each at a time. They are
daemons, and every attempt passes the call's gate, so none can keep sending after the
call has ended, even if the caller's thread is interrupted twice.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .packing import MAX_REQUEST_BYTES, GroupKey, request_overhead
from .plan import Entry, request_product_code
from .send import Sent

_SEPARATOR = len(", ")


@dataclass
class Budget:
    """Extra calls bisection has spent on one packed request."""

    calls: int = 0


@dataclass
class Job:
    """One request to send: its group, its records, and its bisection budget."""

    group: GroupKey
    batch: list[Entry]
    budget: Budget = field(default_factory=Budget)


class Lanes:
    """Records waiting to be sent, by lane, plus delayed resends and bisection halves."""

    def __init__(self, *, max_records: int) -> None:
        self.max_records = max_records
        self._lanes: dict[tuple[GroupKey, bool], deque[Entry]] = {}
        self._delayed: list[tuple[float, int, Entry]] = []
        self._halves: deque[Job] = deque()
        self._order = itertools.count()
        self.waiting = 0

    def add(self, entry: Entry) -> None:
        """Queue a fresh record at the back of its lane."""
        lane = self._lanes.get(entry.lane)
        if lane is None:
            lane = self._lanes[entry.lane] = deque()
        lane.append(entry)
        self.waiting += 1

    def resend_at(self, entry: Entry, due: float) -> None:
        """Queue an unprocessed record to go again once ``due`` has passed."""
        heapq.heappush(self._delayed, (due, next(self._order), entry))
        self.waiting += 1

    def split(self, job: Job) -> None:
        """Queue the halves of a refused request, to go first."""
        self._halves.appendleft(job)
        self.waiting += len(job.batch)

    def next_due(self) -> float | None:
        """When the earliest delayed resend is due (``None`` without one)."""
        return self._delayed[0][0] if self._delayed else None

    def take(self, now: float, *, partial: bool) -> Job | None:
        """The next request to send, or ``None``; ``partial`` allows a short request."""
        self._promote(now)
        if self._halves:
            job = self._halves.popleft()
            self.waiting -= len(job.batch)
            return job
        lane = self._pick(partial)
        if lane is None:
            return None
        return Job(lane[0], self._pack(lane))

    def drain(self) -> list[Entry]:
        """Every waiting record (the call is ending or halted)."""
        entries = [entry for lane in self._lanes.values() for entry in lane]
        entries += [entry for _, _, entry in self._delayed]
        entries += [entry for job in self._halves for entry in job.batch]
        self._lanes.clear()
        self._delayed.clear()
        self._halves.clear()
        self.waiting = 0
        return entries

    def drop_group(self, group: GroupKey) -> list[Entry]:
        """Remove and return every waiting fresh record of ``group``."""
        dropped: list[Entry] = []
        for lane in [key for key in self._lanes if key[0] == group]:
            dropped.extend(self._lanes.pop(lane))
        self.waiting -= len(dropped)
        return dropped

    def _promote(self, now: float) -> None:
        due: list[Entry] = []
        while self._delayed and self._delayed[0][0] <= now:
            due.append(heapq.heappop(self._delayed)[2])
        for entry in sorted(due, key=lambda item: item.index, reverse=True):
            self._lanes.setdefault(entry.lane, deque()).appendleft(entry)

    def _pick(self, partial: bool) -> tuple[GroupKey, bool] | None:
        best: tuple[GroupKey, bool] | None = None
        best_size = 0
        for lane, entries in self._lanes.items():
            if len(entries) >= self.max_records:
                return lane
            if len(entries) > best_size:
                best, best_size = lane, len(entries)
        return best if partial else None

    def _pack(self, lane: tuple[GroupKey, bool]) -> list[Entry]:
        entries = self._lanes[lane]
        group = lane[0]
        overhead = request_overhead(request_product_code(group))
        used = overhead
        batch: list[Entry] = []
        while entries and len(batch) < self.max_records:
            entry = entries[0]
            if entry.sized:
                extra = entry.size + (_SEPARATOR if batch else 0)
                if batch and used + extra >= MAX_REQUEST_BYTES:
                    break
                used += extra
            batch.append(entries.popleft())
        if not entries:
            del self._lanes[lane]
        self.waiting -= len(batch)
        return batch


Done = tuple[Job, Sent]


class Workers:
    """Up to ``size`` daemon threads running ``run(job)``; answers arrive on ``done``."""

    def __init__(self, size: int, run: Callable[[Job], Sent]) -> None:
        self.size = size
        self._run = run
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self.done: queue.SimpleQueue[Done] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self.in_flight = 0

    def submit(self, job: Job) -> None:
        """Hand ``job`` to a worker (starting one if fewer than ``size`` run)."""
        if len(self._threads) < min(self.size, self.in_flight + 1):
            thread = threading.Thread(target=self._loop, name="agentcore-metering", daemon=True)
            thread.start()
            self._threads.append(thread)
        self.in_flight += 1
        self._jobs.put(job)

    def collect(self, timeout: float | None) -> Done | None:
        """The next finished job, waiting at most ``timeout`` seconds."""
        if not self.in_flight:
            return None
        try:
            done = self.done.get(timeout=timeout) if timeout else self.done.get_nowait()
        except queue.Empty:
            return None
        self.in_flight -= 1
        return done

    def close(self) -> None:
        """Let every worker end once its current job is done."""
        for _ in self._threads:
            self._jobs.put(None)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            self.done.put((job, self._run(job)))
