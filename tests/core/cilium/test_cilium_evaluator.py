"""The connectivity matrices against the full evaluator (NetworkPolicy + CNP + CCNP), plus sets mixing kinds."""

from __future__ import annotations

import pytest
from cilium_kit import evaluator_judge, parse_matrix, render, run_matrix
from cilium_sets import MIXED_SETS, SETS


@pytest.mark.parametrize("ps", SETS + MIXED_SETS, ids=[s.name for s in SETS + MIXED_SETS])
def test_matrix_evaluator(ps) -> None:
    expected, actual = run_matrix(ps, evaluator_judge)
    header, _ = parse_matrix(ps.expect)
    assert actual == expected, (
        f"{ps.name} ({ps.note})\nexpected:\n{render(header, expected)}\nactual:\n{render(header, actual)}"
    )
