"""The matcher interface and the typed results every matcher returns (see the package docstring)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from netpol_tui.core.selectors import SelectorMiss
from netpol_tui.core.subject import Subject


class PeerKind(StrEnum):
    """NetworkPolicy peer kinds (the `kind` of a `PeerCheck`)."""

    ANY = "any"  # the rule has no `from`/`to`: every peer
    PODS = "pods"  # podSelector alone: pods of the policy's namespace
    NAMESPACES = "namespaces"  # namespaceSelector alone: every pod of those namespaces
    PODS_IN_NAMESPACES = "pods_in_namespaces"  # both in one item: AND
    IPBLOCK = "ipblock"


class IpFailure(StrEnum):
    """Why an ipBlock did not match."""

    NONE = ""
    OUTSIDE = "outside"  # the address is not inside `cidr`
    EXCEPTED = "excepted"  # inside `cidr`, removed by an `except` entry
    NO_IP = "no_ip"  # the other end has no known address


@dataclass(frozen=True, slots=True)
class PeerCheck:
    """One `from`/`to` item checked against the other end. index -1: the rule has no peers (matches all).

    `kind` is a `PeerKind` for NetworkPolicy; another policy language uses its own `StrEnum`.
    """

    index: int
    ok: bool
    kind: StrEnum
    namespace_misses: tuple[SelectorMiss, ...] = ()
    wrong_namespace: str = ""  # podSelector alone: the namespace required (the policy's own), peer elsewhere
    pod_misses: tuple[SelectorMiss, ...] = ()
    not_pod: bool = False  # a selector peer and the other end is not a (policy) pod
    host_network: bool = False  # ... because it is a hostNetwork pod (its traffic is the node's)
    ip_failure: IpFailure = IpFailure.NONE
    ip_except: str = ""  # the except entry that removed the IP
    via_pod_ip: bool = False  # ipblock matched the IP of a pod
    failures: int = 0  # how many clauses failed (for "closest")


@dataclass(frozen=True, slots=True)
class PortCheck:
    """One `ports` item checked against the connection. index -1: the rule has no ports (matches all)."""

    index: int
    ok: bool
    protocol_ok: bool = True
    port_ok: bool = True
    resolved: int | None = None  # a named port resolved on the destination pod
    unresolved_name: bool = False  # a named port the destination does not define (for that protocol)


class PeerMatcher(ABC):
    """Who may be the other end of a connection, for one item of a rule's peers."""

    __slots__ = ("index",)
    kind: StrEnum

    def __init__(self, index: int) -> None:
        self.index = index

    @abstractmethod
    def admits(self, other: Subject, policy_ns: str) -> bool:
        """The fast answer: is `other` admitted (for a policy living in `policy_ns`)?"""

    @abstractmethod
    def check(self, other: Subject, policy_ns: str) -> PeerCheck:
        """The same answer as data: `ok` equals `admits(...)`; when not ok, which clauses failed."""


class PortMatcher(ABC):
    """Which port/protocol a rule admits, for one item of a rule's ports. `dst` resolves named ports."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    @abstractmethod
    def admits(self, port: int, protocol: str, dst: Subject) -> bool:
        """The fast answer: is (port, protocol) on `dst` admitted?"""

    @abstractmethod
    def check(self, port: int, protocol: str, dst: Subject) -> PortCheck:
        """The same answer as data: `ok` equals `admits(...)`; when not ok, protocol and/or port failed."""

    @abstractmethod
    def may_admit(self, port: int, protocol: str) -> bool:
        """Could (port, protocol) be admitted on some destination? False only when no destination can be."""


class Scored(Protocol):
    """A check result: whether it matched, and how many clauses failed when not."""

    @property
    def ok(self) -> bool: ...

    @property
    def failures(self) -> int: ...


S = TypeVar("S", bound=Scored)


def best_check(checks: Sequence[S]) -> S:
    """The check that matches, else the one failing on the fewest clauses (first on ties). The one rule for
    "closest" of every policy language's peer lists and rule items."""
    for c in checks:
        if c.ok:
            return c
    return min(checks, key=lambda c: c.failures)


@dataclass(frozen=True, slots=True)
class CheckResult(Generic[S]):
    """Every entry of a list (a rule's peers, an item's peers) checked: ok when one matches (OR)."""

    ok: bool
    checks: tuple[S, ...]

    @property
    def best(self) -> S:
        """The matching check, else the one failing on the fewest clauses (first on ties)."""
        return best_check(self.checks)
