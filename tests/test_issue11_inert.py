"""Issue 11 point 15: escape sequences hidden in names, kinds, labels, pod_name and drop reasons never reach the
terminal raw — trace and explain text, stderr problem lines, the TUI. JSON stays JSON (escaped by JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from ui.conftest import screen_lines, wait_for_explanations, wait_until

from netpol_tui.cli import main
from netpol_tui.cli.app_factory import app_for_replay
from netpol_tui.core.wording.inert import inert, inert_lines
from netpol_tui.sources.cluster_loader import ClusterConfig
from netpol_tui.ui.options import TuiOptions

OSC52 = "\x1b]52;c;aGVsbG8=\x07"  # a clipboard write
TITLE = "\x1b]0;title\x07"  # a window title change
CLEAR = "\x1b[2J"  # a screen clear
NS = "prod" + CLEAR
API = "api" + OSC52
DB = "db" + TITLE


def _raw_controls(text: str) -> list[str]:
    return [c for c in text if c in "\x1b\x07\x9b\x9d" or (ord(c) < 0x20 and c not in "\n")]


@pytest.fixture
def evil(tmp_path: Path) -> tuple[str, str]:
    docs = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}},
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": API, "namespace": NS, "labels": {"app": "api"}},
            "status": {"podIP": "10.0.0.1"},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": DB, "namespace": NS, "labels": {"app": "db"}},
            "status": {"podIP": "10.0.0.2"},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "db-in" + TITLE, "namespace": NS},
            "spec": {
                "podSelector": {"matchLabels": {"app": "db"}},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 5432}]}
                ],
            },
        },
        {"apiVersion": "v1", "kind": "Weird" + OSC52, "metadata": {"name": "x"}},  # an unknown kind
        {  # a bad object: its problem line names it
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "bad" + CLEAR, "namespace": NS},
            "status": {"podIP": "999.1.1.1" + TITLE},
        },
        {  # a label the API server refuses: refused, and said inertly
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "lbl", "namespace": NS, "labels": {"app": OSC52}},
        },
    ]
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(yaml.safe_dump_all(docs))

    def flow(
        port: int, reason: str = "POLICY_DENIED", src: tuple[str, str, str] = (NS, API, "app=api")
    ) -> str:
        return json.dumps(
            {
                "flow": {
                    "time": "2026-11-26T10:00:00Z",
                    "verdict": "DROPPED",
                    "drop_reason_desc": reason,
                    "IP": {"source": "10.0.0.9" if src[1] != API else "10.0.0.1", "destination": "10.0.0.2"},
                    "l4": {"TCP": {"source_port": 40000, "destination_port": port}},
                    "source": {"namespace": src[0], "pod_name": src[1], "labels": [f"k8s:{src[2]}"]},
                    "destination": {"namespace": NS, "pod_name": DB, "labels": ["k8s:app=db"]},
                    "traffic_direction": "INGRESS",
                    "Type": "L3_L4",
                    "node_name": "node" + CLEAR,
                }
            }
        )

    flows = tmp_path / "flows.json"
    flows.write_text(
        "\n".join(
            [
                flow(5432),
                flow(8080, reason="WEIRD" + OSC52),
                flow(5432, src=("other" + CLEAR, "ghost" + OSC52, "app=gh" + TITLE)),
                "{" + CLEAR,  # a line error quoting its text
            ]
        )
        + "\n"
    )
    return str(flows), str(cluster)


def test_inert_escapes_controls_visibly_and_is_idempotent() -> None:
    assert inert(OSC52) == "\\x1b]52;c;aGVsbG8=\\x07"
    assert inert(inert(OSC52)) == inert(OSC52)
    assert inert_lines("a\x1bb\nc\x07") == "a\\x1bb\nc\\x07"


def test_explain_report_and_stderr_are_inert(capsys, monkeypatch, evil) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    flows, cluster = evil
    code = main(["explain", "--flows", flows, "--cluster", cluster])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert not _raw_controls(out), out
    assert not _raw_controls(err), err
    assert inert(API) in out and inert(DB) in out and inert("WEIRD" + OSC52) in out
    assert inert("bad" + CLEAR) in err and inert("Weird" + OSC52) not in out


def test_explain_json_stays_json(capsys, evil) -> None:
    flows, cluster = evil
    main(["explain", "--flows", flows, "--cluster", cluster, "--json"])
    out, err = capsys.readouterr()
    assert not _raw_controls(out) and not _raw_controls(err)
    objs = [json.loads(line) for line in out.splitlines()]
    assert objs[0]["flow"]["source"] == f"{NS}/{API}"  # the data itself, JSON-escaped on the wire
    assert "\\u001b" in out


def test_trace_text_and_problem_lines_are_inert(capsys, monkeypatch, evil) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    _, cluster = evil
    code = main(
        ["trace", "--cluster", cluster, "--from", f"{NS}/{API}", "--to", f"{NS}/{DB}", "--port", "5432"]
    )
    out, err = capsys.readouterr()
    assert code == 1, err
    assert not _raw_controls(out), out
    assert not _raw_controls(err), err
    assert inert("db-in" + TITLE) in out
    assert inert("Weird" + OSC52) in err  # the unknown kind, named inertly
    # an unknown pod: the error lists the namespace's pods
    code = main(
        ["trace", "--cluster", cluster, "--from", f"{NS}/nope", "--to", f"{NS}/{DB}", "--port", "5432"]
    )
    out, err = capsys.readouterr()
    assert code == 2 and not _raw_controls(err), err
    assert inert(API) in err


async def test_tui_screen_is_inert(evil, tmp_path) -> None:
    flows, cluster = evil
    built = app_for_replay(flows, ClusterConfig(path=cluster), TuiOptions(save_dir=tmp_path))
    app = built.app
    async with app.run_test(size=(220, 60)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= 3 and app.main.snapshot is not None)
        for _ in range(3):
            await wait_for_explanations(app)
            await pilot.pause()
            svg = app.export_screenshot()
            text = "\n".join(screen_lines(app))
            assert not _raw_controls(svg), [c for c in _raw_controls(svg)]
            assert "\\x1b" in text  # the names are there, escaped visibly
            await pilot.press("j")
        await pilot.press("g")  # the grouped view
        await wait_for_explanations(app)
        await pilot.pause()
        assert not _raw_controls(app.export_screenshot())
        await pilot.press("y")  # the YAML of the policies involved: their names in the list
        await pilot.pause()
        screen = "\n".join(screen_lines(app))
        assert not _raw_controls(app.export_screenshot())
        assert "db-in\\x1b]0;title" in screen, screen  # (the list wraps long names)
        await pilot.press("escape")
        await pilot.pause()
        app.notify("from outside: " + OSC52, title=TITLE)  # every notification goes through the app
        await pilot.pause()
        assert not _raw_controls(app.export_screenshot())
        assert inert(OSC52) in "\n".join(screen_lines(app))
