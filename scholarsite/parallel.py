"""Run one function over many items in worker processes, when there are enough to pay for it.

Workers are forked, so they inherit the parent's memory (parsed papers, planned pages, compiled
templates) and only the items' indexes and the results cross the pipe. Results come back in the
order of the items (map_ordered) or with their index (imap_unordered), so the output cannot
depend on the number of workers. Where fork is not
available or not safe (Windows and macOS, or a process running other threads, such as `serve`),
the items are processed here, one by one, with the same result.
"""
from __future__ import annotations

import gc
import os
import sys
import threading
from typing import Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_job: tuple[Callable, Sequence] | None = None   # what the forked workers run, inherited


def worker_count() -> int:
    """SCHOLARSITE_WORKERS, else the CPUs this process may use."""
    value = os.environ.get("SCHOLARSITE_WORKERS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    import multiprocessing   # with socket, selectors, signal: not imported by a build that never forks
    return (sys.platform.startswith("linux") and threading.active_count() == 1
            and multiprocessing.current_process().name == "MainProcess")


def map_ordered(func: Callable[[T], R], items: Sequence[T], min_items: int,
                workers: int | None = None, meanwhile: Callable[[], object] | None = None
                ) -> list[R]:
    """[func(x) for x in items], in worker processes when len(items) >= min_items. Every
    chunk is handed out at once: the results are all kept anyway, and no worker then waits
    for this process to ask for more. `meanwhile()` is called once, while the workers work
    (in one process: first)."""
    return [result for _, result in _imap(func, items, min_items, workers, ordered=True,
                                          window=len(items), meanwhile=meanwhile)]


def imap_unordered(func: Callable[[T], R], items: Sequence[T], min_items: int,
                   workers: int | None = None) -> Iterator[tuple[int, R]]:
    """(i, func(items[i])) for every i, computed by worker processes when len(items) >=
    min_items, in the order they are done, while the caller consumes them: so this process
    can do with each result what must be done in one place (writing files: see render.py)
    while the workers go on, and a long item (a listing of 10,000 papers) does not hold up
    the results after it. At most two chunks per worker are on their way or waiting for the
    caller, so memory does not grow with the items when the caller is the slower side."""
    return _imap(func, items, min_items, workers, ordered=False)


def _imap(func: Callable[[T], R], items: Sequence[T], min_items: int, workers: int | None,
          ordered: bool, window: int | None = None,
          meanwhile: Callable[[], object] | None = None) -> Iterator[tuple[int, R]]:
    """(i, func(items[i])) by chunks; at most `window` chunks (default: two per worker) on
    their way or waiting for the caller; meanwhile() once they are on their way."""
    workers = worker_count() if workers is None else workers
    if workers <= 1 or len(items) < max(min_items, 2) or not can_fork():
        if meanwhile is not None:
            meanwhile()
        yield from enumerate(map(func, items))
        return
    global _job
    _job = (func, items)
    import multiprocessing
    import queue
    # Objects the workers inherit are moved out of the collector's sight first: otherwise
    # each worker's full collections walk all of them (the papers and pages of a large site,
    # millions of objects) and, by writing their headers, copy the memory they share. They
    # stay frozen (unfreezing would also thaw what cli.main froze after the imports): they are
    # still freed by reference counting; only garbage cycles among them wait for the end of
    # the process (papers and pages hold none; `serve` forks at most for its first build).
    gc.freeze()
    try:
        ctx = multiprocessing.get_context("fork")
        # Small chunks (a few hundred items) so that the workers finish together: one may
        # still be busy with its last chunk while the others wait. A chunk costs one message.
        size = max(1, len(items) // (workers * 32))
        starts = iter(range(0, len(items), size))
        done: queue.SimpleQueue = queue.SimpleQueue()    # (start, results, exception)
        waiting: dict[int, list] = {}                    # done, not yet given (ordered)
        following = 0                                    # the next start to give (ordered)
        in_flight = 0                                    # submitted, not yet done
        # Workers collect garbage as usual, even when this process has paused its collector
        # (builder.py pauses it while the site is read: a fork keeps that setting).
        pool = ctx.Pool(min(workers, len(items)), initializer=gc.enable)

        def submit() -> bool:
            nonlocal in_flight
            start = next(starts, None)
            if start is None:
                return False
            pool.apply_async(_run_chunk, (start, min(start + size, len(items))),
                             callback=lambda results: done.put((start, results, None)),
                             error_callback=lambda exc: done.put((start, None, exc)))
            in_flight += 1
            return True

        def take() -> tuple[int, list]:
            nonlocal in_flight
            start, results, exc = done.get()
            in_flight -= 1
            if exc is not None:
                raise exc
            return start, results

        interrupted = True
        try:
            out = 0           # chunks submitted and not yet given to the caller
            while out < (window or 2 * workers) and submit():
                out += 1
            if meanwhile is not None:
                meanwhile()
            while out:
                start, results = take()
                if not ordered:
                    out -= 1
                    out += submit()
                    yield from enumerate(results, start)
                    continue
                waiting[start] = results
                while following in waiting:
                    results = waiting.pop(following)
                    out -= 1
                    out += submit()
                    yield from enumerate(results, following)
                    following += len(results)
            interrupted = False
        except (Exception, GeneratorExit):
            interrupted = False   # a worker's exception, or the caller's: end gracefully
            raise
        finally:
            if interrupted:       # Ctrl-C: the workers got it too
                pool.terminate()
            else:
                # The chunks on their way (a few) finish, then the workers are let go:
                # Pool.terminate() after an error could hang, its task thread waiting for
                # the queue's lock, in about one run in 25.
                starts = iter(())
                while in_flight:
                    done.get()
                    in_flight -= 1
                pool.close()
            pool.join()
    finally:
        _job = None


def _run_chunk(start: int, stop: int) -> list:
    func, items = _job  # type: ignore[misc]
    return [func(items[i]) for i in range(start, stop)]
