"""Worker processes that take one job at a time, so a crash or a hang costs only its own job.

Each worker is a fresh process (``forkserver`` where available, else ``spawn``): it calls an
``init`` function once from its main thread (the place to start a sandbox or a server that lives
as long as the worker) and then a ``work`` function per job. The parent hands out one job per idle
worker and always knows which job a worker holds: when a worker dies or outlives the job timeout,
that job alone fails, and a fresh worker takes over the rest. A worker found dead when it is handed
a job never had it: the job goes to a fresh worker (up to ``DELIVERY_TRIES`` workers), so a worker
that dies while idle costs no submission anything.

When there are no more workers than CPUs, the CPUs are split between the workers, each keeping
its own share (its sandbox and every process it starts inherit it): with as many workers as
CPUs, each has one. The pre-warmed zygote, its children and the judge share memory pages, and
they run measurably faster when they stay on one core's caches instead of migrating
(``O11Y_PIN_WORKERS=0`` turns this off).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

PRELOAD = ["o11y_course.batch.worker"]  # imported once by the fork server, shared by every worker
PIN_ENV = "O11Y_PIN_WORKERS"
DELIVERY_TRIES = 3  # workers a job is offered to when each is found dead before it takes the job


@dataclass
class JobResult:
    """What became of one job: ``ok`` with the work function's ``value``, or an ``error`` message."""

    index: int
    ok: bool
    value: Any
    seconds: float


def _resolve(qualified: str) -> Callable[..., Any]:
    module, _, name = qualified.partition(":")
    return getattr(importlib.import_module(module), name)


def worker_cpus(jobs: int) -> list[frozenset[int]] | None:
    """The CPUs of each of ``jobs`` workers (the allowed CPUs dealt out in turn), or None when
    workers are not pinned: more workers than CPUs, no affinity API, or ``O11Y_PIN_WORKERS=0``."""
    if os.environ.get(PIN_ENV, "1") == "0" or not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if not 1 <= jobs <= len(cpus):
        return None
    return [frozenset(cpus[i::jobs]) for i in range(jobs)]


def _pin(cpus: frozenset[int] | None) -> None:
    if cpus:
        try:
            os.sched_setaffinity(0, cpus)
        except OSError:  # those CPUs went away: run unpinned
            pass


def serve(conn: Connection, init: str, init_args: tuple[Any, ...], work: str, cpus: frozenset[int] | None = None) -> None:
    """A worker's main loop: ``init`` once, then answer ``(index, payload)`` jobs until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    _pin(cpus)
    state, init_error = None, None
    try:
        state = _resolve(init)(*init_args)
    except BaseException as exc:  # noqa: BLE001 - every job then reports why the worker cannot grade
        init_error = f"the grading worker could not start: {type(exc).__name__}: {exc}"
    job = _resolve(work)
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            if message is None:
                break
            index, payload = message
            if init_error is not None:
                conn.send((index, False, init_error))
                continue
            try:
                conn.send((index, True, job(state, payload)))
            except BaseException as exc:  # noqa: BLE001 - one job's failure is that job's result
                conn.send((index, False, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__))
    finally:
        close = getattr(state, "close", None)
        if callable(close):
            close()


class _Worker:
    """The parent's handle on one worker process."""

    def __init__(self, context: Any, init: str, init_args: tuple[Any, ...], work: str, cpus: frozenset[int] | None = None):
        self.cpus = cpus
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child, init, init_args, work, cpus), daemon=True)
        self.process.start()
        child.close()
        self.job: int | None = None
        self.started = 0.0

    def give(self, index: int, payload: Any) -> bool:
        """Hand the worker a job; False when it is already gone (the job never reached it)."""
        try:
            self.conn.send((index, payload))
        except OSError:  # it died while idle: its end of the pipe is closed
            return False
        self.job, self.started = index, time.monotonic()
        return True

    def stop(self, wait_seconds: float = 10.0) -> None:
        """Ask the worker to finish (it closes its sandbox), then make sure it is gone."""
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(wait_seconds)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


def start_context() -> Any:
    """The multiprocessing context for workers: a fork server where the platform has one, else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def run_jobs(
    payloads: Sequence[Any],
    *,
    jobs: int,
    init: str,
    init_args: tuple[Any, ...],
    work: str,
    timeout: float | None = None,
    on_result: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Run ``work(state, payload)`` for every payload on ``jobs`` workers; results in payload order.

    ``init`` and ``work`` are ``"module:function"`` names, imported in each worker.
    """
    context = start_context()
    shares = worker_cpus(min(jobs, len(payloads)))
    pending = deque(range(len(payloads)))
    results: dict[int, JobResult] = {}
    workers: list[_Worker] = []
    offered: dict[int, int] = {}  # job -> workers found dead when it was handed to them

    def record(result: JobResult) -> None:
        results[result.index] = result
        if on_result is not None:
            on_result(result)

    def finish(worker: _Worker, ok: bool, value: Any) -> None:
        assert worker.job is not None
        record(JobResult(worker.job, ok, value, time.monotonic() - worker.started))
        worker.job = None

    try:
        while pending or any(w.job is not None for w in workers):
            while pending and len(workers) < min(jobs, len(payloads)):
                taken = {w.cpus for w in workers}
                free = [share for share in shares or [] if share not in taken]  # a new worker takes a dead one's share
                workers.append(_Worker(context, init, init_args, work, free[0] if free else None))
            for worker in list(workers):
                if worker.job is None and pending:
                    index = pending.popleft()
                    if worker.give(index, payloads[index]):
                        continue
                    worker.kill()
                    workers.remove(worker)
                    offered[index] = offered.get(index, 0) + 1
                    if offered[index] < DELIVERY_TRIES:
                        pending.appendleft(index)  # it never reached a worker: the next one takes it
                    else:
                        message = f"the grading worker died (exit code {worker.process.exitcode}) before it could take this submission"
                        record(JobResult(index, False, message, 0.0))
            busy = [w for w in workers if w.job is not None]
            if not busy:
                continue  # every idle worker was found dead: start others for the jobs left
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=0.5)
            for worker in busy:
                if worker.conn in ready or worker.conn.poll():
                    try:
                        index, ok, value = worker.conn.recv()
                    except (EOFError, OSError):
                        pass  # it died while answering: handled below as a crash
                    else:
                        finish(worker, ok, value)
                        continue
                if worker.process.sentinel in ready or not worker.process.is_alive():
                    code = worker.process.exitcode
                    finish(worker, False, f"the grading worker died (exit code {code}) while grading this submission")
                elif timeout is not None and time.monotonic() - worker.started > timeout:
                    finish(worker, False, f"grading took longer than {timeout:g} s and was stopped")
                else:
                    continue
                worker.kill()
                workers.remove(worker)
    finally:
        for worker in workers:
            if worker.job is None:
                worker.stop()
            else:
                worker.kill()
    return [results[i] for i in range(len(payloads))]
