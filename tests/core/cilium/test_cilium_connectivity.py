"""Connectivity matrices (cilium-cli style): every policy set of cilium_sets.py, every cell, against the engine."""

from __future__ import annotations

import pytest
from cilium_kit import engine_judge, parse_matrix, render, run_matrix
from cilium_sets import SETS


@pytest.mark.parametrize("ps", SETS, ids=[s.name for s in SETS])
def test_matrix_engine(ps) -> None:
    expected, actual = run_matrix(ps, engine_judge)
    header, _ = parse_matrix(ps.expect)
    assert actual == expected, (
        f"{ps.name} ({ps.note})\nexpected:\n{render(header, expected)}\nactual:\n{render(header, actual)}"
    )


def test_sets_have_unique_names() -> None:
    names = [s.name for s in SETS]
    assert len(names) == len(set(names))
