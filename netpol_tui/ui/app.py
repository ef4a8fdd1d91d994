"""The netpol-tui application: the feeds, the workers, the global keys; the view lives in MainScreen.

Build it with the factory (`make_app(flow_feed, cluster_feed, ...)`, the same one the CLI and the tests use).
Flows arrive from a thread worker as batched `FlowsReceived` messages; the flows pane renders from a bounded ring
(`TuiOptions.buffer`), drop groups are bounded by an LRU on distinct keys, and explanations are computed in
workers (the selected row's lazily, through a thread-safe cache). Worker results are messages to the main screen:
only the UI thread changes what is shown.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from netpol_tui.core.aggregate import DropAggregator, DropGroup, ExplanationCache
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.diff import PolicyId
from netpol_tui.core.explain import Explanation
from netpol_tui.core.fixwatch import FixTracker
from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.model import Flow, KubePhase, KubeStatus
from netpol_tui.core.wording.inert import inert, inert_lines
from netpol_tui.ui import strings
from netpol_tui.ui.changes_log import ChangesLog
from netpol_tui.ui.feeds import ClusterFeed, FlowFeed
from netpol_tui.ui.gcpacer import GcPacer
from netpol_tui.ui.messages import (
    ClusterUpdated,
    FlowsReceived,
    GroupsExplained,
    KubeStatusChanged,
    SelectionExplained,
    StreamEvent,
    StreamFailed,
)
from netpol_tui.ui.options import TuiOptions
from netpol_tui.ui.rendering import as_connection
from netpol_tui.ui.row_notes import RowNotes
from netpol_tui.ui.screens.help_dialog import HelpDialog
from netpol_tui.ui.screens.main_screen import DROP_VERDICTS, MainScreen
from netpol_tui.ui.selection import Selection
from netpol_tui.ui.staged import StagedJudge
from netpol_tui.ui.tracking import TrackingChanged, TrackingLine
from netpol_tui.ui.widgets.flow_table import FlowTable

# the stream and kube threads are busy Python loops: while the app runs, they hand the GIL back to the event
# loop sooner than the default 5 ms so keys and repaints stay quick under 20,000 flows/s
SWITCH_INTERVAL = 0.001


class NetpolApp(App[None]):
    TITLE = "netpol-tui"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", strings.KEYS["quit"]),
        # ctrl+c quits, as in every terminal program (Textual binds it to copy by default); a priority binding
        # so that no focused widget (an Input) takes it first
        Binding("ctrl+c", "quit", strings.KEYS["quit"], show=False, priority=True),
        Binding("question_mark", "help", strings.KEYS["help"]),
    ]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification, made inert: its text may quote names and errors from outside (issue 11)."""
        super().notify(
            inert_lines(message), title=inert(title), severity=severity, timeout=timeout, markup=markup
        )

    def __init__(
        self,
        flow_feed: FlowFeed,
        cluster_feed: ClusterFeed,
        options: TuiOptions | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.flow_feed = flow_feed
        self.cluster_feed = cluster_feed
        self.options = options = options or TuiOptions()
        self.clock = clock
        self.main = MainScreen(options, live=flow_feed.live)  # raises FilterError for bad CLI words
        # the view's local query, read by the flow worker for each batch (the UI thread replaces it whole)
        self.view_filter: FlowQuery = self.main.local_query
        self._server_query = self.main.local_query.server_part() if flow_feed.server_filters else FlowQuery()
        # drop groups: the flow worker adds to them, the UI thread reads them (both under the lock)
        self.explainer = ExplanationCache()  # the one explanation cache, shared by the workers (thread-safe)
        self.agg = DropAggregator(max_groups=options.max_groups, cache=self.explainer)
        self.agg_lock = threading.Lock()
        self.gc_pacer = GcPacer()  # short full GC pauses under a flood of flows
        self._saved_switch_interval: float | None = None
        # staged verdicts (--with) and both ends joined: filled by the workers, read by the flows pane
        staged = StagedJudge(options.staged, options.staged_label) if options.staged is not None else None
        self.row_notes = RowNotes(staged)
        # the confirm-fix loop: the connection whose fix was copied or saved (workers update it, under the lock)
        self.tracker: FixTracker | None = None
        self.tracker_lock = threading.Lock()
        self.tracking_line: TrackingLine | None = None  # mounted by the UI thread; workers only post to it
        self.changes = ChangesLog(clock)  # live policy changes and the drops around them (the `H` timeline)

    def get_default_screen(self) -> Screen[Any]:
        return self.main

    def on_mount(self) -> None:
        self._saved_switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)

    def start_workers(self) -> None:
        """Start reading the sources (the main screen calls this once it is laid out)."""
        table = self.main.query_one(FlowTable)
        table.shown, table.note = self.row_notes.shown, self.row_notes.note
        self.stream_flows(self._server_query)
        self.watch_cluster()

    def on_unmount(self) -> None:
        # whatever way the app ends: stop the sources (their threads return), give back process-wide settings
        self._stop_sources()
        self.gc_pacer.stop()
        if self._saved_switch_interval is not None:
            sys.setswitchinterval(self._saved_switch_interval)
            self._saved_switch_interval = None

    def _stop_sources(self) -> None:
        for fn in (self.flow_feed.close, self.cluster_feed.stop):
            try:
                fn()
            except Exception:  # noqa: BLE001, S110 - closing a source that already failed
                pass

    async def action_quit(self) -> None:
        self._stop_sources()  # before the screens close, so the source threads are already returning
        self.exit()

    def action_help(self) -> None:
        self.push_screen(HelpDialog())

    # ---- workers -----------------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="flows", name="flows", exit_on_error=False)
    def stream_flows(self, server_query: FlowQuery) -> None:
        """Read the flow feed; one message per batch (raises: on_worker_state_changed shows the error)."""
        worker = get_current_worker()
        for batch in self.flow_feed.stream(server_query):
            if worker.is_cancelled:  # a newer subscription's worker took over
                return
            flows: list[Flow] = []
            events: list[StreamEvent] = []
            for item in batch:
                if type(item) is Flow:
                    if item.is_reply is None and item.tcp_flags:
                        item = as_connection(item)  # a SYN-ACK is a reply, whatever Hubble left unsaid
                    flows.append(item)
                else:
                    events.append(item)
            query = self.view_filter
            visible = flows if query.is_empty else [f for f in flows if query.matches(f)]
            visible = self.row_notes.on_batch(flows, visible, query)
            snapshot = self.main.snapshot
            self.row_notes.judge(flows, snapshot)
            if self.tracker is not None:
                self._track_flows(flows)
            drops, fresh = self._aggregate(flows)
            self.changes.add_drops(drops)
            explained = [
                (g, self.explainer.explain(g.sample, snapshot, with_fixes=False))
                for g in fresh
                if g.sample is not None and snapshot is not None
            ]
            self.main.post_message(FlowsReceived(flows, visible, drops, events, query, explained, snapshot))

    def _aggregate(self, flows: list[Flow]) -> tuple[int, list[DropGroup]]:
        """Add the batch's drops to the groups; returns how many, and the groups not explained yet."""
        drops = 0
        fresh: list[DropGroup] = []
        agg = self.agg
        with self.agg_lock:
            for f in flows:
                if f.verdict in DROP_VERDICTS:
                    drops += 1
                    g = agg.add(f, None)
                    if g is not None and g.explanation is None:
                        fresh.append(g)
        return drops, fresh

    @work(thread=True, group="cluster", name="cluster", exit_on_error=False)
    def watch_cluster(self) -> None:
        """Run the cluster feed: snapshots and statuses as messages (raises: shown as a failed KubeStatus)."""
        main = self.main

        def on_snapshot(snapshot: ClusterSnapshot) -> None:
            self.changes.observe(snapshot)
            self.row_notes.new_state(snapshot)  # the staged verdicts of every known connection, again
            tracker = self.tracker
            if tracker is not None:
                with self.tracker_lock:
                    changed = tracker.on_snapshot(snapshot, self.clock())
                if changed:
                    self._post_tracking(tracker)
            main.post_message(ClusterUpdated(snapshot))

        def on_status(status: KubeStatus) -> None:
            main.post_message(KubeStatusChanged(status))

        self.cluster_feed.run(on_snapshot, on_status)

    @work(thread=True, exclusive=True, group="regroup", name="regroup", exit_on_error=False)
    def explain_groups(self, snapshot: ClusterSnapshot) -> None:
        """Explain every drop group again with a new snapshot."""
        worker = get_current_worker()
        with self.agg_lock:
            groups = list(self.agg.groups.values())
        explained: list[tuple[DropGroup, Explanation]] = []
        for g in groups:
            if worker.is_cancelled:  # a newer snapshot arrived
                return
            if g.sample is not None:
                explained.append((g, self.explainer.explain(g.sample, snapshot, with_fixes=False)))
        self.main.post_message(GroupsExplained(snapshot, explained))

    @work(thread=True, exclusive=True, group="explain", name="explain", exit_on_error=False)
    def explain_selection(self, selection: Selection, flow: Flow, snapshot: ClusterSnapshot) -> None:
        """The selected flow's explanation with its verified fixes (the message names the selection it answers)."""
        expl = self.explainer.explain(flow, snapshot, with_fixes=True)
        if not get_current_worker().is_cancelled:
            self.main.post_message(SelectionExplained(selection, expl))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures become something the user sees."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        text = (str(error) or type(error).__name__) if error is not None else ""
        group = event.worker.group
        if group == "flows":
            self.main.post_message(StreamFailed(text))  # after the batches already posted
        elif group == "cluster":
            self.main.post_message(KubeStatusChanged(KubeStatus(KubePhase.FAILED, message=text)))
        else:
            self.notify(text, severity="error")

    def _track_flows(self, flows: list[Flow]) -> None:
        tracker = self.tracker
        if tracker is None:
            return
        changed = False
        with self.tracker_lock:
            for f in flows:
                changed = tracker.on_flow(f) or changed
        if changed:
            self._post_tracking(tracker)

    def _post_tracking(self, tracker: FixTracker) -> None:
        line = self.tracking_line
        if tracker is self.tracker and line is not None:
            # post_message is thread-safe: the line words the status on the UI thread
            line.post_message(TrackingChanged(tracker.status))

    # ---- what the main screen asks for -------------------------------------------------------------------------
    def track_fix(self, flow: Flow, kind: str, namespace: str, name: str, how: str) -> None:
        """The confirm-fix loop: follow `flow`'s connection until a change of the policy `kind ns/name` (or one
        that allows it) and the flows after it say whether the fix worked; the subscription includes its flows."""
        tracker = FixTracker(flow, PolicyId(kind, namespace, name), self.main.snapshot)
        with self.tracker_lock:
            self.tracker = tracker
        src, dst = tracker.key[0], tracker.key[1]
        connection = f"{src} → {dst} {flow.destination_port or ''}/{flow.protocol}".replace(" /", " ")
        if self.tracking_line is None:
            self.tracking_line = TrackingLine(connection, how, tracker.status)
            self.main.mount(self.tracking_line, before="#main")
        else:  # a newer fix handed over: it replaces the tracked one
            self.tracking_line.track(connection, how, tracker.status)
        self._server_query = FlowQuery(whitelist=(tracker.pair_filter(),))  # force a new subscription
        self.subscribe(self.main.local_query)

    def subscribe(self, query: FlowQuery) -> None:
        """The view's query changed: when the server filters, ask it for the new subscription (with the tracked
        connection's flows, of every verdict, while a fix is tracked)."""
        feed = self.flow_feed
        if not feed.server_filters:
            return
        server = query.server_part()
        tracker = self.tracker
        if tracker is not None and server.whitelist:
            server = replace(server, whitelist=(*server.whitelist, tracker.pair_filter()))
        if server == self._server_query:
            return
        self._server_query = server
        reopen = getattr(feed, "reopen", None)
        if reopen is not None:
            reopen(server)
        else:
            feed.close()
            self.stream_flows(server)

    def groups_by_count(self) -> list[DropGroup]:
        with self.agg_lock:
            return self.agg.by_count()

    def groups_involving(self, namespace: str, pod: str = "") -> list[DropGroup]:
        """Drop groups with this pod (or, `pod` empty, this namespace) on either side, biggest first."""
        with self.agg_lock:  # the flow worker adds to the groups' pod sets: look at them under the lock
            return [g for g in self.agg.by_count() if g.involves(namespace, pod)]

    # ---- command palette ---------------------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in strings.COMMANDS:
            target = self if action == "help" else self.main
            yield SystemCommand(title, help_text, getattr(target, f"action_{action}"))


__all__ = ["NetpolApp"]
