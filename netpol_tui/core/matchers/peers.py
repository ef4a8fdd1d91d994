"""NetworkPolicy peer matchers: any, pods, namespaces, pods-in-namespaces, ipBlock.

Semantics (reference/netpol-semantics.md): podSelector alone = pods of the policy's namespace; namespaceSelector
alone = every pod of the selected namespaces; both in one item = AND; selector peers never match what is not a
policy pod (an IP, a hostNetwork pod); ipBlock = cidr minus except, matched against pod IPs too.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from netpol_tui.core.matchers.base import IpFailure, PeerCheck, PeerKind, PeerMatcher
from netpol_tui.core.model import NS_NAME_LABEL, Labels
from netpol_tui.core.selectors import LabelSelector, SelectorMiss
from netpol_tui.core.subject import Subject

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class IPBlock:
    cidr: str
    network: IPNetwork
    excepts: tuple[tuple[str, IPNetwork], ...] = ()

    def contains(self, ip: IPAddress) -> bool:
        if ip.version != self.network.version or ip not in self.network:
            return False
        return not any(ip.version == net.version and ip in net for _, net in self.excepts)

    def excepted_by(self, ip: IPAddress) -> str | None:
        """The `except` entry that removes this IP, if any (the IP being inside `cidr`)."""
        for text, net in self.excepts:
            if ip.version == net.version and ip in net:
                return text
        return None


@lru_cache(maxsize=65536)
def parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _namespace_labels(other: Subject) -> Labels:
    if other.namespace is not None:
        return other.namespace.labels
    assert other.pod is not None
    return {NS_NAME_LABEL: other.pod.namespace}


class AnyPeer(PeerMatcher):
    """A rule without `from`/`to`: every peer (index -1)."""

    __slots__ = ()
    kind = PeerKind.ANY
    _OK = PeerCheck(-1, True, PeerKind.ANY)

    def __init__(self) -> None:
        super().__init__(-1)

    def admits(self, other: Subject, policy_ns: str) -> bool:
        return True

    def check(self, other: Subject, policy_ns: str) -> PeerCheck:
        return self._OK


ANY_PEER = AnyPeer()


class _SelectorPeer(PeerMatcher):
    """Shared "why not" of the three selector kinds; each subclass has its own fast `admits`."""

    __slots__ = ("pod_selector", "namespace_selector", "_ok")

    def __init__(
        self, index: int, pod_selector: LabelSelector | None, namespace_selector: LabelSelector | None
    ) -> None:
        super().__init__(index)
        self.pod_selector = pod_selector
        self.namespace_selector = namespace_selector
        self._ok = PeerCheck(index, True, self.kind)

    def check(self, other: Subject, policy_ns: str) -> PeerCheck:
        if self.admits(other, policy_ns):
            return self._ok
        pod = other.pod
        if pod is None or pod.host_network:
            return PeerCheck(
                self.index, False, self.kind, not_pod=True, host_network=pod is not None, failures=1
            )
        ns_misses: tuple[SelectorMiss, ...] = ()
        wrong_ns = ""
        if self.namespace_selector is not None:
            ns_misses = self.namespace_selector.why_not(_namespace_labels(other))
        elif pod.namespace != policy_ns:
            wrong_ns = policy_ns
        pod_misses: tuple[SelectorMiss, ...] = ()
        if self.pod_selector is not None:
            pod_misses = self.pod_selector.why_not(pod.labels)
        failures = len(ns_misses) + len(pod_misses) + (1 if wrong_ns else 0)
        return PeerCheck(
            self.index,
            False,
            self.kind,
            namespace_misses=ns_misses,
            wrong_namespace=wrong_ns,
            pod_misses=pod_misses,
            failures=failures,
        )


class PodsPeer(_SelectorPeer):
    """podSelector alone: pods of the policy's own namespace matching it."""

    __slots__ = ("_pods",)
    kind = PeerKind.PODS

    def __init__(self, index: int, pod_selector: LabelSelector) -> None:
        super().__init__(index, pod_selector, None)
        self._pods = pod_selector

    def admits(self, other: Subject, policy_ns: str) -> bool:
        pod = other.pod
        return (
            pod is not None
            and not pod.host_network
            and pod.namespace == policy_ns
            and self._pods.matches(pod.labels)
        )


class NamespacesPeer(_SelectorPeer):
    """namespaceSelector alone: every pod of the namespaces matching it."""

    __slots__ = ("_namespaces",)
    kind = PeerKind.NAMESPACES

    def __init__(self, index: int, namespace_selector: LabelSelector) -> None:
        super().__init__(index, None, namespace_selector)
        self._namespaces = namespace_selector

    def admits(self, other: Subject, policy_ns: str) -> bool:
        pod = other.pod
        return pod is not None and not pod.host_network and self._namespaces.matches(_namespace_labels(other))


class PodsInNamespacesPeer(_SelectorPeer):
    """podSelector and namespaceSelector in one item: pods matching the first in namespaces matching the second."""

    __slots__ = ("_pods", "_namespaces")
    kind = PeerKind.PODS_IN_NAMESPACES

    def __init__(self, index: int, pod_selector: LabelSelector, namespace_selector: LabelSelector) -> None:
        super().__init__(index, pod_selector, namespace_selector)
        self._pods = pod_selector
        self._namespaces = namespace_selector

    def admits(self, other: Subject, policy_ns: str) -> bool:
        pod = other.pod
        return (
            pod is not None
            and not pod.host_network
            and self._namespaces.matches(_namespace_labels(other))
            and self._pods.matches(pod.labels)
        )


class IPBlockPeer(PeerMatcher):
    """ipBlock: the connection's address (else the pod's addresses) inside cidr and outside every except."""

    __slots__ = ("block", "_ok_pod", "_ok_ip")
    kind = PeerKind.IPBLOCK

    def __init__(self, index: int, block: IPBlock) -> None:
        super().__init__(index)
        self.block = block
        self._ok_pod = PeerCheck(index, True, PeerKind.IPBLOCK, via_pod_ip=True)
        self._ok_ip = PeerCheck(index, True, PeerKind.IPBLOCK)

    @staticmethod
    def _addresses(other: Subject) -> list[IPAddress]:
        # the address the connection uses (a dual-stack pod's other family is not this connection's), else the
        # pod's addresses
        texts = (other.ip,) if other.ip else (other.pod.ips if other.pod is not None else ())
        return [a for a in (parse_ip(t) for t in texts) if a is not None]

    def admits(self, other: Subject, policy_ns: str) -> bool:
        contains = self.block.contains
        return any(contains(a) for a in self._addresses(other))

    def check(self, other: Subject, policy_ns: str) -> PeerCheck:
        if self.admits(other, policy_ns):
            return self._ok_pod if other.pod is not None and not other.pod.host_network else self._ok_ip
        addrs = self._addresses(other)
        if not addrs:
            return PeerCheck(self.index, False, self.kind, ip_failure=IpFailure.NO_IP, failures=1)
        network = self.block.network
        for addr in addrs:
            if addr.version == network.version and addr in network:
                hit = self.block.excepted_by(addr)
                if hit:
                    return PeerCheck(
                        self.index,
                        False,
                        self.kind,
                        ip_failure=IpFailure.EXCEPTED,
                        ip_except=hit,
                        failures=1,
                    )
        return PeerCheck(self.index, False, self.kind, ip_failure=IpFailure.OUTSIDE, failures=1)


def compile_peer(
    index: int,
    pod_selector: LabelSelector | None,
    namespace_selector: LabelSelector | None,
    ip_block: IPBlock | None,
) -> PeerMatcher:
    """The matcher of one `from`/`to` item (the parser has already refused an ipBlock beside a selector)."""
    if ip_block is not None:
        return IPBlockPeer(index, ip_block)
    if pod_selector is not None and namespace_selector is not None:
        return PodsInNamespacesPeer(index, pod_selector, namespace_selector)
    if namespace_selector is not None:
        return NamespacesPeer(index, namespace_selector)
    return PodsPeer(index, pod_selector or LabelSelector())
