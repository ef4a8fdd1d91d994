"""Cilium policies (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy) and the objects they refer to.

model.py     typed objects (rules, peers, ports, ICMP, CIDR groups, nodes, services, cilium-config)
parse.py     plain dicts → model, problems naming the object and the field path
identity.py  security identities and entities, as Cilium derives them
fqdn.py      toFQDNs name matching; icmp.py: ICMP type names
matchers.py  compiled peer and port matchers answering with typed data (fast path and explanation alike)
engine.py    per-side evaluation: selection, default deny, denies (181), allows, drop 133
objects.py   a collection of parsed Cilium objects → CiliumContext
Standard library only, like the rest of core.
"""
