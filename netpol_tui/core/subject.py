"""One end of a connection as the evaluator sees it: a pod (with its namespace), or just an IP.

Kept apart from evaluate.py so that the matchers (core/matchers/) and the evaluator can both use it without a
cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from netpol_tui.core.model import NS_NAME_LABEL, EndpointKind, Namespace, Pod


@dataclass(frozen=True, slots=True)
class Subject:
    """A pod (with its namespace), or an IP of a kind that is not a pod (world, host, remote-node, ...)."""

    pod: Pod | None = None
    namespace: Namespace | None = None
    ip: str | None = None
    kind: EndpointKind = EndpointKind.POD
    # False when the pod was rebuilt from a flow's labels (no longer in the snapshot)
    in_snapshot: bool = True
    # the DNS names this address was resolved from (Hubble's destination_names, `trace --to-fqdn`): toFQDNs
    names: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        if self.pod is not None:
            return self.pod.key
        return self.ip or "?"

    @property
    def is_pod(self) -> bool:
        return self.pod is not None

    @property
    def policy_pod(self) -> bool:
        """A pod that NetworkPolicies apply to (not hostNetwork)."""
        return self.pod is not None and not self.pod.host_network


_POD = EndpointKind.POD  # module-level: reading an Enum member off its class is slow in Python 3.11


def pod_subject(pod: Pod, namespace: Namespace | None, *, in_snapshot: bool = True) -> Subject:
    ns = namespace or Namespace(pod.namespace, {NS_NAME_LABEL: pod.namespace})
    return Subject(pod=pod, namespace=ns, ip=pod.ip, kind=_POD, in_snapshot=in_snapshot)


def ip_subject(ip: str, kind: EndpointKind = EndpointKind.WORLD) -> Subject:
    return Subject(ip=ip, kind=kind)
