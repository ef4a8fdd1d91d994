"""The built-in demo: a small shop with the policy mistakes SREs meet in real clusters.

Pure data and a seeded flow generator (no I/O): `cluster_objects()` gives Kubernetes object dicts for the one
parser; `flows()` yields Hubble flows in the `hubble observe -o jsonpb` shape (`{"flow": {...}, "node_name", "time"}`)
so the demo goes through the same converter and gRPC path as a real Relay.

The mistakes, each one a drop the explainer must name:
* shop/worker has no DNS egress (default-deny egress in shop): worker → kube-dns 53/UDP dropped at egress.
* shop/api-ingress names the Service port 80 where the container listens on 8080: frontend → api dropped.
* shop/allow-metrics has the one-dash AND/OR mistake: prometheus (namespace monitoring) → api:9090 dropped.
* payments/payments-ingress relies on namespace label team=shops, the namespace says team=shop: api → payments.
* the ingress controller is not allowed to reach api directly: ingress-nginx → api:8080 dropped.
* the cloud metadata address is blocked on purpose: worker → 169.254.169.254:80 dropped at egress.
* a Service without ready endpoints: api → 10.96.40.7:443 dropped with SERVICE_BACKEND_NOT_FOUND (not policy).

Cilium's own mistakes, in the `orders` namespace and cluster-wide (`cilium_objects()`, flows in CILIUM_TRAFFIC):
* orders/mailer-egress allows `toFQDNs` smtp.mailgun.org but has no DNS rule (`rules.dns` on port 53), so the DNS
  proxy never sees the lookups and no IP is ever allowed: mailer → 34.111.12.7:587 dropped (133).
* orders/block-plaintext's `ingressDeny` from the `cluster` entity on 8080 shadows orders/orders-api-ingress's
  allow from storefront: storefront → orders-api:8080 dropped (181, POLICY_DENY).
* orders/reports-allow-all writes `ingress: [{}]` meaning "allow everything", which in a CNP allows nothing:
  storefront → reports:8080 dropped (133).
* the CCNP no-external-dns (`endpointSelector: {}`, egressDeny world on 53) was meant for workloads but catches
  kube-system too: coredns → 1.1.1.1:53 dropped (181).
* orders/batch-egress allows `toEntities: [world]` where `cluster` was meant: batch → ledger:9000 dropped (133).

They are part of the shop (`cluster_objects()`, `flows()`) once the core's snapshot carries Cilium objects, so that
`--cluster` files judge them too (`cilium_enabled()`); `cilium=True` asks for them whatever the core does.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

NODE = "demo-worker"


def _ns(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name, **labels}},
    }


def _pod(
    ns: str,
    name: str,
    ip: str,
    labels: dict[str, Any],
    ports: list[tuple[int, str, str]],
    owner: tuple[str, str] | None,
    node: str = NODE,
    host_network: bool = False,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels}
    if owner:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": owner[0],
                "name": owner[1],
                "controller": True,
                "uid": f"uid-{owner[1]}",
            }
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {
            "nodeName": node,
            "hostNetwork": host_network,
            "containers": [
                {
                    "name": name.split("-")[0],
                    "image": f"example/{name.split('-')[0]}:1.0",
                    "ports": [{"containerPort": p, "name": n, "protocol": proto} for p, n, proto in ports],
                }
            ],
        },
        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
    }


def _np(ns: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def cilium_enabled() -> bool:
    """Does the core's snapshot carry Cilium objects (then every reader of the shop judges its Cilium policies)?"""
    from netpol_tui.core.cluster import ClusterSnapshot

    return "cilium" in getattr(ClusterSnapshot, "__slots__", ())


def cluster_objects(cilium: bool | None = None) -> list[dict[str, Any]]:
    """The shop's objects; with its Cilium part when `cilium` (default: `cilium_enabled()`)."""
    if cilium is None:
        cilium = cilium_enabled()
    return _shop_objects() + (cilium_objects() if cilium else [])


def _shop_objects() -> list[dict[str, Any]]:
    rs = "ReplicaSet"
    objs = [
        _ns("shop", team="shop", env="prod"),
        _ns("payments", team="payments", env="prod", pci="true"),
        _ns("monitoring", purpose="monitoring"),
        _ns("ingress-nginx", **{"app.kubernetes.io/name": "ingress-nginx"}),
        _ns("kube-system"),
        # shop
        _pod(
            "shop",
            "frontend-6d4cf56db6-x7k2p",
            "10.244.1.11",
            {"app": "frontend", "tier": "web", "pod-template-hash": "6d4cf56db6"},
            [(8080, "http", "TCP"), (9090, "metrics", "TCP")],
            (rs, "frontend-6d4cf56db6"),
        ),
        _pod(
            "shop",
            "frontend-6d4cf56db6-q9v8m",
            "10.244.2.12",
            {"app": "frontend", "tier": "web", "pod-template-hash": "6d4cf56db6"},
            [(8080, "http", "TCP"), (9090, "metrics", "TCP")],
            (rs, "frontend-6d4cf56db6"),
        ),
        _pod(
            "shop",
            "api-7f9b8c6d5-4jz8w",
            "10.244.1.21",
            {"app": "api", "tier": "backend", "pod-template-hash": "7f9b8c6d5"},
            [(8080, "http", "TCP"), (9090, "metrics", "TCP")],
            (rs, "api-7f9b8c6d5"),
        ),
        _pod(
            "shop",
            "api-7f9b8c6d5-m2n6t",
            "10.244.2.22",
            {"app": "api", "tier": "backend", "pod-template-hash": "7f9b8c6d5"},
            [(8080, "http", "TCP"), (9090, "metrics", "TCP")],
            (rs, "api-7f9b8c6d5"),
        ),
        _pod(
            "shop",
            "worker-5c7d9f8b4-h3k9l",
            "10.244.1.31",
            {"app": "worker", "tier": "backend", "pod-template-hash": "5c7d9f8b4"},
            [],
            (rs, "worker-5c7d9f8b4"),
        ),
        # payments
        _pod(
            "payments",
            "payments-84d6b7c9f-t5r2e",
            "10.244.2.41",
            {"app": "payments", "pod-template-hash": "84d6b7c9f"},
            [(8443, "https", "TCP")],
            (rs, "payments-84d6b7c9f"),
        ),
        _pod(
            "payments",
            "postgres-0",
            "10.244.1.51",
            {
                "app": "postgres",
                "statefulset.kubernetes.io/pod-name": "postgres-0",
                "controller-revision-hash": "postgres-5d8f7",
            },
            [(5432, "postgres", "TCP")],
            ("StatefulSet", "postgres"),
        ),
        # monitoring
        _pod(
            "monitoring",
            "prometheus-0",
            "10.244.2.61",
            {"app": "prometheus", "statefulset.kubernetes.io/pod-name": "prometheus-0"},
            [(9090, "web", "TCP")],
            ("StatefulSet", "prometheus"),
        ),
        # ingress controller
        _pod(
            "ingress-nginx",
            "ingress-nginx-controller-6b8d9c7f5-p2w4q",
            "10.244.1.71",
            {
                "app.kubernetes.io/name": "ingress-nginx",
                "app.kubernetes.io/component": "controller",
                "pod-template-hash": "6b8d9c7f5",
            },
            [(80, "http", "TCP"), (443, "https", "TCP")],
            (rs, "ingress-nginx-controller-6b8d9c7f5"),
        ),
        # kube-dns
        _pod(
            "kube-system",
            "coredns-5d78c9869d-8fz2x",
            "10.244.0.81",
            {"k8s-app": "kube-dns", "pod-template-hash": "5d78c9869d"},
            [(53, "dns", "UDP"), (53, "dns-tcp", "TCP"), (9153, "metrics", "TCP")],
            (rs, "coredns-5d78c9869d"),
        ),
        # policies: shop is default-deny both ways
        _np("shop", "default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _np(
            "shop",
            "web-egress",
            {
                "podSelector": {"matchLabels": {"tier": "web"}},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                                },
                                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                            }
                        ],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                    },
                    {"to": [{"podSelector": {"matchLabels": {"app": "api"}}}], "ports": [{"port": 8080}]},
                ],
            },
        ),
        _np(
            "shop",
            "api-egress",
            {
                "podSelector": {"matchLabels": {"app": "api"}},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                                },
                                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                            }
                        ],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                    },
                    {"to": [{"namespaceSelector": {"matchLabels": {"team": "payments"}}}]},
                    {"to": [{"ipBlock": {"cidr": "10.96.0.0/12"}}], "ports": [{"port": 443}]},
                ],
            },
        ),
        # worker: egress to payments only; no DNS (mistake), metadata blocked (on purpose)
        _np(
            "shop",
            "worker-egress",
            {
                "podSelector": {"matchLabels": {"app": "worker"}},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {
                                "namespaceSelector": {"matchLabels": {"team": "payments"}},
                                "podSelector": {"matchLabels": {"app": "payments"}},
                            }
                        ],
                        "ports": [{"port": 8443}],
                    }
                ],
            },
        ),
        _np(
            "shop",
            "frontend-ingress",
            {
                "podSelector": {"matchLabels": {"app": "frontend"}},
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
                                }
                            }
                        ],
                        "ports": [{"port": 8080}],
                    }
                ],
            },
        ),
        # mistake: the Service port (80) where the container's targetPort (8080) is needed
        _np(
            "shop",
            "api-ingress",
            {
                "podSelector": {"matchLabels": {"app": "api"}},
                "ingress": [
                    {
                        "from": [{"podSelector": {"matchLabels": {"app": "frontend"}}}],
                        "ports": [{"protocol": "TCP", "port": 80}],
                    }
                ],
            },
        ),
        # mistake: the one-dash AND/OR — podSelector in its own item only admits shop's pods
        _np(
            "shop",
            "allow-metrics",
            {
                "podSelector": {"matchLabels": {"tier": "backend"}},
                "ingress": [
                    {
                        "from": [
                            {"podSelector": {"matchLabels": {"app": "prometheus"}}},
                            {"namespaceSelector": {"matchLabels": {"name": "monitoring"}}},
                        ],
                        "ports": [{"port": "metrics"}],
                    }
                ],
            },
        ),
        # payments: ingress only from shop's api — the namespace label has a typo
        _np(
            "payments",
            "payments-ingress",
            {
                "podSelector": {"matchLabels": {"app": "payments"}},
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {"matchLabels": {"team": "shops"}},
                                "podSelector": {"matchLabels": {"app": "api"}},
                            }
                        ],
                        "ports": [{"port": 8443}],
                    },
                    {
                        "from": [
                            {
                                "namespaceSelector": {"matchLabels": {"team": "shop"}},
                                "podSelector": {"matchLabels": {"app": "worker"}},
                            }
                        ],
                        "ports": [{"port": 8443}],
                    },
                ],
            },
        ),
        _np(
            "payments",
            "postgres-ingress",
            {
                "podSelector": {"matchLabels": {"app": "postgres"}},
                "ingress": [
                    {
                        "from": [{"podSelector": {"matchLabels": {"app": "payments"}}}],
                        "ports": [{"port": "postgres"}],
                    }
                ],
            },
        ),
    ]
    return objs


def _cnp(ns: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def _port(port: int, proto: str = "TCP") -> list[dict[str, Any]]:
    return [{"ports": [{"port": str(port), "protocol": proto}]}]


def cilium_objects() -> list[dict[str, Any]]:
    """The orders namespace (its pods and CiliumNetworkPolicies) and the cluster-wide policy: Cilium mistakes."""
    rs = "ReplicaSet"
    return [
        _ns("orders", team="orders", env="prod"),
        _pod(
            "orders",
            "storefront-5b7c9d8f6-k2m4n",
            "10.244.3.11",
            {"app": "storefront", "pod-template-hash": "5b7c9d8f6"},
            [(8080, "http", "TCP")],
            (rs, "storefront-5b7c9d8f6"),
        ),
        _pod(
            "orders",
            "orders-api-6c8d7e9f5-p4q7r",
            "10.244.3.12",
            {"app": "orders-api", "pod-template-hash": "6c8d7e9f5"},
            [(8080, "http", "TCP")],
            (rs, "orders-api-6c8d7e9f5"),
        ),
        _pod(
            "orders",
            "reports-7d9e8f6a4-s8t2u",
            "10.244.3.13",
            {"app": "reports", "pod-template-hash": "7d9e8f6a4"},
            [(8080, "http", "TCP")],
            (rs, "reports-7d9e8f6a4"),
        ),
        _pod(
            "orders",
            "mailer-8e6f9a7b5-v3w5x",
            "10.244.3.14",
            {"app": "mailer", "pod-template-hash": "8e6f9a7b5"},
            [],
            (rs, "mailer-8e6f9a7b5"),
        ),
        _pod(
            "orders",
            "batch-9f7a6b8c4-y6z9a",
            "10.244.3.15",
            {"app": "batch", "pod-template-hash": "9f7a6b8c4"},
            [],
            (rs, "batch-9f7a6b8c4"),
        ),
        _pod(
            "orders",
            "ledger-0",
            "10.244.3.16",
            {"app": "ledger", "statefulset.kubernetes.io/pod-name": "ledger-0"},
            [(9000, "grpc", "TCP")],
            ("StatefulSet", "ledger"),
        ),
        # toFQDNs without the DNS rule: the proxy never sees mailer's lookups, so no address is ever allowed
        _cnp(
            "orders",
            "mailer-egress",
            {
                "endpointSelector": {"matchLabels": {"app": "mailer"}},
                "egress": [{"toFQDNs": [{"matchName": "smtp.mailgun.org"}], "toPorts": _port(587)}],
            },
        ),
        # the allow is right, the deny beside it wins over it
        _cnp(
            "orders",
            "orders-api-ingress",
            {
                "endpointSelector": {"matchLabels": {"app": "orders-api"}},
                "ingress": [
                    {"fromEndpoints": [{"matchLabels": {"app": "storefront"}}], "toPorts": _port(8080)}
                ],
            },
        ),
        _cnp(
            "orders",
            "block-plaintext",
            {
                "description": "plain HTTP only from outside the cluster",
                "endpointSelector": {"matchLabels": {"app": "orders-api"}},
                "ingressDeny": [{"fromEntities": ["cluster"], "toPorts": _port(8080)}],
            },
        ),
        # meant as allow-all: in a CNP, [{}] selects no peer and allows nothing
        _cnp(
            "orders",
            "reports-allow-all",
            {"endpointSelector": {"matchLabels": {"app": "reports"}}, "ingress": [{}]},
        ),
        # world where cluster was meant: in-cluster peers are not world
        _cnp(
            "orders",
            "batch-egress",
            {
                "endpointSelector": {"matchLabels": {"app": "batch"}},
                "egress": [{"toEntities": ["world"], "toPorts": _port(9000)}],
            },
        ),
        # meant for workloads; {} also selects kube-system (and coredns must ask upstream resolvers)
        {
            "apiVersion": "cilium.io/v2",
            "kind": "CiliumClusterwideNetworkPolicy",
            "metadata": {"name": "no-external-dns"},
            "spec": {
                "description": "workloads must resolve through the cluster DNS",
                "endpointSelector": {},
                "enableDefaultDeny": {"egress": False, "ingress": False},
                "egressDeny": [{"toEntities": ["world"], "toPorts": _port(53, "ANY")}],
            },
        },
    ]


# --------------------------------------------------------------------------------------------------------------
# Flows
# --------------------------------------------------------------------------------------------------------------
_PODS = {
    o["metadata"]["namespace"] + "/" + o["metadata"]["name"]: o
    for o in cluster_objects(cilium=True)
    if o["kind"] == "Pod"
}
_NS_LABELS = {
    o["metadata"]["name"]: o["metadata"]["labels"]
    for o in cluster_objects(cilium=True)
    if o["kind"] == "Namespace"
}
_IDENTITIES: dict[str, int] = {}


def _endpoint(key: str) -> dict[str, Any]:
    if "/" not in key:
        if key == "169.254.169.254" or not key.startswith("10.244."):
            return {"identity": 2, "labels": ["reserved:world"]}
        return {"identity": 0}
    pod = _PODS[key]
    ns = pod["metadata"]["namespace"]
    labels = [
        f"k8s:{k}={v}"
        for k, v in sorted(pod["metadata"]["labels"].items())
        if k not in ("pod-template-hash", "statefulset.kubernetes.io/pod-name", "controller-revision-hash")
    ]
    labels += [f"k8s:io.cilium.k8s.namespace.labels.{k}={v}" for k, v in sorted(_NS_LABELS[ns].items())]
    labels += [f"k8s:io.kubernetes.pod.namespace={ns}", "k8s:io.cilium.k8s.policy.cluster=default"]
    ident = _IDENTITIES.setdefault(ns + "/" + ",".join(labels), 10_000 + 17 * len(_IDENTITIES))
    owner = pod["metadata"].get("ownerReferences", [{}])[0]
    wl_name, wl_kind = owner.get("name", ""), owner.get("kind", "")
    if wl_kind == "ReplicaSet":
        wl_name, wl_kind = wl_name.rsplit("-", 1)[0], "Deployment"
    ep = {"identity": ident, "namespace": ns, "labels": labels, "pod_name": pod["metadata"]["name"]}
    if wl_name:
        ep["workloads"] = [{"name": wl_name, "kind": wl_kind}]
    return ep


def _ip(key: str) -> str:
    return _PODS[key]["status"]["podIP"] if "/" in key else key


# (source, destination, port, protocol, verdict, drop reason, direction, weight)
TRAFFIC: list[tuple[str, str, int, str, str, str, str, float]] = [
    # healthy traffic
    (
        "ingress-nginx/ingress-nginx-controller-6b8d9c7f5-p2w4q",
        "shop/frontend-6d4cf56db6-x7k2p",
        8080,
        "TCP",
        "FORWARDED",
        "",
        "INGRESS",
        10,
    ),
    (
        "ingress-nginx/ingress-nginx-controller-6b8d9c7f5-p2w4q",
        "shop/frontend-6d4cf56db6-q9v8m",
        8080,
        "TCP",
        "FORWARDED",
        "",
        "INGRESS",
        10,
    ),
    (
        "shop/frontend-6d4cf56db6-x7k2p",
        "kube-system/coredns-5d78c9869d-8fz2x",
        53,
        "UDP",
        "FORWARDED",
        "",
        "EGRESS",
        6,
    ),
    (
        "shop/api-7f9b8c6d5-4jz8w",
        "kube-system/coredns-5d78c9869d-8fz2x",
        53,
        "UDP",
        "FORWARDED",
        "",
        "EGRESS",
        4,
    ),
    ("payments/payments-84d6b7c9f-t5r2e", "payments/postgres-0", 5432, "TCP", "FORWARDED", "", "INGRESS", 8),
    (
        "shop/worker-5c7d9f8b4-h3k9l",
        "payments/payments-84d6b7c9f-t5r2e",
        8443,
        "TCP",
        "FORWARDED",
        "",
        "INGRESS",
        3,
    ),
    # the mistakes
    (
        "shop/worker-5c7d9f8b4-h3k9l",
        "kube-system/coredns-5d78c9869d-8fz2x",
        53,
        "UDP",
        "DROPPED",
        "POLICY_DENIED",
        "EGRESS",
        7,
    ),
    (
        "shop/frontend-6d4cf56db6-x7k2p",
        "shop/api-7f9b8c6d5-4jz8w",
        8080,
        "TCP",
        "DROPPED",
        "POLICY_DENIED",
        "INGRESS",
        6,
    ),
    (
        "shop/frontend-6d4cf56db6-q9v8m",
        "shop/api-7f9b8c6d5-m2n6t",
        8080,
        "TCP",
        "DROPPED",
        "POLICY_DENIED",
        "INGRESS",
        6,
    ),
    (
        "monitoring/prometheus-0",
        "shop/api-7f9b8c6d5-4jz8w",
        9090,
        "TCP",
        "DROPPED",
        "POLICY_DENIED",
        "INGRESS",
        3,
    ),
    (
        "shop/api-7f9b8c6d5-4jz8w",
        "payments/payments-84d6b7c9f-t5r2e",
        8443,
        "TCP",
        "DROPPED",
        "POLICY_DENIED",
        "INGRESS",
        4,
    ),
    (
        "ingress-nginx/ingress-nginx-controller-6b8d9c7f5-p2w4q",
        "shop/api-7f9b8c6d5-m2n6t",
        8080,
        "TCP",
        "DROPPED",
        "POLICY_DENIED",
        "INGRESS",
        2,
    ),
    ("shop/worker-5c7d9f8b4-h3k9l", "169.254.169.254", 80, "TCP", "DROPPED", "POLICY_DENIED", "EGRESS", 1),
    (
        "shop/api-7f9b8c6d5-m2n6t",
        "10.96.40.7",
        443,
        "TCP",
        "DROPPED",
        "SERVICE_BACKEND_NOT_FOUND",
        "EGRESS",
        1,
    ),
]

# Cilium's mistakes (see the module docstring), as Hubble reports them; sent once each from CILIUM_FROM on, then
# now and then (their own random generator, so the flows above come exactly as before)
CILIUM_TRAFFIC: list[tuple[str, str, int, str, str, str, str, float]] = [
    ("orders/mailer-8e6f9a7b5-v3w5x", "34.111.12.7", 587, "TCP", "DROPPED", "POLICY_DENIED", "EGRESS", 2),
    (
        "orders/storefront-5b7c9d8f6-k2m4n",
        "orders/orders-api-6c8d7e9f5-p4q7r",
        8080,
        "TCP",
        "DROPPED",
        "POLICY_DENY",
        "INGRESS",
        3,
    ),
    (
        "orders/storefront-5b7c9d8f6-k2m4n",
        "orders/reports-7d9e8f6a4-s8t2u",
        8080,
        "TCP",
        "DROPPED",
        "POLICY_DENIED",
        "INGRESS",
        2,
    ),
    ("kube-system/coredns-5d78c9869d-8fz2x", "1.1.1.1", 53, "UDP", "DROPPED", "POLICY_DENY", "EGRESS", 2),
    ("orders/batch-9f7a6b8c4-y6z9a", "orders/ledger-0", 9000, "TCP", "DROPPED", "POLICY_DENIED", "EGRESS", 1),
]
# what Hubble adds to those flows: the names the DNS proxy saw, the deny policies (filled for 181 only)
CILIUM_EXTRA: dict[int, dict[str, Any]] = {
    0: {"destination_names": ["smtp.mailgun.org"]},
    1: {
        "ingress_denied_by": [
            {
                "name": "block-plaintext",
                "namespace": "orders",
                "kind": "CiliumNetworkPolicy",
                "labels": [
                    "k8s:io.cilium.k8s.policy.derived-from=CiliumNetworkPolicy",
                    "k8s:io.cilium.k8s.policy.name=block-plaintext",
                    "k8s:io.cilium.k8s.policy.namespace=orders",
                ],
                "revision": "4",
            }
        ]
    },
    3: {
        "egress_denied_by": [
            {
                "name": "no-external-dns",
                "kind": "CiliumClusterwideNetworkPolicy",
                "labels": [
                    "k8s:io.cilium.k8s.policy.derived-from=CiliumClusterwideNetworkPolicy",
                    "k8s:io.cilium.k8s.policy.name=no-external-dns",
                ],
                "revision": "4",
            }
        ]
    },
}
CILIUM_FROM = 64  # the sequence number of the first Cilium flow (the UI tests look at the first 60 flows)

DNS_STORM = 6  # index in TRAFFIC of worker → kube-dns, the drop that comes in bursts
DROP_CODES = {"POLICY_DENIED": 133, "SERVICE_BACKEND_NOT_FOUND": 158, "POLICY_DENY": 181}


def rfc3339(ns: int) -> str:
    secs, frac = divmod(ns, 1_000_000_000)
    return datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:09d}Z"


def make_flow(
    entry: tuple[Any, ...], time_ns: int, rng: random.Random, seq: int, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    src, dst, port, proto, verdict, reason, direction, _ = entry
    l4_key = {"TCP": "TCP", "UDP": "UDP", "SCTP": "SCTP"}[proto]
    l4: dict[str, Any] = {"source_port": rng.randint(32768, 60999), "destination_port": port}
    if proto == "TCP":
        l4["flags"] = {"SYN": True}
    when = rfc3339(time_ns)
    flow: dict[str, Any] = {
        "time": when,
        "uuid": f"00000000-demo-4000-8000-{seq:012d}",
        "verdict": verdict,
        "IP": {"source": _ip(src), "destination": _ip(dst), "ipVersion": "IPv4"},
        "l4": {l4_key: l4},
        "source": _endpoint(src),
        "destination": _endpoint(dst),
        "Type": "L3_L4",
        "node_name": NODE,
        "traffic_direction": direction,
        "Summary": "TCP Flags: SYN" if proto == "TCP" else proto,
    }
    if verdict == "DROPPED":
        code = DROP_CODES.get(reason, 0)
        flow["drop_reason"] = code
        flow["drop_reason_desc"] = reason
        flow["event_type"] = {"type": 1, "sub_type": code}
    else:
        flow["event_type"] = {"type": 4, "sub_type": 0}
        flow["trace_observation_point"] = "TO_ENDPOINT"
        flow["is_reply"] = False
    if extra:
        flow.update(extra)
    return {"flow": flow, "node_name": NODE, "time": when}


def flows(
    start_ns: int, count: int | None = None, rate: float = 40.0, seed: int = 7, cilium: bool | None = None
) -> Iterator[tuple[float, dict[str, Any]]]:
    """(delay in seconds before the flow, flow) forever (or `count` times): a realistic rate with bursts.

    Every 15 s or so a burst of worker DNS drops arrives (a CronJob retrying), as a real incident looks.
    """
    if cilium is None:
        cilium = cilium_enabled()
    rng = random.Random(seed)
    crng = random.Random(seed * 7919 + 1)  # Cilium's flows: their own draws, the others stay as they were
    cilium_weights = [t[7] for t in CILIUM_TRAFFIC]
    cilium_next = 0 if cilium else len(CILIUM_TRAFFIC)  # the next Cilium flow of the first round
    weights = [t[7] for t in TRAFFIC]
    t = start_ns
    seq = 0
    burst_left = 0
    # the demo must make its point at once: first one flow of each kind
    order = list(range(len(TRAFFIC)))
    while count is None or seq < count:
        pick: int | None = None
        if seq >= CILIUM_FROM and cilium_next < len(CILIUM_TRAFFIC):
            pick, cilium_next = cilium_next, cilium_next + 1
        elif cilium and seq >= CILIUM_FROM and crng.random() < 1 / 40:
            pick = crng.choices(range(len(CILIUM_TRAFFIC)), cilium_weights)[0]
        if pick is not None:
            t += int(0.02 * 1e9)
            seq += 1
            yield 0.02, make_flow(CILIUM_TRAFFIC[pick], t, crng, seq, CILIUM_EXTRA.get(pick))
            continue
        if seq < len(order):
            entry = TRAFFIC[order[seq]]
            delay = 0.02
        elif burst_left > 0:
            entry = TRAFFIC[DNS_STORM]
            burst_left -= 1
            delay = rng.expovariate(rate * 8)
        else:
            entry = rng.choices(TRAFFIC, weights)[0]
            delay = rng.expovariate(rate)
            if rng.random() < 1 / (rate * 15):
                burst_left = rng.randint(40, 120)
        t += int(delay * 1e9)
        seq += 1
        yield delay, make_flow(entry, t, rng, seq)
