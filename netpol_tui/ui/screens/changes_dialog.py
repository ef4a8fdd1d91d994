"""`H`: the changes timeline. The policy changes seen live (newest first) with the drops around each and the number
of drop groups due to it; the highlighted change (enter moves into it) shows what it did to the policy (rules,
ports, peers added or removed; the spec's YAML diff) and what it broke (the drop groups whose verdict it made, the
observed connections it denied or allowed).

The data comes from the app's `ChangesLog` (ui/changes_log.py, fed by the cluster and flow workers); the dialog's
own thread workers count the groups per change and work out one change's impact, and post the results back as
messages (only the UI thread changes what is shown).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from netpol_tui.core.aggregate import DropGroup
from netpol_tui.core.diff import ConnectionChange
from netpol_tui.core.history import PolicyEvent
from netpol_tui.core.model import Flow
from netpol_tui.core.policy_delta import Action
from netpol_tui.core.wording.explanations import group_line
from netpol_tui.core.wording.inert import inert
from netpol_tui.ui import strings
from netpol_tui.ui.changes_log import WINDOW, BrokenGroup, ChangeImpact, ChangeRow, ChangesLog
from netpol_tui.ui.feeds import StaticCluster
from netpol_tui.ui.rendering import clock_text

if TYPE_CHECKING:
    from netpol_tui.ui.app import NetpolApp

__all__ = ["ChangesDialog", "cause_lines"]

DELTA_STYLE = {Action.ADDED: "#5fd75f", Action.REMOVED: "#ff8787", Action.CHANGED: "#ffd75f"}


class GroupsCounted(Message):
    """The drop groups due to each kept change (the dialog's worker)."""

    def __init__(self, found: dict[PolicyEvent, list[BrokenGroup]]) -> None:
        super().__init__()
        self.found = found


class ImpactFound(Message):
    """What one change did (the dialog's worker)."""

    def __init__(self, impact: ChangeImpact) -> None:
        super().__init__()
        self.impact = impact


def at_text(seconds: float) -> str:
    return clock_text(int(seconds * 1e9), ms=False)


REFRESH = 1.0  # seconds between the open timeline's updates
CAUSE_STYLE = "bold #ffd75f"
CAUSE_DELTAS = 2  # what the change did, named in the line (the timeline has them all)


def cause_lines(log: ChangesLog, flow: Flow | None) -> list[Text]:
    """The line above a flow's or drop group's explanation naming the kept change its verdict is due to."""
    cause = log.cause(flow)
    if cause is None:
        return []
    p = cause.event.policy
    name = f"{p.namespace}/{p.name}" if p.namespace else p.name
    deltas = [
        strings.spec_delta_text(str(d.action), str(d.part), d.section, d.rule, d.item, d.old)
        for d in cause.deltas[:CAUSE_DELTAS]
    ]
    more = max(0, len(cause.deltas) - CAUSE_DELTAS)
    line = strings.change_cause(
        name, str(cause.event.change.change), at_text(cause.seen_at), cause.before, deltas, more
    )
    return [Text(inert(line), style=CAUSE_STYLE)]


class ChangesDialog(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,H", "close", strings.KEYS["close"]),
    ]
    DEFAULT_CSS = """
    ChangesDialog { align: center middle; }
    ChangesDialog > Vertical { width: 95%; height: 90%; border: round #87afd7; background: $panel;
        border-subtitle-color: #8a8a8a; }
    ChangesDialog #changes-table { height: auto; max-height: 40%; }
    ChangesDialog #changes-empty { padding: 1 2; color: #ffd7af; }
    ChangesDialog #changes-detail { height: 1fr; padding: 0 1; border-top: solid #444444; }
    """

    def __init__(
        self,
        log: ChangesLog,
        *,
        live: bool,
        groups: Sequence[DropGroup] = (),
        flows: Sequence[Flow] = (),
        seen: Callable[[], tuple[Sequence[DropGroup], Sequence[Flow]]] | None = None,
    ) -> None:
        super().__init__()
        self.changes_log = log
        self.live = live
        self.groups = list(groups)
        self.flows = list(flows)
        self.seen = seen  # the drop groups and flows now (the timeline follows them while open)
        self.rows: list[ChangeRow] = []
        self.broken: dict[PolicyEvent, list[BrokenGroup]] | None = None  # None: being counted
        self.impact: ChangeImpact | None = None  # of the shown change
        self.shown: PolicyEvent | None = None
        self.detail_text = ""  # the detail pane's text (plain)

    @classmethod
    def of(cls, app: NetpolApp) -> ChangesDialog:
        """The timeline of a running app: its changes log, drop groups and the flows it keeps."""
        return cls(
            app.changes,
            live=not isinstance(app.cluster_feed, StaticCluster),
            groups=app.groups_by_count(),
            flows=list(app.main.ring),
            seen=lambda: (app.groups_by_count(), list(app.main.ring)),
        )

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = strings.CHANGES_TITLE
            box.border_subtitle = strings.changes_subtitle(self.changes_log.history.max_changes, int(WINDOW))
            table: DataTable[str] = DataTable(id="changes-table", cursor_type="row", zebra_stripes=True)
            yield table
            yield Static("", id="changes-empty", markup=False)
            with VerticalScroll(id="changes-detail"):
                yield Static("", id="change-detail", markup=False)

    def on_mount(self) -> None:
        self.set_interval(REFRESH, self.refresh_rows)
        self.rows = self.changes_log.rows()
        table = self.query_one(DataTable)
        empty = self.query_one("#changes-empty", Static)
        if not self.rows:
            table.display = False
            self.query_one("#changes-detail").display = False
            since = (
                at_text(self.changes_log.first_seen_at) if self.changes_log.first_seen_at is not None else ""
            )
            empty.update(
                strings.changes_empty(
                    self.live, self.changes_log.snapshots > 0, since, self.changes_log.history.max_changes
                )
            )
            return
        empty.display = False
        for title in strings.CHANGES_COLUMNS:
            table.add_column(title, key=title)
        for i, row in enumerate(self.rows):
            table.add_row(*self._cells(row), key=str(i))
        table.focus()
        self.count_groups()
        self._show(0)

    def refresh_rows(self) -> None:
        """While open, the timeline follows: a new change is listed (the highlighted one stays highlighted) and
        the drop counts around each change move; drop groups are counted again on the groups seen now."""
        rows = self.changes_log.rows()
        if self.seen is not None:
            groups, flows = self.seen()
            self.groups, self.flows = list(groups), list(flows)
        if [r.event for r in rows] != [r.event for r in self.rows]:
            if not self.rows:  # was the empty state: show the table
                self.query_one("#changes-empty", Static).display = False
                self.query_one(DataTable).display = True
                self.query_one("#changes-detail").display = True
                for title in strings.CHANGES_COLUMNS:
                    self.query_one(DataTable).add_column(title, key=title)
            self.rows = rows
            table = self.query_one(DataTable)
            table.clear()
            for i, row in enumerate(rows):
                table.add_row(*self._cells(row), key=str(i))
            keep = next((i for i, r in enumerate(rows) if r.event == self.shown), 0)
            table.move_cursor(row=keep)
            table.focus()
            if self.shown is None:
                self._show(0)
        else:
            table = self.query_one(DataTable)
            before, after = strings.CHANGES_COLUMNS[4], strings.CHANGES_COLUMNS[5]
            for i, (old, new) in enumerate(zip(self.rows, rows, strict=True)):
                if (old.drops_before, old.drops_after, old.after_complete) != (
                    new.drops_before,
                    new.drops_after,
                    new.after_complete,
                ):
                    cells = self._cells(new)
                    table.update_cell(str(i), before, cells[4])
                    table.update_cell(str(i), after, cells[5])
            self.rows = rows
        if self.rows:
            self.count_groups()

    def _cells(self, row: ChangeRow) -> tuple[str, ...]:
        p = row.event.policy
        name = f"{p.namespace}/{p.name}" if p.namespace else p.name
        broken = self.broken
        count = strings.changes_pending() if broken is None else str(len(broken.get(row.event, ())))
        return (
            at_text(row.seen_at),
            inert(p.kind),
            inert(name),
            str(row.event.change.change),
            f"{row.drops_before:,}",
            strings.changes_after(row.drops_after, row.after_complete),
            count,
        )

    # ---- workers ----------------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="changes-groups", name="changes-groups", exit_on_error=False)
    def count_groups(self) -> None:
        found = self.changes_log.groups_by_change(self.groups)
        if not get_current_worker().is_cancelled:
            self.post_message(GroupsCounted(found))

    @work(thread=True, exclusive=True, group="changes-impact", name="changes-impact", exit_on_error=False)
    def find_impact(self, event: PolicyEvent) -> None:
        impact = self.changes_log.impact(event, self.groups, self.flows)
        if not get_current_worker().is_cancelled:
            self.post_message(ImpactFound(impact))

    def on_groups_counted(self, m: GroupsCounted) -> None:
        self.broken = m.found
        table = self.query_one(DataTable)
        column = strings.CHANGES_COLUMNS[-1]
        for i, row in enumerate(self.rows):
            table.update_cell(str(i), column, str(len(m.found.get(row.event, ()))))

    def on_impact_found(self, m: ImpactFound) -> None:
        if m.impact.event != self.shown:
            return  # the user has moved on: a newer request is on its way
        self.impact = m.impact
        self._render_detail(m.impact)

    # ---- selection --------------------------------------------------------------------------------------------
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(event.cursor_row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self._show(event.cursor_row)
        self.query_one("#changes-detail").focus()

    def _show(self, index: int) -> None:
        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        if row.event == self.shown:
            return
        self.shown = row.event
        self.impact = None
        self._set_detail(Group(self._heading(row), Text(strings.change_working(), style="dim")))
        self.find_impact(row.event)

    def _heading(self, row: ChangeRow) -> Text:
        e = row.event
        p = e.policy
        name = f"{p.namespace}/{p.name}" if p.namespace else p.name
        return Text(
            inert(
                strings.change_heading(
                    p.kind, name, str(e.change.change), at_text(row.seen_at), e.resource_version
                )
            ),
            style="bold",
        )

    def _render_detail(self, impact: ChangeImpact) -> None:
        row = next((r for r in self.rows if r.event == impact.event), None)
        if row is None:
            return
        parts: list[RenderableType] = [self._heading(row), Text("")]
        max_changes = self.changes_log.history.max_changes
        # what it did to the policy
        parts.append(Text(strings.CHANGES_SECTIONS["did"], style="bold #87afd7"))
        if not impact.kept:
            parts.append(Text(strings.change_not_kept(max_changes), style="dim"))
        elif not impact.deltas:
            parts.append(Text("  " + strings.change_no_deltas(str(impact.event.change.change)), style="dim"))
        for d in impact.deltas:
            text = strings.spec_delta_text(str(d.action), str(d.part), d.section, d.rule, d.item, d.old)
            parts.append(Text(inert("  " + text), style=DELTA_STYLE[d.action]))
        # what it broke
        parts.append(Text(""))
        parts.append(Text(strings.CHANGES_SECTIONS["broke"], style="bold #87afd7"))
        lost = [c for c in impact.flipped if c.loses_access]
        gained = [c for c in impact.flipped if not c.loses_access]
        if impact.groups:
            parts.append(Text(strings.change_broke_groups(len(impact.groups))))
            for b in impact.groups:
                a = b.attribution
                line = group_line(b.group) + strings.change_group_suffix(
                    b.group.reason, a.before, str(a.side)
                )
                parts.append(Text(inert(line), style="#ff8787"))
        if lost:
            parts.append(Text(strings.change_lost_header(len(lost), impact.observed)))
            for c in lost:
                parts.append(Text(inert(self._flipped(c)), style="#ff8787"))
        if impact.kept and not impact.groups and not lost:
            parts.append(Text("  " + strings.change_broke_nothing(impact.observed), style="#5fd75f"))
        if gained:
            parts.append(Text(""))
            parts.append(Text(strings.CHANGES_SECTIONS["opened"], style="bold #87afd7"))
            parts.append(Text(strings.change_gained_header(len(gained), impact.observed)))
            for c in gained:
                parts.append(Text(inert(self._flipped(c)), style="#5fd75f"))
        # the spec's diff
        if impact.unified:
            parts.append(Text(""))
            parts.append(Text(strings.CHANGES_SECTIONS["diff"], style="bold #87afd7"))
            for ln in impact.unified:
                style = "#5fd75f" if ln.startswith("+") else "#ff8787" if ln.startswith("-") else "dim"
                parts.append(Text(inert(ln), style=style))
        self._set_detail(Group(*parts))

    @staticmethod
    def _flipped(c: ConnectionChange) -> str:
        conn = c.connection
        return strings.change_flipped_line(
            conn.source, conn.destination, conn.port, conn.protocol, c.flows, str(c.side)
        )

    def _set_detail(self, renderable: Group) -> None:
        self.detail_text = "\n".join(r.plain for r in renderable.renderables if isinstance(r, Text))
        self.query_one("#change-detail", Static).update(renderable)

    def action_close(self) -> None:
        self.dismiss(None)
