"""generator/errors.py: a Problem says where and what, as `path:line: message`; a SiteError
carries every problem of a run, sorted, the warnings too."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from generator.errors import Problem, SiteError, error, raise_if_errors, warning

A = Path("content/reports/a.md")
B = Path("content/reports/b.md")


def test_a_problem_reads_path_line_message():
    assert str(error(A, 3, "'title' must be text")) == \
        "content/reports/a.md:3: 'title' must be text"


def test_line_zero_means_the_file_as_a_whole():
    assert str(error(A, 0, "the file is empty")) == "content/reports/a.md: the file is empty"


def test_a_warning_says_so_after_the_place():
    problem = warning(A, 2, "unknown field 'author'")
    assert problem.warning and not error(A, 2, "x").warning
    assert str(problem) == "content/reports/a.md:2: warning: unknown field 'author'"


def test_only_an_error_stops_the_run_and_the_warnings_go_with_it():
    raise_if_errors([])
    raise_if_errors([warning(A, 1, "a warning")])
    problems = [warning(B, 1, "later"), error(A, 5, "an error")]
    with pytest.raises(SiteError) as raised:
        raise_if_errors(problems)
    assert set(raised.value.problems) == set(problems)


def test_a_site_error_lists_every_problem_by_file_and_line():
    problems = [error(B, 2, "b2"), error(A, 10, "a10"), warning(A, 2, "a2")]
    failure = SiteError(problems)
    assert [(p.path, p.line) for p in failure.problems] == [(A, 2), (A, 10), (B, 2)]
    assert str(failure).splitlines() == [
        "content/reports/a.md:2: warning: a2", "content/reports/a.md:10: a10",
        "content/reports/b.md:2: b2"]


def test_a_site_error_survives_pickling_as_from_a_worker():
    failure = SiteError([error(A, 1, "from a worker")])
    again = pickle.loads(pickle.dumps(failure))
    assert isinstance(again, SiteError) and again.problems == failure.problems


def test_problems_are_values():
    assert error(A, 1, "x") == Problem(A, 1, "x", warning=False)
    assert len({error(A, 1, "x"), error(A, 1, "x")}) == 1
