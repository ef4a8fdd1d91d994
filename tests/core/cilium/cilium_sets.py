"""Policy sets in the style of the cilium-cli connectivity tests, each with its full expected matrix.

Every matrix was written by hand from shared/reference/cilium-policy-semantics.md (section numbers in the notes).
Columns: es/eo = echo-same-node / echo-other-node 8080/TCP, eu = echo-same-node 8080/UDP, ep = ping
echo-same-node (ICMPv4 type 8), dns = kube-dns 53/UDP, one = 1.1.1.1:443 (one.one.one.one), alt = 1.0.0.1:80
(one.one.one.one.), ext = 203.0.113.10:443 (api.example.com), deep = 203.0.113.11:443 (a.b.example.com),
n2 = node2 172.18.0.3:10250, api = kube-apiserver 192.0.2.1:6443.
Rows: client, client2 (node1 pods), hn1 / hn2 (host network of node1 / node2), w1 / w2 (world clients).
"""

from __future__ import annotations

from cilium_kit import CLIENT, DNS_EGRESS, ECHO, PORT_8080, PolicySet, ccnp, cnp, knp

COLS = "         es eo eu ep dns one alt ext deep n2 api"

ALL_OPEN = f"""
{COLS}
client   .  .  .  .  .   .   .   .   .    .  .
client2  .  .  .  .  .   .   .   .   .    .  .
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       .  .  .  .  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
"""

# every pod of cilium-test default-denied on ingress: only the local host gets in (allow-localhost, §4)
INGRESS_CLOSED = f"""
{COLS}
client   x  x  x  x  .   .   .   .   .    .  .
client2  x  x  x  x  .   .   .   .   .    .  .
hn1      .  x  .  .  .   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       x  x  x  x  .   -   -   -   -    -  -
w2       x  x  x  x  .   -   -   -   -    -  -
"""

SETS: list[PolicySet] = [
    PolicySet("no-policies", [], ALL_OPEN),
    PolicySet(
        "all-ingress-deny",
        [cnp("all-ingress-deny", {"endpointSelector": {}, "ingress": [{}]})],
        INGRESS_CLOSED,
        note="§4/§9: `ingress: [{}]` in a CNP isolates and allows nothing",
    ),
    PolicySet(
        "all-egress-deny",
        [cnp("all-egress-deny", {"endpointSelector": {}, "egress": [{}]})],
        f"""
{COLS}
client   x  x  x  x  x   x   x   x   x    x  x
client2  x  x  x  x  x   x   x   x   x    x  x
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       .  .  .  .  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
""",
    ),
    PolicySet(
        "client-egress-to-echo",
        [
            cnp(
                "client-egress-to-echo",
                {
                    "endpointSelector": CLIENT,
                    "egress": [{"toEndpoints": [ECHO], "toPorts": PORT_8080}, DNS_EGRESS],
                },
            )
        ],
        f"""
{COLS}
client   .  .  x  x  .   x   x   x   x    x  x
client2  .  .  x  x  .   x   x   x   x    x  x
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       .  .  .  .  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
""",
        note="§6: TCP-only port; ICMP never passes a toPorts item; DNS rule names kube-system",
    ),
    PolicySet(
        "to-entities-world",
        [
            cnp(
                "client-egress-to-entities-world",
                {"endpointSelector": CLIENT, "egress": [{"toEntities": ["world"]}, DNS_EGRESS]},
            )
        ],
        f"""
{COLS}
client   x  x  x  x  .   .   .   .   .    x  .
client2  x  x  x  x  .   .   .   .   .    x  .
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       .  .  .  .  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
""",
        note="§2/§5: a remote node is not world; an apiserver outside the cluster is kube-apiserver + world",
    ),
    PolicySet(
        "to-fqdns",
        [
            cnp(
                "client-egress-to-fqdns",
                {
                    "endpointSelector": CLIENT,
                    "egress": [
                        {
                            "toFQDNs": [{"matchName": "One.One.One.One."}, {"matchPattern": "*.example.com"}],
                            "toPorts": [
                                {
                                    "ports": [
                                        {"port": "443", "protocol": "TCP"},
                                        {"port": "80", "protocol": "TCP"},
                                    ]
                                }
                            ],
                        },
                        DNS_EGRESS,
                    ],
                },
            )
        ],
        f"""
{COLS}
client   x  x  x  x  .   .   .   .   x    x  x
client2  x  x  x  x  .   .   .   .   x    x  x
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       .  .  .  .  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
""",
        note="§5: case and final dot ignored; `*` stays inside one label",
    ),
    PolicySet(
        "to-fqdns-double-star",
        [
            cnp(
                "client-egress-to-fqdns",
                {
                    "endpointSelector": CLIENT,
                    "egress": [
                        {"toFQDNs": [{"matchPattern": "**.example.com"}]},
                        DNS_EGRESS,
                    ],
                },
            )
        ],
        f"""
{COLS}
client   x  x  x  x  .   x   x   .   .    x  x
client2  x  x  x  x  .   x   x   .   .    x  x
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       .  .  .  .  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
""",
        note="§5: `**.` = one or more labels (1.19+)",
    ),
    PolicySet(
        "to-fqdns-without-dns-rule",
        [
            cnp(
                "client-egress-to-fqdns",
                {
                    "endpointSelector": CLIENT,
                    "egress": [
                        {"toFQDNs": [{"matchName": "one.one.one.one"}, {"matchPattern": "*"}]},
                    ],
                },
            )
        ],
        f"""
{COLS}
client   x  x  x  x  x   x   x   x   x    x  x
client2  x  x  x  x  x   x   x   x   x    x  x
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       .  .  .  .  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
""",
        note="§5/§9: the DNS proxy never sees the lookups, and the toFQDNs-only policy isolates (DNS too)",
    ),
    PolicySet(
        "deny-over-allow",
        [
            cnp(
                "client-egress-deny-echo-other",
                {
                    "endpointSelector": CLIENT,
                    "egress": [{"toEndpoints": [{}]}],
                    "egressDeny": [{"toEndpoints": [{"matchLabels": {"name": "echo-other-node"}}]}],
                },
            )
        ],
        f"""
{COLS}
client   .  D  .  .  x   x   x   x   x    x  x
client2  .  D  .  .  x   x   x   x   x    x  x
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       .  .  .  .  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
""",
        note="§3: CNP `toEndpoints: [{}]` = the policy namespace only; §7: deny beats allow",
    ),
    PolicySet(
        "ccnp-echo-ingress-from-all-pods",
        [
            ccnp(
                "echo-ingress-from-all-pods",
                {"endpointSelector": ECHO, "ingress": [{"fromEndpoints": [{}], "toPorts": PORT_8080}]},
            )
        ],
        f"""
{COLS}
client   .  .  x  x  .   .   .   .   .    .  .
client2  .  .  x  x  .   .   .   .   .    .  .
hn1      .  x  .  .  .   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       x  x  x  x  .   -   -   -   -    -  -
w2       x  x  x  x  .   -   -   -   -    -  -
""",
        note="§3/§9: a CCNP `fromEndpoints: [{}]` is every pod, never host, nodes or world",
    ),
    PolicySet(
        "from-cidr",
        [
            cnp(
                "echo-ingress-from-cidr",
                {
                    "endpointSelector": {"matchLabels": {"name": "echo-same-node"}},
                    "ingress": [
                        {"fromCIDRSet": [{"cidr": "198.51.100.0/24", "except": ["198.51.100.7/32"]}]},
                        {"fromCIDR": ["10.0.0.0/8", "172.18.0.0/16"]},
                    ],
                },
            )
        ],
        f"""
{COLS}
client   x  .  x  x  .   .   .   .   .    .  .
client2  x  .  x  x  .   .   .   .   .    .  .
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       x  .  x  x  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
""",
        note="§5: CIDR never selects pods nor nodes; an except is not a deny (133, not 181)",
    ),
    PolicySet(
        "from-cidr-match-nodes",
        [
            cnp(
                "echo-ingress-from-cidr",
                {
                    "endpointSelector": {"matchLabels": {"name": "echo-same-node"}},
                    "ingress": [{"fromCIDR": ["10.0.0.0/8", "172.18.0.0/16"]}],
                },
            )
        ],
        f"""
{COLS}
client   x  .  x  x  .   .   .   .   .    .  .
client2  x  .  x  x  .   .   .   .   .    .  .
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       x  .  x  x  .   -   -   -   -    -  -
w2       x  .  x  x  .   -   -   -   -    -  -
""",
        config={"policy-cidr-match-mode": "nodes"},
        note="§5: policy-cidr-match-mode=nodes lets CIDR rules select nodes (never pods)",
    ),
    PolicySet(
        "echo-ingress-from-other-client-deny",
        [
            cnp(
                "echo-ingress-from-other-client-deny",
                {
                    "endpointSelector": ECHO,
                    "ingress": [{"fromEndpoints": [CLIENT]}],
                    "ingressDeny": [{"fromEndpoints": [{"matchLabels": {"other": "client"}}]}],
                },
            )
        ],
        f"""
{COLS}
client   .  .  .  .  .   .   .   .   .    .  .
client2  D  D  D  D  .   .   .   .   .    .  .
hn1      .  x  .  .  .   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       x  x  x  x  .   -   -   -   -    -  -
w2       x  x  x  x  .   -   -   -   -    -  -
""",
        note="§7: an L3 deny drops every port and ping; the L3 allow lets ping through for client",
    ),
    PolicySet(
        "deny-only-isolates",
        [
            cnp(
                "echo-ingress-deny-world",
                {"endpointSelector": ECHO, "ingressDeny": [{"fromEntities": ["world"]}]},
            )
        ],
        f"""
{COLS}
client   x  x  x  x  .   .   .   .   .    .  .
client2  x  x  x  x  .   .   .   .   .    .  .
hn1      .  x  .  .  .   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       D  D  D  D  .   -   -   -   -    -  -
w2       D  D  D  D  .   -   -   -   -    -  -
""",
        note="§7: a deny-only policy puts the endpoint in default deny",
    ),
    PolicySet(
        "deny-only-default-deny-off",
        [
            cnp(
                "echo-ingress-deny-world",
                {
                    "endpointSelector": ECHO,
                    "enableDefaultDeny": {"ingress": False},
                    "ingressDeny": [{"fromEntities": ["world"]}],
                },
            )
        ],
        f"""
{COLS}
client   .  .  .  .  .   .   .   .   .    .  .
client2  .  .  .  .  .   .   .   .   .    .  .
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       D  D  D  D  .   -   -   -   -    -  -
w2       D  D  D  D  .   -   -   -   -    -  -
""",
        note="§4/§7: enableDefaultDeny.ingress false: no isolation, the deny still applies",
    ),
    PolicySet(
        "empty-lists-do-nothing",
        [cnp("empty", {"endpointSelector": {}, "ingress": [], "egress": []})],
        ALL_OPEN,
        note="§4: `ingress: []` has length 0: no isolation",
    ),
    PolicySet(
        "empty-entities-isolate",
        [cnp("nothing", {"endpointSelector": {}, "ingress": [{"fromEntities": []}]})],
        INGRESS_CLOSED,
        note="§4: `[{fromEntities: []}]` isolates and selects no identity",
    ),
    PolicySet(
        "cluster-label",
        [
            cnp(
                "client-egress-cluster",
                {
                    "endpointSelector": CLIENT,
                    "egress": [
                        {
                            "toEndpoints": [
                                {"matchLabels": {"kind": "echo", "io.cilium.k8s.policy.cluster": "other"}}
                            ]
                        },
                        {
                            "toEndpoints": [
                                {
                                    "matchLabels": {
                                        "name": "echo-same-node",
                                        "k8s:io.cilium.k8s.policy.cluster": "c1",
                                    }
                                }
                            ],
                            "toPorts": PORT_8080,
                        },
                    ],
                },
            )
        ],
        f"""
{COLS}
client   .  x  x  x  x   x   x   x   x    x  x
client2  .  x  x  x  x   x   x   x   x    x  x
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       .  .  .  .  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
""",
        note="§2/§3: pods carry io.cilium.k8s.policy.cluster=c1 (cluster-name)",
    ),
    PolicySet(
        "icmps",
        [
            cnp(
                "echo-ingress-icmp",
                {
                    "endpointSelector": ECHO,
                    "ingress": [
                        {
                            "fromEndpoints": [CLIENT],
                            "icmps": [{"fields": [{"type": "EchoRequest", "family": "IPv4"}]}],
                        },
                    ],
                },
            )
        ],
        f"""
{COLS}
client   x  x  x  .  .   .   .   .   .    .  .
client2  x  x  x  .  .   .   .   .   .    .  .
hn1      .  x  .  .  .   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       x  x  x  x  .   -   -   -   -    -  -
w2       x  x  x  x  .   -   -   -   -    -  -
""",
        note="§6: an icmps item lets only its types pass",
    ),
    PolicySet(
        "port-protocol-defaults-to-any",
        [
            cnp(
                "echo-ingress-8080",
                {
                    "endpointSelector": ECHO,
                    "ingress": [
                        {"fromEndpoints": [CLIENT], "toPorts": [{"ports": [{"port": "8080"}]}]},
                    ],
                },
            )
        ],
        f"""
{COLS}
client   .  .  .  x  .   .   .   .   .    .  .
client2  .  .  .  x  .   .   .   .   .    .  .
hn1      .  x  .  .  .   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       x  x  x  x  .   -   -   -   -    -  -
w2       x  x  x  x  .   -   -   -   -    -  -
""",
        note="§6/§9: an absent protocol is ANY (TCP, UDP, SCTP), not ICMP",
    ),
    PolicySet(
        "named-port-with-l7",
        [
            cnp(
                "echo-ingress-http",
                {
                    "endpointSelector": ECHO,
                    "ingress": [
                        {
                            "fromEndpoints": [CLIENT],
                            "toPorts": [
                                {
                                    "ports": [{"port": "http", "protocol": "TCP"}],
                                    "rules": {"http": [{"method": "GET"}]},
                                }
                            ],
                        },
                    ],
                },
            )
        ],
        f"""
{COLS}
client   .  .  x  x  .   .   .   .   .    .  .
client2  .  .  x  x  .   .   .   .   .    .  .
w1       x  x  x  x  .   -   -   -   -    -  -
""",
        note="§6: the name resolves on the destination; the L7 part allows the L4 port (L7 not judged)",
    ),
    PolicySet(
        "to-services",
        [
            cnp(
                "client-egress-to-services",
                {
                    "endpointSelector": CLIENT,
                    "egress": [
                        {
                            "toServices": [
                                {"k8sService": {"serviceName": "echo-same-node", "namespace": "cilium-test"}}
                            ]
                        },
                        {
                            "toServices": [
                                {"k8sServiceSelector": {"selector": {"matchLabels": {"kind": "external"}}}}
                            ]
                        },
                        DNS_EGRESS,
                    ],
                },
            )
        ],
        f"""
{COLS}
client   .  x  .  .  .   x   x   .   x    x  x
client2  .  x  .  .  .   x   x   .   x    x  x
hn1      .  .  .  .  .   -   -   -   -    -  -
""",
        note="§5 (1.17+): the Service's selector becomes the peer; a selector-less Service gives its endpoints",
    ),
    PolicySet(
        "to-entities-kube-apiserver",
        [
            cnp(
                "client-egress-apiserver",
                {"endpointSelector": CLIENT, "egress": [{"toEntities": ["kube-apiserver"]}]},
            )
        ],
        f"""
{COLS}
client   x  x  x  x  x   x   x   x   x    x  .
client2  x  x  x  x  x   x   x   x   x    x  .
""",
    ),
    PolicySet(
        "to-entities-cluster",
        [cnp("client-egress-cluster", {"endpointSelector": CLIENT, "egress": [{"toEntities": ["cluster"]}]})],
        f"""
{COLS}
client   .  .  .  .  .   x   x   x   x    .  .
client2  .  .  .  .  .   x   x   x   x    .  .
""",
        note="§5: cluster = host, remote-node, kube-apiserver, ... and the local cluster's pods",
    ),
    PolicySet(
        "enable-policy-always",
        [],
        f"""
{COLS}
client   x  x  x  x  x   x   x   x   x    x  x
client2  x  x  x  x  x   x   x   x   x    x  x
hn1      .  x  .  .  x   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       x  x  x  x  x   -   -   -   -    -  -
""",
        config={"enable-policy": "always"},
        note="§4: always = both directions enforced on every endpoint; the local host still gets in",
    ),
    PolicySet(
        "enable-policy-never",
        [
            cnp("all-ingress-deny", {"endpointSelector": {}, "ingress": [{}]}),
            cnp("deny-world", {"endpointSelector": {}, "ingressDeny": [{"fromEntities": ["world"]}]}),
        ],
        ALL_OPEN,
        config={"enable-policy": "never"},
    ),
    PolicySet(
        "remote-node-entity",
        [
            cnp(
                "echo-from-remote-node",
                {"endpointSelector": ECHO, "ingress": [{"fromEntities": ["remote-node"]}]},
            )
        ],
        f"""
{COLS}
client   x  x  x  x  .   .   .   .   .    .  .
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       x  x  x  x  .   -   -   -   -    -  -
""",
        note="§9: host vs remote-node depends on where the endpoint runs",
    ),
    PolicySet(
        "allow-localhost-policy",
        [
            cnp(
                "echo-from-remote-node",
                {"endpointSelector": ECHO, "ingress": [{"fromEntities": ["remote-node"]}]},
            )
        ],
        f"""
{COLS}
client   x  x  x  x  .   .   .   .   .    .  .
hn1      x  .  x  x  .   -   -   -   -    -  -
hn2      .  x  .  .  .   -   -   -   -    -  -
""",
        config={"allow-localhost": "policy"},
        note="§4: allow-localhost=policy: the local host needs a rule too",
    ),
    PolicySet(
        "implicit-namespace",
        [
            cnp(
                "client-egress-dns-no-ns",
                {
                    "endpointSelector": CLIENT,
                    "egress": [{"toEndpoints": [{"matchLabels": {"k8s-app": "kube-dns"}}]}],
                },
            ),
            ccnp(
                "client-egress-dns-ccnp",
                {
                    "endpointSelector": {"matchLabels": {"name": "client2"}},
                    "egress": [{"toEndpoints": [{"matchLabels": {"k8s-app": "kube-dns"}}]}],
                },
            ),
        ],
        f"""
{COLS}
client   x  x  x  x  x   x   x   x   x    x  x
client2  x  x  x  x  .   x   x   x   x    x  x
""",
        note="§3: a CNP peer is in the policy namespace unless it names one; a CCNP peer is any pod",
    ),
    PolicySet(
        "identity-irrelevant-labels",
        [
            cnp(
                "echo-ingress",
                {
                    "endpointSelector": ECHO,
                    "ingress": [
                        {"fromEndpoints": [{"matchLabels": {"pod-template-hash": "abc12"}}]},
                        {"fromEndpoints": [{"matchLabels": {"name": "client2"}}]},
                    ],
                },
            )
        ],
        f"""
{COLS}
client   x  x  x  x  .   .   .   .   .    .  .
client2  .  .  .  .  .   .   .   .   .    .  .
""",
        note="§2: pod-template-hash is not in the identity: a selector on it matches nothing",
    ),
    PolicySet(
        "specs",
        [
            cnp(
                "echo-specs",
                specs=[
                    {
                        "endpointSelector": {"matchLabels": {"name": "echo-same-node"}},
                        "ingress": [{"fromEndpoints": [{"matchLabels": {"name": "client"}}]}],
                    },
                    {
                        "endpointSelector": {"matchLabels": {"name": "echo-other-node"}},
                        "ingress": [{"fromEndpoints": [{"matchLabels": {"name": "client2"}}]}],
                    },
                ],
            )
        ],
        f"""
{COLS}
client   .  x  .  .  .   .   .   .   .    .  .
client2  x  .  x  x  .   .   .   .   .    .  .
hn1      .  x  .  .  .   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       x  x  x  x  .   -   -   -   -    -  -
""",
        note="§1: every rule of `specs` is evaluated on its own",
    ),
    PolicySet(
        "cnp-endpoint-selector-namespace-replaced",
        [
            cnp(
                "other-ns",
                {
                    "endpointSelector": {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system"}},
                    "ingress": [{}],
                },
            )
        ],
        INGRESS_CLOSED,
        note="§3: a CNP endpointSelector always gets the policy namespace (any other is replaced)",
    ),
]


# ---------------------------------------------------------------------------------------------------------------
# Sets mixing NetworkPolicy with Cilium policies (judged by the full evaluator only)
# ---------------------------------------------------------------------------------------------------------------
MIXED_SETS: list[PolicySet] = [
    PolicySet(
        "knp-allow-all-cnp-deny",
        [
            knp("echo-allow-all", {"podSelector": ECHO, "ingress": [{}]}),
            cnp(
                "echo-deny-client2",
                {
                    "endpointSelector": ECHO,
                    "ingressDeny": [{"fromEndpoints": [{"matchLabels": {"name": "client2"}}]}],
                },
            ),
        ],
        f"""
{COLS}
client   .  .  .  .  .   .   .   .   .    .  .
client2  D  D  D  D  .   .   .   .   .    .  .
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      .  .  .  .  .   -   -   -   -    -  -
w1       .  .  .  .  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
""",
        note="§7: a CNP deny beats a NetworkPolicy allow",
    ),
    PolicySet(
        "knp-ipblock-never-pods",
        [
            knp(
                "echo-from-blocks",
                {
                    "podSelector": ECHO,
                    "ingress": [
                        {"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]},
                        {"from": [{"ipBlock": {"cidr": "198.51.100.0/24", "except": ["198.51.100.7/32"]}}]},
                        {"from": [{"ipBlock": {"cidr": "172.18.0.0/16"}}]},
                    ],
                },
            )
        ],
        f"""
{COLS}
client   x  x  x  x  .   .   .   .   .    .  .
client2  x  x  x  x  .   .   .   .   .    .  .
hn1      .  x  .  .  .   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       x  x  x  x  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
""",
        note="§5: under Cilium an ipBlock never selects pods, nor nodes",
    ),
    PolicySet(
        "knp-and-cnp-union",
        [
            knp(
                "echo-from-client",
                {
                    "podSelector": {"matchLabels": {"name": "echo-same-node"}},
                    "ingress": [
                        {
                            "from": [{"podSelector": {"matchLabels": {"name": "client"}}}],
                            "ports": [{"port": 8080, "protocol": "TCP"}],
                        }
                    ],
                },
            ),
            cnp(
                "echo-from-client2",
                {
                    "endpointSelector": {"matchLabels": {"name": "echo-same-node"}},
                    "ingress": [{"fromEndpoints": [{"matchLabels": {"name": "client2"}}]}],
                },
            ),
        ],
        f"""
{COLS}
client   .  .  x  x  .   .   .   .   .    .  .
client2  .  .  .  .  .   .   .   .   .    .  .
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       x  .  x  x  .   -   -   -   -    -  -
""",
        note="§4: allows of every kind are a union",
    ),
    PolicySet(
        "knp-identity-filtered-selector",
        [
            knp(
                "client-egress-deny",
                {"podSelector": {"matchLabels": {"pod-template-hash": "abc12"}}, "policyTypes": ["Egress"]},
            )
        ],
        ALL_OPEN,
        note="§2: a NetworkPolicy podSelector matches identity labels; pod-template-hash is not one",
    ),
    PolicySet(
        "knp-identity-keys",
        [
            knp(
                "echo-from-default-sa",
                {
                    "podSelector": ECHO,
                    "ingress": [
                        {
                            "from": [
                                {
                                    "podSelector": {
                                        "matchLabels": {
                                            "io.cilium.k8s.policy.serviceaccount": "default",
                                            "io.kubernetes.pod.namespace": "cilium-test",
                                        }
                                    }
                                }
                            ]
                        }
                    ],
                },
            )
        ],
        f"""
{COLS}
client   .  .  .  .  .   .   .   .   .    .  .
client2  .  .  .  .  .   .   .   .   .    .  .
hn1      .  x  .  .  .   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       x  x  x  x  .   -   -   -   -    -  -
""",
        note="§2: identity keys select in a NetworkPolicy under Cilium",
    ),
    PolicySet(
        "knp-only-under-cilium",
        [knp("deny-all-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]})],
        INGRESS_CLOSED,
        note="§4: allow-localhost lets the local host in under NetworkPolicy too",
    ),
    PolicySet(
        "enable-k8s-networkpolicy-false",
        [knp("deny-all-ingress", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})],
        ALL_OPEN,
        config={"enable-k8s-networkpolicy": "false"},
        note="§1: enable-k8s-networkpolicy=false: NetworkPolicies are ignored",
    ),
]


def _group(name: str, cidrs: list[str], labels: dict[str, str], version: str = "v2alpha1") -> dict:
    return {
        "apiVersion": f"cilium.io/{version}",
        "kind": "CiliumCIDRGroup",
        "metadata": {"name": name, "labels": labels},
        "spec": {"externalCIDRs": cidrs},
    }


SETS += [
    PolicySet(
        "cidr-group-ref-with-except",
        [
            _group("testers", ["198.51.100.0/24"], {"purpose": "testers"}),
            cnp(
                "echo-from-testers",
                {
                    "endpointSelector": {"matchLabels": {"name": "echo-same-node"}},
                    "ingress": [
                        {"fromCIDRSet": [{"cidrGroupRef": "testers", "except": ["198.51.100.7/32"]}]}
                    ],
                },
            ),
        ],
        f"""
{COLS}
client   x  .  x  x  .   .   .   .   .    .  .
hn1      .  .  .  .  .   -   -   -   -    -  -
hn2      x  .  x  x  .   -   -   -   -    -  -
w1       x  .  x  x  .   -   -   -   -    -  -
w2       .  .  .  .  .   -   -   -   -    -  -
""",
        note="§1/§5: a CIDR group by name (v2alpha1), an except after it",
    ),
    PolicySet(
        "cidr-group-selector",
        [
            _group("public-dns", ["1.1.1.1/32", "1.0.0.1/32"], {"purpose": "dns-public"}, "v2"),
            _group("other", ["203.0.113.0/24"], {"purpose": "other"}, "v2"),
            ccnp(
                "clients-to-public-dns",
                {
                    "endpointSelector": CLIENT,
                    "egress": [
                        {"toCIDRSet": [{"cidrGroupSelector": {"matchLabels": {"purpose": "dns-public"}}}]}
                    ],
                },
            ),
        ],
        f"""
{COLS}
client   x  x  x  x  x   .   .   x   x    x  x
client2  x  x  x  x  x   .   .   x   x    x  x
""",
        note="§1/§5: CIDR groups chosen by labels (v2)",
    ),
    PolicySet(
        "endport-range",
        [
            cnp(
                "echo-range",
                {
                    "endpointSelector": ECHO,
                    "ingress": [
                        {
                            "fromEndpoints": [CLIENT],
                            "toPorts": [{"ports": [{"port": "8000", "endPort": 8100, "protocol": "TCP"}]}],
                        },
                    ],
                },
            )
        ],
        f"""
{COLS}
client   .  .  x  x  .   .   .   .   .    .  .
w1       x  x  x  x  .   -   -   -   -    -  -
""",
        note="§6: endPort is an inclusive range",
    ),
]
