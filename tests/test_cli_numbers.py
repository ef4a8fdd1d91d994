"""Issue 11 point 10 on the command line: a numeric flag takes ASCII digits only (Python's int() and float() read
'٨٠' as 80, '1_0' as 10 and strip any Unicode space); the same for the durations of --since/--until."""

from __future__ import annotations

import argparse

import pytest

from netpol_tui.cli import build_parser, numbers
from netpol_tui.core.flowquery import FilterError, parse_since

NOT_ASCII = ["٨٠", "８０", "٥", "²", "1\u00a0", "\u00a01", "1\u2009", "5\u200b"]


@pytest.mark.parametrize("text", NOT_ASCII + ["1_0", "0x10", "1e3", "1.0", "", " ", "+", "--1"])
def test_whole_number_flags_refuse_anything_but_ascii_digits(text: str) -> None:
    for parse in (numbers.buffer_size, numbers.flow_count, numbers.local_port, numbers.ipv4_prefix):
        with pytest.raises(argparse.ArgumentTypeError, match="is not a whole number"):
            parse(text)


@pytest.mark.parametrize(
    "text", NOT_ASCII + ["1_0", "0x10", "inf", "nan", "infinity", "", ".", "1e", "0x1p3"]
)
def test_decimal_flags_refuse_anything_but_an_ascii_decimal(text: str) -> None:
    for parse in (numbers.seconds, numbers.seconds_or_zero, numbers.rate):
        with pytest.raises(argparse.ArgumentTypeError, match="is not a number"):
            parse(text)


def test_ascii_numbers_still_read() -> None:
    assert [numbers.buffer_size(t) for t in ("10", " 10", "10\t", "+10")] == [10, 10, 10, 10]
    assert numbers.local_port("0") == 0 and numbers.ipv4_prefix("24") == 24
    assert [numbers.seconds(t) for t in ("2.5", ".5", "5.", "1e2", " 3 ")] == [2.5, 0.5, 5.0, 100.0, 3.0]
    assert numbers.seconds_or_zero("0") == 0.0


@pytest.mark.parametrize(
    "argv",
    [
        ["--buffer", "٨٠"],
        ["explain", "--last", "٥"],
        ["explain", "--timeout", "٥"],
        ["explain", "--idle-timeout", "٣٠"],
        ["demo", "--rate", "４０"],
        ["--port-forward-port", "٨٠"],
        ["propose", "--flows", "f", "--cidr-prefix", "٢٤"],
    ],
)
def test_every_numeric_flag_refuses_non_ascii_digits(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {argv[-2]}" in err and "not a" in err and "Traceback" not in err


def test_since_and_until_refuse_non_ascii_digits() -> None:
    now = 10**18
    assert parse_since("5m", now) == now - 300 * 10**9
    assert parse_since("5µs", now) == now - 5_000  # a Go duration unit, not a digit
    for text in ("٥m", "１h", "２０２６-01-01T00:00:00Z"):
        with pytest.raises(FilterError) as exc:
            parse_since(text, now, "--until")
        assert "--until" in str(exc.value)
