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
from typing import Callable, Sequence, TypeVar

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
                 on_done: Callable[[int], None] | None = None) -> list[R]:
    """[func(item) for item in items], on `jobs` processes when that pays."""
    if jobs <= 1 or len(items) < MIN_PARALLEL_ITEMS or not _can_fork():
        results = []
        for item in items:
            results.append(func(item))
            if on_done and len(results) % _CHUNK == 0:
                on_done(_CHUNK)
        if on_done and len(results) % _CHUNK:
            on_done(len(results) % _CHUNK)
        return results
    import multiprocessing  # loaded only by builds that fork: a third of a no-op's imports
    from concurrent.futures import ProcessPoolExecutor

    global _task
    context = multiprocessing.get_context("fork")
    chunks = -(-len(items) // _CHUNK)
    next_chunk, done = context.Value("l", 0), context.Value("l", 0)
    _task = (func, items, next_chunk, done)
    # Objects the workers inherit stay shared with this process as long as nothing writes
    # to their pages; the garbage collector's passes would, so it leaves them alone.
    gc.freeze()
    reported = 0

    def report() -> None:
        nonlocal reported
        if on_done and done.value > reported:
            count, reported = done.value - reported, done.value
            on_done(count)

    try:
        with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=context) as pool:
            futures = [pool.submit(_take_chunks) for _ in range(jobs - 1)]
            try:
                mine = _take_chunks(report)
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
    return [result for start in sorted(by_start) for result in by_start[start]]


def _take_chunks(after_each: Callable[[], None] | None = None) -> list[tuple[int, list]]:
    """Run chunks until none is left: [(first item's index, its results)]."""
    func, items, next_chunk, done = _task
    taken = []
    while True:
        with next_chunk.get_lock():
            start = next_chunk.value * _CHUNK
            next_chunk.value += 1
        if start >= len(items):
            return taken
        stop = min(start + _CHUNK, len(items))
        taken.append((start, [func(items[index]) for index in range(start, stop)]))
        with done.get_lock():
            done.value += stop - start
        if after_each:
            after_each()


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()
