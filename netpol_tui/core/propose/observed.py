"""Observed traffic reduced to distinct connections while it streams (flows are never held).

A connection is the distinct (source, destination, port, protocol) of FORWARDED flows that are not replies. An end
is keyed `namespace/pod` when Hubble named the pod, else by its IP; the first Hubble endpoint seen for a key is
kept (labels, workload, kind) so that a pod gone from the cluster snapshot can still be described. The DNS names
Hubble gave a destination (`destination_names`, the first non-empty list seen for that end) are kept too: the
Cilium dialect names such a destination by `toFQDNs`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from netpol_tui.core.mesh import endpoint_cluster
from netpol_tui.core.model import Endpoint, EndpointKind, Flow

_CLUSTER_LABEL = (
    "k8s:io.cilium.k8s.policy.cluster="  # as Hubble reports it (core/mesh.py reads it the same way)
)

# NetworkPolicy ports can only say TCP, UDP and SCTP: other protocols are counted apart (never proposed)
L4_PROTOCOLS = frozenset({"TCP", "UDP", "SCTP"})
# a CiliumNetworkPolicy can also say ICMP (`icmps`, by type): kept when the reducer is asked to (`icmp`)
ICMP_PROTOCOLS = frozenset({"ICMPv4", "ICMPv6"})
# ICMP types that answer a request (echo reply, ...) or report an error about another packet (unreachable, time
# exceeded, ...): the connection tracker lets them through as replies or related packets, no policy needed
ICMP_NOT_A_CONNECTION = {
    "ICMPv4": frozenset({0, 3, 4, 5, 11, 12, 14, 16, 18}),
    "ICMPv6": frozenset({1, 2, 3, 4, 129}),
}


class Skip(StrEnum):
    """Why a flow did not become (part of) a connection."""

    NOT_FORWARDED = "not_forwarded"
    REPLY = "reply"
    PROTOCOL = "protocol"  # ICMP (unless kept) and others: NetworkPolicy cannot express them
    NO_PORT = "no_port"
    NO_ENDPOINT = "no_endpoint"  # an end with neither pod name nor IP
    ICMP_ANSWER = "icmp_answer"  # an ICMP reply or error message (let through with what it answers)


@dataclass(frozen=True, slots=True, order=True)
class Connection:
    """One observed connection. `source`/`destination`: `namespace/pod`, or the IP of what is not a pod. For
    ICMPv4/ICMPv6, `port` is the ICMP type (as in `Flow`)."""

    source: str
    destination: str
    port: int
    protocol: str


@dataclass(slots=True)
class ConnectionReducer:
    """Feed it flows one at a time (`add`) or as an iterable (`add_all`); memory grows with distinct connections.
    `icmp`: keep ICMP flows as connections whose port is the ICMP type (the CiliumNetworkPolicy dialect can allow
    them); else they are skipped with the other protocols NetworkPolicy cannot express."""

    counts: dict[tuple[str, str, int, str], int] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # destination key -> its DNS names
    skipped: dict[Skip, int] = field(default_factory=dict)
    flows_seen: int = 0
    icmp: bool = False
    # the snapshot's own cluster of the mesh (core/mesh.py `local_cluster`; "" unknown): a pod Hubble places in
    # another cluster is keyed `namespace/pod@cluster`, never merged with this cluster's pod of that name
    local_cluster: str = ""

    def add(self, flow: Flow) -> None:
        self.flows_seen += 1
        if flow.verdict != "FORWARDED":
            self._skip(Skip.NOT_FORWARDED)
            return
        if flow.is_reply:  # None (the flow does not say) is not a reply, as for `diff`
            self._skip(Skip.REPLY)
            return
        protocol = flow.protocol
        port = flow.destination_port
        if protocol not in L4_PROTOCOLS:
            if not (self.icmp and protocol in ICMP_PROTOCOLS):
                self._skip(Skip.PROTOCOL)
                return
            if port is None:  # the ICMP type not reported
                self._skip(Skip.NO_PORT)
                return
            if port in ICMP_NOT_A_CONNECTION[protocol]:
                self._skip(Skip.ICMP_ANSWER)
                return
        elif not port:
            self._skip(Skip.NO_PORT)
            return
        src = flow.source
        dst = flow.destination
        skey = f"{src.namespace}/{src.pod_name}" if src.pod_name and src.namespace else src.ip
        dkey = f"{dst.namespace}/{dst.pod_name}" if dst.pod_name and dst.namespace else dst.ip
        if self.local_cluster:
            skey = self._mesh_key(skey, src)
            dkey = self._mesh_key(dkey, dst)
        if not skey or not dkey:
            self._skip(Skip.NO_ENDPOINT)
            return
        dnames = flow.destination_names
        if dnames and dkey not in self.names:
            self.names[dkey] = tuple(dnames)
        key = (skey, dkey, port, protocol)
        counts = self.counts
        n = counts.get(key)
        if n is None:
            counts[key] = 1
            endpoints = self.endpoints
            if skey not in endpoints:
                endpoints[skey] = src
            if dkey not in endpoints:
                endpoints[dkey] = dst
        else:
            counts[key] = n + 1

    def _mesh_key(self, key: str, ep: Endpoint) -> str:
        if not ep.pod_name or ep.kind not in (EndpointKind.POD, EndpointKind.UNKNOWN):
            return key
        cluster = endpoint_cluster(ep)
        return f"{key}@{cluster}" if cluster and cluster != self.local_cluster else key

    def add_all(self, flows: Iterable[Flow]) -> None:
        add = self.add
        for flow in flows:
            add(flow)

    def _skip(self, why: Skip) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def connections(self) -> list[tuple[Connection, int]]:
        """Every distinct connection with its flow count, sorted."""
        return sorted((Connection(*key), n) for key, n in self.counts.items())

    @property
    def flows_used(self) -> int:
        return sum(self.counts.values())
