"""The TUI's own words: column titles, key labels, help rows, palette entries, status-bar and notification texts.

What an explanation says (the same sentences `trace` and `explain` print) is core wording; this module only holds
the chrome around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from netpol_tui.core.wording import filters_local_only
from netpol_tui.core.wording.inert import inert

if TYPE_CHECKING:
    from netpol_tui.core.model import KubeStatus, StreamState

FLOW_COLUMNS = ("TIME", "SOURCE", "DESTINATION", "PORT", "VERDICT", "TCP · REASON / DIRECTION")


REPLY_MARK = "↩"  # before the TCP flags of a reply (Hubble's is_reply; a SYN-ACK is one)


GROUP_COLUMNS = ("COUNT", "LAST SEEN", "SOURCE", "DESTINATION", "PORT", "REASON", "DENIED AT")


TITLES = {
    "flows": "Flows",
    "groups": "Drop groups",
    "explanation": "Explanation",
    "fix": "Fix",
    "pods": "Pods",
}


HELP = (
    ("Moving", ""),
    ("↑ ↓  j k", "previous / next row"),
    ("PgUp PgDn  ctrl+u ctrl+d", "page up / down"),
    ("Home  End", "first row / last row (End follows new flows)"),
    ("tab  shift+tab", "next / previous pane"),
    ("enter", "explain the row; in Pods: show only that pod's (or namespace's) flows"),
    ("esc", "back: close a dialog, leave the pod scope, clear the filter"),
    ("Views", ""),
    ("d", "drops only (DROPPED and AUDIT)"),
    ("g", "grouped view: drop groups with counts and last seen"),
    ("p", "show / hide the Pods pane"),
    ("space", "pause the view (arriving flows are counted, not shown); again to resume"),
    ("/", "filter: pod:NS/NAME from-pod: to-pod: ns: label:K=V verdict:dropped port:5432 proto:udp text"),
    ("Fix", ""),
    ("c", "copy the fix (OSC 52: over SSH and tmux too); merged per policy"),
    ("s", "save the fix to a file (its policy's earlier file is updated)"),
    ("m  M", "mark / unmark the row's group ◆: c / s fix all marked; M clears"),
    ("C  S", "copy / save the alternative fix (the namespace-wide DNS allow of a DNS drop)"),
    ("y", "show the YAML of the policies involved"),
    ("H", "live policy changes: drops around each, its diff, what it broke"),
    ("P", "rollout: deny-by-default for the chosen namespace from the flows seen; copy, save or stage it"),
    ("Marks", ""),
    ("↩", "a reply (Hubble's is_reply; a SYN-ACK is one): the connection goes the other way"),
    ("SYN SYN-ACK RST FIN", "TCP flags of the packet (before the reason)"),
    ("Other", ""),
    ("ctrl+p", "command palette (every action here)"),
    ("?", "this help"),
    ("q  ctrl+c", "quit"),
)


MARKS_LEGEND = (
    "two marks after a pod, ingress then egress: I / E = a NetworkPolicy isolates it, C = a Cilium policy "
    "(CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy) does, + = both kinds, · = not isolated"
)
MARK_CILIUM = "C"  # the pods pane: isolated by a Cilium policy in that direction
MARK_BOTH = "+"  # isolated by a NetworkPolicy and a Cilium policy


def subscription(
    kind: str,
    target: str,
    *,
    drops: bool,
    forced: bool,
    words: str,
    server: bool,
    local_only: Iterable[str] = (),
) -> str:
    """What the flow stream is subscribed to, for the status bar."""
    what = "drops (DROPPED, AUDIT)" if drops else "all flows"
    where = {"pod": f"of pod {target}", "namespace": f"of namespace {target}"}.get(kind, "cluster-wide")
    text = f"{what} {where}"
    if words:
        text += f" · filter: {words}"
    if forced:
        text += " (pick a pod or a namespace to see all its flows)"
    local = list(local_only)
    if server and local:
        text += f" · {filters_local_only(local)}"
    elif not server and (words or kind != "cluster" or drops):
        text += " · filtered here"
    return text


def shown(count: int) -> str:
    """Beside the total counts when a filter is on: how many flows the view shows."""
    return f"shown {count:,}"


def rate_text(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    if value >= 10:
        return f"{value:.0f}"
    return f"{value:.1f}"


def count_text(value: int) -> str:
    return f"{value:,}"


def age_text(seconds: float) -> str:
    if seconds < 1:
        return "just now"
    if seconds < 60:
        return f"{seconds:.0f}s ago"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m ago"
    return f"{seconds / 3600:.1f}h ago"


def stream_state(state: StreamState | None, flows_seen: int = 0) -> str:
    """Short connection state for the status bar."""
    if state is None:
        return "starting"
    if state.state == "reconnecting":
        return f"reconnecting in {state.retry_in:.0f}s (attempt {state.attempt})"
    if state.state == "failed":
        return "unreachable"
    if state.state == "connected":
        return "connected" + (f" · Hubble {state.server_version}" if state.server_version else "")
    return str(state.state)


def relay_panel(address: str, message: str, attempt: int, retry_in: float) -> str:
    """The panel shown while Hubble cannot be reached: what was tried, what to do, and that we retry."""
    retry = (
        f"Retrying in {retry_in:.0f} s (attempt {attempt})."
        if retry_in > 0
        else f"Retrying (attempt {attempt})."
    )
    return (
        f"Cannot stream flows from Hubble at {address}.\n\n"
        f"{message}\n\n"
        "What to try:\n"
        "  • cilium hubble port-forward &   (then Relay listens on localhost:4245)\n"
        "  • netpol-tui -P   (netpol-tui port-forwards to kube-system/hubble-relay itself)\n"
        "  • netpol-tui --server HOST:PORT   (or set HUBBLE_SERVER)\n"
        "  • TLS: --tls --tls-ca-cert-files CA.pem --tls-server-name instance.hubble-relay.cilium.io\n"
        "    (mTLS: --tls-client-cert-file / --tls-client-key-file)\n\n"
        f"{retry}"
    )


def kube_banner(status: KubeStatus) -> str:
    """A banner for a KubeStatus that needs the user's attention ("" when none)."""
    if status.state == "forbidden":
        return f"Kubernetes API: {status.message} — explanations may be incomplete."
    if status.state == "failed":
        retry = f" Retrying in {status.retry_in:.0f} s." if status.retry_in else ""
        return f"Kubernetes API: {status.message}.{retry}"
    return ""


def cluster_status(counts: Mapping[str, int], age_s: float | None, label: str, loading: bool) -> str:
    if loading:
        return f"cluster: listing from {label}…"
    if not counts:
        return "cluster: none (explanations need --cluster PATH or the kube API)"
    age = f" · {age_text(age_s)}" if age_s is not None else ""
    return (
        f"cluster {label}{age} · {counts.get('namespaces', 0)} ns · {plural(counts.get('pods', 0), 'pod')} · "
        f"{plural(counts.get('policies', 0), 'policy', 'policies')}"
    )


def paused(pending: int) -> str:
    return f"PAUSED · {pending:,} new flow{'s' if pending != 1 else ''} waiting · space resumes"


def loading(done: int, total: int, label: str) -> str:
    if total:
        return f"loading {label}: {100 * done / total:.0f}%"
    return f"loading {label}: {done:,} lines"


def copied(what: str, lines: int) -> str:
    return f"Copied {what} to the clipboard ({lines} lines, OSC 52 — works over SSH and inside tmux)."


def saved(path: str) -> str:
    return f"Saved to {path}. Try it: kubectl apply --dry-run=server -f {path}"


def save_failed(path: str, detail: str) -> str:
    return f"Cannot save {path}: {detail}"


def nothing_to_copy(verb: str = "copy") -> str:
    """`c` (verb "copy") or `s` (verb "save") with no fix on screen."""
    return f"No fix to {verb}: select a dropped flow (or a drop group) that has a verified fix."


def no_dns_alternative(verb: str) -> str:
    return f"No DNS allow to {verb}: it is offered beside the fix of a DNS drop (egress to port 53)."


DNS_ALTERNATIVE_KEYS = "C copies, S saves this one"


def no_policy() -> str:
    return "No policy to show: select a flow, a drop group or a pod that a policy selects."


def no_cluster_for_explanation() -> str:
    return "No cluster snapshot yet: the explanation appears once the cluster is listed (or give --cluster PATH)."


def select_hint(drops: int) -> str:
    if drops:
        return "Select a red row (↑↓ or j/k) to see why it was dropped and the fix; g groups the drops."
    return "Waiting for drops… every dropped flow shows up in red; select one to see why and the fix."


def no_drops_in_capture(flows: int) -> str:
    return f"No dropped flow in this capture ({flows:,} flow{'s' if flows != 1 else ''} read): nothing to explain."


def no_drops_unreachable() -> str:
    return "No flows: Hubble cannot be reached (see above); drops show up here once it streams."


def selection_hidden(words: str) -> str:
    """Above the explanation of a selected flow that the filter now hides."""
    what = f"the filter `{words}`" if words else "the view's filter"
    return f" The selected flow is hidden by {what} (esc clears it); select a visible row. "


def not_following(new: int) -> str:
    """The flows pane's subtitle while it does not follow new rows."""
    if new:
        return f"scrolled · {new:,} new — end to follow"
    return "scrolled — end to follow"


def pod_title(pod_key: str, ingress: bool, egress: bool) -> str:
    iso = [s for s, on in (("ingress", ingress), ("egress", egress)) if on]
    return f"Pod {pod_key} — isolated for {' and '.join(iso)}" if iso else f"Pod {pod_key} — not isolated"


def pod_policies(direction: str, names: list[str]) -> str:
    if not names:
        return f"{direction}: no policy selects it (all {direction.lower()} allowed)"
    return f"{direction}: selected by " + ", ".join(names)


def pod_recent_drops(count: int) -> str:
    return f"Recent drop groups involving it ({count}):" if count else "No drops seen for it yet."


def fixes_header(count: int) -> str:
    return f"{count} verified fix{'es' if count != 1 else ''} — c copies, s saves" if count else ""


CLOSEST_RULE = "Closest rule: "


POLICIES_ALLOW_BADGE = "POLICIES ALLOW"  # the badge of a flow Hubble dropped for another reason than policy


CONFIRM_KEYS = "y: yes, I mean it   ·   n or esc: no"


METADATA_TITLE = "This fix opens the cloud metadata address"


def metadata_question(verb: str, addresses: list[str]) -> str:
    """Asked before `c`/`s` hand over a fix that allows the cloud metadata address."""
    return (
        f"The fix allows {' and '.join(addresses)}: the cloud metadata address hands out the node's "
        "credentials to any pod that reaches it. Blocking it is usually deliberate.\n\n"
        f"{verb.capitalize()} this fix anyway?"
    )


def not_handed_over(verb: str) -> str:
    return f"Nothing to {verb}: the fix that opens the metadata address was not confirmed."


def no_fix_see_explanation() -> str:
    return "No NetworkPolicy fix: the explanation (left) says why."


HUBBLE_SAW = "Hubble: "


NOTE = "note: "


PODS_SUBTITLE = "I ingress · E egress isolated"


HELP_TITLE = "Help — esc closes"


YAML_TITLE = "Policy YAML — esc closes, c copies"


FILTER_HINT = (
    "pod:NS/NAME  from-pod:  to-pod:  ns:NS  label:K=V  verdict:dropped  port:5432  proto:udp  text"
    " — enter applies, esc cancels, empty clears"
)


FILTER_PLACEHOLDER = "filter words"


HELP_PODS_PANE = "Pods pane"


# Footer labels of the keys (action → label)
KEYS = {
    "quit": "Quit",
    "help": "Help",
    "filter": "Filter",
    "toggle_drops": "Drops only",
    "toggle_groups": "Grouped",
    "toggle_pause": "Pause",
    "copy_fix": "Copy fix",
    "save_fix": "Save fix",
    "copy_dns_fix": "Copy DNS allow",
    "save_dns_fix": "Save DNS allow",
    "mark": "Mark",
    "clear_marks": "Clear marks",
    "show_yaml": "Policy YAML",
    "toggle_pods": "Pods",
    "back": "Back",
    "cancel": "Cancel",
    "close": "Close",
    "copy_yaml": "Copy YAML",
    "yes": "Yes",
    "no": "No",
}


# The command palette: (title, help, action)
COMMANDS = (
    ("Drops only", "Show only dropped and audited flows (d)", "toggle_drops"),
    ("Grouped view", "Drop groups with counts and last seen (g)", "toggle_groups"),
    ("Pause / resume", "Freeze the view; arriving flows are counted (space)", "toggle_pause"),
    ("Filter flows", "pod:, ns:, label:, verdict:, port:, proto:, text (/)", "filter"),
    ("Copy fix", "Copy the fix YAML to the clipboard (c)", "copy_fix"),
    ("Save fix", "Save the fix YAML to a file (s)", "save_fix"),
    ("Show policy YAML", "The policies involved (y)", "show_yaml"),
    ("Mark drop group", "Mark / unmark the row's drop group: c / s then fix every marked one (m)", "mark"),
    ("Clear marks", "Unmark every drop group (M)", "clear_marks"),
    ("Policy changes", "Live policy changes, their diff and what they broke (H)", "show_changes"),
    ("Rollout", "Deny-by-default for the chosen namespace: copy, save, stage it (P)", "rollout"),
    ("Pods pane", "Show or hide namespaces and pods (p)", "toggle_pods"),
    ("Cluster-wide", "Leave the pod or namespace scope (esc)", "back"),
    ("Help", "Every key (?)", "help"),
)


NOTIFY_TITLES = {"filter": "filter", "copied": "copied", "saved": "saved"}


STATUS_LABELS = {"flows": "flows", "drops": "drops", "lost": "lost"}


def explaining() -> str:
    return "explaining…"


def view_toggled(drops_only: bool) -> str:
    return "Drops only" if drops_only else "All flows"


def yaml_copied() -> str:
    return "Copied the policy YAML to the clipboard (OSC 52)."


def the_fix() -> str:
    """What `c` copies, for `copied`."""
    return "the fix"


def the_dns_allow() -> str:
    """What `C` copies, for `copied`."""
    return "the DNS allow"


def capture_state(done: bool) -> str:
    """The connection field of the status bar for a capture (replay)."""
    return "read" if done else "reading"


def nodes(up: int, down: list[str]) -> str:
    text = f"nodes {up} up"
    if down:
        text += f" · {len(down)} down ({', '.join(inert(name) for name in down[:3])})"
    return text


def plural(count: int, one: str, many: str = "") -> str:
    """`1 pod`, `2 pods` (`many`: an irregular plural)."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def namespace_title(namespace: str, pods: int, policies: int) -> str:
    return f"Namespace {namespace}: {plural(pods, 'pod')}, {plural(policies, 'policy', 'policies')}"


def pod_labels(labels: Mapping[str, str]) -> str:
    return "labels: " + ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))


def namespace_node(pods: int, policies: int) -> str:
    """The count after a namespace in the Pods pane."""
    return f"  {plural(pods, 'pod')} · {policies} pol"


def group_header(count: int, first: str, last: str, pairs: int) -> tuple[str, str]:
    """The explanation pane's header for a drop group: (the count, the rest)."""
    return (
        f"{count:,} drop{'s' if count != 1 else ''}",
        f" · first {first} · last {last} · {pairs} pod pair{'s' if pairs != 1 else ''}",
    )


def no_source_kept(key: str) -> str:
    return f"# {key}: no source object kept\n"


def seen_at(direction: str) -> str:
    """After Hubble's verdict in the explanation pane: where Hubble saw it."""
    return f" at {direction.lower()}"


def connection_detail(
    source: str,
    destination: str,
    source_port: int | None,
    destination_port: int | None,
    protocol: str,
    flags: str,
    *,
    reply: bool,
) -> str:
    """The explanation's line about the packet: a new connection or a reply of one, TCP flags, source port."""
    if protocol not in ("TCP", "UDP", "SCTP"):
        return ""
    tcp = f" ({flags})" if flags else ""
    if reply:
        # a reply goes from the server back to the client: the connection is the other way round
        to = f":{source_port}" if source_port else ""
        back = f" to port {destination_port}" if destination_port else ""
        return f"Connection: a reply{tcp} of {destination} → {source}{to} {protocol}, sent back{back}"
    if flags == "SYN":
        what = "a new connection (SYN)"
    elif flags:
        what = f"a packet of a connection{tcp}"
    else:
        what = protocol
    sport = f" from source port {source_port}" if source_port else ""
    return f"Connection: {what}{sport}" if sport or flags else ""


def seen_on(node: str) -> str:
    return f" on {node}"


AUDIT_REASON = "policy audit"  # the reason column of an AUDIT flow without a drop reason


# ---- issue 13: staged policies (--with), policy audit mode, both ends joined, the confirm-fix loop --------------
STAGED_MARKS = {"would_drop": "would drop", "would_allow": "would allow"}  # the flows pane's staged badge
AUDIT_GROUP_MARK = "audit"  # before the reason of a drop group in policy audit mode (not a real drop)
END_VERDICTS = {"FORWARDED": "allowed", "DROPPED": "dropped", "AUDIT": "audit (would drop)"}


def staged_header(mark: str, source: str) -> str:
    """The explanation's line for a flow the staged objects judge otherwise than the cluster."""
    if mark == "would_drop":
        return f"Staged ({source}): would drop — the cluster plus the staged objects deny this connection"
    return f"Staged ({source}): would allow — the cluster plus the staged objects allow this connection"


def audit_header() -> str:
    return "AUDIT — policy audit mode: let through now, would be dropped when enforced"


def joined_ends(egress_verdict: str, egress_node: str, ingress_verdict: str, ingress_node: str) -> str:
    """What each end decided: `egress allowed on node-a, ingress dropped on node-b`."""

    def end(side: str, verdict: str, node: str) -> str:
        word = END_VERDICTS.get(verdict, verdict.lower())
        return f"{side} {word}" + (f" on {node}" if node else "")

    return f"{end('egress', egress_verdict, egress_node)}, {end('ingress', ingress_verdict, ingress_node)}"


END_MARKS = {"FORWARDED": "✓", "DROPPED": "✗", "AUDIT": "audit"}


def joined_ends_short(egress_verdict: str, egress_node: str, ingress_verdict: str, ingress_node: str) -> str:
    """The flows pane's form (its last column is narrow): `eg ✓ node-a · in ✗ node-b`; the explanation says
    it in words (joined_ends)."""

    def end(side: str, verdict: str, node: str) -> str:
        return f"{side} {END_MARKS.get(verdict, verdict.lower())}" + (f" {node}" if node else "")

    return f"{end('eg', egress_verdict, egress_node)} · {end('in', ingress_verdict, ingress_node)}"


# the confirm-fix loop (after c / s on a fix): one line above the panes
TRACK_MARKS = {"forwarded": "✓", "still_dropped": "✗"}


def tracking_waiting(how: str) -> str:
    return f"fix {how} — waiting for the policy to change"


def tracking_applied(at: str, policy: str, change: str, allows: bool, why: str = "") -> str:
    """`applied at 12:01:03: the new shop/api-ingress allows it` (or `does not allow it: <why>`)."""
    what = f"deleting {policy}" if change == "deleted" else f"the new {policy}"
    verdict = "allows it" if allows else f"does not allow it: {why}" if why else "does not allow it"
    return f"applied at {at}: {what} {verdict}"


def tracking_seen(forwarded: bool, at: str, reason: str = "") -> str:
    if forwarded:
        return f"{TRACK_MARKS['forwarded']} FORWARDED at {at}"
    return f"{TRACK_MARKS['still_dropped']} still DROPPED at {at}" + (f" ({reason})" if reason else "")


def tracking_line(connection: str, parts: list[str]) -> str:
    return f"Tracking {connection}: " + " · ".join(parts)


# ---- the changes timeline (`H`, ui/screens/changes_dialog.py): live policy changes and what they broke -------
CHANGES_KEY = "Changes"
CHANGES_TITLE = "Policy changes — newest first · enter shows one · esc closes"
CHANGES_COLUMNS = ("TIME", "KIND", "POLICY", "CHANGE", "DROPS 60s BEFORE", "AFTER", "GROUPS BROKEN")
CHANGES_SECTIONS = {
    "did": "What it did to the policy",
    "broke": "What it broke",
    "opened": "What it opened",
    "diff": "The spec, before → after (YAML)",
}


def changes_empty(live: bool, watching: bool, since: str, kept: int) -> str:
    """Why the timeline is empty: the cluster is not watched live, or nothing changed since the watch started."""
    if not live:
        return (
            "No policy changes: the cluster comes from files or the demo, which never change. The history is "
            "recorded from a live cluster watch (run without --cluster)."
        )
    if not watching:
        return "No policy changes yet: waiting for the cluster watch's first snapshot."
    return (
        f"No policy changes seen since the cluster watch started at {since}. Changes are recorded as the kube "
        f"watch reports them (the last {kept} kept)."
    )


def changes_subtitle(kept: int, window: int) -> str:
    return f"drops counted {window} s before / after each change · the last {kept} changes kept"


def changes_after(count: int, complete: bool) -> str:
    """The drops after a change; `+` while its window is still open."""
    return f"{count:,}" if complete else f"{count:,}+"


def changes_pending() -> str:
    return "…"


def change_heading(kind: str, policy: str, change: str, at: str, resource_version: str) -> str:
    rv = f" · resourceVersion {resource_version}" if resource_version else ""
    return f"{kind} {policy} {change} at {at}{rv}"


def spec_delta_text(action: str, part: str, section: str, rule: int, item: str, old: str = "") -> str:
    """One thing a change did to a policy: `removed port 8080/TCP from ingress rule #1`."""
    if part == "field":
        return f"changed {section}: {old} → {item}"
    if part == "rule":
        return f"{action} {section} rule #{rule}: {item}"
    where = "to" if action == "added" else "from"
    return f"{action} {part} {item} {where} {section} rule #{rule}"


def change_no_deltas(change: str) -> str:
    if change == "deleted":
        return "deleted: the policy no longer exists"
    return "no difference in its spec"


def change_not_kept(kept: int) -> str:
    return f"Its states are no longer kept (the history keeps the last {kept} changes)."


def change_working() -> str:
    return "working out what it broke…"


def change_broke_groups(count: int) -> str:
    return f"Drop groups due to it ({count}):"


def change_group_suffix(reason: str, before: bool, side: str) -> str:
    was = "allowed" if before else "denied"
    return f" · {reason} · {was} until this change ({side})"


def change_lost_header(count: int, observed: int) -> str:
    return f"Observed connections it denied ({count} of {observed:,} compared):"


def change_gained_header(count: int, observed: int) -> str:
    return f"Observed connections it allowed ({count} of {observed:,} compared):"


def change_flipped_line(
    source: str, destination: str, port: int, protocol: str, flows: int, side: str
) -> str:
    plural = "s" if flows != 1 else ""
    return f"  {source} → {destination} {port}/{protocol} · {flows:,} flow{plural} · {side}"


def change_broke_nothing(observed: int) -> str:
    return (
        f"Nothing seen: no drop group is due to it and none of the {observed:,} observed connections lost "
        "access."
    )


def change_opened_nothing() -> str:
    return "No observed connection gained access."


def change_cause(policy: str, change: str, at: str, before: bool, deltas: list[str], more: int) -> str:
    """Above a flow's or drop group's explanation: `allowed until shop/api-ingress was modified at 12:00:03 —
    that change removed port 8080/TCP from ingress rule #1 (H: the changes timeline)`."""
    was = "allowed" if before else "denied"
    did = f" — that change {'; '.join(deltas)}" if deltas else ""
    rest = f" and {more} more" if more else ""
    return f"{was} until {policy} was {change} at {at}{did}{rest} (H: the changes timeline)"


# ---- issue 14 point 7: the rollout pane (`P` on a namespace: deny-by-default proposed, staged, enforced) --------
ROLLOUT_BINDINGS = {"rollout": "Rollout", "copy": "Copy all", "save": "Save", "stage": "Stage"}
ROLLOUT_KEYS = (
    "c copies all (one YAML stream) · s saves one file · t stages / unstages · j k PgUp PgDn scroll · esc"
)
ROLLOUT_ROLES = {
    "deny_all": "deny-all: isolates every pod of {ns} both ways; admits nothing",
    "dns": "the DNS allow: UDP and TCP 53 to kube-dns",
    "ingress": "ingress of {workload}",
    "egress": "egress of {workload}",
}
ROLLOUT_GAPS = {
    "target_unselectable": "its workload {wl} has no stable label shared by all its pods that tells it apart",
    "peer_unselectable": "the peer workload {wl} has no stable label shared by all its pods that tells it apart",
    "outside_proposal": "the current policies of namespace {ns} deny it, and that namespace is not proposed",
    "unexplained": "no proposed rule admits it",
}
ROLLOUT_SKIPS = {
    "not_forwarded": "not FORWARDED",
    "reply": "replies",
    "protocol": "not TCP/UDP/SCTP",
    "no_port": "without a destination port",
    "no_endpoint": "with an end that has neither pod nor IP",
}


def rollout_title(namespace: str) -> str:
    return f"Rollout: deny-by-default for {inert(namespace)} — esc closes"


def rollout_working(namespace: str, flows: int) -> str:
    return f"Proposing for {inert(namespace)} from the {plural(flows, 'flow')} kept so far…"


def rollout_no_namespace() -> str:
    return (
        "P proposes for a namespace: choose one in the Pods pane (enter on it, or on one of its pods) first"
    )


def rollout_no_cluster() -> str:
    return "the cluster state is not known yet: nothing to propose for"


def rollout_verified(namespace: str, policies: int, connections: int, flows: int) -> str:
    return (
        f"{plural(policies, 'policy', 'policies')} for {inert(namespace)}; "
        f"{plural(connections, 'observed connection')} ({plural(flows, 'flow')}) with an end in it stay allowed "
        "under the cluster plus the proposal: verified with the evaluator"
    )


def rollout_not_verified(sides: int) -> str:
    return (
        f"No proposal keeps every observed connection allowed ({plural(sides, 'side')} of connections would "
        "stay denied): nothing to copy, save or stage"
    )


def rollout_uncovered(source: str, destination: str, port: int, protocol: str, egress: bool, why: str) -> str:
    side = "egress at the source" if egress else "ingress at the destination"
    return f"  {inert(source)} → {inert(destination)} {port}/{protocol}: {side} stays denied: {why}"


def rollout_gap(gap: str, workload: str, namespace: str) -> str:
    return ROLLOUT_GAPS.get(gap, gap).format(wl=inert(workload), ns=inert(namespace))


def rollout_unobserved(pairs: int, ports: list[str]) -> str:
    return (
        f"{plural(pairs, 'ordered pair')} of distinct pods, on an observed port and protocol "
        f"({', '.join(ports) or 'none'}), would still be allowed without having been observed"
    )


def rollout_idle(workloads: list[str]) -> str:
    return (
        f"WARNING: {plural(len(workloads), 'workload')} had no observed traffic at all: their pods get only "
        f"deny-all (and the DNS allow): {', '.join(inert(w) for w in workloads)}"
    )


def rollout_unselectable(workloads: list[str]) -> str:
    return (
        "WARNING: no stable label shared by all their pods tells these workloads apart (no selector proposed; "
        f"deny-all only): {', '.join(inert(w) for w in workloads)}"
    )


def rollout_no_forwarded(flows: int) -> str:
    return (
        f"WARNING: no FORWARDED flow among the {plural(flows, 'flow')} kept: no traffic to allow was observed "
        "(live, the cluster-wide view and d receive drops only: choose the namespace with enter in the Pods pane, "
        "let its traffic flow, then P again)"
    )


def rollout_elsewhere(connections: int) -> str:
    return (
        f"{plural(connections, 'observed connection')} admitted by no proposed policy: the cluster's own policies "
        "already admit them (or neither end is isolated)"
    )


def rollout_rules_left_out(rules: int) -> str:
    return f"{plural(rules, 'rule')} left out: other policies (the DNS allow included) already allow their connections"


def rollout_controllers(workloads: list[str]) -> str:
    return "ingress controllers allowed as peers (all their pods): " + ", ".join(inert(w) for w in workloads)


def rollout_ghosts(pods: list[str]) -> str:
    return "pods known only from the flows (not in the cluster state): " + ", ".join(inert(p) for p in pods)


def rollout_seen(flows: int, skipped: list[tuple[str, int]]) -> str:
    text = f"from the {plural(flows, 'flow')} the TUI keeps (--buffer)"
    parts = [f"{n:,} {ROLLOUT_SKIPS.get(k, k)}" for k, n in skipped if n]
    return text + ("; skipped: " + "; ".join(parts) if parts else "")


def rollout_policy_heading(key: str, role: str, namespace: str, workload: str) -> str:
    what = ROLLOUT_ROLES.get(role, role).format(ns=inert(namespace), workload=inert(workload))
    return f"▌ {inert(key)} — {what}"


def rollout_index(policies: list[tuple[str, int]]) -> str:
    """`Policies (observed connections each admits): default-deny-all 0 · allow-dns-egress 2 · api-ingress 3`"""
    listed = " · ".join(f"{inert(n)} {c}" for n, c in policies)
    return f"Policies (observed connections each admits): {listed}"


def rollout_covers(count: int) -> str:
    return f"admits {plural(count, 'observed connection')}" + (":" if count else "")


def rollout_connection(source: str, destination: str, port: int, protocol: str) -> str:
    return f"  {inert(source)} → {inert(destination)} {port}/{protocol}"


def rollout_more(count: int) -> str:
    return f"  … and {count} more"


def rollout_staged_now() -> str:
    return "STAGED: the flows pane marks [would drop] every flow this proposal would deny; t unstages"


def rollout_staged_other(namespace: str) -> str:
    return f"An earlier proposal for {inert(namespace)} is staged: t stages this one in its place"


def rollout_label(namespace: str) -> str:
    """How the explanation names a staged proposal (`Staged (proposal for shop): would drop`)."""
    return f"proposal for {inert(namespace)}"


def rollout_staged(namespace: str) -> str:
    return (
        f"proposal for {inert(namespace)} staged: rows it would deny are marked [would drop]; "
        "P then t unstages it"
    )


def rollout_unstaged(back_to: str) -> str:
    return "proposal unstaged" + (f": back to {back_to}" if back_to else "")


def rollout_refused(verb: str) -> str:
    return f"nothing to {verb}: no proposal keeps every observed connection allowed"


def rollout_the_proposal(namespace: str, policies: int) -> str:
    return f"the proposal for {inert(namespace)} ({plural(policies, 'policy', 'policies')})"


# ---- issue 15 point 1: fixes that combine (ui/chosen_fixes.py), marked groups fixed at once -------------------
FIX_MARK = "◆"  # before the reason of a row whose drop group is marked (the count of a marked group)


def merged_note(policy: str, others: int, allows: int) -> str:
    """What a merged patch builds on: the fix pane line and the copied/saved notification."""
    text = f"merged with {plural(others, 'earlier fix', 'earlier fixes')} for {inert(policy)}"
    return text + (f" — allows {plural(allows, 'drop')}" if allows else "")


def patch_note(policy: str, earlier: int, allows: int) -> str:
    """A handed-over patch that joins several drops: built on earlier chosen fixes, or several marked groups."""
    if earlier:
        return merged_note(policy, earlier, allows)
    return f"one patch for {inert(policy)} — allows {plural(allows, 'drop')}"


def will_merge(policy: str, others: int) -> str:
    """The fix pane, before `c`/`s`: the fix will be merged with the ones already chosen for its policy."""
    return f"c / s merge it with {plural(others, 'fix', 'fixes')} already chosen for {inert(policy)}"


def chosen_note(policy: str, others: int, allows: int) -> str:
    """The fix pane of a chosen drop whose policy has other chosen fixes."""
    fixes = plural(others, "other chosen fix", "other chosen fixes")
    text = f"chosen: merged with {fixes} for {inert(policy)}"
    return text + (f" — the patch allows {plural(allows, 'drop')}" if allows else "")


def the_merged_fixes(notes: list[str]) -> str:
    """What `c` copied when a patch builds on earlier chosen fixes, for `copied`."""
    return "the fix (" + "; ".join(notes) + ")"


def the_marked_fixes(groups: int, policies: int) -> str:
    """What `c` copied for the marked groups, for `copied`."""
    return f"the fixes of {plural(groups, 'marked group')} ({plural(policies, 'policy', 'policies')})"


def updated(path: str, note: str) -> str:
    """`s` wrote a policy's merged patch over the file it saved for that policy before."""
    return f"Updated {path} ({note}). Try it: kubectl apply --dry-run=server -f {path}"


def kept_file(name: str, changed: bool) -> str:
    """After `saved`: the file left as it was."""
    if changed:
        return f" ({name} was changed since it was saved: kept, not overwritten)"
    return f" ({name} exists: kept, not overwritten)"


def still_denied(count: int) -> str:
    return f"{plural(count, 'chosen drop')} still denied with these fixes: no policy change allows it"


def marked(label: str, count: int) -> str:
    return f"Marked {inert(label)} · {plural(count, 'marked group')}: c / s hand over their fixes (M clears)"


def unmarked(label: str, count: int) -> str:
    return f"Unmarked {inert(label)} · {plural(count, 'marked group')}"


def marks_cleared(count: int) -> str:
    return f"Cleared {plural(count, 'mark')}"


def nothing_to_mark() -> str:
    return "Nothing to mark: select a dropped flow or a drop group."


def no_marks() -> str:
    return "No marks to clear."


def marked_without_fix(count: int) -> str:
    return f"{plural(count, 'marked group')} without a fix: left out"


def marked_nothing(verb: str) -> str:
    return f"Nothing to {verb}: none of the marked groups has a fix."


def metadata_marked_question(verb: str, groups: int, addresses: list[str]) -> str:
    """Asked before `c`/`s` hand over marked groups whose fixes open the metadata address."""
    return (
        f"The fixes of {plural(groups, 'marked group')} allow {' and '.join(addresses)}: the cloud metadata "
        "address hands out the node's credentials to any pod that reaches it. Blocking it is usually "
        f"deliberate.\n\n{verb.capitalize()} them too (n: {verb} the others only)?"
    )


def metadata_left_out(groups: int) -> str:
    return f"Left out {plural(groups, 'marked group')} whose fix opens the metadata address (not confirmed)."


def marks_pending(count: int) -> str:
    """The fix pane's first line while groups are marked."""
    return f"{plural(count, 'marked group')}: c / s hand over their fixes (M clears)"


def merging() -> str:
    return "merging the chosen fixes…"
