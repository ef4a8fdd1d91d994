"""Reachability matrices in the style of the upstream Kubernetes e2e NetworkPolicy tests.

Namespaces x, y, z (labelled `ns: x` ...), pods a, b, c in each (labelled `pod: a` ...; container ports 80 and 81
over TCP, UDP and SCTP named `serve-80-tcp` ...; IPs 10.0.<ns>.<pod>: x/a = 10.0.1.1, y/b = 10.0.2.2, z/c =
10.0.3.3). Every scenario gives, for each of the six probes (80/81 x TCP/UDP/SCTP), a full 9x9 matrix written by
hand from reference/netpol-semantics.md: rows are sources, columns destinations, `.` allowed, `X` denied. The
evaluator is asked twice per cell (`allows` and `evaluate().allowed`); both must agree with the matrix.

A matrix key is a probe ("80/TCP"), several probes separated by spaces, or "*" for every probe not named.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
import yaml

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import Verdict
from netpol_tui.core.manifests import parse_objects

FIXTURES = Path(__file__).parent / "fixtures"
SHORT = ("xa", "xb", "xc", "ya", "yb", "yc", "za", "zb", "zc")
PODS = tuple(f"{s[0]}/{s[1]}" for s in SHORT)
PROBES = ("80/TCP", "81/TCP", "80/UDP", "81/UDP", "80/SCTP", "81/SCTP")


# ---------------------------------------------------------------------------------------------------------------
# Matrices
# ---------------------------------------------------------------------------------------------------------------
def matrix(text: str) -> dict[tuple[str, str], bool]:
    """Parse a hand-written truth table: a header of the 9 short names, then one row per source."""
    lines = [line.split() for line in text.strip().splitlines() if line.strip()]
    assert tuple(lines[0]) == SHORT, f"bad header {lines[0]}"
    assert [row[0] for row in lines[1:]] == list(SHORT), "rows must be xa..zc in order"
    out = {}
    for row in lines[1:]:
        assert len(row) == 10, f"row {row[0]} has {len(row) - 1} cells"
        for dst, cell in zip(SHORT, row[1:], strict=True):
            assert cell in (".", "X"), f"cell {cell!r}"
            out[(row[0], dst)] = cell == "."
    return out


def table(cells: dict[tuple[str, str], object], mark=lambda v: "." if v else "X") -> str:
    head = "      " + " ".join(f"{s:>2}" for s in SHORT)
    rows = [f"  {src}  " + " ".join(f"{mark(cells[(src, dst)]):>2}" for dst in SHORT) for src in SHORT]
    return "\n".join([head, *rows])


ALL = """
     xa xb xc ya yb yc za zb zc
xa   .  .  .  .  .  .  .  .  .
xb   .  .  .  .  .  .  .  .  .
xc   .  .  .  .  .  .  .  .  .
ya   .  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  .  .  .
zb   .  .  .  .  .  .  .  .  .
zc   .  .  .  .  .  .  .  .  .
"""

INTO_X_DENIED = """
     xa xb xc ya yb yc za zb zc
xa   X  X  X  .  .  .  .  .  .
xb   X  X  X  .  .  .  .  .  .
xc   X  X  X  .  .  .  .  .  .
ya   X  X  X  .  .  .  .  .  .
yb   X  X  X  .  .  .  .  .  .
yc   X  X  X  .  .  .  .  .  .
za   X  X  X  .  .  .  .  .  .
zb   X  X  X  .  .  .  .  .  .
zc   X  X  X  .  .  .  .  .  .
"""

INTO_XA_DENIED = """
     xa xb xc ya yb yc za zb zc
xa   X  .  .  .  .  .  .  .  .
xb   X  .  .  .  .  .  .  .  .
xc   X  .  .  .  .  .  .  .  .
ya   X  .  .  .  .  .  .  .  .
yb   X  .  .  .  .  .  .  .  .
yc   X  .  .  .  .  .  .  .  .
za   X  .  .  .  .  .  .  .  .
zb   X  .  .  .  .  .  .  .  .
zc   X  .  .  .  .  .  .  .  .
"""

OUT_OF_XA_DENIED = """
     xa xb xc ya yb yc za zb zc
xa   X  X  X  X  X  X  X  X  X
xb   .  .  .  .  .  .  .  .  .
xc   .  .  .  .  .  .  .  .  .
ya   .  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  .  .  .
zb   .  .  .  .  .  .  .  .  .
zc   .  .  .  .  .  .  .  .  .
"""

INTO_XA_FROM_Y_ONLY = """
     xa xb xc ya yb yc za zb zc
xa   X  .  .  .  .  .  .  .  .
xb   X  .  .  .  .  .  .  .  .
xc   X  .  .  .  .  .  .  .  .
ya   .  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   X  .  .  .  .  .  .  .  .
zb   X  .  .  .  .  .  .  .  .
zc   X  .  .  .  .  .  .  .  .
"""

INTO_XA_FROM_Z_ONLY = """
     xa xb xc ya yb yc za zb zc
xa   X  .  .  .  .  .  .  .  .
xb   X  .  .  .  .  .  .  .  .
xc   X  .  .  .  .  .  .  .  .
ya   X  .  .  .  .  .  .  .  .
yb   X  .  .  .  .  .  .  .  .
yc   X  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  .  .  .
zb   .  .  .  .  .  .  .  .  .
zc   .  .  .  .  .  .  .  .  .
"""

INTO_XA_FROM_XB_ONLY = """
     xa xb xc ya yb yc za zb zc
xa   X  .  .  .  .  .  .  .  .
xb   .  .  .  .  .  .  .  .  .
xc   X  .  .  .  .  .  .  .  .
ya   X  .  .  .  .  .  .  .  .
yb   X  .  .  .  .  .  .  .  .
yc   X  .  .  .  .  .  .  .  .
za   X  .  .  .  .  .  .  .  .
zb   X  .  .  .  .  .  .  .  .
zc   X  .  .  .  .  .  .  .  .
"""

INTO_XA_FROM_X_ONLY = """
     xa xb xc ya yb yc za zb zc
xa   .  .  .  .  .  .  .  .  .
xb   .  .  .  .  .  .  .  .  .
xc   .  .  .  .  .  .  .  .  .
ya   X  .  .  .  .  .  .  .  .
yb   X  .  .  .  .  .  .  .  .
yc   X  .  .  .  .  .  .  .  .
za   X  .  .  .  .  .  .  .  .
zb   X  .  .  .  .  .  .  .  .
zc   X  .  .  .  .  .  .  .  .
"""

INTO_XB_DENIED = """
     xa xb xc ya yb yc za zb zc
xa   .  X  .  .  .  .  .  .  .
xb   .  X  .  .  .  .  .  .  .
xc   .  X  .  .  .  .  .  .  .
ya   .  X  .  .  .  .  .  .  .
yb   .  X  .  .  .  .  .  .  .
yc   .  X  .  .  .  .  .  .  .
za   .  X  .  .  .  .  .  .  .
zb   .  X  .  .  .  .  .  .  .
zc   .  X  .  .  .  .  .  .  .
"""


# ---------------------------------------------------------------------------------------------------------------
# The cluster: the fixture file, patched per scenario on the raw dicts, then through the one parser
# ---------------------------------------------------------------------------------------------------------------
@cache
def base_docs() -> tuple[dict, ...]:
    text = (FIXTURES / "xyz.yaml").read_text()
    return tuple(d for d in yaml.safe_load_all(text) if d)


def build(
    policies: str = "",
    *,
    extra: str = "",
    pod_labels: dict[str, dict[str, str]] | None = None,
    ns_labels: dict[str, dict[str, str]] | None = None,
) -> ClusterSnapshot:
    docs = [copy.deepcopy(d) for d in base_docs()]
    for doc in docs:
        meta = doc["metadata"]
        if doc["kind"] == "Pod" and pod_labels and f"{meta['namespace']}/{meta['name']}" in pod_labels:
            meta["labels"].update(pod_labels[f"{meta['namespace']}/{meta['name']}"])
        if doc["kind"] == "Namespace" and ns_labels and meta["name"] in ns_labels:
            meta["labels"].update(ns_labels[meta["name"]])
    # later objects replace earlier ones with the same key (as the API would hold only the last)
    docs += [d for d in yaml.safe_load_all(extra) if d]
    docs += [d for d in yaml.safe_load_all(policies) if d]
    parsed = parse_objects(docs)
    assert parsed.problems == [], parsed.problems
    return ClusterSnapshot.from_parse(parsed)


def probe(text: str) -> tuple[int, str]:
    port, proto = text.split("/")
    return int(port), proto


def endpoint(snap: ClusterSnapshot, name: str):
    ev = snap.evaluator
    if name in SHORT:
        return ev.subject_for_pod(snap.pod(f"{name[0]}/{name[1]}"))
    if "/" in name:
        return ev.subject_for_pod(snap.pod(name))
    return ev.subject_for_ip(name)


def observe(snap: ClusterSnapshot, probe_text: str) -> tuple[dict, dict]:
    port, proto = probe(probe_text)
    ev = snap.evaluator
    subjects = {s: endpoint(snap, s) for s in SHORT}
    fast, full = {}, {}
    for src in SHORT:
        for dst in SHORT:
            fast[(src, dst)] = ev.allows(subjects[src], subjects[dst], port, proto)
            verdict = ev.evaluate(subjects[src], subjects[dst], port, proto)
            assert isinstance(verdict, Verdict)
            full[(src, dst)] = verdict.allowed
    return fast, full


def check_matrix(snap: ClusterSnapshot, probe_text: str, expected_text: str, label: str) -> None:
    expected = matrix(expected_text)
    fast, full = observe(snap, probe_text)
    if fast != full:
        pytest.fail(
            f"{label} {probe_text}: allows() and evaluate().allowed disagree\n"
            f"allows():\n{table(fast)}\nevaluate().allowed:\n{table(full)}"
        )
    if full != expected:
        diff = {k: "ok" if full[k] == expected[k] else "!!" for k in expected}
        wrong = sorted(f"{s}->{d}" for (s, d), v in diff.items() if v == "!!")
        pytest.fail(
            f"{label} {probe_text}: {len(wrong)} cell(s) differ: {', '.join(wrong)}\n"
            f"expected:\n{table(expected)}\ngot:\n{table(full)}\n"
            f"diff (!! = wrong):\n{table(diff, mark=lambda v: '.' if v == 'ok' else v)}"
        )


def expand(expect: dict[str, str]) -> dict[str, str]:
    """Probe → matrix text, every probe exactly once."""
    out: dict[str, str] = {}
    for key, text in expect.items():
        if key == "*":
            continue
        for p in key.split():
            assert p in PROBES and p not in out, p
            out[p] = text
    for p in PROBES:
        if p not in out:
            assert "*" in expect, f"probe {p} has no matrix"
            out[p] = expect["*"]
    return out


# ---------------------------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Scenario:
    id: str
    policies: str
    expect: dict[str, str]
    extra: str = ""
    pod_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    ns_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    # (source, destination, probe, allowed) for IPs outside the pod matrix (pods as "xa", or an IP)
    external: tuple[tuple[str, str, str, bool], ...] = ()

    def snapshot(self) -> ClusterSnapshot:
        return build(self.policies, extra=self.extra, pod_labels=self.pod_labels, ns_labels=self.ns_labels)


TIER_LABELS = {"x/c": {"tier": "web"}, "y/a": {"tier": "web"}, "z/b": {"tier": "db"}}

HOSTNET_ZC = """
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: z, labels: {pod: c}}
spec:
  hostNetwork: true
  containers:
    - name: cont-80-81
      ports:
        - {name: serve-80-tcp, containerPort: 80}
        - {name: serve-81-tcp, containerPort: 81}
status: {phase: Running, podIP: 172.18.0.3, podIPs: [{ip: 172.18.0.3}]}
"""

SCENARIOS = [
    Scenario("no-policies", "", {"*": ALL}),
    Scenario(
        "deny-all-ingress",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Ingress]
""",
        {"*": INTO_X_DENIED},
        external=(("198.51.100.7", "xa", "80/TCP", False), ("xa", "198.51.100.7", "80/TCP", True)),
    ),
    Scenario(
        "deny-all-ingress-no-policytypes",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: x}
spec:
  podSelector: {}
""",
        {"*": INTO_X_DENIED},
    ),
    Scenario(
        "ingress-empty-list",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: []
""",
        {"*": INTO_X_DENIED},
    ),
    Scenario(
        "allow-all-ingress-empty-rule",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: x}
spec:
  podSelector: {}
  ingress: [{}]
""",
        {"*": ALL},
        external=(("198.51.100.7", "xa", "80/TCP", True), ("192.0.2.1", "xb", "5432/TCP", True)),
    ),
    Scenario(
        "deny-all-plus-allow-all-union",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{}]
  egress: [{}]
""",
        {"*": ALL},
    ),
    Scenario(
        # `egress: []` without policyTypes: Ingress only. Not isolated for egress, but deny-all ingress.
        "egress-empty-list-no-policytypes",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: empty-egress, namespace: x}
spec:
  podSelector: {}
  egress: []
""",
        {"*": INTO_X_DENIED},
        external=(("xa", "203.0.113.9", "443/TCP", True),),
    ),
    Scenario(
        "deny-all-egress",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Egress]
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   X  X  X  X  X  X  X  X  X
xb   X  X  X  X  X  X  X  X  X
xc   X  X  X  X  X  X  X  X  X
ya   .  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  .  .  .
zb   .  .  .  .  .  .  .  .  .
zc   .  .  .  .  .  .  .  .  .
"""
        },
        external=(("xa", "203.0.113.9", "443/TCP", False), ("203.0.113.9", "xa", "80/TCP", True)),
    ),
    Scenario(
        # policyTypes [Egress]: the ingress rules written in the policy are ignored, x/a is not isolated for ingress
        "policytypes-egress-ignores-ingress-rules",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-only, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  ingress:
    - from: [{podSelector: {matchLabels: {pod: b}}}]
  egress:
    - to: [{namespaceSelector: {matchLabels: {ns: y}}}]
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   X  X  X  .  .  .  X  X  X
xb   .  .  .  .  .  .  .  .  .
xc   .  .  .  .  .  .  .  .  .
ya   .  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  .  .  .
zb   .  .  .  .  .  .  .  .  .
zc   .  .  .  .  .  .  .  .  .
"""
        },
    ),
    Scenario(
        # both types declared, only ingress rules: egress is deny-all for y/b
        "policytypes-both-only-ingress-rules",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: yb-both, namespace: y}
spec:
  podSelector: {matchLabels: {pod: b}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {ns: x}}}]
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   .  .  .  .  .  .  .  .  .
xb   .  .  .  .  .  .  .  .  .
xc   .  .  .  .  .  .  .  .  .
ya   .  .  .  .  X  .  .  .  .
yb   X  X  X  X  X  X  X  X  X
yc   .  .  .  .  X  .  .  .  .
za   .  .  .  .  X  .  .  .  .
zb   .  .  .  .  X  .  .  .  .
zc   .  .  .  .  X  .  .  .  .
"""
        },
    ),
    Scenario(
        # podSelector alone: pods of the policy's own namespace only (y/b and z/b have pod=b too)
        "podselector-alone-own-namespace",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from: [{podSelector: {matchLabels: {pod: b}}}]
""",
        {"*": INTO_XA_FROM_XB_ONLY},
    ),
    Scenario(
        "namespaceselector-alone",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ns-y, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
""",
        {"*": INTO_XA_FROM_Y_ONLY},
    ),
    Scenario(
        # ONE list item: namespace AND pod
        "peer-and-one-item",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-yb, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {ns: y}}
          podSelector: {matchLabels: {pod: b}}
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   X  .  .  .  .  .  .  .  .
xb   X  .  .  .  .  .  .  .  .
xc   X  .  .  .  .  .  .  .  .
ya   X  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   X  .  .  .  .  .  .  .  .
za   X  .  .  .  .  .  .  .  .
zb   X  .  .  .  .  .  .  .  .
zc   X  .  .  .  .  .  .  .  .
"""
        },
    ),
    Scenario(
        # the same labels, TWO list items: namespace OR pod (of the policy's namespace)
        "peer-or-two-items",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-yb, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {ns: y}}
        - podSelector: {matchLabels: {pod: b}}
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   X  .  .  .  .  .  .  .  .
xb   .  .  .  .  .  .  .  .  .
xc   X  .  .  .  .  .  .  .  .
ya   .  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   X  .  .  .  .  .  .  .  .
zb   X  .  .  .  .  .  .  .  .
zc   X  .  .  .  .  .  .  .  .
"""
        },
    ),
    Scenario(
        # every pod of every namespace, but not an external IP
        "namespaceselector-empty",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all-pods, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from: [{namespaceSelector: {}}]
""",
        {"*": ALL},
        external=(("198.51.100.7", "xa", "80/TCP", False), ("198.51.100.7", "xb", "80/TCP", True)),
    ),
    Scenario(
        "namespaceselector-empty-and-podselector",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-b-anywhere, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from:
        - namespaceSelector: {}
          podSelector: {matchLabels: {pod: b}}
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   X  .  .  .  .  .  .  .  .
xb   .  .  .  .  .  .  .  .  .
xc   X  .  .  .  .  .  .  .  .
ya   X  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   X  .  .  .  .  .  .  .  .
za   X  .  .  .  .  .  .  .  .
zb   .  .  .  .  .  .  .  .  .
zc   X  .  .  .  .  .  .  .  .
"""
        },
    ),
    Scenario(
        "podselector-empty-peer",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-same-ns, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from: [{podSelector: {}}]
""",
        {"*": INTO_XA_FROM_X_ONLY},
    ),
    Scenario(
        "expression-in",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-y-z, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from:
        - namespaceSelector:
            matchExpressions: [{key: ns, operator: In, values: [y, z]}]
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   X  .  .  .  .  .  .  .  .
xb   X  .  .  .  .  .  .  .  .
xc   X  .  .  .  .  .  .  .  .
ya   .  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  .  .  .
zb   .  .  .  .  .  .  .  .  .
zc   .  .  .  .  .  .  .  .  .
"""
        },
    ),
    Scenario(
        "expression-notin",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-not-a-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from:
        - namespaceSelector: {}
          podSelector:
            matchExpressions: [{key: pod, operator: NotIn, values: [a, b]}]
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   X  .  .  .  .  .  .  .  .
xb   X  .  .  .  .  .  .  .  .
xc   .  .  .  .  .  .  .  .  .
ya   X  .  .  .  .  .  .  .  .
yb   X  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   X  .  .  .  .  .  .  .  .
zb   X  .  .  .  .  .  .  .  .
zc   .  .  .  .  .  .  .  .  .
"""
        },
    ),
    Scenario(
        # x/c tier=web, y/a tier=web, z/b tier=db
        "expression-exists",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-tiered, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from:
        - namespaceSelector: {}
          podSelector:
            matchExpressions: [{key: tier, operator: Exists}]
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   X  .  .  .  .  .  .  .  .
xb   X  .  .  .  .  .  .  .  .
xc   .  .  .  .  .  .  .  .  .
ya   .  .  .  .  .  .  .  .  .
yb   X  .  .  .  .  .  .  .  .
yc   X  .  .  .  .  .  .  .  .
za   X  .  .  .  .  .  .  .  .
zb   .  .  .  .  .  .  .  .  .
zc   X  .  .  .  .  .  .  .  .
"""
        },
        pod_labels=TIER_LABELS,
    ),
    Scenario(
        "expression-doesnotexist",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-untiered, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from:
        - namespaceSelector: {}
          podSelector:
            matchExpressions: [{key: tier, operator: DoesNotExist}]
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   .  .  .  .  .  .  .  .  .
xb   .  .  .  .  .  .  .  .  .
xc   X  .  .  .  .  .  .  .  .
ya   X  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  .  .  .
zb   X  .  .  .  .  .  .  .  .
zc   .  .  .  .  .  .  .  .  .
"""
        },
        pod_labels=TIER_LABELS,
    ),
    Scenario(
        # NotIn matches pods without the key at all (and z/b, tier=db)
        "expression-notin-missing-key",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-not-web, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from:
        - namespaceSelector: {}
          podSelector:
            matchExpressions: [{key: tier, operator: NotIn, values: [web]}]
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   .  .  .  .  .  .  .  .  .
xb   .  .  .  .  .  .  .  .  .
xc   X  .  .  .  .  .  .  .  .
ya   X  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  .  .  .
zb   .  .  .  .  .  .  .  .  .
zc   .  .  .  .  .  .  .  .  .
"""
        },
        pod_labels=TIER_LABELS,
    ),
    Scenario(
        # matchExpressions in spec.podSelector and in a namespaceSelector on a label added to namespace y only
        "expressions-in-pod-selector-and-namespace-labels",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-and-c, namespace: z}
spec:
  podSelector:
    matchExpressions: [{key: pod, operator: In, values: [a, c]}]
  ingress:
    - from:
        - namespaceSelector:
            matchExpressions: [{key: team, operator: NotIn, values: [red]}, {key: team, operator: Exists}]
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   .  .  .  .  .  .  X  .  X
xb   .  .  .  .  .  .  X  .  X
xc   .  .  .  .  .  .  X  .  X
ya   .  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  X  .  X
zb   .  .  .  .  .  .  X  .  X
zc   .  .  .  .  .  .  X  .  X
"""
        },
        ns_labels={"x": {"team": "red"}, "y": {"team": "blue"}},
    ),
    Scenario(
        "port-protocol-defaults-to-tcp",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-80, namespace: x}
spec:
  podSelector: {}
  ingress:
    - ports: [{port: 80}]
""",
        {"80/TCP": ALL, "*": INTO_X_DENIED},
    ),
    Scenario(
        "udp-only-policy-cuts-tcp",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-80-udp, namespace: x}
spec:
  podSelector: {}
  ingress:
    - ports: [{port: 80, protocol: UDP}]
""",
        {"80/UDP": ALL, "*": INTO_X_DENIED},
    ),
    Scenario(
        "sctp-every-port",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-sctp, namespace: x}
spec:
  podSelector: {}
  ingress:
    - ports: [{protocol: SCTP}]
""",
        {"80/SCTP 81/SCTP": ALL, "*": INTO_X_DENIED},
    ),
    Scenario(
        "endport-range",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-81-up, namespace: x}
spec:
  podSelector: {}
  ingress:
    - ports: [{port: 81, endPort: 8080, protocol: TCP}]
""",
        {"81/TCP": ALL, "*": INTO_X_DENIED},
        external=(("192.0.2.1", "xa", "8080/TCP", True), ("192.0.2.1", "xa", "8081/TCP", False)),
    ),
    Scenario(
        "named-ports-ingress",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-named, namespace: x}
spec:
  podSelector: {}
  ingress:
    - ports: [{port: serve-81-tcp}, {port: serve-80-udp, protocol: UDP}]
""",
        {"81/TCP 80/UDP": ALL, "*": INTO_X_DENIED},
    ),
    Scenario(
        # the names exist, but for another protocol than the policy's (TCP by default, SCTP given)
        "named-port-wrong-protocol",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-named-wrong, namespace: x}
spec:
  podSelector: {}
  ingress:
    - ports: [{port: serve-80-udp}, {port: serve-81-tcp, protocol: SCTP}]
""",
        {"*": INTO_X_DENIED},
    ),
    Scenario(
        # y/b names its 81/TCP `serve-80-tcp` (and 80/TCP `http-alt`): the egress rule's name resolves per
        # destination pod
        "egress-named-port-resolved-on-destination",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: xa-egress-named, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
    - ports: [{port: serve-80-tcp}]
""",
        {
            "80/TCP": """
     xa xb xc ya yb yc za zb zc
xa   .  .  .  .  X  .  .  .  .
xb   .  .  .  .  .  .  .  .  .
xc   .  .  .  .  .  .  .  .  .
ya   .  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  .  .  .
zb   .  .  .  .  .  .  .  .  .
zc   .  .  .  .  .  .  .  .  .
""",
            "81/TCP": """
     xa xb xc ya yb yc za zb zc
xa   X  X  X  X  .  X  X  X  X
xb   .  .  .  .  .  .  .  .  .
xc   .  .  .  .  .  .  .  .  .
ya   .  .  .  .  .  .  .  .  .
yb   .  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  .  .  .
zb   .  .  .  .  .  .  .  .  .
zc   .  .  .  .  .  .  .  .  .
""",
            "*": OUT_OF_XA_DENIED,
        },
        extra="""
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: y, labels: {pod: b}}
spec:
  containers:
    - name: cont
      ports:
        - {name: http-alt, containerPort: 80, protocol: TCP}
        - {name: serve-80-tcp, containerPort: 81, protocol: TCP}
status: {phase: Running, podIP: 10.0.2.2}
""",
        # a named port never matches an external IP
        external=(("xa", "203.0.113.9", "80/TCP", False),),
    ),
    Scenario(
        # the Kubernetes way: ipBlock matches pod IPs too (Cilium differs; the explanation says so)
        "ipblock-matches-pod-ips",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-cidr-y, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from: [{ipBlock: {cidr: 10.0.2.0/24}}]
""",
        {"*": INTO_XA_FROM_Y_ONLY},
        external=(("10.0.2.200", "xa", "80/TCP", True),),
    ),
    Scenario(
        "ipblock-except",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-cidr-except, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from:
        - ipBlock:
            cidr: 10.0.0.0/16
            except: [10.0.2.0/24, 10.0.3.2/32]
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   .  .  .  .  .  .  .  .  .
xb   .  .  .  .  .  .  .  .  .
xc   .  .  .  .  .  .  .  .  .
ya   X  .  .  .  .  .  .  .  .
yb   X  .  .  .  .  .  .  .  .
yc   X  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  .  .  .
zb   X  .  .  .  .  .  .  .  .
zc   .  .  .  .  .  .  .  .  .
"""
        },
        external=(("10.0.9.9", "xa", "80/TCP", True), ("10.0.2.99", "xa", "80/TCP", False)),
    ),
    Scenario(
        # 10.0.3.7/24 means 10.0.3.0/24
        "ipblock-cidr-with-host-bits",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-cidr-z, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from: [{ipBlock: {cidr: 10.0.3.7/24}}]
""",
        {"*": INTO_XA_FROM_Z_ONLY},
    ),
    Scenario(
        "egress-to-external-ipblock",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: xa-to-world, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: 203.0.113.0/24}}]
      ports: [{port: 443}]
""",
        {"*": OUT_OF_XA_DENIED},
        external=(
            ("xa", "203.0.113.9", "443/TCP", True),
            ("xa", "203.0.113.9", "80/TCP", False),
            ("xa", "203.0.113.9", "443/UDP", False),
            ("xa", "198.51.100.1", "443/TCP", False),
            ("xb", "198.51.100.1", "443/TCP", True),
        ),
    ),
    Scenario(
        "ingress-from-external-ip",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: xa-from-partner, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from: [{ipBlock: {cidr: 198.51.100.0/24}}]
""",
        {"*": INTO_XA_DENIED},
        external=(
            ("198.51.100.7", "xa", "80/TCP", True),
            ("198.51.100.7", "xa", "81/UDP", True),
            ("192.0.2.1", "xa", "80/TCP", False),
            ("192.0.2.1", "xb", "80/TCP", True),
        ),
    ),
    Scenario(
        # a policy in y selecting pod=a isolates y/a only: x/a and z/a carry the same label and are untouched
        "policy-in-other-namespace-does-not-apply",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-a, namespace: y}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   .  .  .  X  .  .  .  .  .
xb   .  .  .  X  .  .  .  .  .
xc   .  .  .  X  .  .  .  .  .
ya   .  .  .  X  .  .  .  .  .
yb   .  .  .  X  .  .  .  .  .
yc   .  .  .  X  .  .  .  .  .
za   .  .  .  X  .  .  .  .  .
zb   .  .  .  X  .  .  .  .  .
zc   .  .  .  X  .  .  .  .  .
"""
        },
    ),
    Scenario(
        "multiple-policies-union",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-y-on-80, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
      ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-b-on-81, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from: [{podSelector: {matchLabels: {pod: b}}}]
      ports: [{port: 81}]
""",
        {"80/TCP": INTO_XA_FROM_Y_ONLY, "81/TCP": INTO_XA_FROM_XB_ONLY, "*": INTO_XA_DENIED},
    ),
    Scenario(
        # egress at x/a allows namespace y, ingress at y/b allows only x/a: xa->yb needs both
        "both-sides-needed",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: xa-to-y, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {matchLabels: {ns: y}}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: yb-from-xa, namespace: y}
spec:
  podSelector: {matchLabels: {pod: b}}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {ns: x}}
          podSelector: {matchLabels: {pod: a}}
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   X  X  X  .  .  .  X  X  X
xb   .  .  .  .  X  .  .  .  .
xc   .  .  .  .  X  .  .  .  .
ya   .  .  .  .  X  .  .  .  .
yb   .  .  .  .  X  .  .  .  .
yc   .  .  .  .  X  .  .  .  .
za   .  .  .  .  X  .  .  .  .
zb   .  .  .  .  X  .  .  .  .
zc   .  .  .  .  X  .  .  .  .
"""
        },
    ),
    Scenario(
        # ingress at y/b admits x/a, but x/a's egress is deny-all: still denied
        "egress-deny-at-source-beats-ingress-allow",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: xa-no-egress, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: yb-from-xa, namespace: y}
spec:
  podSelector: {matchLabels: {pod: b}}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {ns: x}}
          podSelector: {matchLabels: {pod: a}}
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   X  X  X  X  X  X  X  X  X
xb   .  .  .  .  X  .  .  .  .
xc   .  .  .  .  X  .  .  .  .
ya   .  .  .  .  X  .  .  .  .
yb   .  .  .  .  X  .  .  .  .
yc   .  .  .  .  X  .  .  .  .
za   .  .  .  .  X  .  .  .  .
zb   .  .  .  .  X  .  .  .  .
zc   .  .  .  .  X  .  .  .  .
"""
        },
    ),
    Scenario(
        # z/c uses hostNetwork: deny-all in z does not apply to it (neither side)
        "hostnetwork-pod-not-enforced",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: z}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   .  .  .  .  .  .  X  X  .
xb   .  .  .  .  .  .  X  X  .
xc   .  .  .  .  .  .  X  X  .
ya   .  .  .  .  .  .  X  X  .
yb   .  .  .  .  .  .  X  X  .
yc   .  .  .  .  .  .  X  X  .
za   X  X  X  X  X  X  X  X  X
zb   X  X  X  X  X  X  X  X  X
zc   .  .  .  .  .  .  X  X  .
"""
        },
        extra=HOSTNET_ZC,
    ),
    Scenario(
        # selectors never match a hostNetwork pod as a peer: z/c is not admitted by `namespaceSelector ns=z`
        "hostnetwork-pod-not-matched-by-selectors",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-z, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {ns: z}}
        - namespaceSelector: {}
          podSelector: {matchLabels: {pod: c}}
""",
        {
            "*": """
     xa xb xc ya yb yc za zb zc
xa   X  .  .  .  .  .  .  .  .
xb   X  .  .  .  .  .  .  .  .
xc   .  .  .  .  .  .  .  .  .
ya   X  .  .  .  .  .  .  .  .
yb   X  .  .  .  .  .  .  .  .
yc   .  .  .  .  .  .  .  .  .
za   .  .  .  .  .  .  .  .  .
zb   .  .  .  .  .  .  .  .  .
zc   X  .  .  .  .  .  .  .  .
"""
        },
        extra=HOSTNET_ZC,
    ),
    Scenario(
        # `from: []` in a rule matches every source; only the port restricts
        "empty-from-list-matches-all",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: any-source-81, namespace: x}
spec:
  podSelector: {}
  ingress:
    - from: []
      ports: [{port: 81}]
""",
        {"81/TCP": ALL, "*": INTO_X_DENIED},
        external=(("192.0.2.1", "xa", "81/TCP", True),),
    ),
    Scenario(
        # egress rules present and no policyTypes: Ingress AND Egress (ingress: deny all)
        "egress-rules-without-policytypes-isolate-both",
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: xb-egress-to-z, namespace: x}
spec:
  podSelector: {matchLabels: {pod: b}}
  egress:
    - to: [{namespaceSelector: {matchLabels: {ns: z}}}]
      ports: [{port: 80, protocol: UDP}]
""",
        {
            "80/UDP": """
     xa xb xc ya yb yc za zb zc
xa   .  X  .  .  .  .  .  .  .
xb   X  X  X  X  X  X  .  .  .
xc   .  X  .  .  .  .  .  .  .
ya   .  X  .  .  .  .  .  .  .
yb   .  X  .  .  .  .  .  .  .
yc   .  X  .  .  .  .  .  .  .
za   .  X  .  .  .  .  .  .  .
zb   .  X  .  .  .  .  .  .  .
zc   .  X  .  .  .  .  .  .  .
""",
            "*": """
     xa xb xc ya yb yc za zb zc
xa   .  X  .  .  .  .  .  .  .
xb   X  X  X  X  X  X  X  X  X
xc   .  X  .  .  .  .  .  .  .
ya   .  X  .  .  .  .  .  .  .
yb   .  X  .  .  .  .  .  .  .
yc   .  X  .  .  .  .  .  .  .
za   .  X  .  .  .  .  .  .  .
zb   .  X  .  .  .  .  .  .  .
zc   .  X  .  .  .  .  .  .  .
""",
        },
    ),
]

SCENARIO_IDS = [s.id for s in SCENARIOS]
assert len(set(SCENARIO_IDS)) == len(SCENARIO_IDS)


@cache
def snapshot_of(scenario_id: str) -> ClusterSnapshot:
    return next(s for s in SCENARIOS if s.id == scenario_id).snapshot()


@pytest.mark.parametrize("probe_text", PROBES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=SCENARIO_IDS)
def test_matrix(scenario: Scenario, probe_text: str) -> None:
    check_matrix(snapshot_of(scenario.id), probe_text, expand(scenario.expect)[probe_text], scenario.id)


EXTERNAL_CASES = [(s, e) for s in SCENARIOS for e in s.external]


@pytest.mark.parametrize(
    "scenario, case", EXTERNAL_CASES, ids=[f"{s.id}:{e[0]}->{e[1]}:{e[2]}" for s, e in EXTERNAL_CASES]
)
def test_external(scenario: Scenario, case: tuple[str, str, str, bool]) -> None:
    src, dst, probe_text, expected = case
    snap = snapshot_of(scenario.id)
    port, proto = probe(probe_text)
    s, d = endpoint(snap, src), endpoint(snap, dst)
    assert snap.evaluator.allows(s, d, port, proto) is expected
    assert snap.evaluator.evaluate(s, d, port, proto).allowed is expected


# ---------------------------------------------------------------------------------------------------------------
# Changes: a snapshot derived with with_changes, matrix before and after
# ---------------------------------------------------------------------------------------------------------------
FROM_TEAM_BLUE = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-team-blue, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {team: blue}}}]
"""


def test_namespace_relabelled() -> None:
    before = build(FROM_TEAM_BLUE)
    for p in PROBES:
        check_matrix(before, p, INTO_XA_DENIED, "namespace-relabelled (before)")
    relabelled = parse_objects(
        [
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": "y", "labels": {"ns": "y", "team": "blue"}},
            }
        ]
    ).namespaces
    after = before.with_changes(namespaces=relabelled)
    for p in PROBES:
        check_matrix(after, p, INTO_XA_FROM_Y_ONLY, "namespace-relabelled (after)")
    # and the original snapshot is untouched
    check_matrix(before, "80/TCP", INTO_XA_DENIED, "namespace-relabelled (before, again)")


ALLOW_PORT = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-port, namespace: x}
spec:
  podSelector: {}
  ingress:
    - ports: [%s]
"""


def test_policy_updated() -> None:
    before = build(ALLOW_PORT % "{port: 80}")
    expect_before = expand({"80/TCP": ALL, "*": INTO_X_DENIED})
    for p in PROBES:
        check_matrix(before, p, expect_before[p], "policy-updated (before)")
    updated = parse_objects(list(yaml.safe_load_all(ALLOW_PORT % "{port: 81, protocol: UDP}"))).policies
    assert len(updated) == 1
    after = before.with_changes(policies=updated)
    assert len(after.policies) == 1  # replaced by key, not added
    expect_after = expand({"81/UDP": ALL, "*": INTO_X_DENIED})
    for p in PROBES:
        check_matrix(after, p, expect_after[p], "policy-updated (after)")
    removed = after.with_changes(remove_policies=["x/allow-port"])
    for p in PROBES:
        check_matrix(removed, p, ALL, "policy-removed")


def test_pod_relabelled() -> None:
    deny_a = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-a, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
"""
    before = build(deny_a)
    check_matrix(before, "80/TCP", INTO_XA_DENIED, "pod-relabelled (before)")
    xa, xb = before.pod("x/a"), before.pod("x/b")
    after = before.with_changes(
        pods=[dataclasses.replace(xa, labels={"pod": "a-old"}), dataclasses.replace(xb, labels={"pod": "a"})]
    )
    for p in PROBES:
        check_matrix(after, p, INTO_XB_DENIED, "pod-relabelled (after)")


def test_scenario_count() -> None:
    # the table plus the three change scenarios above
    assert len(SCENARIOS) + 3 >= 30


# ---------------------------------------------------------------------------------------------------------------
# Explanation details, as data
# ---------------------------------------------------------------------------------------------------------------
def verdict(snap: ClusterSnapshot, src: str, dst: str, probe_text: str = "80/TCP"):
    port, proto = probe(probe_text)
    return snap.evaluator.evaluate(endpoint(snap, src), endpoint(snap, dst), port, proto)


def test_explain_and_item_failing_clauses() -> None:
    snap = snapshot_of("peer-and-one-item")
    v = verdict(snap, "ya", "xa")
    assert not v.allowed and v.egress.allowed and not v.ingress.allowed
    assert v.denying == (v.ingress,)
    assert v.egress.enforced and not v.egress.isolated and v.egress.policies == ()
    assert v.ingress.enforced and v.ingress.isolated
    assert [(p.policy.namespace, p.policy.name, p.allows) for p in v.ingress.policies] == [
        ("x", "allow-yb", False)
    ]
    rule = v.ingress.policies[0].rules[0]
    assert (rule.allows, rule.peer.ok, rule.port.ok, rule.failures) == (False, False, True, 1)
    check = rule.peer.best
    assert check.kind == "pods_in_namespaces"
    assert [(m.key, m.operator, m.values, m.actual) for m in check.pod_misses] == [("pod", "=", ("b",), "a")]
    assert check.namespace_misses == () and check.wrong_namespace == ""
    # x/b: the pod part matches, the namespace part fails
    check = verdict(snap, "xb", "xa").ingress.policies[0].rules[0].peer.best
    assert [(m.key, m.actual) for m in check.namespace_misses] == [("ns", "x")]
    assert check.pod_misses == ()
    # z/c: both fail
    check = verdict(snap, "zc", "xa").ingress.policies[0].rules[0].peer.best
    assert {m.key for m in check.namespace_misses} == {"ns"} and {m.key for m in check.pod_misses} == {"pod"}
    assert check.failures == 2


def test_explain_podselector_alone_wrong_namespace() -> None:
    v = verdict(snapshot_of("podselector-alone-own-namespace"), "yb", "xa")
    check = v.ingress.policies[0].rules[0].peer.best
    assert check.kind == "pods" and not check.ok
    assert check.wrong_namespace == "x"
    assert check.pod_misses == ()  # y/b does have pod=b
    assert check.failures == 1


def test_explain_ipblock_failures() -> None:
    snap = snapshot_of("ipblock-except")
    check = verdict(snap, "yb", "xa").ingress.policies[0].rules[0].peer.best
    assert (check.kind, check.ok, check.ip_failure, check.ip_except) == (
        "ipblock",
        False,
        "excepted",
        "10.0.2.0/24",
    )
    check = verdict(snap, "zb", "xa").ingress.policies[0].rules[0].peer.best
    assert (check.ip_failure, check.ip_except) == ("excepted", "10.0.3.2/32")
    check = verdict(snap, "203.0.113.5", "xa").ingress.policies[0].rules[0].peer.best
    assert check.ip_failure == "outside"
    ok = verdict(snap, "za", "xa")
    assert ok.allowed and ok.ingress.policies[0].rules[0].peer.best.via_pod_ip
    assert "ipblock_matched_pod_ip" in ok.notes  # CNIs differ on this: the verdict says so
    ext = verdict(snap, "10.0.9.9", "xa")
    assert ext.allowed and "ipblock_matched_pod_ip" not in ext.notes


def test_explain_closest_rule_and_failures() -> None:
    snap = build(
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: two-rules, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {ns: z}}
          podSelector: {matchLabels: {pod: c}}
      ports: [{port: 80}]
    - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
      ports: [{port: 80}]
"""
    )
    v = verdict(snap, "ya", "xa", "81/TCP")
    assert not v.allowed
    pres = v.ingress.policies[0]
    assert [r.failures for r in pres.rules] == [3, 1]
    assert pres.closest is pres.rules[1] and pres.closest.index == 1
    port_check = pres.rules[1].port.best
    assert (port_check.protocol_ok, port_check.port_ok) == (True, False)
    # UDP on the right number: the protocol is the failing part
    port_check = verdict(snap, "ya", "xa", "80/UDP").ingress.policies[0].rules[1].port.best
    assert (port_check.protocol_ok, port_check.port_ok) == (False, True)
    assert verdict(snap, "ya", "xa", "80/TCP").ingress.policies[0].closest.index == 1


def test_explain_both_sides_denied_lists_policies() -> None:
    v = verdict(snapshot_of("egress-deny-at-source-beats-ingress-allow"), "xa", "yc")
    assert v.denying == (v.egress,)
    assert [p.policy.key for p in v.egress.policies] == ["x/xa-no-egress"]
    assert v.egress.policies[0].rules == () and v.egress.policies[0].closest is None
    v = verdict(snapshot_of("deny-all-egress"), "xa", "za")
    assert [p.policy.key for p in v.egress.policies] == ["x/deny-egress"]
    v = verdict(snapshot_of("hostnetwork-pod-not-enforced"), "za", "zb")
    assert v.denying == (v.egress, v.ingress)
    assert [p.policy.key for p in v.ingress.policies] == ["z/deny-all"]


def test_explain_named_port_resolution() -> None:
    snap = snapshot_of("egress-named-port-resolved-on-destination")
    check = verdict(snap, "xa", "yb", "80/TCP").egress.policies[0].rules[0].port.best
    assert (check.ok, check.resolved, check.port_ok) == (False, 81, False)
    check = verdict(snap, "xa", "ya", "80/TCP").egress.policies[0].rules[0].port.best
    assert (check.ok, check.resolved) == (True, 80)
    check = verdict(snap, "xa", "203.0.113.9", "80/TCP").egress.policies[0].rules[0].port.best
    assert (check.ok, check.unresolved_name) == (False, True)
    check = verdict(snapshot_of("named-port-wrong-protocol"), "ya", "xa", "80/TCP").ingress.policies[0]
    assert check.rules[0].port.checks[0].unresolved_name  # serve-80-udp is not a TCP port name


def test_explain_not_enforced_sides() -> None:
    snap = snapshot_of("hostnetwork-pod-not-enforced")
    v = verdict(snap, "zc", "xa")
    assert (v.egress.enforced, v.egress.isolated, v.egress.allowed, v.egress.reason) == (
        False,
        False,
        True,
        "host_network",
    )
    assert "host_network_peer" in v.notes
    # a hostNetwork pod's IP is the node's: looking it up gives no pod
    assert endpoint(snap, "172.18.0.3").pod is None
    v = verdict(snap, "198.51.100.1", "xa")
    assert (v.egress.enforced, v.egress.reason) == (False, "not_a_pod")
    v = verdict(snapshot_of("hostnetwork-pod-not-matched-by-selectors"), "zc", "xa")
    checks = v.ingress.policies[0].rules[0].peer.checks
    assert [c.not_pod for c in checks] == [True, True]


def test_pod_ip_is_the_pod() -> None:
    snap = snapshot_of("no-policies")
    assert endpoint(snap, "10.0.2.2").pod is snap.pod("y/b")
    assert endpoint(snap, "10.0.2.200").pod is None


def test_dual_stack_ipblock_uses_the_connections_address_family() -> None:
    # an IPv4 connection from a dual-stack pod must not be admitted by an IPv6-only ipBlock
    parsed = parse_objects(
        [
            {
                "kind": "Pod",
                "metadata": {"name": "src", "namespace": "a"},
                "status": {"podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}]},
            },
            {
                "kind": "Pod",
                "metadata": {"name": "dst", "namespace": "a", "labels": {"app": "d"}},
                "status": {"podIP": "10.0.0.2", "podIPs": [{"ip": "10.0.0.2"}, {"ip": "fd00::2"}]},
            },
            {
                "kind": "NetworkPolicy",
                "metadata": {"name": "v6-only", "namespace": "a"},
                "spec": {
                    "podSelector": {"matchLabels": {"app": "d"}},
                    "ingress": [{"from": [{"ipBlock": {"cidr": "fd00::/64"}}]}],
                },
            },
        ]
    )
    ev = ClusterSnapshot.from_parse(parsed).evaluator
    src, dst = ev.subject_for_ip("10.0.0.1"), ev.subject_for_ip("10.0.0.2")
    assert ev.allows(src, dst, 80, "TCP") is False
