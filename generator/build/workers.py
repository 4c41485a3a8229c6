"""Spread work over all cores: this process and forked workers, taking chunks in turn.

Workers are forked after the site model is built, so they inherit it instead of being
sent it; each chunk names only a range of items. This process takes chunks too rather
than wait: one worker fewer holds its own copy of the pages the model's objects live on
(about a third of a cold build's memory). Results come back in item order, so the output
never depends on which process finished first.
"""
from __future__ import annotations

import gc
import os
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items, forking costs more than it saves.
MIN_PARALLEL_ITEMS = 400
_CHUNK = 64

_task: tuple | None = None  # (func, items, next chunk, items done): set before forking


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)


def map_in_order(func: Callable[[T], R], items: Sequence[T], jobs: int,
                 on_done: Callable[[int], None] | None = None,
                 on_results: Callable[[int, list[R]], None] | None = None,
                 chunk_size: int = _CHUNK, min_items: int = MIN_PARALLEL_ITEMS,
                 finish: Callable[[list[R]], list[R]] | None = None) -> list[R]:
    """[func(item) for item in items], on `jobs` processes when that pays: `chunk_size`
    items at a time, forking only for `min_items` or more. `finish`, if given, is applied
    to each chunk's results where they were made: work done better a chunk at a time.

    With `on_results`, results are handed over a chunk at a time as they come, as
    (index of the chunk's first item, its results), in no set order, and none are kept:
    a cold build's rendered pages would otherwise all be held until the last is done."""
    if jobs <= 1 or len(items) < min_items or not _can_fork():
        results: list[R] = []
        for start in range(0, len(items), chunk_size):
            chunk = _run(func, finish, items[start:start + chunk_size])
            if on_results:
                on_results(start, chunk)
            else:
                results += chunk
            if on_done:
                on_done(len(chunk))
        return results
    import multiprocessing  # loaded only by builds that fork: a third of a no-op's imports
    import queue as queues
    from concurrent.futures import ProcessPoolExecutor

    global _task
    context = multiprocessing.get_context("fork")
    chunks = -(-len(items) // chunk_size)
    next_chunk, done = context.Value("l", 0), context.Value("l", 0)
    handed = context.Queue() if on_results else None  # the workers' chunks, as they come
    _task = (func, finish, items, next_chunk, done, handed, on_results, chunk_size)
    # Objects the workers inherit stay shared with this process as long as nothing writes
    # to their pages; the garbage collector's passes would, so it leaves them alone.
    gc.freeze()
    reported = 0

    received = 0

    def hand_over(block: bool, futures) -> None:
        """Pass on the workers' chunks that have come; if `block`, wait for one."""
        nonlocal received
        assert handed is not None and on_results is not None  # only called with on_results
        while True:
            try:
                start, chunk = handed.get(block, 0.2) if block else handed.get_nowait()
            except queues.Empty:
                if block and any(f.done() and f.exception() for f in futures):
                    next(f for f in futures if f.done() and f.exception()).result()
                if block:
                    continue
                return
            on_results(start, chunk)
            received += 1
            if block:
                return

    def report() -> None:
        nonlocal reported
        if on_results:
            hand_over(False, ())
        if on_done and done.value > reported:
            count, reported = done.value - reported, done.value
            on_done(count)

    try:
        with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=context) as pool:
            futures = [pool.submit(_take_chunks) for _ in range(jobs - 1)]
            try:
                mine = _take_chunks(report)
                if on_results:
                    while received < chunks - len(mine):
                        hand_over(True, futures)
            except BaseException:
                with next_chunk.get_lock():  # the workers stop after the chunk in hand
                    next_chunk.value = chunks
                raise
            by_start = dict(mine)
            for future in futures:
                by_start.update(future.result())
            report()
    finally:
        _task = None
        gc.unfreeze()
    if on_results:
        return []
    return [result for start in sorted(by_start) for result in by_start[start]]


def _take_chunks(after_each: Callable[[], None] | None = None) -> list[tuple[int, list]]:
    """Run chunks until none is left: [(first item's index, its results)]. When results
    are handed over as they come, this process's go to the caller's callback (and only
    their starts are returned), a worker's through the queue."""
    assert _task is not None  # set by map_in_order before it forks
    func, finish, items, next_chunk, done, handed, on_results, chunk_size = _task
    mine = after_each is not None
    taken: list[tuple[int, list]] = []
    while True:
        with next_chunk.get_lock():
            start = next_chunk.value * chunk_size
            next_chunk.value += 1
        if start >= len(items):
            return taken
        stop = min(start + chunk_size, len(items))
        chunk = _run(func, finish, items[start:stop])
        if handed is None:
            taken.append((start, chunk))
        elif mine:
            on_results(start, chunk)
            taken.append((start, []))
        else:
            handed.put((start, chunk))
        with done.get_lock():
            done.value += stop - start
        if after_each:
            after_each()


def _run(func: Callable[[T], R], finish: Callable[[list[R]], list[R]] | None,
         items: Sequence[T]) -> list[R]:
    chunk = [func(item) for item in items]
    return finish(chunk) if finish else chunk


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()
