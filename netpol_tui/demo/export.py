"""`netpol-tui demo --export DIR`: the demo's shop as files, so that every example runs offline.

DIR/cluster.yaml holds the cluster objects (multi-document YAML, what `--cluster` reads) and DIR/flows.json a
capture of the demo's flows as `hubble observe -o jsonpb` writes it (one object a line, what `explain --flows`,
`replay`, `diff` and `propose` read). The capture is deterministic: the same seed and start time every run.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from netpol_tui.core import yamlout
from netpol_tui.demo import scenario

CLUSTER_FILE = "cluster.yaml"
FLOWS_FILE = "flows.json"
EXPORT_START_NS = 1_764_151_200_000_000_000  # 2025-11-26T10:00:00Z
EXPORT_FLOWS = 500


@dataclass(frozen=True, slots=True)
class Exported:
    cluster: Path
    flows: Path
    objects: int
    flow_count: int


def export(directory: str | os.PathLike[str], count: int = EXPORT_FLOWS, seed: int = 7) -> Exported:
    """Write DIR/cluster.yaml and DIR/flows.json (DIR created if missing; the two files replaced). OSError on
    a directory that cannot be created or written."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    objects = scenario.cluster_objects()
    cluster = folder / CLUSTER_FILE
    header = "# The netpol-tui demo's cluster (netpol-tui demo --export); read it with --cluster.\n"
    cluster.write_text(header + yamlout.dump_all(objects), encoding="utf-8")
    flows = folder / FLOWS_FILE
    with flows.open("w", encoding="utf-8") as out:
        for _delay, obj in scenario.flows(EXPORT_START_NS, count=count, seed=seed):
            out.write(json.dumps(obj, separators=(",", ":")) + "\n")
    return Exported(cluster, flows, len(objects), count)


__all__ = ["CLUSTER_FILE", "EXPORT_FLOWS", "FLOWS_FILE", "Exported", "export"]
