"""Policies compiled into matcher objects: one class per rule kind answers both "does it admit?" and "why not?".

A policy language's parser builds its rules once; each rule holds a tuple of *peer matchers* (who is the other
end?) and a tuple of *port matchers* (which port/protocol?). The evaluator only walks those tuples:

* `PeerMatcher.admits(other, policy_ns) -> bool` and `PortMatcher.admits(port, protocol, dst) -> bool` are the
  fast yes/no (no allocation on the hot path), used to count pod pairs;
* `check(...)` returns a typed result (`PeerCheck` / `PortCheck`) naming the failing clause, for explanations.
  Every `check` starts from its own `admits` (the `ok` of a result IS the fast answer), then gathers the
  details only when the answer is no, so the two paths cannot drift.

Adding a matcher kind (e.g. for CiliumNetworkPolicy: entities, CIDR sets, FQDNs, ICMP types, deny rules):

1. In a NEW module (e.g. `core/cilium_matchers.py`), subclass `PeerMatcher` or `PortMatcher` from
   `core.matchers.base`; set `kind` (a `StrEnum` member of your own enum, e.g. `CiliumPeerKind.ENTITY`) and
   `index` (position of the item in its rule, -1 for "the rule has none").
2. Implement `admits` with the rule's semantics, and `check` as: return a precomputed ok result when `admits`
   says yes, else a `PeerCheck`/`PortCheck` (or a frozen subclass of one with extra typed fields) with
   `failures` >= 1 saying which clause failed.
3. Have your parser put the matchers on the rules it builds; nothing in `core/matchers/peers.py`,
   `core/matchers/ports.py` or `core/evaluate.py` needs to change. Wording for a new result field goes in
   `core/wording/`.

NetworkPolicy kinds: peers in `peers.py` (any, pods, namespaces, pods-in-namespaces, ipBlock), ports in
`ports.py` (any, protocol, number, range, named).
"""

from netpol_tui.core.matchers.base import (
    IpFailure,
    PeerCheck,
    PeerKind,
    PeerMatcher,
    PortCheck,
    PortMatcher,
)
from netpol_tui.core.matchers.peers import (
    ANY_PEER,
    AnyPeer,
    IPBlock,
    IPBlockPeer,
    NamespacesPeer,
    PodsInNamespacesPeer,
    PodsPeer,
    compile_peer,
)
from netpol_tui.core.matchers.ports import (
    ANY_PORT,
    AnyPort,
    NamedPort,
    NumberPort,
    ProtocolPort,
    RangePort,
    compile_port,
    resolve_named_port,
)

__all__ = [
    "ANY_PEER",
    "ANY_PORT",
    "AnyPeer",
    "AnyPort",
    "IPBlock",
    "IPBlockPeer",
    "IpFailure",
    "NamedPort",
    "NamespacesPeer",
    "NumberPort",
    "PeerCheck",
    "PeerKind",
    "PeerMatcher",
    "PodsInNamespacesPeer",
    "PodsPeer",
    "PortCheck",
    "PortMatcher",
    "ProtocolPort",
    "RangePort",
    "compile_peer",
    "compile_port",
    "resolve_named_port",
]
