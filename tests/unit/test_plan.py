from pathlib import PurePosixPath

import pytest

from generator.pages.plan import Pager


def pager(number: int, count: int) -> Pager:
    return Pager(number, tuple(PurePosixPath(f"{n}.html") for n in range(1, count + 1)))


@pytest.mark.parametrize("number, count, shown", [
    (1, 1, (1,)),
    (1, 3, (1, 2, 3)),
    (1, 10, (1, 2, 3, None, 10)),
    (5, 10, (1, None, 3, 4, 5, 6, 7, None, 10)),
    (4, 10, (1, 2, 3, 4, 5, 6, None, 10)),
    (10, 10, (1, None, 8, 9, 10)),
])
def test_the_pager_shows_the_ends_and_the_pages_near_this_one(number, count, shown):
    assert pager(number, count).window() == shown


def test_previous_and_next_stop_at_the_ends():
    assert (pager(1, 3).previous, str(pager(1, 3).next)) == (None, "2.html")
    assert (str(pager(3, 3).previous), pager(3, 3).next) == ("2.html", None)
