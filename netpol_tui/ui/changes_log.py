"""The TUI's record of live policy changes, for the changes timeline (`H`, ui/screens/changes_dialog.py).

`core.history.ChangeHistory` is fed every snapshot of the cluster feed (`observe`, from the cluster worker); the
flow worker counts the drops it receives (`add_drops`), so each change knows the drops of the `WINDOW` seconds
before it and after it (by the app's clock, in arrival order: a drop counted before the change's snapshot arrived
is "before"). `groups_by_change` names, for each kept change, the drop groups whose verdict it made
(core.history attribution); `impact` says what one change did: its spec deltas, its YAML diff, those drop
groups, and the observed connections whose verdict it flipped (core.diff over the change's own transition).

Thread-safe (one lock); bounded: the history's transitions (core.history.DEFAULT_MAX_CHANGES = 32, each keeping
the state just before it), one small record per kept change, the drop marks of the last `WINDOW` seconds.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from netpol_tui.core.aggregate import DropGroup
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.diff import Change, ConnectionChange, diff, observed_connections, policy_objects
from netpol_tui.core.history import DEFAULT_MAX_CHANGES, Attribution, ChangeHistory, PolicyEvent
from netpol_tui.core.model import Flow
from netpol_tui.core.policy_delta import Action, SpecDelta, spec_deltas, unified_spec_diff

__all__ = ["WINDOW", "BrokenGroup", "Cause", "ChangeImpact", "ChangeRow", "ChangesLog"]

WINDOW = 60.0  # seconds of drops counted before and after a change


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One kept change as the timeline lists it."""

    event: PolicyEvent
    seen_at: float  # the app's clock when the snapshot holding it arrived
    drops_before: int  # drops received in the WINDOW seconds before it
    drops_after: int  # drops received since it, up to WINDOW seconds after it
    after_complete: bool  # the WINDOW after it has passed (drops_after is final)


@dataclass(frozen=True, slots=True)
class BrokenGroup:
    """A drop group whose verdict a change made (its attribution names the change)."""

    group: DropGroup
    count: int
    attribution: Attribution


@dataclass(frozen=True, slots=True)
class ChangeImpact:
    """What one change did: to the policy, and to the traffic seen."""

    event: PolicyEvent
    kept: bool  # its states are still kept (else only the row is known)
    deltas: tuple[SpecDelta, ...]
    unified: tuple[str, ...]  # `diff -u` of the spec as YAML
    groups: tuple[BrokenGroup, ...]  # biggest first
    flipped: tuple[ConnectionChange, ...]  # observed connections whose verdict it flipped, losses first
    observed: int  # observed connections compared


@dataclass(frozen=True, slots=True)
class Cause:
    """The kept change that made a flow's verdict what it is now, for the explanation pane."""

    event: PolicyEvent
    seen_at: float  # the app's clock when it arrived (the time the timeline shows)
    before: bool  # allowed just before it
    side: str  # the end whose own verdict differs (egress, ingress, both)
    deltas: tuple[SpecDelta, ...]  # what it did to the policy that matters here (removals for a new drop)


@dataclass(slots=True)
class _Record:
    seen_at: float
    total_at: int  # drops received when it was seen
    before: int
    after: int | None = None  # frozen once the window after it has passed
    deltas: tuple[SpecDelta, ...] | None = None  # computed when first asked for


class ChangesLog:
    def __init__(self, clock: Callable[[], float], max_changes: int = DEFAULT_MAX_CHANGES) -> None:
        self.clock = clock
        self.history = ChangeHistory(max_changes)
        self.snapshots = 0  # snapshots observed
        self.first_seen_at: float | None = None  # the app's clock at the first snapshot
        self._lock = threading.Lock()
        self._records: dict[PolicyEvent, _Record] = {}
        self._total = 0  # drops received
        self._marks: deque[tuple[float, int]] = deque()  # (second, total at its end), the last WINDOW s
        self._base = 0  # the total before the oldest mark

    # ---- fed by the workers -----------------------------------------------------------------------------------
    def observe(self, snapshot: ClusterSnapshot) -> tuple[PolicyEvent, ...]:
        """A new snapshot from the cluster feed (the cluster worker); the policy changes it brings."""
        now = self.clock()
        with self._lock:
            self.snapshots += 1
            if self.first_seen_at is None:
                self.first_seen_at = now
            events = self.history.observe(snapshot)
            if events:
                self._freeze(now)
                before = self._total - self._total_at(now - WINDOW)
                for e in events:
                    self._records[e] = _Record(now, self._total, before)
                kept = set(self.history.events)
                for e in [e for e in self._records if e not in kept]:
                    del self._records[e]
            return events

    def add_drops(self, n: int) -> None:
        """`n` drops received (the flow worker, per batch)."""
        if n <= 0:
            return
        now = self.clock()
        with self._lock:
            self._freeze(now)
            self._total += n
            marks = self._marks
            sec = float(int(now))  # one mark per second of the clock: at most WINDOW + 2 kept
            if marks and marks[-1][0] == sec:
                marks[-1] = (sec, self._total)
            else:
                marks.append((sec, self._total))
            while len(marks) > 1 and marks[0][0] < now - WINDOW - 1:
                self._base = marks.popleft()[1]

    # ---- read by the timeline ---------------------------------------------------------------------------------
    def rows(self) -> list[ChangeRow]:
        """Every kept change, newest first."""
        now = self.clock()
        with self._lock:
            self._freeze(now)
            events = self.history.events
            out: list[ChangeRow] = []
            for e in reversed(events):
                r = self._records.get(e)
                if r is None:
                    continue
                after = r.after if r.after is not None else self._total - r.total_at
                out.append(ChangeRow(e, r.seen_at, r.before, after, r.after is not None))
            return out

    def cause(self, flow: Flow | None) -> Cause | None:
        """The kept change that made this flow's verdict what it is now (None when no kept change did)."""
        if flow is None:
            return None
        with self._lock:
            attr = self.history.attribute(flow)
            if attr is None:
                return None
            record = self._records.get(attr.event)
            if record is None:
                return None
            if record.deltas is None:
                record.deltas = tuple(self._deltas(attr.event))
            deltas = record.deltas
        # a change that took access away did it by what it removed (or changed); one that gave it, by additions
        wanted = (
            (Action.REMOVED, Action.CHANGED)
            if attr.before and not attr.now
            else (Action.ADDED, Action.CHANGED)
        )
        relevant = tuple(d for d in deltas if d.action in wanted) or deltas
        return Cause(attr.event, record.seen_at, attr.before, str(attr.side), relevant)

    def groups_by_change(self, groups: Iterable[DropGroup]) -> dict[PolicyEvent, list[BrokenGroup]]:
        """For each kept change, the drop groups whose verdict it made (biggest first)."""
        out: dict[PolicyEvent, list[BrokenGroup]] = {}
        for g in groups:
            sample = g.sample
            if sample is None:
                continue
            with self._lock:  # per group: the UI thread's `cause` never waits for the whole list
                attr = self.history.attribute(sample)
            if attr is None:
                continue
            for e in (attr.event, *attr.also):
                out.setdefault(e, []).append(BrokenGroup(g, g.count, attr))
        for found in out.values():
            found.sort(key=lambda b: -b.count)
        return out

    def impact(self, event: PolicyEvent, groups: Sequence[DropGroup], flows: Iterable[Flow]) -> ChangeImpact:
        """What `event` did: its spec deltas and YAML diff, the drop groups it broke, and the observed connections
        (`flows` and the groups' samples) whose verdict it flipped."""
        broken = tuple(self.groups_by_change(groups).get(event, ()))
        with self._lock:
            states = self.history.states(event)
        if states is None:
            return ChangeImpact(event, False, (), (), broken, (), 0)
        before, after = states
        raw_old, raw_new = _raws(event, before, after)
        kept = list(flows)
        ids = {id(f) for f in kept}
        samples = [g.sample for g in groups if g.sample is not None and id(g.sample) not in ids]
        observed = observed_connections([*kept, *samples])
        result = diff(observed, before, after)
        flipped = [c for c in result.changes if event.change in c.changed_by]
        flipped.sort(key=lambda c: not c.loses_access)  # losses first, each in the order observed
        return ChangeImpact(
            event,
            True,
            tuple(spec_deltas(raw_old, raw_new)),
            tuple(unified_spec_diff(raw_old, raw_new)),
            broken,
            tuple(flipped),
            len(observed),
        )

    def _deltas(self, event: PolicyEvent) -> list[SpecDelta]:
        states = self.history.states(event)
        if states is None:
            return []
        return spec_deltas(*_raws(event, *states))

    # ---- drop windows -----------------------------------------------------------------------------------------
    def _total_at(self, t: float) -> int:
        """Drops received up to time `t` (within the kept marks)."""
        for when, total in reversed(self._marks):
            if when <= t:
                return total
        return self._base

    def _freeze(self, now: float) -> None:
        for r in self._records.values():
            if r.after is None and now >= r.seen_at + WINDOW:
                r.after = self._total_at(r.seen_at + WINDOW) - r.total_at


def _raws(event: PolicyEvent, before: ClusterSnapshot, after: ClusterSnapshot) -> tuple[object, object]:
    """The changed policy's source object just before and just after the change (None where it did not exist)."""
    pid = event.policy
    old = policy_objects(before).get(pid) if event.change.change is not Change.CREATED else None
    new = policy_objects(after).get(pid) if event.change.change is not Change.DELETED else None
    return (
        getattr(old, "raw", None) if old is not None else None,
        getattr(new, "raw", None) if new is not None else None,
    )
