"""`P` on a namespace: the deny-by-default rollout pane.

What the proposal for the namespace holds (each policy, the observed connections it admits, its whole YAML), what
it does not cover (loudly: workloads with no traffic, pod pairs still allowed without having been seen), and the
keys to hand it over: `c` copies every policy as one YAML stream, `s` saves it as one new file (never over an
existing one), `t` stages it so that the flows pane marks what it would drop (`t` again unstages).
The proposal is computed by a worker of this screen (ui/rollout.plan_rollout); staging judges the flows kept so
far in a worker of the main screen, which outlives this dialog.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import get_current_worker

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.filenames import safe_component
from netpol_tui.core.model import Direction, Flow
from netpol_tui.core.propose import PolicyRole, WorkloadId
from netpol_tui.sources.output_files import write_new_file
from netpol_tui.ui import strings
from netpol_tui.ui.rendering import yaml_renderable
from netpol_tui.ui.rollout import (
    FIRST_CONNECTIONS,
    Rollout,
    RolloutJudge,
    judge_kept,
    plan_rollout,
    stage,
    staged_rollout,
    unstage,
)
from netpol_tui.ui.selection import PodSelection, Selection
from netpol_tui.ui.widgets.flow_table import FlowTable
from netpol_tui.ui.widgets.panes import ContentPane
from netpol_tui.ui.widgets.pod_tree import PodTree

if TYPE_CHECKING:
    from netpol_tui.ui.app import NetpolApp

WARNING_STYLE = "bold white on #af0000"
STAGED_STYLE = "bold white on #af5f00"


class RolloutPane(ContentPane):
    """The rollout's text: summary, then each policy with what it admits and its YAML (scrolls, never cut)."""


def chosen_namespace(selection: Selection, tree: PodTree) -> str:
    """The namespace `P` proposes for: the one under the Pods pane's cursor while that pane has the focus (a pod's
    namespace), else the one chosen there with enter (a chosen pod's namespace); "" when there is none."""
    node = tree.cursor_node
    if tree.has_focus and node is not None and node.data is not None:
        kind, name, _ = node.data
        return name if kind == "ns" else name.partition("/")[0]
    if isinstance(selection, PodSelection):
        return selection.namespace
    return ""


def _same(judge: RolloutJudge, rollout: Rollout) -> bool:
    """`judge` stages this proposal (or one made earlier from the same flows: the same policies)."""
    return judge.source is rollout or (
        judge.namespace == rollout.namespace and judge.source.yaml == rollout.yaml
    )


def _wl(w: WorkloadId) -> str:
    return f"{w.namespace}/{w.name} ({w.kind})"


def rollout_renderable(rollout: Rollout, staged_here: str, staged_other: str) -> RenderableType:
    """Everything the pane shows for a finished proposal (`staged_here`/`staged_other`: the staged line)."""
    p = rollout.proposal
    parts: list[RenderableType] = []
    if staged_here:
        parts.append(Text(staged_here, style=STAGED_STYLE))
    elif staged_other:
        parts.append(Text(staged_other, style="bold #ffaf00"))
    if p.ok:
        parts.append(
            Text(
                strings.rollout_verified(rollout.namespace, len(p.policies), len(p.connections), p.flows),
                style="bold #5fd75f",
            )
        )
    else:
        parts.append(Text(strings.rollout_not_verified(len(p.uncovered)), style=WARNING_STYLE))
        for u in p.uncovered:
            c = u.connection
            why = strings.rollout_gap(u.gap, _wl(u.workload) if u.workload else "?", u.namespace)
            line = strings.rollout_uncovered(
                c.source, c.destination, c.port, c.protocol, u.direction == Direction.EGRESS, why
            )
            parts.append(Text(line, style="#ff8787"))
    if not rollout.forwarded_seen:
        parts.append(Text(strings.rollout_no_forwarded(rollout.flows_seen), style=WARNING_STYLE))
    if p.idle:
        parts.append(Text(strings.rollout_idle([_wl(w) for w in p.idle]), style=WARNING_STYLE))
    if p.unselectable:
        parts.append(
            Text(strings.rollout_unselectable([_wl(s.workload) for s in p.unselectable]), style=WARNING_STYLE)
        )
    if p.unobserved_allowed_pairs is not None:
        ports = [f"{port}/{proto}" for proto, port in p.observed_ports]
        style = "bold #ffd75f" if p.unobserved_allowed_pairs else ""
        parts.append(Text(strings.rollout_unobserved(p.unobserved_allowed_pairs, ports), style=style))
    notes: list[str] = []
    if rollout.admitted_elsewhere:
        notes.append(strings.rollout_elsewhere(rollout.admitted_elsewhere))
    if p.rules_removed:
        notes.append(strings.rollout_rules_left_out(p.rules_removed))
    if p.ingress_controllers:
        notes.append(strings.rollout_controllers([_wl(w) for w in p.ingress_controllers]))
    if p.ghost_pods:
        notes.append(strings.rollout_ghosts(list(p.ghost_pods)))
    notes.append(
        strings.rollout_seen(rollout.flows_seen, [(str(k), n) for k, n in sorted(rollout.skipped.items())])
    )
    parts.extend(Text(n, style="dim") for n in notes)
    if p.ok and rollout.coverage:
        index = [(c.policy.name, len(c.connections)) for c in rollout.coverage]
        parts.append(Text(strings.rollout_index(index), style="bold"))
    for cov in rollout.coverage:
        pol = cov.policy
        parts.append(Text(""))
        workload = _wl(pol.workload) if pol.workload is not None else ""
        heading = strings.rollout_policy_heading(pol.key, pol.role, pol.namespace, workload)
        parts.append(Text(heading, style="bold #87afd7"))
        if p.ok and pol.role != PolicyRole.DENY_ALL:  # deny-all admits nothing (its heading says so)
            conns = cov.connections
            parts.append(Text(strings.rollout_covers(len(conns)), style="dim"))
            for c in conns[:FIRST_CONNECTIONS]:
                parts.append(Text(strings.rollout_connection(c.source, c.destination, c.port, c.protocol)))
            if len(conns) > FIRST_CONNECTIONS:
                parts.append(Text(strings.rollout_more(len(conns) - FIRST_CONNECTIONS), style="dim"))
        parts.append(yaml_renderable(pol.yaml))
    return Group(*parts)


class RolloutDialog(ModalScreen[None]):
    class Proposed(Message):
        """The worker's result: the proposal, with what each policy admits."""

        def __init__(self, rollout: Rollout) -> None:
            super().__init__()
            self.rollout = rollout

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,P", "close", strings.KEYS["close"]),
        Binding("c", "copy", strings.ROLLOUT_BINDINGS["copy"]),
        Binding("s", "save", strings.ROLLOUT_BINDINGS["save"]),
        Binding("t", "toggle_stage", strings.ROLLOUT_BINDINGS["stage"]),
    ]
    DEFAULT_CSS = """
    RolloutDialog { align: center middle; }
    RolloutDialog > Vertical { width: 95%; height: 92%; border: round #87afd7; background: $panel; }
    RolloutDialog RolloutPane { height: 1fr; }
    RolloutDialog #rollout-keys { height: 1; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, namespace: str, flows: Sequence[Flow], snapshot: ClusterSnapshot) -> None:
        super().__init__()
        self.namespace = namespace
        self.flows = flows  # a copy of the TUI's ring, taken on the UI thread
        self.snapshot = snapshot
        self.rollout: Rollout | None = None
        self.saved_path: Path | None = None  # the file `s` wrote last

    @property
    def netpol(self) -> NetpolApp:
        return cast("NetpolApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = strings.rollout_title(self.namespace)
            yield RolloutPane(
                Text(strings.rollout_working(self.namespace, len(self.flows)), style="dim"), id="rollout"
            )
            yield Static(strings.ROLLOUT_KEYS, id="rollout-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one(RolloutPane).focus()
        self.propose()

    @work(thread=True, exclusive=True, group="rollout", name="rollout", exit_on_error=False)
    def propose(self) -> None:
        worker = get_current_worker()
        rollout = plan_rollout(
            self.namespace, self.flows, self.snapshot, cancelled=lambda: worker.is_cancelled
        )
        if rollout is not None and not worker.is_cancelled:
            self.post_message(self.Proposed(rollout))  # thread-safe; dropped if the dialog is gone

    @property
    def ready(self) -> bool:
        """The proposal is computed and shown (tests wait on it)."""
        return self.rollout is not None

    def on_rollout_dialog_proposed(self, m: Proposed) -> None:
        self.show_rollout(m.rollout)

    def show_rollout(self, rollout: Rollout) -> None:
        self.rollout = rollout
        self._show_rollout()

    def _show_rollout(self) -> None:
        rollout = self.rollout
        if rollout is None:
            return
        here = other = ""
        judge = staged_rollout(self.netpol.row_notes)
        if judge is not None and _same(judge, rollout):
            here = strings.rollout_staged_now()
        elif judge is not None:
            other = strings.rollout_staged_other(judge.namespace)
        self.query_one(RolloutPane).show(rollout_renderable(rollout, here, other), keep_scroll=True)

    def _usable(self, verb: str) -> Rollout | None:
        rollout = self.rollout
        if rollout is None:
            self.notify(strings.rollout_working(self.namespace, len(self.flows)), severity="warning")
            return None
        if not rollout.ok:
            self.notify(strings.rollout_refused(verb), severity="warning")
            return None
        return rollout

    # ---- keys --------------------------------------------------------------------------------------------------
    def action_copy(self) -> None:
        rollout = self._usable("copy")
        if rollout is None:
            return
        text = rollout.yaml
        self.app.copy_to_clipboard(text)
        what = strings.rollout_the_proposal(rollout.namespace, len(rollout.proposal.policies))
        self.notify(strings.copied(what, text.count("\n")), title=strings.NOTIFY_TITLES["copied"])

    def action_save(self) -> None:
        rollout = self._usable("save")
        if rollout is None:
            return
        name = f"rollout-{safe_component(rollout.namespace) or 'namespace'}.yaml"
        try:
            path = write_new_file(self.netpol.options.save_dir, name, rollout.yaml)  # never overwrites
        except (OSError, ValueError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.notify(strings.save_failed(name, detail), severity="error")
            return
        self.saved_path = path
        kept = "" if path.name == name else f" ({name} exists: kept, not overwritten)"
        self.notify(strings.saved(str(path)) + kept, title=strings.NOTIFY_TITLES["saved"], timeout=12)

    def action_toggle_stage(self) -> None:
        app = self.netpol
        notes = app.row_notes
        current = staged_rollout(notes)
        if current is not None and self.rollout is not None and _same(current, self.rollout):
            judge = unstage(notes, app.options)
            self.notify(strings.rollout_unstaged(app.options.staged_label))
        else:
            rollout = self._usable("stage")
            if rollout is None:
                return
            judge = stage(notes, rollout, strings.rollout_label(rollout.namespace))
            self.notify(strings.rollout_staged(rollout.namespace))
        main = app.main
        table = main.query_one(FlowTable)
        table.marks_changed()
        if judge is not None:
            flows = list(main.ring)  # the ring changes on the UI thread only: copied here
            snapshot = main.snapshot

            def run() -> None:
                judge_kept(judge, flows, snapshot)
                app.call_from_thread(table.marks_changed)

            main.run_worker(
                run, thread=True, group="rollout-stage", name="rollout-stage", exit_on_error=False
            )
        self._show_rollout()

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["RolloutDialog", "RolloutPane", "chosen_namespace", "rollout_renderable"]
