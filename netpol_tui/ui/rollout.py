"""The rollout of deny-by-default for one namespace in the TUI (`P`): what it proposes and what staging it does.

`plan_rollout(namespace, flows, snapshot)` reduces the flows the TUI has kept (its ring) to connections, the way
`netpol-tui propose` does (core.propose.ConnectionReducer), proposes for that namespace (NetworkPolicy dialect,
verified by the core before it is returned) and finds, for every proposed policy, the observed connections one of
its rules admits (the evaluator's verdict under the cluster plus the proposal). It runs in a worker thread.

Staging hands the proposal to the flows pane as the `--with` set: a `RolloutJudge` (a StagedJudge that knows it
came from `P`) replaces the row notes' judge, and every flow kept so far is judged under it, so rows the proposal
would deny are marked "would drop". Unstaging puts back what the TUI was started with (`--with PATH`, or nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from netpol_tui.core import mesh
from netpol_tui.core.cilium.model import SERVICE_ACCOUNT_KEY
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.diff import staged
from netpol_tui.core.manifests import ParseResult, parse_objects
from netpol_tui.core.model import EndpointKind, Flow, Pod
from netpol_tui.core.propose import (
    Connection,
    ConnectionReducer,
    Proposal,
    ProposedPolicy,
    ProposeOptions,
    Skip,
    propose,
)
from netpol_tui.core.propose.workloads import infer_workload
from netpol_tui.core.subject import Subject
from netpol_tui.ui.options import TuiOptions
from netpol_tui.ui.row_notes import RowNotes
from netpol_tui.ui.staged import StagedJudge

FIRST_CONNECTIONS = 5  # connections listed under each proposed policy (then counted)


@dataclass(frozen=True, slots=True)
class PolicyCoverage:
    """One proposed policy and the observed connections its rules admit (sorted)."""

    policy: ProposedPolicy
    connections: tuple[Connection, ...] = ()


@dataclass(frozen=True, slots=True)
class Rollout:
    namespace: str
    proposal: Proposal
    coverage: tuple[PolicyCoverage, ...]
    flows_seen: int  # flows handed to the reducer (the TUI's ring)
    skipped: dict[Skip, int] = field(default_factory=dict)  # flows that made no connection, by why
    # observed connections no proposed policy admits: the cluster's own policies do (or no end is isolated)
    admitted_elsewhere: int = 0

    @property
    def forwarded_seen(self) -> bool:
        """Some kept flow was FORWARDED (live, a cluster-wide or drops-only view receives drops only)."""
        return self.flows_seen > self.skipped.get(Skip.NOT_FORWARDED, 0)

    @property
    def ok(self) -> bool:
        return self.proposal.ok

    @property
    def yaml(self) -> str:
        """Every proposed policy as one YAML stream (`---` between documents)."""
        return self.proposal.yaml()

    def objects(self) -> ParseResult:
        """The proposal read back by the project's parser: what staging puts on top of the cluster."""
        return parse_objects([dict(p.manifest) for p in self.proposal.policies])


def reduce_flows(flows: Iterable[Flow], local_cluster: str = "") -> ConnectionReducer:
    reducer = ConnectionReducer(local_cluster=local_cluster)
    reducer.add_all(flows)
    return reducer


def plan_rollout(
    namespace: str,
    flows: Iterable[Flow],
    snapshot: ClusterSnapshot,
    *,
    cancelled: Callable[[], bool] = lambda: False,
) -> Rollout | None:
    """The proposal for `namespace` from `flows`, with what each policy covers (None when `cancelled()`)."""
    reducer = reduce_flows(flows, mesh.local_cluster(snapshot))
    if cancelled():
        return None
    proposal = propose(snapshot, reducer, ProposeOptions(namespaces=(namespace,)))
    coverage: tuple[PolicyCoverage, ...] = tuple(PolicyCoverage(p) for p in proposal.policies)
    elsewhere = 0
    if proposal.ok and proposal.policies and not cancelled():
        coverage = _coverage(proposal, reducer, snapshot)
        covered = {c for cov in coverage for c in cov.connections}
        elsewhere = sum(1 for c in proposal.connections if c not in covered)
    return Rollout(namespace, proposal, coverage, reducer.flows_seen, dict(reducer.skipped), elsewhere)


def _coverage(
    proposal: Proposal, reducer: ConnectionReducer, snapshot: ClusterSnapshot
) -> tuple[PolicyCoverage, ...]:
    """For every proposed policy, the observed connections that one of its rules admits (at either end)."""
    after = staged(snapshot, [dict(p.manifest) for p in proposal.policies])
    ev = after.evaluator
    mine = {p.key for p in proposal.policies}
    covered: dict[str, list[Connection]] = {k: [] for k in mine}
    subjects: dict[str, Subject | None] = {}

    def subject(key: str) -> Subject | None:
        if key not in subjects:
            subjects[key] = _subject(key, reducer, after)
        return subjects[key]

    for c in proposal.connections:
        src, dst = subject(c.source), subject(c.destination)
        if src is None or dst is None:
            continue
        verdict = ev.evaluate(src, dst, c.port, c.protocol)
        keys = {
            str(getattr(pres.policy, "key", ""))
            for side in (verdict.egress, verdict.ingress)
            for pres in side.allowing
        }
        for key in keys & mine:
            covered[key].append(c)
    return tuple(PolicyCoverage(p, tuple(sorted(covered[p.key]))) for p in proposal.policies)


def _subject(key: str, reducer: ConnectionReducer, snapshot: ClusterSnapshot) -> Subject | None:
    """An end of a proposal's connection as the evaluator sees it: a snapshot pod, a pod known only from the
    flows (rebuilt from the flow's labels, as the proposal did), or an address."""
    ev = snapshot.evaluator
    pod = snapshot.pod(key)
    if pod is not None:
        return ev.subject_for_pod(pod)
    ep = reducer.endpoints.get(key)
    if ep is None:
        return ev.subject_for_ip(key) if "/" not in key else None
    if ep.namespace and ep.pod_name:
        ghost = Pod(
            namespace=ep.namespace,
            name=ep.pod_name,
            labels=dict(ep.labels),
            ips=(ep.ip,) if ep.ip else (),
            workload=ep.workload or infer_workload(ep.pod_name, ep.labels),
            service_account=mesh.hubble_meta_label(ep, SERVICE_ACCOUNT_KEY),
            cluster=mesh.remote_cluster(ep, snapshot),
        )
        return ev.subject_for_pod(ghost, in_snapshot=False)
    kind = EndpointKind.WORLD if ep.kind in (EndpointKind.POD, EndpointKind.UNKNOWN) else ep.kind
    return ev.subject_for_ip(ep.ip or key, kind)


# ---------------------------------------------------------------------------------------------------------------
# Staging
# ---------------------------------------------------------------------------------------------------------------
class RolloutJudge(StagedJudge):
    """The staged verdicts of a proposal staged with `P` (the flows pane marks rows from it)."""

    def __init__(self, rollout: Rollout, label: str) -> None:
        super().__init__(rollout.objects(), label)
        self.namespace = rollout.namespace
        self.source = rollout


def staged_rollout(notes: RowNotes) -> RolloutJudge | None:
    """The proposal staged with `P`, if one is."""
    judge = notes.staged
    return judge if isinstance(judge, RolloutJudge) else None


def stage(notes: RowNotes, rollout: Rollout, label: str) -> RolloutJudge:
    """Put the proposal in place of the staged set. The flow worker judges every new batch with it at once; the
    flows kept so far are judged by `judge_kept` (a worker: it may take a while)."""
    judge = RolloutJudge(rollout, label)
    notes.staged = judge
    return judge


def unstage(notes: RowNotes, options: TuiOptions) -> StagedJudge | None:
    """Back to what the TUI was started with: the `--with` objects (judged again by `judge_kept`), or nothing."""
    judge = StagedJudge(options.staged, options.staged_label) if options.staged is not None else None
    notes.staged = judge
    return judge


def judge_kept(judge: StagedJudge, flows: Sequence[Flow], snapshot: ClusterSnapshot | None) -> int:
    """Judge the flows kept so far under `judge` (in a worker thread); returns how many connections. `snapshot`
    (the screen's) is the judge's cluster state unless the cluster worker already gave it a newer one."""
    return judge.judge(flows, snapshot, replace=False)


__all__ = [
    "FIRST_CONNECTIONS",
    "PolicyCoverage",
    "Rollout",
    "RolloutJudge",
    "judge_kept",
    "plan_rollout",
    "reduce_flows",
    "stage",
    "staged_rollout",
    "unstage",
]
