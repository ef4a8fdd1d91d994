"""Explanations in words: the one-sentence summary, the agreement with Hubble, fixes and groups."""

from __future__ import annotations

from netpol_tui.core.aggregate import DropGroup
from netpol_tui.core.cilium.fixes import FixKind
from netpol_tui.core.evaluate import DirectionResult, PolicyResult
from netpol_tui.core.explain import Case, Explanation
from netpol_tui.core.findings import PortUnknown
from netpol_tui.core.model import Direction, EndpointKind
from netpol_tui.core.replies import icmp_error_of
from netpol_tui.core.subject import Subject
from netpol_tui.core.suggest import Fix, FixAction
from netpol_tui.core.suggest_cilium import CiliumPolicyFix
from netpol_tui.core.wording.cilium import denial_text, in_audit_mode, isolating_names, side_cilium_near_text
from netpol_tui.core.wording.findings import drop_reason_text
from netpol_tui.core.wording.inert import inert_result
from netpol_tui.core.wording.rules import SIDE_NAME, near_miss_text

_KIND_TEXT: dict[str, str] = {
    EndpointKind.WORLD: "outside the cluster",
    EndpointKind.HOST: "the node",
    EndpointKind.REMOTE_NODE: "another node",
    EndpointKind.KUBE_APISERVER: "the kube-apiserver",
    EndpointKind.HEALTH: "the Cilium health endpoint",
    EndpointKind.INGRESS: "the Cilium Ingress proxy",
}


@inert_result
def endpoint_text(subject: Subject) -> str:
    if subject.pod is not None:
        return subject.key
    kind = _KIND_TEXT.get(subject.kind, str(subject.kind))
    return f"{subject.ip} ({kind})" if subject.ip else kind


def shown_closest(side: DirectionResult) -> PolicyResult | None:
    """The closest policy of a denying side among those whose closest rule is worth naming: it shares the peer
    or the port with the connection (or allows it). A rule about another peer on another port says nothing about
    this connection, nor does a deny-all (a policy without rules for the direction) beside policies with rules:
    None when only such. When every policy of the side is a deny-all, the first one."""
    best: PolicyResult | None = None
    best_score = 0
    for pres in side.policies:
        rr = pres.closest
        if rr is None or not (rr.allows or rr.peer.ok or rr.port.ok):
            continue
        if best is None or rr.failures < best_score:
            best, best_score = pres, rr.failures
    if best is None and side.policies and all(not p.rules for p in side.policies):
        # only deny-alls: that is the whole story ("has no ingress rules: it denies all ingress")
        return side.policies[0]
    return best


@inert_result
def other_pairs_text(fix: Fix, shown: int = 3) -> str:
    """The other pod pairs a fix opens, named: the first `shown`, then how many more ("" when none is named)."""
    names = fix.other_pairs[:shown]
    if not names:
        return ""
    more = fix.opens_other_pairs - len(names)
    text = "Also opens " + ", ".join(f"{src} → {dst}" for src, dst in names)
    return text + (f" and {more} more." if more > 0 else ".")


@inert_result
def explanation_summary(expl: Explanation, *, with_closest: bool = True) -> str:
    """One sentence for a person (the contract's `summary`, and the TUI explanation pane's first line).

    `with_closest=False` leaves out the closest rule of each denying side (the TUI shows it on its own line).
    """
    v = expl.verdict
    case = expl.case
    unknown = any(isinstance(f, PortUnknown) for f in expl.findings)
    port = f"(port not reported, 0 in JSON)/{v.protocol}" if unknown else f"{v.port}/{v.protocol}"
    conn = f"{endpoint_text(v.source)} → {endpoint_text(v.destination)} {port}"
    if case == Case.NOT_POLICY:
        # Hubble's identity for an address it did not translate (a ClusterIP without backends) is `world`:
        # do not call a Service address "outside the cluster"
        conn = f"{v.source.key} → {v.destination.key} {port}"
    if case == Case.EXPLICIT_DENY:
        return f"{conn}: dropped by an explicit deny policy; an allow rule cannot override it."
    if case == Case.NOT_POLICY:
        reason = expl.flow.drop_reason if expl.flow else ""
        return f"{conn}: dropped, but not by policy — {reason}: {drop_reason_text(reason)}."
    if case == Case.AUTH_REQUIRED:
        return f"{conn}: dropped because mutual authentication is required and missing."
    if case == Case.RELATED and expl.flow is not None:
        what = icmp_error_of(expl.flow)
        return (
            f"{conn}: forwarded — an ICMP {what} message, let through as related to the connection it reports on "
            "(connection tracking); the policies alone would not allow it."
        )
    if case == Case.POLICY_DROP_UNEXPLAINED:
        return f"{conn}: Hubble dropped it for policy, but the NetworkPolicies we know allow it."
    if v.allowed:
        if case == Case.ALLOWED:
            return f"{conn}: forwarded, and the policies allow it."
        return f"{conn}: allowed."
    sides = []
    for side in v.denying:
        denial = denial_text(side)
        if denial:
            sides.append(f"denied at {SIDE_NAME[side.direction]} of {side.subject.key} ({denial})")
            continue
        names = isolating_names(side)
        closest = shown_closest(side) if with_closest else None
        near = f"; closest: {near_miss_text(closest, side, v)}" if closest is not None else ""
        if not near and with_closest:
            other = v.source if side.direction == Direction.INGRESS else v.destination
            cnear = side_cilium_near_text(side, other.key, v.port, v.protocol)
            near = f"; closest: {cnear}" if cnear else ""
        sides.append(
            f"denied at {SIDE_NAME[side.direction]} of {side.subject.key} (isolated by {names}){near}"
        )
    if case == Case.TRACE and any(in_audit_mode(side) for side in v.denying):
        case = Case.AUDIT  # cilium-config policy-audit-mode: Cilium would let it through and report AUDIT
    prefix = {
        Case.AUDIT: "would be dropped when enforced (policy audit mode lets it through now)",
        Case.FORWARDED_BUT_DENIED: "Hubble forwarded it, but the policies deny it",
        Case.POLICY_DROP: "dropped",
        Case.TRACE: "denied",
    }.get(case, "denied")
    return f"{conn}: {prefix} — " + "; and ".join(sides) + "."


@inert_result
def tui_explanation_headline(expl: Explanation) -> str:
    """The explanation pane's first line: `explanation_summary` without the closest rule."""
    return explanation_summary(expl, with_closest=False)


@inert_result
def dns_allow_heading(namespace: str) -> str:
    return f"Alternative: the namespace-wide DNS allow for {namespace} — verified; every pod of it may reach kube-dns"


_CHANGE_VERB: dict[FixKind, str] = {
    FixKind.NARROW_DENY: "narrow a deny rule of",
    FixKind.REMOVE_DENY: "remove a deny rule from",
}


@inert_result
def fix_heading(fix: Fix) -> str:
    """`Fix (ingress): create CiliumNetworkPolicy ns/x — verified; opens nothing else` (the fix's real kind)."""
    verb = "add a rule to" if fix.action == FixAction.PATCH else "create"
    if isinstance(fix, CiliumPolicyFix) and fix.action == FixAction.PATCH:
        verb = _CHANGE_VERB.get(fix.change, verb)
    pairs = fix.opens_other_pairs
    opens = (
        "opens nothing else"
        if pairs == 0
        else f"also opens {pairs} other pod pair{'s' if pairs != 1 else ''}"
    )
    return f"Fix ({fix.side}): {verb} {fix.kind} {fix.target} — verified; {opens}"


@inert_result
def no_fix_text(expl: Explanation) -> str:
    if expl.case in (Case.EXPLICIT_DENY, Case.NOT_POLICY, Case.AUTH_REQUIRED):
        return "No NetworkPolicy fix: see above."
    if expl.verdict.allowed:
        return ""
    return "No verified NetworkPolicy fix: the denying side is not a pod we can select."


@inert_result
def explain_report_heading(flows: int, drops: int, groups: int, errors: int, lost: int) -> str:
    parts = [
        f"{flows} flow{'s' if flows != 1 else ''} read",
        f"{drops} dropped in {groups} group{'s' if groups != 1 else ''}",
    ]
    if errors:
        parts.append(f"{errors} line{'s' if errors != 1 else ''} skipped")
    if lost:
        parts.append(f"{lost} events lost by Hubble")
    return ", ".join(parts)


@inert_result
def group_line(group: DropGroup) -> str:
    port = "?" if group.port is None else group.port  # not reported
    if group.is_reply:  # the port the replies come from: the server's (source's) port
        return f"{group.count:>7} × {group.source} → {group.destination} replies from {port}/{group.protocol}"
    return f"{group.count:>7} × {group.source} → {group.destination} {port}/{group.protocol}"


_AGREEMENT: dict[Case, str] = {
    Case.POLICY_DROP: "Hubble and the policies agree: dropped, and the NetworkPolicies deny it.",
    Case.POLICY_DROP_UNEXPLAINED: "Hubble and the policies DISAGREE: Hubble dropped it for policy, the "
    "NetworkPolicies we know allow it.",
    Case.EXPLICIT_DENY: "Hubble names an explicit deny rule: the NetworkPolicies cannot override it.",
    Case.AUTH_REQUIRED: "Hubble dropped it for missing mutual authentication, not for a NetworkPolicy.",
    Case.NOT_POLICY: "Not a policy drop: Hubble dropped it for another reason.",
    Case.AUDIT: "Audit mode: Hubble let it through but reports the policies would drop it.",
    Case.ALLOWED: "Hubble and the policies agree: forwarded, and allowed.",
    Case.FORWARDED_BUT_DENIED: "Hubble and the policies DISAGREE: Hubble forwarded what the NetworkPolicies deny.",
    Case.RELATED: "Hubble forwarded an ICMP error message: it passes with the connection it reports on, not by policy.",
}


@inert_result
def tui_agreement(expl: Explanation) -> str:
    """Whether Hubble's verdict and the policies we know agree, in one line."""
    return _AGREEMENT.get(expl.case, "")


_DENIED_AT_SHORT: dict[Case, str] = {
    Case.NOT_POLICY: "not policy",
    Case.EXPLICIT_DENY: "deny rule",
    Case.POLICY_DROP_UNEXPLAINED: "disagree",
    Case.AUTH_REQUIRED: "auth",
}


@inert_result
def tui_group_denied_at(expl: Explanation | None) -> str:
    """A short word for where a group is denied: `ingress`, `egress+ingress`, `not policy`, ..."""
    if expl is None:
        return "?"
    if expl.case not in (Case.POLICY_DROP, Case.AUDIT, Case.FORWARDED_BUT_DENIED):
        return _DENIED_AT_SHORT.get(expl.case, str(expl.case))
    return "+".join(SIDE_NAME[s.direction] for s in expl.verdict.denying) or "?"


@inert_result
def tui_opens_other_pairs(pairs: int) -> str:
    if pairs == 0:
        return "Opens nothing else: no other pod pair is newly allowed on this port."
    return (
        f"Caution: also opens {pairs} other pod pair{'s' if pairs != 1 else ''} on this port — review before "
        "applying."
    )
