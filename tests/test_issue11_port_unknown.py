"""Issue 11 point 1: a policy drop whose capture line has no destination port (jsonpb leaves a 0 out).

`explain` (report and --json) and the TUI explain it as "port not reported", offer no fix (a fix for one port
would be a guess, one without ports would open every port), and the JSON `port` stays an integer (0)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ui.conftest import screen_words_after, wait_until

from netpol_tui.cli import main
from netpol_tui.cli.app_factory import app_for_replay
from netpol_tui.sources.cluster_loader import ClusterConfig
from netpol_tui.ui.options import TuiOptions

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "result.schema.json"

CLUSTER = """\
apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: prod, labels: {app: api}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: prod, labels: {app: db}}
status: {podIP: 10.0.0.2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-in, namespace: prod}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 5432}]
"""


def flow_line(l4: dict) -> str:
    return json.dumps(
        {
            "flow": {
                "time": "2026-11-26T10:00:00Z",
                "verdict": "DROPPED",
                "drop_reason_desc": "POLICY_DENIED",
                "IP": {"source": "10.0.0.1", "destination": "10.0.0.2", "ipVersion": "IPv4"},
                "l4": l4,
                "source": {"namespace": "prod", "pod_name": "api", "labels": ["k8s:app=api"]},
                "destination": {"namespace": "prod", "pod_name": "db", "labels": ["k8s:app=db"]},
                "traffic_direction": "INGRESS",
                "Type": "L3_L4",
            }
        }
    )


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(CLUSTER)
    flows = tmp_path / "flows.json"
    flows.write_text(
        "\n".join(
            [
                flow_line({"TCP": {"source_port": 40000}}),  # no destination_port: 0 left out
                flow_line(
                    {"TCP": {"source_port": 40001, "destination_port": 5432}}
                ),  # a normal drop after it
            ]
        )
        + "\n"
    )
    return str(flows), str(cluster)


def test_explain_json_says_port_unknown_and_offers_no_fix(capsys, files) -> None:
    flows, cluster = files
    code = main(["explain", "--flows", flows, "--cluster", cluster, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err and "internal error" not in err
    objs = [json.loads(line) for line in out.splitlines()]
    assert len(objs) == 2  # the line after it is not lost
    unknown, normal = objs
    schema = json.loads(SCHEMA.read_text())
    port_schema = schema["$defs"]["flow"]["properties"]["port"] if "flow" in schema["$defs"] else None
    if port_schema is not None:
        jsonschema.validate(unknown["flow"]["port"], port_schema)
    assert unknown["flow"]["port"] == 0  # an integer, as the schema wants
    assert unknown["allowed"] is False
    assert unknown["fixes"] == []
    assert "port not reported" in unknown["summary"] and "0 in JSON" in unknown["summary"]
    assert [f["code"] for f in unknown["findings"]][0] == "port_unknown"
    assert "no fix is offered" in unknown["findings"][0]["text"]
    # the normal drop still gets its port-specific fix
    assert normal["flow"]["port"] == 5432
    assert len(normal["fixes"]) == 1 and "5432" in normal["fixes"][0]["yaml"]


def test_explain_report_says_port_unknown(capsys, monkeypatch, files) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    flows, cluster = files
    code = main(["explain", "--flows", flows, "--cluster", cluster])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "internal error" not in err
    assert "port not reported" in out
    assert "None/" not in out
    assert "2 flows read" in out


async def test_tui_explains_a_drop_without_port(files, tmp_path) -> None:
    flows, cluster = files
    built = app_for_replay(flows, ClusterConfig(path=cluster), TuiOptions(save_dir=tmp_path))
    app = built.app
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= 2 and app.main.snapshot is not None)
        text = await screen_words_after(pilot, app, "home")
        assert "port not reported" in text, text
