"""Policies from observed connections: deny-by-default plus the verified allows (see `proposal.propose`)."""

from netpol_tui.core.propose.observed import Connection, ConnectionReducer, Skip
from netpol_tui.core.propose.proposal import (
    Dialect,
    End,
    Gap,
    PolicyRole,
    Proposal,
    ProposedPolicy,
    ProposeOptions,
    Uncovered,
    propose,
)
from netpol_tui.core.propose.workloads import (
    UNSTABLE_LABELS,
    SelectorIssue,
    WorkloadId,
    WorkloadSelection,
    is_stable,
    workload_of,
)

__all__ = [
    "UNSTABLE_LABELS",
    "Connection",
    "ConnectionReducer",
    "Dialect",
    "End",
    "Gap",
    "PolicyRole",
    "Proposal",
    "ProposeOptions",
    "ProposedPolicy",
    "SelectorIssue",
    "Skip",
    "Uncovered",
    "WorkloadId",
    "WorkloadSelection",
    "is_stable",
    "propose",
    "workload_of",
]
