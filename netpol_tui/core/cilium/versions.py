"""Rules whose meaning changed between Cilium releases (reference §2 "Versions", §1, §3, §5): when one of them
decides a side, the verdict holds only for the releases assumed (the newest behaviour, 1.19+), and the explanation
names that assumption.

Judged per side, from the detailed engine result:
* `enableDefaultDeny: false` (1.16+) kept the side out of default deny, and nothing else allows the connection: an
  older agent ignores the field and drops it (issue #37729 also reports it not always honoured in 1.16.x).
* an allow that only a `toServices` of a Service with a selector gives (1.17+: the Service's pods are the peer;
  before, only selector-less Services were supported).
* an allow that only a `matchPattern: "**.…"` gives for a name deeper than one label (1.19+; before, `**` was `*`).
* an allow that only a CNP peer naming `io.cilium.k8s.namespace.labels.*` gives to a pod of another namespace
  (newer agents drop the implicit namespace for such a peer; older documentation says those keys are ignored).
* a NetworkPolicy selecting the endpoint with rules for a direction its `policyTypes` leave out: judged as the
  API says (ignored), named because an open report (#48703) says some versions still apply them (the caller finds
  these: `CiliumEvaluator.unlisted`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from netpol_tui.core.cilium import fqdn
from netpol_tui.core.cilium.engine import CiliumSide, ItemResult
from netpol_tui.core.cilium.identity import Party, PartyKind
from netpol_tui.core.cilium.model import FQDNPeer, PeerKind, PolicyKind, Section


class VersionRule(StrEnum):
    DEFAULT_DENY_FALSE = "enable_default_deny_false"
    SERVICES_SELECTOR = "to_services_selector"
    FQDN_DOUBLE_STAR = "fqdn_double_star"
    NAMESPACE_LABELS_PEER = "namespace_labels_peer"
    # a NetworkPolicy with rules for a direction its policyTypes leave out: ignored (the API), but an open
    # upstream report (#48703) says some versions still apply them
    KNP_POLICY_TYPES = "knp_policy_types"


# the first release with the behaviour assumed
SINCE: dict[VersionRule, str] = {
    VersionRule.DEFAULT_DENY_FALSE: "1.16",
    VersionRule.SERVICES_SELECTOR: "1.17",
    VersionRule.FQDN_DOUBLE_STAR: "1.19",
    VersionRule.NAMESPACE_LABELS_PEER: "1.16",
    VersionRule.KNP_POLICY_TYPES: "",  # no fixed release: an open report
}


@dataclass(frozen=True, slots=True)
class VersionAssumption:
    """The rule (policy kind and key, rule path or item) whose version-dependent meaning decides the side."""

    rule: VersionRule
    policy_kind: PolicyKind
    policy: str  # "ns/name" (CNP) or "name" (CCNP)
    path: (
        str  # the rule's path ("spec", "specs[1]") for DEFAULT_DENY_FALSE, else the item's ("spec.egress[0]")
    )
    section: Section | None = None
    number: int = -1  # 0-based item number in its section
    value: str = ""  # the pattern, Service or selector concerned

    @property
    def since(self) -> str:
        return SINCE[self.rule]


def _old_pattern(pattern: str) -> str:
    """`**.x.io` as agents before 1.19 read it: `*.x.io`."""
    return "*." + pattern[3:] if pattern.startswith("**.") else pattern


def _item_assumption(res: ItemResult, other: Party) -> VersionAssumption | None:
    """The version-dependent reason this admitting item admits, or None when it admits in every release."""
    item = res.item
    pol = res.rule.policy
    best = res.peer.best
    kind = item.peer_kind
    base = (pol.kind, pol.key, item.path)
    if kind is PeerKind.SERVICES and other.kind is PartyKind.POD:
        return VersionAssumption(VersionRule.SERVICES_SELECTOR, *base, item.section, res.number, best.value)
    if kind is PeerKind.FQDNS and 0 <= best.index < len(item.fqdns):
        peer = item.fqdns[best.index]
        pattern = peer.match_pattern
        if pattern.strip().startswith("**."):
            old = FQDNPeer(peer.index, match_pattern=_old_pattern(pattern.strip()))
            if fqdn.first_match(old, other.names) is None:
                return VersionAssumption(
                    VersionRule.FQDN_DOUBLE_STAR, *base, item.section, res.number, pattern
                )
    if (
        kind is PeerKind.ENDPOINTS
        and pol.kind is PolicyKind.CNP
        and other.kind is PartyKind.POD
        and other.namespace != pol.namespace
        and 0 <= best.index < len(item.endpoints)
    ):
        sel = item.endpoints[best.index]
        if sel.names_namespace_labels and not sel.names_namespace:
            return VersionAssumption(
                VersionRule.NAMESPACE_LABELS_PEER, *base, item.section, res.number, other.namespace
            )
    return None


def version_assumptions(
    side: CiliumSide, other: Party, *, knp_isolated: bool, knp_allows: bool
) -> tuple[VersionAssumption, ...]:
    """The version assumptions that decide this side's verdict (empty when the verdict holds in every release
    this tool knows of)."""
    if not side.enforced or side.denied_by:
        return ()
    if not side.isolated:
        if knp_isolated or side.allow_hit:
            # judged by NetworkPolicies, or an allow admits anyway
            return ()
        return tuple(
            VersionAssumption(VersionRule.DEFAULT_DENY_FALSE, ps.policy.kind, ps.policy.key, path)
            for ps in side.policies
            for path in ps.kept_open
        )
    if knp_allows or side.localhost or not side.allow_hit:
        return ()
    admitting: Iterable[ItemResult] = (r for ps in side.policies for r in ps.allows if r.ok)
    found: list[VersionAssumption] = []
    for res in admitting:
        a = _item_assumption(res, other)
        if a is None:
            return ()  # admitted in every release by this item
        found.append(a)
    return tuple(found)
