"""sources/backoff.py: the one retry policy, driven by a fake clock and fixed random numbers."""

from __future__ import annotations

import pytest

from netpol_tui.sources.backoff import Backoff


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(rand: float = 0.5, **kw: float) -> tuple[Backoff, FakeClock]:
    clock = FakeClock()
    return Backoff(clock=clock, rand=lambda: rand, **kw), clock


def test_exponential_up_to_the_cap_without_jitter() -> None:
    b, _ = make(initial=0.5, maximum=10.0, jitter=0.2)  # rand 0.5: factor exactly 1
    assert [b.next_delay() for _ in range(8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert b.attempt == 8


@pytest.mark.parametrize(("rand", "factor"), [(0.0, 0.8), (1.0, 1.2), (0.25, 0.9)])
def test_jitter_scales_each_delay_within_bounds(rand: float, factor: float) -> None:
    b, _ = make(rand=rand, initial=1.0, maximum=100.0, jitter=0.2)
    assert b.next_delay() == pytest.approx(1.0 * factor)
    assert b.next_delay() == pytest.approx(2.0 * factor)
    assert b.next_delay() == pytest.approx(4.0 * factor)


def test_jitter_never_goes_above_the_cap() -> None:
    b, _ = make(rand=1.0, initial=8.0, maximum=10.0, jitter=0.2)
    assert b.next_delay() == pytest.approx(9.6)
    assert b.next_delay() == 10.0  # 16 * 1.2 capped
    assert b.next_delay() == 10.0


def test_healthy_period_starts_over() -> None:
    b, clock = make(initial=0.5, maximum=10.0, healthy_after=10.0)
    for _ in range(4):
        b.next_delay()
    b.healthy()
    clock.now += 10.0
    assert b.next_delay() == 0.5
    assert b.attempt == 1


def test_a_short_healthy_spell_keeps_growing() -> None:
    b, clock = make(initial=0.5, maximum=10.0, healthy_after=10.0)
    assert [b.next_delay() for _ in range(3)] == [0.5, 1.0, 2.0]
    b.healthy()
    clock.now += 9.9
    assert b.next_delay() == 4.0
    # the healthy mark is used up by that failure: a later failure does not start over by itself
    clock.now += 100.0
    assert b.next_delay() == 8.0


def test_healthy_twice_keeps_the_first_time() -> None:
    b, clock = make(healthy_after=10.0)
    b.next_delay()
    b.next_delay()
    b.healthy()
    clock.now += 6.0
    b.healthy()  # still the same good connection
    clock.now += 6.0
    assert b.next_delay() == 0.5


def test_reset() -> None:
    b, _ = make()
    b.next_delay()
    b.next_delay()
    b.reset()
    assert b.attempt == 0
    assert b.next_delay() == 0.5


@pytest.mark.parametrize(
    "kw", [{"initial": 0.0}, {"initial": 2.0, "maximum": 1.0}, {"multiplier": 0.5}, {"jitter": 1.0}]
)
def test_bad_parameters_are_refused(kw: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kw)  # type: ignore[arg-type]


def test_real_random_stays_within_bounds() -> None:
    b = Backoff(initial=1.0, maximum=5.0, jitter=0.3)
    delays = [b.next_delay() for _ in range(50)]
    assert 0.7 <= delays[0] <= 1.3
    assert all(0 < d <= 5.0 for d in delays)
    assert max(delays[10:]) <= 5.0 and min(delays[10:]) >= 3.5
