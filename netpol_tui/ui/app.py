"""The netpol-tui application: owns the workers and the state, hands data down to widgets.

Build it with `netpol_tui.app_factory.make_app(flow_feed, cluster_feed, ...)` (the CLI and the tests use the same
factory). Flows arrive from a thread worker as batched `FlowsReceived` messages; the flows pane renders from a
bounded ring (`--buffer`), drop groups are bounded by an LRU on distinct keys, and explanations are computed in
workers (the selected row's lazily, through a thread-safe cache).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from netpol_tui.core import render, yamlout
from netpol_tui.core.aggregate import DropAggregator, DropGroup
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.filters import FilterError, FlowQuery
from netpol_tui.core.model import Flow, KubeStatus, LostEvents, NodeStatus, StreamState
from netpol_tui.ui import strings
from netpol_tui.ui.explainer import Explainer
from netpol_tui.ui.feeds import ClusterFeed, FlowFeed, Progress
from netpol_tui.ui.gcpacer import GcPacer
from netpol_tui.ui.messages import ClusterUpdated, FlowsReceived, KubeStatusChanged, StreamFailed
from netpol_tui.ui.rendering import (
    explanation_renderable,
    fix_renderable,
    fix_text,
    group_header,
    pod_renderable,
    policies_involved,
)
from netpol_tui.ui.ring import FlowRing, RateSeries, sparkline
from netpol_tui.ui.scope import Scope
from netpol_tui.ui.screens.filter_dialog import FilterDialog
from netpol_tui.ui.screens.help_screen import HelpScreen
from netpol_tui.ui.screens.yaml_dialog import YamlDialog
from netpol_tui.ui.widgets.flow_table import FlowTable
from netpol_tui.ui.widgets.group_table import GroupTable
from netpol_tui.ui.widgets.panes import ExplanationPane, FixPane, Same
from netpol_tui.ui.widgets.pod_tree import PodTree
from netpol_tui.ui.widgets.status_bar import StatusBar, StatusData

DROP_VERDICTS = ("DROPPED", "AUDIT")
STATE_STYLE = {
    "connected": "bold #5fd75f",
    "connecting": "bold #ffd75f",
    "reconnecting": "bold #ffaf00",
    "failed": "bold #ff5f5f",
    "closed": "dim",
}


class NetpolApp(App):
    TITLE = "netpol-tui"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("q", "quit", strings.KEYS["quit"]),
        Binding("question_mark", "help", strings.KEYS["help"]),
        Binding("slash", "filter", strings.KEYS["filter"]),
        Binding("d", "toggle_drops", strings.KEYS["toggle_drops"]),
        Binding("g", "toggle_groups", strings.KEYS["toggle_groups"]),
        Binding("space", "toggle_pause", strings.KEYS["toggle_pause"]),
        Binding("c", "copy_fix", strings.KEYS["copy_fix"]),
        Binding("s", "save_fix", strings.KEYS["save_fix"]),
        Binding("y", "show_yaml", strings.KEYS["show_yaml"]),
        Binding("p", "toggle_pods", strings.KEYS["toggle_pods"], show=False),
        Binding("escape", "back", strings.KEYS["back"], show=False),
    ]

    _ui_ready = False  # the default screen's widgets are mounted and not being torn down
    _hint_shown: str | None = ""  # what the hint line shows (None: hidden)

    def __init__(
        self,
        flow_feed: FlowFeed,
        cluster_feed: ClusterFeed,
        *,
        buffer: int = 50_000,
        words: str = "",
        drops_only: bool = False,
        narrow_live: bool = True,
        select_first_drop: bool = False,
        max_groups: int = 5_000,
        clock: Callable[[], float] = time.time,
        save_dir: str | os.PathLike[str] = ".",
        batch: int = 4096,
        show_pods: bool = True,
    ) -> None:
        super().__init__()
        self.flow_feed = flow_feed
        self.cluster_feed = cluster_feed
        self.buffer = buffer
        self.clock = clock
        self.save_dir = Path(save_dir)
        self.batch = batch
        self.scope = Scope(drops_only=drops_only, words=words, narrow_live=narrow_live and flow_feed.live)
        self._local_query = self.scope.query()  # raises FilterError for bad CLI words (caught by the command)
        self._server_query = self._local_query.server_part() if flow_feed.server_filters else FlowQuery()
        self._qgen = 0
        self._epoch = 0
        # data
        self.ring: FlowRing[Flow] = FlowRing(buffer)  # everything received
        self.view: FlowRing[Flow] = FlowRing(buffer)  # what the flows pane shows
        self.pending: FlowRing[Flow] = FlowRing(buffer)  # arrived while paused
        self.pending_count = 0
        self.paused = False
        self.agg = DropAggregator(max_groups=max_groups)
        self._agg_lock = threading.Lock()
        self._groups_dirty = True
        self.explainer = Explainer()
        self.gc_pacer = GcPacer()  # short full GC pauses under a flood of flows
        self.snapshot: ClusterSnapshot | None = None
        self.snapshot_at: float | None = None
        # counters
        self.total_flows = 0
        self.total_drops = 0
        self.lost = 0
        self.flow_rate = RateSeries()
        self.drop_rate = RateSeries()
        self.stream_state: StreamState | None = None
        self.nodes: dict[str, str] = {}
        self.kube_status: KubeStatus | None = None
        self.kube_problems: dict[str, str] = {}
        self.progress: Progress | None = None
        self.stream_error = ""
        # selection
        self.selected: tuple[str, Any] | None = None
        self.current_expl = None
        self._explain_request: tuple[tuple[str, Any], Flow, ClusterSnapshot] | None = None
        self._select_first_drop = select_first_drop
        self._show_pods = show_pods
        self.grouped = False

    # ---- layout ------------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Static("", id="banner", markup=False)
        with Horizontal(id="main"):
            with Vertical(id="left"):
                with Vertical(id="flows-box", classes="box") as box:
                    box.border_title = strings.TITLES["flows"]
                    yield FlowTable(self.view, id="flows")
                    yield GroupTable(id="groups")
                    yield Static("", id="trouble", markup=False)
                    yield Static(strings.select_hint(0), id="hint", markup=False)
                with Horizontal(id="bottom"):
                    with Vertical(id="expl-box", classes="box") as box:
                        box.border_title = strings.TITLES["explanation"]
                        yield ExplanationPane(Text(strings.select_hint(0), style="dim"), id="explanation")
                    with Vertical(id="fix-box", classes="box") as box:
                        box.border_title = strings.TITLES["fix"]
                        yield FixPane(id="fix")
            with Vertical(id="pods-box", classes="box" if self._show_pods else "box hidden") as box:
                box.border_title = strings.TITLES["pods"]
                box.border_subtitle = strings.PODS_SUBTITLE
                yield PodTree(id="pods")
        yield Footer()

    def on_mount(self) -> None:
        # the stream and kube threads are busy Python loops: hand the GIL back to the event loop sooner than
        # the default 5 ms so keys and repaints stay quick under 20,000 flows/s
        sys.setswitchinterval(0.001)
        self.query_one(FlowTable).focus()
        self._start_flow_worker()
        self.run_worker(self._cluster_loop, thread=True, group="cluster", name="cluster")
        self.set_interval(0.5, self._tick)
        self._ui_ready = True
        self._refresh_status()

    # ---- workers -----------------------------------------------------------------------------------------------
    def _start_flow_worker(self) -> None:
        self._epoch += 1
        self.run_worker(
            partial(self._flow_loop, self._epoch, self._server_query),
            thread=True,
            group="flows",
            name="flows",
            exclusive=True,
        )

    def _flow_loop(self, epoch: int, server_query: FlowQuery) -> None:
        feed = self.flow_feed
        try:
            for batch in feed.stream(server_query):
                if epoch != self._epoch:
                    return
                flows: list[Flow] = []
                events: list[Any] = []
                for item in batch:
                    if type(item) is Flow:
                        flows.append(item)
                    else:
                        events.append(item)
                gen, query = self._qgen, self._local_query
                visible = flows if query.is_empty else [f for f in flows if query.matches(f)]
                drops, changed = self._aggregate(flows)
                self.post_message(FlowsReceived(flows, visible, drops, events, gen, changed))
        except Exception as exc:  # noqa: BLE001 - a source error becomes a panel, never a traceback
            self.post_message(StreamFailed(str(exc) or type(exc).__name__))

    def _aggregate(self, flows: list[Flow]) -> tuple[int, bool]:
        drops = 0
        fresh: list[DropGroup] = []
        agg = self.agg
        with self._agg_lock:
            for f in flows:
                if f.verdict in DROP_VERDICTS:
                    drops += 1
                    g = agg.add(f, None)
                    if g is not None and g.explanation is None:
                        fresh.append(g)
        snap = self.snapshot
        if snap is not None:
            for g in fresh:
                if g.sample is not None:
                    g.explanation = self.explainer.explain(g.sample, snap, with_fixes=False)
        if drops:
            self._groups_dirty = True
        return drops, bool(drops)

    def _cluster_loop(self) -> None:
        try:
            self.cluster_feed.run(
                lambda snap: self.post_message(ClusterUpdated(snap)),
                lambda st: self.post_message(KubeStatusChanged(st)),
            )
        except Exception as exc:  # noqa: BLE001
            self.post_message(KubeStatusChanged(KubeStatus("failed", message=str(exc) or type(exc).__name__)))

    def _regroup_job(self, snap: ClusterSnapshot) -> None:
        with self._agg_lock:
            groups = list(self.agg.groups.values())
        for g in groups:
            if g.sample is not None and self.snapshot is snap:
                g.explanation = self.explainer.explain(g.sample, snap, with_fixes=False)
        self._groups_dirty = True

    def _explain_job(self, target: tuple[str, Any], flow: Flow, snap: ClusterSnapshot) -> None:
        expl = self.explainer.explain(flow, snap, with_fixes=True)
        self.call_from_thread(self._explained, target, expl)

    async def _shutdown(self) -> None:
        # stop the sources first: their blocking threads return, so the workers can finish
        self._ui_ready = False  # messages still queued must not touch widgets being removed
        self._shutdown_sources()
        self.gc_pacer.stop()
        await super()._shutdown()

    def _shutdown_sources(self) -> None:
        for fn in (self.flow_feed.close, self.cluster_feed.stop):
            try:
                fn()
            except Exception:  # noqa: BLE001
                pass

    async def action_quit(self) -> None:
        self._ui_ready = False
        self._shutdown_sources()
        self.exit()

    # ---- messages from workers ---------------------------------------------------------------------------------
    def on_flows_received(self, m: FlowsReceived) -> None:
        if not self._ui_ready:
            return
        now = self.clock()
        n = len(m.flows)
        if n:
            self.total_flows += n
            self.flow_rate.add(now, n)
            self.ring.extend(m.flows)
        if m.drops:
            self.total_drops += m.drops
            self.drop_rate.add(now, m.drops)
        visible = m.visible
        if m.generation != self._qgen:
            q = self._local_query
            visible = [f for f in m.flows if q.matches(f)]
        if visible:
            if self.paused:
                self.pending.extend(visible)
                self.pending_count += len(visible)
            else:
                self._append_view(visible)
        for ev in m.events:
            self._on_event(ev)
        if self._select_first_drop and self.selected is None and not self.paused:
            self._auto_select(visible)

    def _on_event(self, ev: Any) -> None:
        if isinstance(ev, StreamState):
            self.stream_state = ev
            if ev.state == "connected":
                self.stream_error = ""
            self._update_trouble()
            self._refresh_status()
        elif isinstance(ev, LostEvents):
            self.lost += ev.count
            self._refresh_status()
        elif isinstance(ev, NodeStatus):
            for name in ev.node_names:
                self.nodes[name] = ev.state
            if not ev.node_names and ev.message:
                self.notify(render.node_status_text(ev), severity="warning")
        elif isinstance(ev, Progress):
            self.progress = ev
            if ev.finished:
                self._refresh_status()

    def on_stream_failed(self, m: StreamFailed) -> None:
        if not self._ui_ready:
            return
        self.stream_error = m.message
        self.stream_state = StreamState("failed", self.flow_feed.label, m.message)
        self._update_trouble()
        self._refresh_status()

    def on_cluster_updated(self, m: ClusterUpdated) -> None:
        if not self._ui_ready:
            return
        first = self.snapshot is None
        self.snapshot = m.snapshot
        self.snapshot_at = self.clock()
        self.query_one(PodTree).set_snapshot(m.snapshot)
        self.run_worker(partial(self._regroup_job, m.snapshot), thread=True, group="regroup", exclusive=True)
        if self.selected is not None:
            self._reselect()
        elif first and self._select_first_drop:
            self._auto_select(list(self.view))
        self._refresh_status()

    def on_kube_status_changed(self, m: KubeStatusChanged) -> None:
        if not self._ui_ready:
            return
        st = m.status
        self.kube_status = st
        if st.state == "forbidden":
            self.kube_problems[st.resource or "?"] = strings.kube_banner(st)
        elif st.state == "failed":
            self.kube_problems["_api"] = strings.kube_banner(st)
        elif st.state in ("synced", "watching"):
            self.kube_problems.pop("_api", None)
        banner = self.query_one("#banner", Static)
        text = "\n".join(v for v in self.kube_problems.values() if v)
        banner.update(text)
        banner.display = bool(text)
        self._refresh_status()

    # ---- view --------------------------------------------------------------------------------------------------
    def _append_view(self, flows: list[Flow]) -> None:
        before = self.view.first_seq
        self.view.extend(flows)
        self.query_one(FlowTable).data_changed(self.view.first_seq - before)
        self._update_hint()

    def _rebuild_view(self) -> None:
        q = self._local_query
        flows = list(self.ring) if q.is_empty else [f for f in self.ring if q.matches(f)]
        self.view.reset(flows)
        self.pending.clear()
        self.pending_count = 0
        table = self.query_one(FlowTable)
        table.cursor_key = None
        table.follow = True
        table.data_changed()
        self._update_hint()

    def _update_hint(self) -> None:
        # called per batch: touch the widget only when its text or visibility changes (an update lays out)
        text = strings.select_hint(self.total_drops) if self.selected is None else None
        if text == self._hint_shown:
            return
        self._hint_shown = text
        hint = self.query_one("#hint", Static)
        if text is not None:
            hint.update(text)
        hint.display = text is not None

    def _update_trouble(self) -> None:
        st = self.stream_state
        panel = self.query_one("#trouble", Static)
        show = st is not None and (st.state == "failed" or (st.state == "reconnecting" and self.total_flows == 0))
        if show and st is not None:
            panel.update(
                strings.relay_panel(st.address or self.flow_feed.label, st.message or self.stream_error,
                                       st.attempt, st.retry_in)
            )
        panel.display = show
        self.query_one(FlowTable).display = not show and not self.grouped
        self.query_one(GroupTable).display = not show and self.grouped

    def _auto_select(self, flows: Iterable[Flow]) -> None:
        if self.snapshot is None:
            return
        for f in flows:
            if f.verdict == "DROPPED" and f.drop_reason in ("POLICY_DENIED", "133"):
                table = self.query_one(FlowTable)
                for i in range(len(self.view) - 1, -1, -1):
                    if self.view[i] is f:
                        table.select_index(i)
                        self._select_flow(f)
                        return
                return

    def _tick(self) -> None:
        if not self._ui_ready:
            return
        self.gc_pacer.step()
        self._refresh_status()
        if self.grouped and self._groups_dirty:
            self._refresh_groups()

    def _refresh_groups(self) -> None:
        self._groups_dirty = False
        with self._agg_lock:
            groups = self.agg.by_count()
        q = self._local_query
        if self.scope.kind != "cluster":
            groups = [g for g in groups if g.sample is None or q.matches(g.sample)]
        self.query_one(GroupTable).set_groups(groups)

    def status_data(self) -> StatusData:
        now = self.clock()
        st = self.stream_state
        feed = self.flow_feed
        if feed.live:
            conn = strings.stream_state(st)
            style = STATE_STYLE.get(st.state if st else "connecting", "")
        else:
            done = self.progress is not None and self.progress.finished
            conn, style = strings.capture_state(done), ("bold #5fd75f" if done else "bold #ffd75f")
        nodes = ""
        if self.nodes:
            down = [n for n, s in self.nodes.items() if s != "NODE_CONNECTED"]
            nodes = strings.nodes(len(self.nodes) - len(down), down)
        loading_cluster = self.snapshot is None and (self.kube_status is None or self.kube_status.state == "connecting")
        cluster = strings.cluster_status(
            self.snapshot.counts() if self.snapshot is not None else {},
            (now - self.snapshot_at) if self.snapshot_at is not None and feed.live else None,
            self.cluster_feed.label,
            loading_cluster and self.snapshot is None,
        )
        loading = ""
        if self.progress is not None and not self.progress.finished:
            loading = strings.loading(self.progress.done, self.progress.total, self.progress.label or feed.label)
        try:
            subscription = self.scope.describe(feed.server_filters)
        except FilterError as exc:
            subscription = str(exc)
        return StatusData(
            source=feed.label,
            connection=conn,
            connection_style=style,
            flows=self.total_flows,
            drops=self.total_drops,
            flows_rate=self.flow_rate.rate(now),
            drops_rate=self.drop_rate.rate(now),
            spark=sparkline(self.drop_rate.history(now, 30, 10)),
            lost=self.lost,
            nodes=nodes,
            cluster=cluster,
            subscription=subscription,
            paused=strings.paused(self.pending_count) if self.paused else "",
            loading=loading,
            live=feed.live,
        )

    def _refresh_status(self) -> None:
        if not self._ui_ready:
            return
        self.query_one(StatusBar).show(self.status_data())

    # ---- selection ---------------------------------------------------------------------------------------------
    @on(FlowTable.FlowSelected)
    def _flow_selected(self, m: FlowTable.FlowSelected) -> None:
        self._select_flow(m.flow)

    @on(GroupTable.GroupSelected)
    def _group_selected(self, m: GroupTable.GroupSelected) -> None:
        self.selected = ("group", m.group)
        self._update_hint()
        self._explain_target()

    @on(PodTree.Chosen)
    def _pod_chosen(self, m: PodTree.Chosen) -> None:
        if m.pod:
            scope = self.scope.with_pod(m.namespace, m.pod)
            key = f"{m.namespace}/{m.pod}"
        else:
            scope = self.scope.with_namespace(m.namespace)
            key = m.namespace
        self._apply_scope(scope)
        self.selected = ("pod", key)
        self._update_hint()
        self._show_pod(key)

    def _select_flow(self, flow: Flow) -> None:
        self.selected = ("flow", flow)
        self._update_hint()
        self._explain_target()

    def _reselect(self) -> None:
        if self.selected is None:
            return
        if self.selected[0] == "pod":
            self._show_pod(self.selected[1])
        else:
            self._explain_target()

    def _explain_target(self) -> None:
        target = self.selected
        if target is None:
            return
        flow = target[1] if target[0] == "flow" else target[1].sample
        expl_pane = self.query_one(ExplanationPane)
        if self.snapshot is None:
            self.current_expl = None
            expl_pane.show(Text(strings.no_cluster_for_explanation(), style="yellow"))
            self.query_one(FixPane).show("")
            return
        cached = self.explainer.cached(flow, self.snapshot, True)
        if cached is not None:
            self._explained(target, cached)
            return
        expl_pane.show(Text(strings.explaining(), style="dim"))
        # start the worker once the moved cursor is on screen: the explanation (with its fix search) is CPU work
        # that competes for the GIL with the repaint; a burst of keys before that repaint explains only the last row
        first = self._explain_request is None
        self._explain_request = (target, flow, self.snapshot)
        if first:
            self.call_after_refresh(self._start_explain)

    @property
    def explanation_requested(self) -> bool:
        """An explanation was asked for and its worker is not started yet (tests wait on it)."""
        return self._explain_request is not None

    def _start_explain(self) -> None:
        request, self._explain_request = self._explain_request, None
        if request is None or not self._ui_ready or request[0] is not self.selected:
            return
        self.run_worker(
            partial(self._explain_job, *request),
            thread=True,
            group="explain",
            name="explain",
            exclusive=True,
        )

    def _explained(self, target: tuple[str, Any], expl) -> None:
        if not self._ui_ready:
            return
        if self.selected is not target:
            return
        self.current_expl = expl
        # the Explainer hands out one object per explanation: it keys the panes' rendered lines
        if target[0] == "group":
            g = target[1]
            self.query_one(ExplanationPane).show(
                explanation_renderable(expl, group_header(g)),
                ("group", Same(expl), g.count, g.first_ns, g.last_ns, len(g.pods)),
            )
        else:
            self.query_one(ExplanationPane).show(explanation_renderable(expl), ("flow", Same(expl)))
        self.query_one(FixPane).show(fix_renderable(expl), ("fix", Same(expl)))

    def _show_pod(self, key: str) -> None:
        self.current_expl = None
        ns = key.split("/")[0]
        with self._agg_lock:
            groups = self.agg.by_count()
        mine = []
        for g in groups:
            s = g.sample
            if s is None:
                continue
            keys = (s.source.key, s.destination.key) if "/" in key and key.count("/") == 1 and not key.endswith("/") else ()
            if (keys and key in keys) or ("/" not in key and ns in (s.source.namespace, s.destination.namespace)):
                mine.append(g)
            elif keys and any(key in pair for pair in g.pods):
                mine.append(g)
        self.query_one(ExplanationPane).show(pod_renderable(self.snapshot, key, mine))
        self.query_one(FixPane).show("")

    # ---- scope / filters ---------------------------------------------------------------------------------------
    def _apply_scope(self, scope: Scope) -> bool:
        try:
            query = scope.query()
        except FilterError as exc:
            self.notify(str(exc), severity="error", title=strings.NOTIFY_TITLES["filter"])
            return False
        self.scope = scope
        self._local_query = query
        self._qgen += 1
        self._rebuild_view()
        self._groups_dirty = True
        feed = self.flow_feed
        if feed.server_filters:
            server = query.server_part()
            if server != self._server_query:
                self._server_query = server
                reopen = getattr(feed, "reopen", None)
                if reopen is not None:
                    reopen(server)
                else:
                    feed.close()
                    self._start_flow_worker()
        self._refresh_status()
        return True

    # ---- actions -----------------------------------------------------------------------------------------------
    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_filter(self) -> None:
        def done(words: str | None) -> None:
            if words is not None:
                from dataclasses import replace

                self._apply_scope(replace(self.scope, words=words))

        self.push_screen(FilterDialog(self.scope.words), done)

    def action_toggle_drops(self) -> None:
        from dataclasses import replace

        self._apply_scope(replace(self.scope, drops_only=not self.scope.drops_only))
        self.notify(strings.view_toggled(self.scope.drops_only), timeout=1.5)

    def action_toggle_groups(self) -> None:
        self.grouped = not self.grouped
        box = self.query_one("#flows-box")
        box.border_title = strings.TITLES["groups" if self.grouped else "flows"]
        self._update_trouble()
        if self.grouped:
            self._refresh_groups()
            table = self.query_one(GroupTable)
            table.focus()
            if table.cursor is None and table.row_count():
                table.select_index(0)
        else:
            self.query_one(FlowTable).focus()

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            pending = list(self.pending)
            self.pending.clear()
            self.pending_count = 0
            if pending:
                self._append_view(pending)
        self._refresh_status()

    def action_toggle_pods(self) -> None:
        box = self.query_one("#pods-box")
        box.set_class(not box.has_class("hidden"), "hidden")
        if not box.has_class("hidden"):
            self.query_one(PodTree).focus()

    def action_back(self) -> None:
        from dataclasses import replace

        if self.scope.kind != "cluster":
            self._apply_scope(self.scope.cluster_wide())
            self.selected = None
            self._update_hint()
            self.query_one(ExplanationPane).show(Text(strings.select_hint(self.total_drops), style="dim"))
        elif self.scope.words:
            self._apply_scope(replace(self.scope, words=""))
        elif self.grouped:
            self.action_toggle_groups()
        elif self.paused:
            self.action_toggle_pause()

    def action_copy_fix(self) -> None:
        text = fix_text(self.current_expl)
        if not text:
            self.notify(strings.nothing_to_copy(), severity="warning")
            return
        self.copy_to_clipboard(text)
        self.notify(strings.copied(strings.the_fix(), text.count("\n")), title=strings.NOTIFY_TITLES["copied"])

    def action_save_fix(self) -> None:
        text = fix_text(self.current_expl)
        if not text:
            self.notify(strings.nothing_to_copy(), severity="warning")
            return
        fix = self.current_expl.fixes[0]
        path = self.save_dir / f"fix-{fix.namespace}-{fix.name}.yaml"
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.notify(strings.save_failed(str(path), exc.strerror or str(exc)), severity="error")
            return
        self.notify(strings.saved(str(path)), title=strings.NOTIFY_TITLES["saved"], timeout=12)

    def action_show_yaml(self) -> None:
        items: list[tuple[str, str]] = []
        if self.current_expl is not None:
            pols = policies_involved(self.current_expl.verdict)
        elif self.selected is not None and self.selected[0] == "pod" and self.snapshot is not None:
            from netpol_tui.core.policy import EGRESS, INGRESS

            key = self.selected[1]
            pod = self.snapshot.pod(key) if "/" in key else None
            if pod is not None:
                subj = self.snapshot.evaluator.subject_for_pod(pod)
                pols = list(dict.fromkeys(
                    self.snapshot.evaluator.selecting(subj, INGRESS) + self.snapshot.evaluator.selecting(subj, EGRESS)
                ))
            else:
                pols = self.snapshot.policies_in(key)
        else:
            pols = []
        for p in pols:
            items.append((p.key, yamlout.dump(p.raw) if p.raw else strings.no_source_kept(p.key)))
        if not items:
            self.notify(strings.no_policy(), severity="warning")
            return
        self.push_screen(YamlDialog(items))

    # ---- command palette ---------------------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in strings.COMMANDS:
            yield SystemCommand(title, help_text, getattr(self, f"action_{action}"))


__all__ = ["NetpolApp"]
