"""Between the core evaluator's `Subject`s and the Cilium engine's `Party`s, and NetworkPolicy the Cilium way.

`CiliumView` is built once per snapshot that holds Cilium objects. It turns an evaluator subject into a party
(a node address or a hostNetwork pod is that node's host network namespace; a `default/kubernetes` address is the
kube-apiserver; a reserved identity Hubble reported stays that identity), and gives what judging a NetworkPolicy
under Cilium needs (reference §2, §5): the pod as its identity labels (podSelectors match those), and whether an
ipBlock may select the other end at all (never a pod, never a node unless policy-cidr-match-mode=nodes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from netpol_tui.core.cilium.engine import CiliumEngine
from netpol_tui.core.cilium.identity import Party, PartyKind, pod_identity_labels
from netpol_tui.core.cilium.model import Reserved
from netpol_tui.core.cilium.objects import CiliumObjects
from netpol_tui.core.model import NS_NAME_LABEL, EndpointKind, Namespace, Pod
from netpol_tui.core.subject import Subject

_RESERVED_OF_KIND: dict[EndpointKind, frozenset[Reserved]] = {
    EndpointKind.HOST: frozenset({Reserved.HOST}),
    EndpointKind.REMOTE_NODE: frozenset({Reserved.REMOTE_NODE}),
    EndpointKind.KUBE_APISERVER: frozenset({Reserved.KUBE_APISERVER, Reserved.REMOTE_NODE}),
    EndpointKind.HEALTH: frozenset({Reserved.HEALTH}),
    EndpointKind.INGRESS: frozenset({Reserved.INGRESS}),
    EndpointKind.INIT: frozenset({Reserved.INIT}),
    EndpointKind.UNMANAGED: frozenset({Reserved.UNMANAGED}),
}


class CiliumView:
    """The Cilium side of one snapshot: the engine, parties for subjects, NetworkPolicy under Cilium."""

    __slots__ = (
        "engine",
        "config",
        "running",
        "knp_enabled",
        "_parties",
        "_identity_pods",
        "_identity_subjects",
    )

    def __init__(
        self, objects: CiliumObjects, namespaces: Mapping[str, Namespace], pods: Iterable[Pod]
    ) -> None:
        self.engine = CiliumEngine(objects.context(), namespaces, pods)
        self.config = self.engine.config
        # cilium-config present: the cluster runs Cilium, NetworkPolicies are judged the Cilium way
        self.running = objects.config is not None
        self.knp_enabled = not self.running or self.config.enable_k8s_networkpolicy
        self._parties: dict[str, Party] = {}
        self._identity_pods: dict[str, Pod] = {}
        self._identity_subjects: dict[str, tuple[Subject, Subject]] = {}

    def party(self, subject: Subject, names: tuple[str, ...] = ()) -> Party:
        pod = subject.pod
        if pod is not None:
            if subject.in_snapshot:
                found = self._parties.get(pod.key)
                if found is None:
                    found = self._parties[pod.key] = self.engine.pod_party(pod, subject.namespace)
                return found
            return self.engine.pod_party(pod, subject.namespace)
        names = names or subject_names(subject)
        if subject.ip:
            party = self.engine.ip_party(subject.ip, names)
            if party.kind is PartyKind.WORLD and subject.kind in _RESERVED_OF_KIND:
                # Hubble named an identity we cannot place from the snapshot (a node we have no Node object for)
                return Party(PartyKind.RESERVED, ip=subject.ip, reserved=_RESERVED_OF_KIND[subject.kind])
            return party
        reserved = _RESERVED_OF_KIND.get(subject.kind)
        if reserved is not None:
            return Party(PartyKind.RESERVED, reserved=reserved)
        return Party(PartyKind.WORLD, names=names)

    def identity_pod(self, pod: Pod, namespace: Namespace | None, *, cache: bool = True) -> Pod:
        """The pod with its identity labels (plain keys) in place of its labels: what a NetworkPolicy
        podSelector matches under Cilium."""
        if cache:
            found = self._identity_pods.get(pod.key)
            if found is not None:
                return found
        ns = namespace or Namespace(pod.namespace, {NS_NAME_LABEL: pod.namespace})
        labels = pod_identity_labels(
            pod.labels,
            pod.namespace,
            ns.labels,
            service_account=pod.service_account or "default",
            cluster=pod.cluster or self.config.cluster_name,
        )
        out = replace(pod, labels=labels)
        if cache:
            self._identity_pods[pod.key] = out
        return out

    def identity_subject(self, subject: Subject) -> Subject:
        pod = subject.pod
        if pod is None or pod.host_network:
            return subject
        if not subject.in_snapshot:
            return replace(subject, pod=self.identity_pod(pod, subject.namespace, cache=False))
        found = self._identity_subjects.get(pod.key)
        if found is None or found[0] is not subject:
            found = (subject, replace(subject, pod=self.identity_pod(pod, subject.namespace)))
            self._identity_subjects[pod.key] = found
        return found[1]

    def cidr_selectable(self, other: Party, observer_node: str) -> bool:
        """May a CIDR rule or a NetworkPolicy ipBlock select this end (seen from `observer_node`)?"""
        if other.kind is PartyKind.POD:
            return False
        return self.engine.identity(other, observer_node).cidr_selectable


def subject_names(subject: Subject) -> tuple[str, ...]:
    """The DNS names the subject's address was resolved from, when the subject carries them."""
    names = getattr(subject, "names", ())
    return tuple(names) if names else ()
