"""Issue 11, CLI points: bad numeric flags (6), internal errors (7), stdin given twice (14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netpol_tui.cli import build_parser, main

CLUSTER = str(Path(__file__).parent / "core" / "fixtures" / "trace-cluster.yaml")


# --- 6. numeric flags are checked by the parser -------------------------------------------------------------
BAD_NUMBERS = [
    (["--buffer", "0"], "--buffer"),
    (["demo", "--buffer", "-3"], "--buffer"),
    (["replay", "f", "--buffer", "1e9"], "--buffer"),
    (["explain", "--last", "-5"], "--last"),
    (["explain", "--last", "0"], "--last"),
    (["explain", "--last", "99999999999999999999"], "--last"),
    (["explain", "--last", "five"], "--last"),
    (["--timeout", "-1"], "--timeout"),
    (["explain", "--timeout", "0"], "--timeout"),
    (["explain", "--timeout", "nan"], "--timeout"),
    (["explain", "--timeout", "inf"], "--timeout"),
    (["explain", "--timeout", "1e300"], "--timeout"),
    (["--port-forward-port", "70000"], "--port-forward-port"),
    (
        ["trace", "--from", "a/b", "--to", "c/d", "--port", "1", "--port-forward-port", "-1"],
        "--port-forward-port",
    ),
    (["demo", "--rate", "0"], "--rate"),
    (["demo", "--rate", "-2"], "--rate"),
    (["demo", "--rate", "nan"], "--rate"),
    (["propose", "--flows", "f", "--last", "-1"], "--last"),
    (["propose", "--flows", "f", "--cidr-prefix", "33"], "--cidr-prefix"),
    (["propose", "--flows", "f", "--cidr-prefix", "-1"], "--cidr-prefix"),
]


@pytest.mark.parametrize(("argv", "flag"), BAD_NUMBERS)
def test_bad_numeric_flags_are_usage_errors_naming_the_flag(
    argv: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}" in err and "Traceback" not in err
    assert err.splitlines()[-1].startswith("netpol-tui")


def test_good_numeric_flags_are_kept() -> None:
    args = build_parser().parse_args(["--buffer", "10", "explain", "--last", "5", "--timeout", "2.5"])
    assert (args.buffer, args.last, args.timeout) == (10, 5, 2.5)
    args = build_parser().parse_args(["--port-forward-port", "0", "demo", "--rate", "0.5"])
    assert (args.port_forward_port, args.rate) == (0, 0.5)
    assert build_parser().parse_args(["propose", "--flows", "f", "--cidr-prefix", "24"]).cidr_prefix == 24


# --- 7. an internal error exits 2 with one line; --debug shows the traceback ---------------------------------
def _boom(args: object) -> int:
    raise ZeroDivisionError("planted failure\nsecond line")


@pytest.mark.parametrize("debug_before", [False, True])
def test_internal_error_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], debug_before: bool
) -> None:
    from netpol_tui.cli.commands import trace

    monkeypatch.setattr(trace, "run", _boom)
    argv = ["trace", "--from", "prod/worker", "--to", "prod/db-0", "--port", "5432", "--cluster", CLUSTER]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("netpol-tui: internal error: ZeroDivisionError: planted failure")
    assert err.rstrip("\n").endswith("; run with --debug for the traceback")

    assert main(["--debug", *argv] if debug_before else [*argv, "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "ZeroDivisionError: planted failure" in err
    assert err.splitlines()[-1].startswith("netpol-tui: internal error: ZeroDivisionError")


def test_internal_error_in_a_tui_command_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from netpol_tui.cli import app_factory

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("missing")

    monkeypatch.setattr(app_factory, "app_for_replay", broken)
    assert main(["replay", "-", "--cluster", CLUSTER]) == 2
    err = capsys.readouterr().err
    assert err.startswith("netpol-tui: internal error: KeyError: 'missing'; run with --debug")


# --- 14. only one input can read stdin ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "--flows", "-", "--cluster", "-"],
        ["--cluster", "-", "explain", "--flows", "-"],
        ["replay", "-", "--cluster", "-"],
        ["propose", "--flows", "-", "--cluster", "-"],
        ["diff", "--flows", "-", "--against", "-"],
        ["diff", "--flows", CLUSTER, "--with", "-", "--cluster", "-"],
    ],
)
def test_stdin_for_two_inputs_is_refused(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    from netpol_tui.cli.commands import replay

    def no_tui(built: object) -> int:
        raise AssertionError("the TUI started")

    monkeypatch.setattr(replay, "run_app", no_tui)
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"kind": "Namespace", "metadata": {"name": "x"}}\n'))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("netpol-tui: ") and "stdin" in err
    assert sys.stdin.read() != ""  # refused before anything read it


@pytest.mark.parametrize("port", ["0", "65536", "-1", "\u0668\u0660", "1" * 40, "80/XTP"])
def test_trace_port_out_of_range_or_not_ascii_is_exit_2(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["trace", "--from", "10.0.0.1", "--to", "10.0.0.2", "--port", port, "--cluster", CLUSTER])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_a_crash_inside_the_tui_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from textual.app import App

    from netpol_tui.cli import app_factory
    from netpol_tui.cli.app_factory import BuiltApp

    closed: list[bool] = []

    class Crashing(App[None]):
        def on_mount(self) -> None:
            raise RuntimeError("planted in the app")

        def run(self, **kwargs: object) -> None:  # type: ignore[override]
            super().run(headless=True)

    def factory(*args: object, **kwargs: object) -> BuiltApp:
        return BuiltApp(Crashing(), [lambda: closed.append(True)])  # type: ignore[arg-type]

    monkeypatch.setattr(app_factory, "app_for_replay", factory)
    capture = tmp_path / "f.json"
    capture.write_text("")
    assert main(["replay", str(capture), "--cluster", CLUSTER]) == 2
    err = capfd.readouterr().err
    assert "Traceback" not in err and "planted in the app" in err
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith("netpol-tui: internal error: RuntimeError: planted in the app")
    )
    assert closed == [True]
    assert main(["replay", str(capture), "--cluster", CLUSTER, "--debug"]) == 2
    assert "Traceback" in capfd.readouterr().err
