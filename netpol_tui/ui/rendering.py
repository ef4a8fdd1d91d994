"""Rich renderables for the panes (colours and layout only: explanation sentences come from core.wording, TUI
chrome from ui/strings.py)."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import replace
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.syntax import Syntax
from rich.text import Text

from netpol_tui.core import wording, yamlout
from netpol_tui.core.aggregate import DropGroup, workload_key
from netpol_tui.core.cilium.engine import CiliumSide
from netpol_tui.core.cilium.model import CiliumPolicy
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import Verdict
from netpol_tui.core.explain import Case, Explanation
from netpol_tui.core.findings import DnsEgress
from netpol_tui.core.model import Endpoint, Flow
from netpol_tui.core.policy import EGRESS, INGRESS, NetworkPolicy
from netpol_tui.core.replies import flow_is_reply
from netpol_tui.core.wording.explanations import other_pairs_text, shown_closest
from netpol_tui.core.wording.inert import inert
from netpol_tui.ui import strings
from netpol_tui.ui.richtext import side_lines

SEVERITY_STYLE = {"warning": "yellow", "caution": "magenta"}
VERDICT_STYLE = {
    "DROPPED": "bold #ff5f5f",
    "AUDIT": "bold #ffaf00",
    "FORWARDED": "#5fd75f",
    "ERROR": "bold magenta",
}
YAML_THEME = "monokai"


def clock_text(time_ns: int, *, ms: bool = True) -> str:
    if not time_ns:
        return "--:--:--.---" if ms else "--:--:--"
    secs, nanos = divmod(time_ns, 1_000_000_000)
    hms = time.strftime("%H:%M:%S", time.gmtime(secs))
    return hms + f".{nanos // 1_000_000:03d}" if ms else hms


def endpoint_label(ep: Endpoint, *, workload: bool = False) -> str:
    """`ns/pod` (`ns/workload` with `workload`, for narrow tables), else the IP (with its reserved kind)."""
    if ep.namespace and ep.pod_name:
        if workload:
            return workload_key(ep)
        return f"{ep.namespace}/{ep.pod_name}"
    if ep.ip:
        names = ep.other_labels and [x for x in ep.other_labels if x.startswith("reserved:")]
        return f"{ep.ip} ({names[0][9:]})" if names else ep.ip
    return str(ep.kind.value)


def port_label(flow: Flow) -> str:
    if flow.destination_port:
        return f"{flow.destination_port}/{flow.protocol or '?'}"
    return flow.protocol or "-"


def reason_label(flow: Flow) -> str:
    """The last column: the connection mark (`↩` a reply, TCP flags), then the drop reason and direction."""
    direction = flow.traffic_direction.replace("TRAFFIC_DIRECTION_UNKNOWN", "").lower()
    if flow.verdict in ("DROPPED", "AUDIT"):
        reason = flow.drop_reason or (strings.AUDIT_REASON if flow.verdict == "AUDIT" else "")
        text = f"{reason} {direction}".strip()
    else:
        text = direction
    mark = connection_mark(flow)
    return f"{mark} {text}" if mark and text else mark or text


def tcp_flags_label(flags: tuple[str, ...]) -> str:
    """The TCP flags that say where a connection is: SYN, SYN-ACK, RST, FIN ("" for a plain ACK or none)."""
    if not flags:
        return ""
    if "SYN" in flags:
        return "SYN-ACK" if "ACK" in flags else "SYN"
    if "RST" in flags:
        return "RST"
    if "FIN" in flags:
        return "FIN"
    return ""


def is_reply(flow: Flow) -> bool:
    """A reply of a connection (the drop groups' rule: core.aggregate.flow_is_reply)."""
    return flow_is_reply(flow)


def connection_mark(flow: Flow) -> str:
    """`↩` for a reply, then the TCP flags: `SYN`, `↩SYN-ACK`, `RST`, `↩` ..."""
    return (strings.REPLY_MARK if is_reply(flow) else "") + tcp_flags_label(flow.tcp_flags)


def as_connection(flow: Flow) -> Flow:
    """The flow as the explanation should read it: a SYN-ACK Hubble did not flag is a reply, not a new
    connection from the server to the client."""
    if flow.is_reply is None and "SYN" in flow.tcp_flags and "ACK" in flow.tcp_flags:
        return replace(flow, is_reply=True)
    return flow


def flow_cells(flow: Flow, *, narrow: bool = False) -> tuple[str, str, str, str, str, str]:
    """The flow table's cells; names and reasons from the flows made inert."""
    return (
        clock_text(flow.time_ns, ms=not narrow),
        inert(endpoint_label(flow.source, workload=narrow)),
        inert(endpoint_label(flow.destination, workload=narrow)),
        port_label(flow),
        inert(flow.verdict),
        inert(reason_label(flow)),
    )


def policies_involved(verdict: Verdict) -> list[NetworkPolicy | CiliumPolicy]:
    """Policies of the explanation, the closest one of each denying side first, then every other one; a side
    judged with Cilium policies adds its CNPs/CCNPs (the denies that decide first)."""
    out: list[NetworkPolicy | CiliumPolicy] = []
    for side in verdict.denying:
        best = side.closest
        if best is not None and best.policy not in out:
            out.append(best.policy)
    for side in (verdict.ingress, verdict.egress):
        for pres in side.policies:
            if pres.policy not in out:
                out.append(pres.policy)
        cilium = getattr(side, "cilium", None)
        if isinstance(cilium, CiliumSide):
            for pol in (*(d.policy for d in cilium.denied_by), *(p.policy for p in cilium.policies)):
                if pol not in out:
                    out.append(pol)
    return out


def explanation_renderable(expl: Explanation, header: list[Text] | None = None) -> RenderableType:
    """A short headline (verdict, connection, the denying side and its policies), the closest rule once, what
    Hubble saw, the findings, then the per-rule detail of each side."""
    v = expl.verdict
    parts: list[Any] = list(header or [])
    denied = not v.allowed
    head = Text()
    if v.allowed and expl.flow is not None and expl.flow.verdict in ("DROPPED", "ERROR"):
        # dropped, but not by the policies (no backend, auth, ...): a green ALLOWED would read as "it went through"
        head.append(f" {strings.POLICIES_ALLOW_BADGE} ", style="bold black on #ffd75f")
    else:
        head.append(
            f" {wording.verdict_heading(v.allowed)} ",
            style="bold white on #d70000" if denied else "bold black on #5fd75f",
        )
    head.append("  ")
    head.append(wording.tui_explanation_headline(expl), style="bold")
    parts.append(head)
    for side in v.denying:
        best = shown_closest(side)  # only a rule that shares the peer or the port with the connection
        if best is not None:
            t = Text(strings.CLOSEST_RULE, style="bold yellow")
            t.append(wording.near_miss_text(best, side, v))
            parts.append(t)
    agree = wording.tui_agreement(expl)
    if agree:
        parts.append(Text(agree, style="bold magenta" if "DISAGREE" in agree else "italic"))
    flow = expl.flow
    if flow is not None:
        seen = Text(strings.HUBBLE_SAW, style="dim")
        seen.append(
            inert(f"{flow.verdict} {flow.drop_reason}".strip()), style=VERDICT_STYLE.get(flow.verdict, "")
        )
        if flow.traffic_direction and "UNKNOWN" not in flow.traffic_direction:
            seen.append(strings.seen_at(flow.traffic_direction), style="dim")
        if flow.node_name:
            seen.append(strings.seen_on(inert(flow.node_name)), style="dim")
        parts.append(seen)
        detail = strings.connection_detail(
            inert(endpoint_label(flow.source)),
            inert(endpoint_label(flow.destination)),
            flow.source_port,
            flow.destination_port,
            flow.protocol,
            tcp_flags_label(flow.tcp_flags),
            reply=is_reply(flow),
        )
        if detail:
            parts.append(Text(detail, style="dim"))
    findings = [f for f in expl.findings if f.code != "note"]
    if findings or v.notes:
        parts.append(Text(""))
    for f in findings:
        style = SEVERITY_STYLE.get(wording.FINDING_SEVERITY.get(f.code, ""), "cyan")
        parts.append(Text("• " + wording.finding_text(f), style=style))
    for code in v.notes:
        parts.append(Text(strings.NOTE + wording.note_text(code), style="yellow"))
    for side in (v.egress, v.ingress):
        parts.append(Text(""))
        parts.extend(side_lines(side, v))
    return Group(*parts)


def fix_renderable(expl: Explanation | None) -> RenderableType:
    if expl is None:
        return Text("")
    if not expl.fixes:
        if expl.case in (Case.EXPLICIT_DENY, Case.NOT_POLICY, Case.AUTH_REQUIRED):
            return Text(strings.no_fix_see_explanation(), style="dim")  # the pane is right of the explanation
        text = wording.no_fix_text(expl) or ""
        return Text(text, style="dim")
    parts: list[Any] = [Text(strings.fixes_header(len(expl.fixes)), style="dim")]
    for fix in expl.fixes:
        parts.append(Text(wording.fix_heading(fix), style="bold cyan"))
        if fix.opens_other_pairs > 0:  # (the heading already says when it opens nothing else)
            # the pairs named (the heading has their count), else the count with its caution
            named = other_pairs_text(fix)
            caution = named or wording.tui_opens_other_pairs(fix.opens_other_pairs)
            parts.append(Text(caution, style="bold yellow"))
        parts.append(WrappedYaml(fix.yaml))
        parts.append(Text(""))
    dns = dns_alternative(expl)
    if dns is not None:
        namespace, _, manifest = dns
        parts.append(Text(wording.dns_allow_heading(namespace), style="bold cyan"))
        parts.append(Text(strings.DNS_ALTERNATIVE_KEYS, style="dim"))
        parts.append(WrappedYaml(manifest))
    return Group(*parts)


def dns_alternative(expl: Explanation | None) -> tuple[str, str, str] | None:
    """The namespace-wide DNS allow offered beside the fix: (namespace, policy name, its YAML), None when there
    is none."""
    if expl is None:
        return None
    for finding in expl.findings:
        if isinstance(finding, DnsEgress) and finding.manifest is not None:
            name = str(finding.manifest.get("metadata", {}).get("name", "allow-dns-egress"))
            return finding.namespace, name, yamlout.dump(finding.manifest)
    return None


class WrappedYaml:
    """Highlighted YAML that is never cut: a line wider than the pane goes on under it, after a `↪` mark
    (indented as the line it continues), so every label value shows whole at any width."""

    MARK = "↪ "

    def __init__(self, text: str, theme: str = YAML_THEME) -> None:
        self.text = text.rstrip("\n")
        self.theme = theme

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(8, options.max_width)
        syntax = Syntax(self.text, "yaml", theme=self.theme, background_color="default")
        out = Text(no_wrap=True, overflow="crop", end="")
        lines = syntax.highlight(self.text).split("\n", allow_blank=True)
        for n, line in enumerate(lines):
            if n:
                out.append("\n")
            line.rstrip()
            plain = line.plain
            if len(plain) <= width:
                out.append_text(line)
                continue
            indent = min(len(plain) - len(plain.lstrip(" ")), width // 2)
            lead = " " * indent + self.MARK
            room = max(1, width - len(lead))
            offsets = list(range(width, len(plain), room))
            pieces = line.divide(offsets)
            out.append_text(pieces[0])
            for piece in pieces[1:]:
                out.append("\n")
                out.append(lead, style="dim")
                out.append_text(piece)
        yield out


METADATA_ADDRESSES = ("169.254.169.254", "fd00:ec2::254")  # the cloud metadata address (IPv4, AWS IPv6)


def metadata_opened(manifest: object) -> list[str]:
    """The metadata addresses a policy manifest allows: an ipBlock `cidr` (or a Cilium `toCIDR`/`toCIDRSet`)
    covering one without an `except` that takes it out. Conservative: any such block in the manifest counts."""
    found: list[str] = []

    def covers(cidr: object, excepts: object, addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr)
            net = ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            return False
        if ip.version != net.version or ip not in net:
            return False
        for ex in excepts if isinstance(excepts, list) else []:
            try:
                if ip in ipaddress.ip_network(str(ex), strict=False):
                    return False
            except ValueError:
                continue
        return True

    def walk(node: object) -> None:
        if isinstance(node, dict):
            blocks: list[tuple[object, object]] = []
            if "cidr" in node:
                blocks.append((node["cidr"], node.get("except")))
            for cidr in node.get("toCIDR", []) if isinstance(node.get("toCIDR"), list) else []:
                blocks.append((cidr, None))
            for item in node.values():
                walk(item)
            for cidr, excepts in blocks:
                for addr in METADATA_ADDRESSES:
                    if addr not in found and covers(cidr, excepts, addr):
                        found.append(addr)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(manifest)
    return found


def fixes_open_metadata(expl: Explanation | None) -> list[str]:
    """The metadata addresses the explanation's fixes allow (then `c`/`s` ask before handing them over)."""
    out: list[str] = []
    for fix in expl.fixes if expl is not None else ():
        out += [a for a in metadata_opened(fix.manifest) if a not in out]
    return out


def fix_text(expl: Explanation | None) -> str:
    """What `c` copies and `s` saves: exactly the fix YAML (several fixes as one multi-document YAML)."""
    if expl is None or not expl.fixes:
        return ""
    return "---\n".join(f.yaml if f.yaml.endswith("\n") else f.yaml + "\n" for f in expl.fixes)


def group_header(group: DropGroup) -> list[Text]:
    count, rest = strings.group_header(
        group.count, clock_text(group.first_ns), clock_text(group.last_ns), len(group.pods)
    )
    t = Text()
    t.append(count, style="bold #ff5f5f")
    t.append(rest, style="dim")
    return [t]


def pod_renderable(snapshot: ClusterSnapshot | None, key: str, groups: list[DropGroup]) -> RenderableType:
    if snapshot is None:
        return Text(strings.no_cluster_for_explanation(), style="dim")
    if "/" not in key:  # a namespace
        pols = snapshot.policies_in(key)
        parts: list[Any] = [
            Text(strings.namespace_title(inert(key), len(snapshot.pods_in(key)), len(pols)), style="bold")
        ]
        for p in pols:
            parts.append(Text(inert(f"  {p.key} ({', '.join(sorted(p.policy_types))})")))
        _drops(parts, groups)
        return Group(*parts)
    pod = snapshot.pod(key)
    if pod is None:
        return Text(inert(key), style="bold")
    ev = snapshot.evaluator
    ing = [p.key for p in ev.selecting_pod(pod, INGRESS)]
    egr = [p.key for p in ev.selecting_pod(pod, EGRESS)]
    parts = [Text(inert(strings.pod_title(key, bool(ing), bool(egr))), style="bold")]
    parts.append(Text(inert(strings.pod_labels(pod.labels)), style="dim"))
    parts.append(Text(inert(strings.pod_policies("Ingress", ing)), style="yellow" if ing else "green"))
    parts.append(Text(inert(strings.pod_policies("Egress", egr)), style="yellow" if egr else "green"))
    _drops(parts, groups)
    return Group(*parts)


def _drops(parts: list[RenderableType], groups: list[DropGroup]) -> None:
    parts.append(Text(""))
    parts.append(Text(strings.pod_recent_drops(len(groups)), style="bold"))
    for g in groups[:20]:
        parts.append(Text(inert("  " + wording.group_line(g) + f" · {g.reason}"), style="#ff8787"))


def yaml_renderable(text: str) -> RenderableType:
    return WrappedYaml(text)
