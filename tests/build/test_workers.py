"""generator/build/workers.py: work spread over forked workers gives the bytes of one process."""
from __future__ import annotations

import gc
import os
import time

import pytest

from benchmarks.corpus import write_corpus
from generator.build import workers
from generator.build.cache import CACHE_PATH
from generator.build.pipeline import BuildOptions, build
from tests.helpers import tree_bytes


@pytest.mark.slow
def test_parallel_and_single_process_builds_are_identical(tmp_path):
    site = write_corpus(450, tmp_path / "corpus")
    one = build(site, tmp_path / "one", BuildOptions(jobs=1, use_cache=False))
    two = build(site, tmp_path / "two", BuildOptions(jobs=2, use_cache=False))
    assert one.pages == two.pages > 450
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")


@pytest.mark.slow
def test_a_cold_parallel_build_fills_the_cache_for_the_next(tmp_path):
    site = write_corpus(450, tmp_path / "corpus")
    build(site, None, BuildOptions(jobs=2, search=False))  # pages only, as above
    again = build(site, None, BuildOptions(jobs=2, search=False))
    assert again.written == 0
    (site / "content/reports/report-000100.md").write_text(
        (site / "content/reports/report-000100.md").read_text("utf-8") + "\n新增一句。\n",
        encoding="utf-8")
    # The report, reports.json and reports.csv.
    assert build(site, None, BuildOptions(jobs=2, search=False)).written == 3
    build(site, tmp_path / "clean", BuildOptions(use_cache=False, jobs=1, search=False))
    assert tree_bytes(site / "public") == tree_bytes(tmp_path / "clean")
    assert (site / CACHE_PATH).is_file()


# --- map_in_order itself -----------------------------------------------------------------

def slow_pid(item: int) -> tuple[int, int]:
    time.sleep(0.001)  # enough work that the forked worker takes chunks too
    return item * item, os.getpid()


def slower_pid(item: int) -> tuple[int, int]:
    time.sleep(0.1)  # a large item: the forked worker is up before this process is done
    return item * item, os.getpid()


def test_results_come_back_in_order_from_every_process():
    items = list(range(workers.MIN_PARALLEL_ITEMS + 200))
    counted: list[int] = []
    results = workers.map_in_order(slow_pid, items, jobs=2, on_done=counted.append)
    assert [square for square, _ in results] == [i * i for i in items]
    assert len({pid for _, pid in results}) == 2  # this process and one forked worker
    assert sum(counted) == len(items)
    assert gc.get_freeze_count() == 0  # frozen for the workers only


def test_few_items_or_one_job_stay_in_this_process():
    for items, jobs in ((list(range(10)), 4), (list(range(workers.MIN_PARALLEL_ITEMS)), 1)):
        results = workers.map_in_order(slow_pid, items, jobs=jobs)
        assert {pid for _, pid in results} == {os.getpid()}
        assert [square for square, _ in results] == [i * i for i in items]


def test_a_few_large_items_can_go_to_other_processes_one_at_a_time():
    items = list(range(6))
    results = workers.map_in_order(slower_pid, items, jobs=2, chunk_size=1, min_items=2)
    assert [square for square, _ in results] == [i * i for i in items]
    assert len({pid for _, pid in results}) == 2
    assert workers.map_in_order(slow_pid, [3], jobs=2, chunk_size=1, min_items=2) == [
        (9, os.getpid())]


def finished_here(chunk: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Each result with the process that finished its chunk and the chunk's size."""
    return [(square, pid, os.getpid(), len(chunk)) for square, pid in chunk]


@pytest.mark.parametrize("jobs", [1, 2])
def test_finish_takes_each_chunk_where_it_was_made(jobs):
    items = list(range(50 * (workers.MIN_PARALLEL_ITEMS // 50 + 4)))  # whole chunks of 50
    for handed in (False, True):
        got: dict[int, list] = {}
        results = workers.map_in_order(slow_pid, items, jobs=jobs, chunk_size=50,
                                       finish=finished_here,
                                       on_results=got.__setitem__ if handed else None)
        if handed:
            results = [result for start in sorted(got) for result in got[start]]
        assert [square for square, *_ in results] == [i * i for i in items]
        assert all(made == finished for _, made, finished, _ in results)
        assert all(size == 50 for *_, size in results)
        assert len({made for _, made, _, _ in results}) == jobs


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_handed_over_a_chunk_at_a_time_are_all_there_and_not_kept(jobs):
    items = list(range(workers.MIN_PARALLEL_ITEMS + 100))
    chunks: dict[int, list] = {}
    returned = workers.map_in_order(slow_pid, items, jobs=jobs,
                                    on_results=lambda start, chunk: chunks.update({start: chunk}))
    assert returned == []
    assert [square for start in sorted(chunks) for square, _ in chunks[start]] == \
        [i * i for i in items]


def fails_at_300(item: int) -> int:
    time.sleep(0.001)
    if item == 300:
        raise ValueError("item 300")
    return item


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_error_in_any_process_reaches_the_caller(jobs):
    with pytest.raises(ValueError, match="item 300"):
        workers.map_in_order(fails_at_300, list(range(workers.MIN_PARALLEL_ITEMS + 100)),
                             jobs=jobs)
    assert gc.get_freeze_count() == 0
