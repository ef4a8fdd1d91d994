"""Flow filters: one spec for the CLI flags, the TUI's `/` words, local matching and Hubble's FlowFilters.

Standard library only. How to use it::

    from netpol_tui.core.flowquery import FlowQuery, parse_filter_words, FilterError

    q = FlowQuery.from_flags(pods=["shop/api"], verdicts=["DROPPED"])
    q = parse_filter_words("pod:shop/api verdict:dropped port:5432 timeout")   # core/flowwords.py
    q.matches(flow)                                   # core.Flow -> bool, same semantics as Hubble's server
    q.whitelist                                       # tuple[FilterSpec]: what sources/hubble.py sends as FlowFilters
    q.text                                            # free words: matched locally only (never sent to Hubble)

The semantics are Hubble's (`hubble observe`): a `FlowQuery` is a whitelist of `FilterSpec`s (OR) minus a blacklist;
a `FilterSpec` is one `flow.FlowFilter`: every set field must match (AND), any value of a field may match (OR).
Flags build the whitelist the way the Hubble CLI does: either-side flags (`--pod`, `-n`, `-l`) give a "left"
filter on the source and a "right" filter on the destination; `--from-pod`/`--to-pod`/`--verdict`/`--port`/
`--protocol` go into both; identical left and right collapse into one filter. `-n NS` is a pod prefix `"NS/"`
(and qualifies `--pod NAME` given without a namespace). A pod written without a namespace means namespace
`default`, as on the Hubble server (the CLI qualifies it with the context's namespace first). `--port` and
`--ip` are either side, like `--pod`; `--from-port`/`--to-port`/`--from-ip`/`--to-ip` one side (IP or CIDR).
`-l KEY=VALUE` is sent in Cilium's label syntax, `k8s:KEY=VALUE`.

Also here: `parse_since()` (a duration such as `5m` or an RFC 3339 time; the time formats are in core/timefmt.py).
"""

from __future__ import annotations

import ipaddress
import re
import time as _time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from netpol_tui.core.model import Endpoint, Flow
from netpol_tui.core.problems import FilterMistake
from netpol_tui.core.selectors import (
    LABEL_SOURCES,
    LabelSelector,
    SelectorSyntaxError,
    parse_selector_string,
    split_terms,
)
from netpol_tui.core.timefmt import parse_duration_ns, parse_time_ns
from netpol_tui.core.wording.problems import filter_error

VERDICTS = ("FORWARDED", "DROPPED", "ERROR", "AUDIT", "REDIRECTED", "TRACED", "TRANSLATED")
DIRECTIONS = ("INGRESS", "EGRESS")
# Names Hubble's protocol filter knows (L4 and L7), lower case as the CLI sends them.
FILTER_PROTOCOLS = ("tcp", "udp", "sctp", "icmp", "icmpv4", "icmpv6", "vrrp", "igmp", "http", "dns", "kafka")
# TUI words: `word:value`. Values are validated like the matching CLI flag.
WORD_KEYS = (
    "pod",
    "from-pod",
    "to-pod",
    "ns",
    "namespace",
    "label",
    "verdict",
    "port",
    "from-port",
    "to-port",
    "ip",
    "from-ip",
    "to-ip",
    "proto",
    "protocol",
)

_NS_LABEL_PREFIX = "io.cilium.k8s.namespace.labels."
_POD_NS_KEY = "io.kubernetes.pod.namespace"


class FilterError(ValueError):
    """A filter the user wrote cannot be used. `str()` is a sentence naming the word or flag."""

    def __init__(self, code: FilterMistake, word: str, detail: str = "") -> None:
        self.code = code
        self.word = word
        self.detail = detail
        super().__init__(filter_error(code, word, detail))


def parse_since(value: str, now_ns: int | None = None, flag: str = "--since") -> int:
    """`--since` value -> Unix ns: a duration before now (`5m`, `2h`) or an RFC 3339 time. Raises FilterError."""
    value = value.strip()
    if any(c.isdigit() and not c.isascii() for c in value):  # '٥m' is not 5 minutes (`\d` takes it)
        raise FilterError(
            FilterMistake.BAD_SINCE, f"{flag} {value}" if flag.startswith("-") else f"{flag}:{value}"
        )
    try:
        return parse_time_ns(value)
    except ValueError:
        pass
    try:
        ago = parse_duration_ns(value)
    except ValueError:
        raise FilterError(
            FilterMistake.BAD_SINCE, f"{flag} {value}" if flag.startswith("-") else f"{flag}:{value}"
        ) from None
    return (now_ns if now_ns is not None else _time.time_ns()) - ago


# --------------------------------------------------------------------------------------------------------------
# Label selectors (Cilium's label-selector syntax as Hubble's source_label / destination_label take it)
# --------------------------------------------------------------------------------------------------------------
def parse_label_selector(selector: str, word: str = "") -> LabelSelector:
    """`k8s:app=db,tier!=web,!legacy,env in (a,b)` -> a selector (AND). Raises FilterError naming `word`."""
    try:
        return parse_selector_string(selector)
    except SelectorSyntaxError:
        raise FilterError(FilterMistake.BAD_LABEL, word or selector) from None


def to_cilium_selector(selector: str, word: str = "") -> str:
    """`app=db,tier=web` -> `k8s:app=db,k8s:tier=web` (terms that already name a source are kept)."""
    parse_label_selector(selector, word)  # validate
    out = []
    for term in split_terms(selector):
        neg = term.startswith("!")
        body = term[1:].strip() if neg else term
        key = re.split(r"[=!\s]", body, maxsplit=1)[0]
        src, sep, _ = key.partition(":")
        if not (sep and src in LABEL_SOURCES):
            body = "k8s:" + body
        out.append(("!" if neg else "") + body)
    return ",".join(out)


def _label_value(ep: Endpoint, source: str, key: str) -> str | None:
    """The value of label `source:key` on an endpoint (None if absent). Meta keys are derived back."""
    if source in ("", "k8s"):
        v = ep.labels.get(key)
        if v is not None:
            return v
        if key.startswith(_NS_LABEL_PREFIX):
            v = ep.namespace_labels.get(key[len(_NS_LABEL_PREFIX) :])
            if v is not None:
                return v
        if key == _POD_NS_KEY and ep.namespace and ep.pod_name:
            return ep.namespace
    for lab in ep.other_labels:
        src, _, rest = lab.partition(":")
        if source and src != source:
            continue
        k, eq, v = rest.partition("=")
        if k == key:
            return v if eq else ""
    return None


def _selector_matches(selector: LabelSelector, ep: Endpoint) -> bool:
    return selector.matches_lookup(lambda source, key: _label_value(ep, source, key))


# --------------------------------------------------------------------------------------------------------------
# One FlowFilter
# --------------------------------------------------------------------------------------------------------------
def split_pod(value: str) -> tuple[str, str]:
    """`[ns/]pod-prefix` -> (namespace, prefix); no namespace means `default`, as on the Hubble server."""
    ns, sep, prefix = value.partition("/")
    if not sep:
        return "default", value
    return ns, prefix


_net_cache: dict[str, ipaddress.IPv4Network | ipaddress.IPv6Network | None] = {}


def _ip_matches(patterns: Sequence[str], ip: str) -> bool:
    if not ip:
        return False
    for p in patterns:
        if "/" not in p:
            if p == ip:
                return True
            continue
        if p in _net_cache:
            net = _net_cache[p]
        else:
            try:
                net = ipaddress.ip_network(p, strict=False)
            except ValueError:
                net = None
            _net_cache[p] = net
        if net is not None:
            try:
                if ipaddress.ip_address(ip) in net:
                    return True
            except ValueError:
                pass
    return False


def _protocol_matches(protocols: Sequence[str], flow: Flow) -> bool:
    l4 = flow.protocol.lower()
    for p in protocols:
        p = p.lower()
        if p == l4 or (p == "icmp" and l4 in ("icmpv4", "icmpv6")):
            return True
        if p in ("http", "dns", "kafka") and flow.l7_summary.lower().startswith(p):
            return True
    return False


@dataclass(frozen=True, slots=True)
class FilterSpec:
    """One Hubble `flow.FlowFilter` (the fields netpol-tui uses). Set fields AND, values within a field OR."""

    source_pod: tuple[str, ...] = ()  # "[ns/]prefix"
    destination_pod: tuple[str, ...] = ()
    source_label: tuple[str, ...] = ()  # Cilium selector strings, "k8s:app=db"
    destination_label: tuple[str, ...] = ()
    source_ip: tuple[str, ...] = ()  # IP or CIDR
    destination_ip: tuple[str, ...] = ()
    verdict: tuple[str, ...] = ()  # FORWARDED, DROPPED, AUDIT ...
    drop_reason_desc: tuple[str, ...] = ()  # POLICY_DENIED, POLICY_DENY ...
    source_port: tuple[str, ...] = ()
    destination_port: tuple[str, ...] = ()
    protocol: tuple[str, ...] = ()  # tcp, udp, icmp, http, dns ...
    traffic_direction: tuple[str, ...] = ()  # INGRESS, EGRESS
    event_type: tuple[tuple[int, int | None], ...] = ()  # (type, sub_type or None for any)
    uuid: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def matches(self, flow: Flow) -> bool:
        if self.uuid and flow.uuid not in self.uuid:
            return False
        if self.source_ip and not _ip_matches(self.source_ip, flow.source.ip):
            return False
        if self.destination_ip and not _ip_matches(self.destination_ip, flow.destination.ip):
            return False
        if self.source_pod and not _pod_matches(self.source_pod, flow.source):
            return False
        if self.destination_pod and not _pod_matches(self.destination_pod, flow.destination):
            return False
        if self.source_label and not any(
            _selector_matches(parse_label_selector(s), flow.source) for s in self.source_label
        ):
            return False
        if self.destination_label and not any(
            _selector_matches(parse_label_selector(s), flow.destination) for s in self.destination_label
        ):
            return False
        if self.verdict and flow.verdict not in self.verdict:
            return False
        if self.drop_reason_desc and flow.drop_reason not in self.drop_reason_desc:
            return False
        if self.traffic_direction and flow.traffic_direction not in self.traffic_direction:
            return False
        if self.event_type and not any(
            flow.event_type == t and (st is None or flow.event_sub_type == st) for t, st in self.event_type
        ):
            return False
        if self.protocol and not _protocol_matches(self.protocol, flow):
            return False
        if self.source_port and (not flow.source_port or str(flow.source_port) not in self.source_port):
            return False
        if self.destination_port and (
            not flow.destination_port or str(flow.destination_port) not in self.destination_port
        ):
            return False
        return True


def _pod_matches(patterns: Sequence[str], ep: Endpoint) -> bool:
    for p in patterns:
        ns, prefix = split_pod(p)
        if ep.namespace == ns and (not prefix or ep.pod_name.startswith(prefix)):
            return True
    return False


# --------------------------------------------------------------------------------------------------------------
# The query: whitelist minus blacklist, time bounds, free text
# --------------------------------------------------------------------------------------------------------------
def _haystack(flow: Flow) -> str:
    s, d = flow.source, flow.destination
    parts = [
        s.key,
        d.key,
        s.ip,
        d.ip,
        s.namespace,
        d.namespace,
        flow.verdict,
        flow.drop_reason,
        flow.protocol,
        str(flow.destination_port or ""),
        flow.traffic_direction,
        flow.node_name,
        flow.summary,
        flow.l7_summary,
        s.workload.name if s.workload else "",
        d.workload.name if d.workload else "",
        " ".join(f"{k}={v}" for k, v in s.labels.items()),
        " ".join(f"{k}={v}" for k, v in d.labels.items()),
        " ".join(s.other_labels),
        " ".join(d.other_labels),
        s.service,
        d.service,
    ]
    return " ".join(parts).lower()


@dataclass(frozen=True, slots=True)
class FlowQuery:
    """What flows to show. Empty query = every flow."""

    whitelist: tuple[FilterSpec, ...] = ()
    blacklist: tuple[FilterSpec, ...] = ()
    since_ns: int | None = None
    until_ns: int | None = None
    text: tuple[str, ...] = ()  # free words, all must appear (case-insensitive); local only
    words: tuple[str, ...] = field(default=(), compare=False)  # the user's own words/flags, for display

    # ---- construction ----------------------------------------------------------------------------------------
    @classmethod
    def from_flags(
        cls,
        *,
        pods: Iterable[str] = (),
        from_pods: Iterable[str] = (),
        to_pods: Iterable[str] = (),
        namespaces: Iterable[str] = (),
        labels: Iterable[str] = (),
        verdicts: Iterable[str] = (),
        ports: Iterable[str | int] = (),
        protocols: Iterable[str] = (),
        from_ports: Iterable[str | int] = (),
        to_ports: Iterable[str | int] = (),
        ips: Iterable[str] = (),
        from_ips: Iterable[str] = (),
        to_ips: Iterable[str] = (),
        drop_reasons: Iterable[str] = (),
        directions: Iterable[str] = (),
        since: str | None = None,
        text: Iterable[str] = (),
        now_ns: int | None = None,
        style: str = "flag",
    ) -> FlowQuery:
        """Build the whitelist as `hubble observe` does. `style` ("flag" or "word") only shapes error messages."""

        def name(flag: str, word: str, value: object) -> str:
            return f"{flag} {value}" if style == "flag" else f"{word}:{value}"

        pods, from_pods, to_pods = list(pods), list(from_pods), list(to_pods)
        namespaces, labels = list(namespaces), list(labels)
        for ns in namespaces:
            if not ns or "/" in ns:
                raise FilterError(FilterMistake.BAD_NAMESPACE, name("--namespace", "ns", ns))
        for flag, word, values in (
            ("--pod", "pod", pods),
            ("--from-pod", "from-pod", from_pods),
            ("--to-pod", "to-pod", to_pods),
        ):
            for v in values:
                if not v or v.count("/") > 1:
                    raise FilterError(FilterMistake.BAD_POD, name(flag, word, v))
        if namespaces and (from_pods or to_pods):
            which = "--from-pod" if from_pods else "--to-pod"
            raise FilterError(
                FilterMistake.CONFLICT_NAMESPACE, name(which, which.lstrip("-"), (from_pods or to_pods)[0])
            )

        left: dict[str, list[Any]] | None = None
        right: dict[str, list[Any]] | None = None

        def apply_left(key: str, value: Any) -> None:
            nonlocal left
            left = left if left is not None else {}
            left.setdefault(key, []).append(value)

        def apply_right(key: str, value: Any) -> None:
            nonlocal right
            right = right if right is not None else {}
            right.setdefault(key, []).append(value)

        def apply(key: str, value: Any) -> None:
            apply_left(key, value)
            apply_right(key, value)

        for v in pods:
            apply_left("source_pod", v)
            apply_right("destination_pod", v)
        for v in from_pods:
            apply("source_pod", v)
        for v in to_pods:
            apply("destination_pod", v)
        for v in labels:
            sel = to_cilium_selector(v, name("--label", "label", v))
            apply_left("source_label", sel)
            apply_right("destination_label", sel)
        for v in verdicts:
            up = str(v).upper()
            if up not in VERDICTS:
                raise FilterError(FilterMistake.BAD_VERDICT, name("--verdict", "verdict", v))
            apply("verdict", up)
        for v in drop_reasons:
            apply("drop_reason_desc", str(v).upper())
        for v in directions:
            up = str(v).upper()
            if up not in DIRECTIONS:
                raise FilterError(FilterMistake.BAD_DIRECTION, name("--traffic-direction", "direction", v))
            apply("traffic_direction", up)

        def port_of(flag: str, port: str | int) -> str:
            s = str(port).strip()
            if not s.isascii() or not s.isdigit() or not 0 < int(s) < 65536:  # "٨٠" is no port
                raise FilterError(FilterMistake.BAD_PORT, name(flag, flag.lstrip("-"), port))
            return str(int(s))

        def ip_of(flag: str, value: str) -> str:
            v = str(value).strip()
            try:
                ipaddress.ip_network(v, strict=False)
            except ValueError:
                raise FilterError(FilterMistake.BAD_IP, name(flag, flag.lstrip("-"), value)) from None
            return v

        for port in ports:  # either side, as `hubble observe --port`
            apply_left("source_port", port_of("--port", port))
            apply_right("destination_port", port_of("--port", port))
        for port in from_ports:
            apply("source_port", port_of("--from-port", port))
        for port in to_ports:
            apply("destination_port", port_of("--to-port", port))
        for v in ips:
            apply_left("source_ip", ip_of("--ip", v))
            apply_right("destination_ip", ip_of("--ip", v))
        for v in from_ips:
            apply("source_ip", ip_of("--from-ip", v))
        for v in to_ips:
            apply("destination_ip", ip_of("--to-ip", v))
        for v in protocols:
            low = str(v).lower()
            if low not in FILTER_PROTOCOLS:
                raise FilterError(FilterMistake.BAD_PROTOCOL, name("--protocol", "proto", v))
            apply("protocol", low)

        whitelist: tuple[FilterSpec, ...] = ()
        if left is not None or right is not None or namespaces:
            left = left if left is not None else {}
            right = right if right is not None else {}
            if namespaces:
                _apply_namespaces(left, "source_pod", namespaces)
                _apply_namespaces(right, "destination_pod", namespaces)
            lspec = FilterSpec(**{k: tuple(v) for k, v in left.items()})
            rspec = FilterSpec(**{k: tuple(v) for k, v in right.items()})
            whitelist = (lspec,) if lspec == rspec else (lspec, rspec)

        since_ns = None
        if since:
            since_ns = parse_since(since, now_ns, "--since" if style == "flag" else "since")
        return cls(whitelist=whitelist, since_ns=since_ns, text=tuple(t.lower() for t in text if t))

    @classmethod
    def drops(cls) -> FlowQuery:
        """The live default: dropped flows plus audit-mode verdicts (would have been dropped), cluster-wide."""
        return cls(whitelist=(FilterSpec(verdict=("DROPPED", "AUDIT")),))

    # ---- use -------------------------------------------------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        return not (self.whitelist or self.blacklist or self.since_ns or self.until_ns or self.text)

    @property
    def local_only(self) -> tuple[str, ...]:
        """The parts a Hubble server cannot apply (free text): the live source filters them locally."""
        return tuple(f'"{t}"' for t in self.text)

    def server_part(self) -> FlowQuery:
        """This query without the local-only parts (what goes to Hubble)."""
        return replace(self, text=())

    def matches(self, flow: Flow) -> bool:
        if self.since_ns is not None and flow.time_ns and flow.time_ns < self.since_ns:
            return False
        if self.until_ns is not None and flow.time_ns and flow.time_ns > self.until_ns:
            return False
        if self.whitelist and not any(f.matches(flow) for f in self.whitelist):
            return False
        if self.blacklist and any(f.matches(flow) for f in self.blacklist):
            return False
        if self.text:
            hay = _haystack(flow)
            if not all(t in hay for t in self.text):
                return False
        return True

    def filter(self, flows: Iterable[Flow]) -> Iterable[Flow]:
        if self.is_empty:
            return flows
        return (f for f in flows if self.matches(f))


def _apply_namespaces(spec: dict[str, list[Any]], key: str, namespaces: Sequence[str]) -> None:
    """Hubble's namespace modifier: an empty pod list becomes ["ns/"]; bare pod names get "ns/" in front."""
    pods = spec.get(key) or [""]
    out: list[str] = []
    for p in pods:
        if "/" in p:
            out.append(p)
            continue
        out.extend(f"{ns}/{p}" for ns in namespaces)
    spec[key] = out
