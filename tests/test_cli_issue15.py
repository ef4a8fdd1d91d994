"""Issue 15's command-line points: `explain --exit-code` (12), hubble-observe flags (9), output to a pipe (11),
merged fixes and `--fixes-out` (1). Run through `netpol_tui.cli.main` over the demo's cluster and flows."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from netpol_tui.cli import main
from netpol_tui.demo import scenario as demo_scenario

T0 = 1_764_151_200_000_000_000  # 2025-11-26T10:00:00Z


def demo_objs() -> list[dict]:
    rng = random.Random(3)
    return [
        demo_scenario.make_flow(e, T0 + i * 1000, rng, i + 1) for i, e in enumerate(demo_scenario.TRAFFIC)
    ]


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(yaml.safe_dump_all(demo_scenario.cluster_objects()))
    flows = tmp_path / "flows.json"
    flows.write_text("".join(json.dumps(o) + "\n" for o in demo_objs()))
    return str(cluster), str(flows)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- 12. explain --exit-code -------------------------------------------------------------------------------------
@pytest.mark.parametrize("json_out", [False, True])
def test_exit_code_is_1_when_a_flow_is_denied(capsys, files, json_out: bool) -> None:
    cluster, flows = files
    extra = ["--json"] if json_out else []
    assert run(capsys, "explain", "--flows", flows, "--cluster", cluster, *extra)[0] == 0
    assert run(capsys, "explain", "--flows", flows, "--cluster", cluster, "--exit-code", *extra)[0] == 1
    # only the flows the policies allow: 0 even with --exit-code
    code, out, _ = run(
        capsys,
        "explain",
        "--flows",
        flows,
        "--cluster",
        cluster,
        "--exit-code",
        "--verdict",
        "FORWARDED",
        *extra,
    )
    assert code == 0 and out


def test_exit_code_stays_2_for_unusable_input(capsys, files, tmp_path: Path) -> None:
    cluster, _ = files
    bad = tmp_path / "bad.json"
    bad.write_text("not json\n")
    assert run(capsys, "explain", "--flows", str(bad), "--cluster", cluster, "--exit-code")[0] == 2
