"""The main screen: flows (or drop groups), the explanation and fix panes, the pods pane, the status bar.

It holds the view's state as reactives (selection, scope, paused, drops only, grouped) and the data the panes
show (the flow rings, counters, the cluster snapshot). Worker results arrive as messages (ui/messages.py) and are
applied here, on the UI thread; the app (ui/app.py) runs the workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import Reactive, var
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from netpol_tui.core import yamlout
from netpol_tui.core.aggregate import group_key
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.explain import Explanation
from netpol_tui.core.filenames import fix_file_name
from netpol_tui.core.flowquery import FilterError
from netpol_tui.core.merge_fixes import fix_key
from netpol_tui.core.model import Flow, KubeStatus, LostEvents, NodeStatus, StreamPhase, StreamState
from netpol_tui.core.policy import EGRESS, INGRESS
from netpol_tui.core.suggest import Fix
from netpol_tui.core.wording.events import node_status_text
from netpol_tui.core.wording.inert import inert_lines
from netpol_tui.sources.output_files import write_new_file
from netpol_tui.ui import strings
from netpol_tui.ui.chosen_fixes import (
    ChosenFixes,
    Combined,
    FixesCombined,
    as_is,
    chosen_drop,
    combine,
    combine_marked,
    group_label,
    needs_merge,
    save_patch,
)
from netpol_tui.ui.feeds import Progress
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
from netpol_tui.ui.rendering import (
    dns_alternative,
    explanation_renderable,
    fix_renderable,
    fix_text,
    fixes_open_metadata,
    group_header,
    pod_renderable,
    policies_involved,
)
from netpol_tui.ui.ring import FlowRing, RateSeries, sparkline
from netpol_tui.ui.scope import Scope
from netpol_tui.ui.screens.changes_dialog import ChangesDialog, cause_lines
from netpol_tui.ui.screens.confirm_dialog import ConfirmDialog
from netpol_tui.ui.screens.filter_dialog import FilterDialog
from netpol_tui.ui.screens.yaml_dialog import YamlDialog
from netpol_tui.ui.selection import FlowSelection, GroupSelection, PodSelection, Selection
from netpol_tui.ui.widgets.flow_table import FlowTable
from netpol_tui.ui.widgets.group_table import GroupTable
from netpol_tui.ui.widgets.panes import ExplanationPane, FixPane, Same
from netpol_tui.ui.widgets.pod_tree import PodTree, cilium_policies_selecting
from netpol_tui.ui.widgets.status_bar import StatusBar, StatusData

if TYPE_CHECKING:
    from netpol_tui.ui.app import NetpolApp

DROP_VERDICTS = ("DROPPED", "AUDIT")
# below this screen width the pods pane starts hidden (`p` shows it): SOURCE and DESTINATION get the room
PODS_PANE_MIN_WIDTH = 120
STATE_STYLE = {
    "connected": "bold #5fd75f",
    "connecting": "bold #ffd75f",
    "reconnecting": "bold #ffaf00",
    "failed": "bold #ff5f5f",
    "closed": "dim",
}


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", strings.KEYS["quit"]),
        Binding("question_mark", "app.help", strings.KEYS["help"]),
        Binding("slash", "filter", strings.KEYS["filter"]),
        Binding("d", "toggle_drops", strings.KEYS["toggle_drops"]),
        Binding("g", "toggle_groups", strings.KEYS["toggle_groups"]),
        Binding("space", "toggle_pause", strings.KEYS["toggle_pause"]),
        Binding("c", "copy_fix", strings.KEYS["copy_fix"]),
        Binding("s", "save_fix", strings.KEYS["save_fix"]),
        Binding("C", "copy_dns_fix", strings.KEYS["copy_dns_fix"], show=False),
        Binding("S", "save_dns_fix", strings.KEYS["save_dns_fix"], show=False),
        Binding("m", "mark", strings.KEYS["mark"]),
        Binding("M", "clear_marks", strings.KEYS["clear_marks"], show=False),
        Binding("y", "show_yaml", strings.KEYS["show_yaml"]),
        Binding("p", "toggle_pods", strings.KEYS["toggle_pods"], show=False),
        Binding("H", "show_changes", strings.CHANGES_KEY, show=False),
        Binding("P", "rollout", strings.ROLLOUT_BINDINGS["rollout"]),
        Binding("escape", "back", strings.KEYS["back"], show=False),
    ]

    # `var`: the watchers update exactly the widgets concerned; a plain reactive would repaint the whole screen
    # on every change (a cursor move under 20,000 flows/s). A new choice is a new selection even when it equals
    # the last one (it is explained or shown again).
    selection: Reactive[Selection] = var(None, always_update=True, init=False)
    scope: Reactive[Scope] = var(Scope(), init=False)
    paused: Reactive[bool] = var(False, init=False)
    drops_only: Reactive[bool] = var(False, init=False)
    grouped: Reactive[bool] = var(False, init=False)

    def __init__(self, options: TuiOptions, *, live: bool) -> None:
        super().__init__()
        self.options = options
        scope = Scope(
            drops_only=options.drops_only, words=options.words, narrow_live=options.narrow_live and live
        )
        # raises FilterError for bad CLI words (the command turns it into one line)
        self.local_query = scope.query()
        self.set_reactive(MainScreen.scope, scope)
        self.set_reactive(MainScreen.drops_only, options.drops_only)
        # data
        self.ring: FlowRing[Flow] = FlowRing(options.buffer)  # everything received
        self.view: FlowRing[Flow] = FlowRing(options.buffer)  # what the flows pane shows
        self.pending: FlowRing[Flow] = FlowRing(options.buffer)  # arrived while paused
        self.pending_count = 0
        self.snapshot: ClusterSnapshot | None = None
        self.snapshot_at: float | None = None
        self.groups_dirty = True
        # counters
        self.total_flows = 0
        self.total_drops = 0
        self.lost = 0
        self.flow_rate = RateSeries()
        self.drop_rate = RateSeries()
        self.stream_state: StreamState | None = None
        self.stream_error = ""
        self.nodes: dict[str, str] = {}
        self.kube_status: KubeStatus | None = None
        self.kube_problems: dict[str, str] = {}
        self.progress: Progress | None = None
        # what the panes show
        self.current_expl: Explanation | None = None
        self._explain_request: tuple[Selection, Flow, ClusterSnapshot] | None = None
        self._hint_shown: str | None = ""  # what the hint line shows (None: hidden)
        self._pods_chosen: bool | None = None  # the user's `p` choice (None: by the screen's width)
        self.shown_flows = 0  # flows that passed the view's filter (reset when the filter changes)
        self.unseen = 0  # rows added while the flows pane was not following
        self.selection_hidden = False  # the selected flow is not in the view (a filter hides it)
        self.chosen = ChosenFixes()  # fixes handed over this session, marked drop groups (ui/chosen_fixes.py)

    @property
    def netpol(self) -> NetpolApp:
        return cast("NetpolApp", self.app)

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
            with Vertical(id="pods-box", classes="box" if self.options.show_pods else "box hidden") as box:
                box.border_title = strings.TITLES["pods"]
                box.border_subtitle = strings.PODS_SUBTITLE
                yield PodTree(id="pods")
        yield Footer()

    def on_resize(self) -> None:
        self._place_pods_pane()

    def _place_pods_pane(self) -> None:
        show = self._pods_chosen
        if show is None:
            show = self.options.show_pods and self.size.width >= PODS_PANE_MIN_WIDTH
        self.query_one("#pods-box").set_class(not show, "hidden")

    def on_mount(self) -> None:
        self.query_one(FlowTable).marked = self.chosen.is_marked
        self.query_one(GroupTable).marked = self.chosen.is_group_marked
        self._place_pods_pane()
        self.query_one(FlowTable).focus()
        self.set_interval(0.5, self._tick)
        self._refresh_status()
        # the sources start once the panes have their size (a first selection scrolls by the table's height)
        self.call_after_refresh(self.netpol.start_workers)

    # ---- worker results ----------------------------------------------------------------------------------------
    def on_flows_received(self, m: FlowsReceived) -> None:
        now = self.netpol.clock()
        n = len(m.flows)
        if n:
            self.total_flows += n
            self.flow_rate.add(now, n)
            self.ring.extend(m.flows)
        if m.drops:
            self.total_drops += m.drops
            self.drop_rate.add(now, m.drops)
            self.groups_dirty = True
        if m.snapshot is not None and m.snapshot is self.snapshot:
            for group, expl in m.explained:
                group.explanation = expl
        elif m.drops and self.snapshot is not None:
            # the worker read the batch before this screen had its cluster state: the groups it made may have
            # come after the regroup worker's copy of the groups, unexplained for good (or explained under the
            # older state, dropped above). Again, under the current state (the cache answers the others at once)
            self.netpol.explain_groups(self.snapshot)
        visible = m.visible
        if m.query is not self.local_query:  # filtered with a query replaced since: filter again
            q = self.local_query
            visible = [f for f in m.flows if q.matches(f)]
        if visible:
            self.shown_flows += len(visible)
            if self.paused:
                self.pending.extend(visible)
                self.pending_count += len(visible)
            else:
                self._append_view(visible)
        for ev in m.events:
            self._on_event(ev)
        if self.options.select_first_drop and self.selection is None and not self.paused:
            self._auto_select(visible)

    def _on_event(self, ev: StreamEvent) -> None:
        if isinstance(ev, StreamState):
            self.stream_state = ev
            if ev.state == "connected":
                self.stream_error = ""
            self._update_trouble()
            self._refresh_status()
            self._update_hint()
        elif isinstance(ev, LostEvents):
            self.lost += ev.count
            self._refresh_status()
        elif isinstance(ev, NodeStatus):
            for name in ev.node_names:
                self.nodes[name] = ev.state
            if not ev.node_names and ev.message:
                self.notify(node_status_text(ev), severity="warning")
        elif isinstance(ev, Progress):
            self.progress = ev
            if ev.finished:
                self._refresh_status()
                self._update_hint()

    def on_stream_failed(self, m: StreamFailed) -> None:
        self.stream_error = m.message
        self.stream_state = StreamState(StreamPhase.FAILED, self.netpol.flow_feed.label, m.message)
        self._update_trouble()
        self._refresh_status()
        self._update_hint()

    def on_cluster_updated(self, m: ClusterUpdated) -> None:
        first = self.snapshot is None
        self.snapshot = m.snapshot
        self.snapshot_at = self.netpol.clock()
        self.query_one(PodTree).set_snapshot(m.snapshot)
        self.query_one(FlowTable).marks_changed()  # staged marks judged again with this snapshot
        self.netpol.explain_groups(m.snapshot)
        if self.selection is not None:
            self._show_selection()
        elif first and self.options.select_first_drop:
            self._auto_select(list(self.view))
        self._refresh_status()

    def on_groups_explained(self, m: GroupsExplained) -> None:
        if m.snapshot is not self.snapshot:
            return
        for group, expl in m.explained:
            group.explanation = expl
        self.groups_dirty = True

    def on_kube_status_changed(self, m: KubeStatusChanged) -> None:
        st = m.status
        self.kube_status = st
        if st.state == "forbidden":
            self.kube_problems[st.resource or "?"] = strings.kube_banner(st)
        elif st.state == "failed":
            self.kube_problems["_api"] = strings.kube_banner(st)
        elif st.state in ("synced", "watching"):
            self.kube_problems.pop("_api", None)
        banner = self.query_one("#banner", Static)
        text = inert_lines("\n".join(v for v in self.kube_problems.values() if v))  # server words: inert
        banner.update(text)
        banner.display = bool(text)
        self._refresh_status()

    def on_selection_explained(self, m: SelectionExplained) -> None:
        if m.selection is self.selection:  # else the user has moved on: a newer request is on its way
            self._show_explanation(m.selection, m.explanation)

    # ---- view --------------------------------------------------------------------------------------------------
    def _append_view(self, flows: list[Flow]) -> None:
        before = self.view.first_seq
        self.view.extend(flows)
        table = self.query_one(FlowTable)
        if not table.follow:
            self.unseen += len(flows)
        table.data_changed(self.view.first_seq - before)
        self._update_hint()
        self._update_following(batch=True)

    def _rebuild_view(self) -> None:
        q = self.local_query
        flows = list(self.ring) if q.is_empty else [f for f in self.ring if q.matches(f)]
        notes = self.netpol.row_notes
        flows = [f for f in flows if not notes.is_second(f, q)]  # both ends joined: one row
        self.view.reset(flows)
        self.shown_flows = len(flows)
        self.unseen = 0
        sel = self.selection
        if isinstance(sel, FlowSelection) and sel.flow is not None:
            hidden = not any(f is sel.flow for f in flows)
            if hidden != self.selection_hidden:
                self.selection_hidden = hidden
                if self.current_expl is not None:
                    self._show_explanation(sel, self.current_expl)
        self.pending.clear()
        self.pending_count = 0
        table = self.query_one(FlowTable)
        table.cursor_key = None
        table.follow = True
        table.data_changed()
        self._update_hint()

    def _hint_text(self) -> str:
        """What to do next while nothing is selected: select a drop, or why there is none to select."""
        st = self.stream_state
        if self.total_drops:
            return strings.select_hint(self.total_drops)
        if st is not None and st.state in ("failed", "reconnecting") and self.total_flows == 0:
            return strings.no_drops_unreachable()
        if self.progress is not None and self.progress.finished:
            return strings.no_drops_in_capture(self.total_flows)
        if not self.netpol.flow_feed.live and st is not None and st.state in ("failed", "closed"):
            return strings.no_drops_in_capture(self.total_flows)
        return strings.select_hint(0)

    def _update_hint(self) -> None:
        # called per batch: touch the widgets only when the text or visibility changes (an update lays out)
        text = self._hint_text() if self.selection is None else None
        if text == self._hint_shown:
            return
        self._hint_shown = text
        hint = self.query_one("#hint", Static)
        if text is not None:
            hint.update(text)
            self.query_one(ExplanationPane).show(Text(text, style="dim"))
        hint.display = text is not None

    def _update_trouble(self) -> None:
        st = self.stream_state
        panel = self.query_one("#trouble", Static)
        show = st is not None and (
            st.state == "failed" or (st.state == "reconnecting" and self.total_flows == 0)
        )
        if show and st is not None:
            panel.update(
                strings.relay_panel(
                    st.address or self.netpol.flow_feed.label,
                    st.message or self.stream_error,
                    st.attempt,
                    st.retry_in,
                )
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
                        self.selection = FlowSelection(f)
                        return
                return

    def _tick(self) -> None:
        self.netpol.gc_pacer.step()
        self._refresh_status()
        if self.grouped and self.groups_dirty:
            self._refresh_groups()
        sel = self.selection
        if isinstance(sel, GroupSelection) and self.current_expl is not None:
            self._show_explanation(sel, self.current_expl, keep_scroll=True)  # count and times stay live
        self._update_following()

    def _update_following(self, batch: bool = False) -> None:
        """The flows pane's subtitle says when it does not follow new rows (and how many arrived since).

        Per batch (`batch`) only a change between following and not following is drawn at once: a new count
        alone waits for the next tick (2 a second), as setting a border title repaints the whole pane and
        batches come 20 a second."""
        table = self.query_one(FlowTable)
        if table.follow:
            self.unseen = 0
        text = "" if table.follow or self.grouped or self.paused else strings.not_following(self.unseen)
        box = self.query_one("#flows-box")
        shown = box.border_subtitle or ""
        if shown != text and not (batch and shown and text):
            box.border_subtitle = text

    def _refresh_groups(self) -> None:
        self.groups_dirty = False
        groups = self.netpol.groups_by_count()
        q = self.local_query
        if self.scope.kind != "cluster":
            groups = [g for g in groups if g.sample is None or q.matches(g.sample)]
        self.query_one(GroupTable).set_groups(groups)

    def status_data(self) -> StatusData:
        app = self.netpol
        now = app.clock()
        st = self.stream_state
        feed = app.flow_feed
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
        loading_cluster = self.snapshot is None and (
            self.kube_status is None or self.kube_status.state == "connecting"
        )
        cluster = strings.cluster_status(
            self.snapshot.counts() if self.snapshot is not None else {},
            (now - self.snapshot_at) if self.snapshot_at is not None and feed.live else None,
            app.cluster_feed.label,
            loading_cluster and self.snapshot is None,
        )
        loading = ""
        if self.progress is not None and not self.progress.finished:
            loading = strings.loading(
                self.progress.done, self.progress.total, self.progress.label or feed.label
            )
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
            shown=None if self.local_query.is_empty else self.shown_flows,
        )

    def _refresh_status(self) -> None:
        self.query_one(StatusBar).show(self.status_data())

    # ---- selection ---------------------------------------------------------------------------------------------
    @on(FlowTable.FlowSelected)
    def _flow_selected(self, m: FlowTable.FlowSelected) -> None:
        self.selection = FlowSelection(m.flow)

    @on(GroupTable.GroupSelected)
    def _group_selected(self, m: GroupTable.GroupSelected) -> None:
        self.selection = GroupSelection(m.group)

    @on(PodTree.Chosen)
    def _pod_chosen(self, m: PodTree.Chosen) -> None:
        if m.pod:
            self.scope = self.scope.with_pod(m.namespace_name, m.pod)
        else:
            self.scope = self.scope.with_namespace(m.namespace_name)
        self.selection = PodSelection(m.namespace_name, m.pod)

    def watch_selection(self) -> None:
        self.selection_hidden = False
        self._update_hint()
        self._update_following()
        self._show_selection()

    def _show_selection(self) -> None:
        target = self.selection
        if target is None:
            return
        if isinstance(target, PodSelection):
            self._show_pod(target)
            return
        flow = target.flow
        if flow is None:
            return
        expl_pane = self.query_one(ExplanationPane)
        if self.snapshot is None:
            self.current_expl = None
            expl_pane.show(Text(strings.no_cluster_for_explanation(), style="yellow"))
            self.query_one(FixPane).show("")
            return
        cached = self.netpol.explainer.cached(flow, self.snapshot, True)
        if cached is not None:
            self._show_explanation(target, cached)
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
        if request is not None and request[0] is self.selection:
            self.netpol.explain_selection(*request)

    def _show_explanation(self, target: Selection, expl: Explanation, *, keep_scroll: bool = False) -> None:
        self.current_expl = expl
        # the explanation cache hands out one object per explanation: it keys the panes' rendered lines
        pane = self.query_one(ExplanationPane)
        if isinstance(target, GroupSelection):
            g = target.group
            key = ("group", Same(expl), g.count, g.first_ns, g.last_ns, len(g.pods))
            if key != pane.key:
                header = group_header(g) + self.netpol.row_notes.audit_lines(g.is_audit)
                header += cause_lines(self.netpol.changes, g.sample)  # the policy change it is due to
                pane.show(explanation_renderable(expl, header), key, keep_scroll=keep_scroll)
        elif self.selection_hidden:
            header = [Text(strings.selection_hidden(self.scope.words), style="bold black on #ffd75f")]
            pane.show(explanation_renderable(expl, header), ("hidden", Same(expl)), keep_scroll=keep_scroll)
        else:
            flow = target.flow if isinstance(target, FlowSelection) else None
            header = self.netpol.row_notes.header(flow) if flow is not None else []
            header += cause_lines(self.netpol.changes, flow)  # the policy change its verdict is due to
            marks = tuple(t.plain for t in header)  # the staged verdict, audit, both ends
            flow_key = ("flow", Same(expl), marks)
            pane.show(explanation_renderable(expl, header), flow_key, keep_scroll=keep_scroll)
        self._show_fix(expl)

    def _show_pod(self, target: PodSelection) -> None:
        self.current_expl = None
        mine = self.netpol.groups_involving(target.namespace, target.pod)
        self.query_one(ExplanationPane).show(pod_renderable(self.snapshot, target.key, mine))
        self.query_one(FixPane).show("")

    # ---- scope / filters ---------------------------------------------------------------------------------------
    def validate_scope(self, scope: Scope) -> Scope:
        try:
            scope.query()
        except FilterError as exc:
            self.notify(str(exc), severity="error", title=strings.NOTIFY_TITLES["filter"])
            return self.scope  # refused: the scope stays
        return scope

    def watch_scope(self, scope: Scope) -> None:
        self.local_query = query = scope.query()
        self.netpol.view_filter = query
        self._rebuild_view()
        self.groups_dirty = True
        self.netpol.subscribe(query)
        self._refresh_status()

    def watch_drops_only(self, drops_only: bool) -> None:
        self.scope = replace(self.scope, drops_only=drops_only)
        self.notify(strings.view_toggled(drops_only), timeout=1.5)

    def watch_paused(self, paused: bool) -> None:
        if not paused:
            pending = list(self.pending)
            self.pending.clear()
            self.pending_count = 0
            if pending:
                self._append_view(pending)
        self._refresh_status()

    def watch_grouped(self, grouped: bool) -> None:
        box = self.query_one("#flows-box")
        box.border_title = strings.TITLES["groups" if grouped else "flows"]
        self._update_trouble()
        if grouped:
            self._refresh_groups()
            table = self.query_one(GroupTable)
            table.focus()
            if table.cursor is None and table.row_count():
                table.select_index(0)
        else:
            flows = self.query_one(FlowTable)
            flows.focus()
            if isinstance(self.selection, GroupSelection):
                # the group's header leaves with the grouped view: the flows pane's selected row, or nothing
                cur = flows.cursor
                self.selection = FlowSelection(self.view[cur]) if cur is not None else None
                if self.selection is None:
                    self.current_expl = None
                    self.query_one(FixPane).show("")

    # ---- actions -----------------------------------------------------------------------------------------------
    def action_filter(self) -> None:
        def done(words: str | None) -> None:
            if words is not None:
                self.scope = replace(self.scope, words=words)

        self.app.push_screen(FilterDialog(self.scope.words), done)

    def action_toggle_drops(self) -> None:
        self.drops_only = not self.drops_only

    def action_toggle_groups(self) -> None:
        self.grouped = not self.grouped

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused

    def action_toggle_pods(self) -> None:
        box = self.query_one("#pods-box")
        self._pods_chosen = box.has_class("hidden")
        self._place_pods_pane()
        if self._pods_chosen:
            self.query_one(PodTree).focus()

    def action_back(self) -> None:
        if self.chosen.marks:
            self.action_clear_marks()
        elif self.scope.kind != "cluster":
            self.scope = self.scope.cluster_wide()
            self.selection = None
        elif self.scope.words:
            self.scope = replace(self.scope, words="")
        elif self.grouped:
            self.grouped = False
        elif self.paused:
            self.paused = False

    def action_copy_fix(self) -> None:
        if self.chosen.marks:
            self._hand_over_marked("copy")
            return
        expl = self.current_expl
        if expl is None or not fix_text(expl):
            self.notify(strings.nothing_to_copy("copy"), severity="warning")
            return
        self._after_metadata_check("copy", lambda: self._hand_over(expl, "copy"))

    def _track(self, expl: Explanation | None, how: str) -> None:
        """The confirm-fix loop: follow the fixed connection (ui/tracking.py shows where it stands)."""
        if expl is not None and expl.flow is not None and expl.fixes:
            fix = expl.fixes[0]
            self.netpol.track_fix(expl.flow, fix.kind, fix.namespace, fix.name, how)

    def _after_metadata_check(self, verb: str, hand_over: Callable[[], None]) -> None:
        """Run `hand_over` at once, or, when the fix opens the cloud metadata address, only after an explicit
        yes in a dialog (never by default)."""
        opened = fixes_open_metadata(self.current_expl)
        if not opened:
            hand_over()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                hand_over()
            else:
                self.notify(strings.not_handed_over(verb), severity="warning")

        self.app.push_screen(
            ConfirmDialog(strings.METADATA_TITLE, strings.metadata_question(verb, opened)), answered
        )

    def _copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(strings.copied(what, text.count("\n")), title=strings.NOTIFY_TITLES["copied"])

    def action_save_fix(self) -> None:
        if self.chosen.marks:
            self._hand_over_marked("save")
            return
        expl = self.current_expl
        if expl is None or not fix_text(expl):
            self.notify(strings.nothing_to_copy("save"), severity="warning")
            return
        self._after_metadata_check("save", lambda: self._hand_over(expl, "save"))

    # ---- fixes that combine (ui/chosen_fixes.py) -----------------------------------------------------------------
    def _hand_over(self, expl: Explanation, verb: str) -> None:
        """`c`/`s` on the selected drop's fix: built on the fixes chosen before for the same policies (merged and
        verified in a worker when there are any), one patch per policy."""
        snapshot = self.snapshot
        flow = expl.flow
        explainer = self.netpol.explainer
        fresh = flow is not None and snapshot is not None and explainer.cached(flow, snapshot) is expl
        drop = chosen_drop(expl, snapshot if fresh else None)
        if drop is None:  # (a fix always comes with its flow)
            return
        earlier = self.chosen.earlier
        if snapshot is None or not needs_merge(earlier, [drop]):
            self._deliver(verb, as_is(drop), expl)  # nothing to merge: the fixes as they are
            return
        self.notify(strings.merging(), timeout=2)

        def work() -> None:
            combined = combine(earlier, [drop], snapshot)
            if not get_current_worker().is_cancelled:
                self.post_message(FixesCombined(verb, False, combined, expl=expl))

        self.run_worker(work, thread=True, group="combine", exclusive=True, exit_on_error=False)

    def _hand_over_marked(self, verb: str) -> None:
        """`c`/`s` with marked groups: every marked group's fix, merged per policy (in a worker)."""
        snapshot = self.snapshot
        if snapshot is None:
            self.notify(strings.no_cluster_for_explanation(), severity="warning")
            return
        flows = list(self.chosen.marks.values())
        earlier = self.chosen.earlier
        explainer = self.netpol.explainer
        self.notify(strings.merging(), timeout=2)

        def work() -> None:
            combined, full = combine_marked(flows, earlier, snapshot, explainer.explain)
            if not get_current_worker().is_cancelled:
                self.post_message(FixesCombined(verb, True, combined, full))

        self.run_worker(work, thread=True, group="combine", exclusive=True, exit_on_error=False)

    @on(FixesCombined)
    def _fixes_combined(self, m: FixesCombined) -> None:
        full = m.full
        if full is None:
            self._deliver(m.verb, m.combined, m.expl, marked=m.marked)
            return
        addresses: list[str] = []
        for d in m.combined.left_out:
            addresses += [a for a in d.metadata if a not in addresses]

        def answered(yes: bool | None) -> None:
            self._deliver(m.verb, full if yes else m.combined, None, marked=True)

        question = strings.metadata_marked_question(m.verb, len(m.combined.left_out), addresses)
        self.app.push_screen(ConfirmDialog(strings.METADATA_TITLE, question), answered)

    def _deliver(
        self, verb: str, combined: Combined, expl: Explanation | None, *, marked: bool = False
    ) -> None:
        """Copy or save the patches (one document / one file per policy), say what they build on, and remember
        their drops as chosen."""
        if combined.without_fix:
            self.notify(strings.marked_without_fix(combined.without_fix), severity="warning")
        if combined.left_out:
            self.notify(strings.metadata_left_out(len(combined.left_out)), severity="warning")
        if not combined.patches:
            if not combined.left_out:
                self.notify(strings.marked_nothing(verb), severity="warning")
            return
        notes = [strings.patch_note(p.policy, p.earlier, p.allows) for p in combined.merged]
        if verb == "copy":
            what = strings.the_fix()
            if marked:
                what = strings.the_marked_fixes(len(combined.drops), len(combined.patches))
            elif notes:
                what = strings.the_merged_fixes(notes)
            self._copy(combined.text, what)
        else:
            written = 0
            for p in combined.patches:
                written += self._save_patch(p.fix, p.yaml, p.policy, p.earlier, p.allows)
            if not written:
                return
        if combined.unfixed:
            self.notify(strings.still_denied(combined.unfixed), severity="warning")
        self.chosen.commit(combined)
        self._track(expl, "copied" if verb == "copy" else "saved")
        if self.current_expl is not None:
            self._show_fix(self.current_expl)

    def _save_patch(self, fix: Fix, text: str, policy: str, earlier: int, allows: int) -> bool:
        name = fix_file_name(fix.kind, fix.namespace, fix.name)
        try:
            out = save_patch(self.options.save_dir, fix, text, self.chosen.saved.get(fix_key(fix)))
        except (OSError, ValueError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.notify(strings.save_failed(name, detail), severity="error")
            return False
        self.chosen.remember_save(fix, out, text)
        title = strings.NOTIFY_TITLES["saved"]
        if out.updated:
            note = strings.patch_note(policy, earlier, allows) if earlier or allows > 1 else policy
            self.notify(strings.updated(str(out.path), note), title=title, timeout=12)
        else:
            kept = strings.kept_file(out.kept, out.changed) if out.kept else ""
            self.notify(strings.saved(str(out.path)) + kept, title=title, timeout=12)
        return True

    def _show_fix(self, expl: Explanation) -> None:
        """The fix pane: the explanation's fixes, under a line per policy that has other chosen fixes."""
        body = fix_renderable(expl)
        lines = [
            Text(strings.chosen_note(p, n, a) if mine else strings.will_merge(p, n), style="bold #87d7ff")
            for p, n, a, mine in self.chosen.notes(expl)
        ]
        marks = len(self.chosen.marks)
        if marks:  # `c`/`s` hand over the marked groups' fixes, not this one alone
            lines.insert(0, Text(strings.marks_pending(marks), style="bold black on #d7afff"))
        view = Group(*lines, body) if lines else body
        self.query_one(FixPane).show(view, ("fix", Same(expl), self.chosen.version, marks))

    def action_mark(self) -> None:
        """`m`: mark or unmark the selected row's drop group (`c`/`s` then hand over every marked group's fix)."""
        sel = self.selection
        flow = sel.flow if isinstance(sel, (FlowSelection, GroupSelection)) else None
        if flow is None or flow.verdict not in DROP_VERDICTS:
            self.notify(strings.nothing_to_mark(), severity="warning")
            return
        on = self.chosen.toggle_mark(flow)
        label, count = group_label(group_key(flow)), len(self.chosen.marks)
        self.notify(strings.marked(label, count) if on else strings.unmarked(label, count), timeout=4)
        self._marks_changed()

    def action_clear_marks(self) -> None:
        count = self.chosen.clear_marks()
        self.notify(strings.marks_cleared(count) if count else strings.no_marks(), timeout=2)
        self._marks_changed()

    def _marks_changed(self) -> None:
        self.query_one(FlowTable).marks_changed()
        self.query_one(GroupTable).marks_changed()
        if self.current_expl is not None:
            self._show_fix(self.current_expl)

    def _save(self, text: str, kind: str, namespace: str, name: str) -> bool:
        name = fix_file_name(kind, namespace, name)  # one safe name inside save_dir
        try:
            path = write_new_file(self.options.save_dir, name, text)  # never overwrites, never follows links
        except (OSError, ValueError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.notify(strings.save_failed(name, detail), severity="error")
            return False
        kept = "" if path.name == name else f" ({name} exists: kept, not overwritten)"
        self.notify(strings.saved(str(path)) + kept, title=strings.NOTIFY_TITLES["saved"], timeout=12)
        return True

    def action_copy_dns_fix(self) -> None:
        dns = dns_alternative(self.current_expl)
        if dns is None:
            self.notify(strings.no_dns_alternative("copy"), severity="warning")
            return
        self._copy(dns[2], strings.the_dns_allow())

    def action_save_dns_fix(self) -> None:
        dns = dns_alternative(self.current_expl)
        if dns is None:
            self.notify(strings.no_dns_alternative("save"), severity="warning")
            return
        self._save(dns[2], "NetworkPolicy", dns[0], dns[1])

    def action_rollout(self) -> None:
        """`P`: deny-by-default proposed for the chosen namespace, from the flows kept (ui/screens/rollout_dialog)."""
        from netpol_tui.ui.screens.rollout_dialog import RolloutDialog, chosen_namespace

        namespace = chosen_namespace(self.selection, self.query_one(PodTree))
        if not namespace or self.snapshot is None:
            text = strings.rollout_no_cluster() if namespace else strings.rollout_no_namespace()
            self.notify(text, severity="warning")
            return
        self.app.push_screen(RolloutDialog(namespace, list(self.ring), self.snapshot))

    def action_show_changes(self) -> None:
        self.app.push_screen(ChangesDialog.of(self.netpol))

    def action_show_yaml(self) -> None:
        pols: list[Any] = []
        if self.current_expl is not None:
            pols = policies_involved(self.current_expl.verdict)
        elif isinstance(self.selection, PodSelection) and self.snapshot is not None:
            sel = self.selection
            pod = self.snapshot.pod(sel.key) if sel.pod else None
            if pod is not None:
                ev = self.snapshot.evaluator
                pols = list(dict.fromkeys(ev.selecting_pod(pod, INGRESS) + ev.selecting_pod(pod, EGRESS)))
                pols += cilium_policies_selecting(ev, pod)
            else:
                pols = self.snapshot.policies_in(sel.namespace)
        items = [(p.key, yamlout.dump(p.raw) if p.raw else strings.no_source_kept(p.key)) for p in pols]
        if not items:
            self.notify(strings.no_policy(), severity="warning")
            return
        self.app.push_screen(YamlDialog(items))


__all__ = ["MainScreen"]
