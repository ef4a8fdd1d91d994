"""`explain --follow --json` live (in-process Hubble-compatible server and API server, explain as a process): a
policy modified while following is named in the `changed` object of the flows it now denies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import jsonschema
from support import fake_apiserver as fa
from support.hubble_server import HubbleServer

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "docs" / "result.schema.json").read_text())
POLICY_REF = jsonschema.Draft202012Validator(
    {k: v for k, v in SCHEMA.items() if k != "oneOf"} | {"$ref": "#/$defs/policy_ref"}
)

API_INGRESS = {
    "podSelector": {"matchLabels": {"app": "api"}},
    "policyTypes": ["Ingress"],
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 8080}]}],
}


def cluster() -> list[dict[str, Any]]:
    return [
        fa.namespace("shop"),
        fa.pod("shop", "web-1", {"app": "web"}, "10.0.1.10"),
        fa.pod("shop", "api-1", {"app": "api"}, "10.0.1.5", ports=[(8080, "http")]),
        fa.network_policy("shop", "api-ingress", API_INGRESS),
    ]


def web_to_api(seq: int, verdict: str) -> dict[str, Any]:
    def ep(name: str, app: str) -> dict[str, Any]:
        return {
            "namespace": "shop",
            "pod_name": name,
            "labels": [f"k8s:app={app}"],
            "identity": 1000 + len(app),
        }

    flow: dict[str, Any] = {
        "time": f"2026-11-29T12:00:{seq % 60:02d}.000Z",
        "uuid": f"00000000-0000-4000-8000-{seq:012d}",
        "verdict": verdict,
        "IP": {"source": "10.0.1.10", "destination": "10.0.1.5", "ipVersion": "IPv4"},
        "l4": {"TCP": {"source_port": 40000 + seq, "destination_port": 8080}},
        "source": ep("web-1", "web"),
        "destination": ep("api-1", "api"),
        "traffic_direction": "INGRESS",
        "is_reply": False,
    }
    if verdict == "DROPPED":
        flow["drop_reason_desc"] = "POLICY_DENIED"
    return {"flow": flow}


class Lines:
    """explain's stdout, read by a thread; tests wait on lines, never on time."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[dict[str, Any]] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(json.loads(line))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait(self, count: int, timeout: float = 20.0) -> bool:
        with self.cond:
            return self.cond.wait_for(
                lambda: len(self.lines) >= count or self.proc.poll() is not None, timeout
            )


def test_a_policy_modified_while_following_is_named_in_changed(tmp_path: Path) -> None:
    api = fa.FakeApiServer().start()
    try:
        api.put(*cluster())
        kubeconfig = api.write_kubeconfig(str(tmp_path / "kubeconfig"))
        with HubbleServer([], host="127.0.0.1", port=0) as hubble:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "netpol_tui",
                    "explain",
                    "--server",
                    hubble.address,
                    "--follow",
                    "--json",
                ]
                + ["--kubeconfig", kubeconfig],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                cwd=REPO,
            )
            out = Lines(proc)
            try:
                assert hubble.wait_for_request(1, timeout=20), "explain never asked for flows"
                # a flow pushed before the stream follows is not sent (no history asked): push until one comes
                seq = 0
                while not out.lines and seq < 40:
                    seq += 1
                    hubble.push(web_to_api(seq, "FORWARDED"))
                    out.wait(1, timeout=0.5)
                assert out.wait(1), "no line for the first flows"
                assert out.lines[0]["allowed"] is True and "changed" not in out.lines[0]

                moved = dict(
                    API_INGRESS,
                    ingress=[{"from": API_INGRESS["ingress"][0]["from"], "ports": [{"port": 9090}]}],
                )
                rv = api.put(fa.network_policy("shop", "api-ingress", moved))
                # flows keep coming; once explain's watch has the change, they are denied and attributed
                for _ in range(400):
                    seen = len(out.lines)
                    hubble.push(web_to_api(seq + 1, "DROPPED"))
                    seq += 1
                    assert out.wait(seen + 1), f"explain stopped after {len(out.lines)} lines"
                    if "changed" in out.lines[-1]:
                        break
            finally:
                proc.send_signal(signal.SIGINT)
                try:
                    _, err = proc.communicate(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    _, err = proc.communicate()
    finally:
        api.stop()
    last = out.lines[-1]
    assert "changed" in last, err
    POLICY_REF.validate(last["changed"])  # result.schema.json: `changed` is a policy_ref (plus what and when)
    assert last["allowed"] is False
    changed = last["changed"]
    assert changed.pop("time").endswith("Z")
    assert changed == {
        "namespace": "shop",
        "name": "api-ingress",
        "kind": "NetworkPolicy",
        "change": "modified",
        "resource_version": str(rv),
        "before": True,
        "side": "ingress",
    }
    # every flow explained before the change came without it
    assert all("changed" not in line for line in out.lines[:-1] if line["allowed"])
