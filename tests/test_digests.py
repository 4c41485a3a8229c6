"""generator/digests.py: the one digest every cache key is made with."""
from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from generator.digests import digest, digest_of
from tests.helpers import checkout_env


def test_equal_parts_give_an_equal_digest_and_any_change_another():
    assert digest("a", "b") == digest("a", "b")
    assert len({digest("a", "b"), digest("a", "c"), digest("b", "a"), digest("a"),
                digest("a", "b", "")}) == 5


def test_the_parts_are_kept_apart():
    # Joining without a separator would make these one key.
    assert digest("ab", "c") != digest("a", "bc")
    assert digest("a b") != digest("a", "b")


def test_a_digest_is_32_hex_digits_the_same_in_every_process():
    here = digest("报告", "2020")
    assert re.fullmatch(r"[0-9a-f]{32}", here)
    code = "from generator.digests import digest; print(digest('报告', '2020'))"
    for seed in ("0", "1"):  # no hash() of the process goes into it
        there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               env=checkout_env(PYTHONHASHSEED=seed), timeout=60)
        assert there.stdout.strip() == here, there.stderr


@given(st.lists(st.text(max_size=8), max_size=6))
def test_parts_taken_one_at_a_time_give_the_same_digest(parts):
    assert digest_of(iter(parts)) == digest(*parts)
