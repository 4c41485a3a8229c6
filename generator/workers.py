"""Spread work over all cores with forked worker processes.

Workers are forked after the site model is built, so they inherit it instead of being
sent it; each task names only a range of items. Results come back in item order, so
the output never depends on which worker finished first.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items, forking costs more than it saves.
MIN_PARALLEL_ITEMS = 400
_CHUNK = 64

_task: tuple[Callable, Sequence] | None = None  # set just before forking; read in workers


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
    global _task
    _task = (func, items)
    # Objects the workers inherit stay shared with this process as long as nothing writes
    # to their pages; the garbage collector's passes would, so it leaves them alone.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {pool.submit(_run_range, start, min(start + _CHUNK, len(items))): start
                       for start in range(0, len(items), _CHUNK)}
            chunks: dict[int, list[R]] = {}
            for future in as_completed(futures):
                chunk = future.result()
                chunks[futures[future]] = chunk
                if on_done:
                    on_done(len(chunk))
    finally:
        _task = None
        gc.unfreeze()
    return [result for start in sorted(chunks) for result in chunks[start]]


def _run_range(start: int, stop: int) -> list:
    func, items = _task
    return [func(items[index]) for index in range(start, stop)]


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
