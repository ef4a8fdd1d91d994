"""The pods pane: namespaces → pods, with two marks for ingress/egress isolation, by kind (I/E: a NetworkPolicy,
C: a Cilium policy, +: both; strings.MARKS_LEGEND). Built from the snapshot the app hands down; children are filled
when a namespace is expanded (big clusters stay cheap)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from netpol_tui.core.cilium.model import CiliumPolicy
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import Evaluator
from netpol_tui.core.evaluate_cilium import CiliumEvaluator
from netpol_tui.core.model import Direction, Pod
from netpol_tui.core.policy import EGRESS, INGRESS
from netpol_tui.core.wording.inert import inert
from netpol_tui.ui import strings

MARKS_WIDTH = 4  # "  IE" after a pod's name
NodeData = tuple[str, str, bool]  # ("ns" or "pod", name or ns/name, children filled)


def cilium_isolation(ev: Evaluator, pod: Pod) -> tuple[bool, bool]:
    """(ingress, egress): does a Cilium policy (CNP or CCNP) isolate this pod in that direction?"""
    if not isinstance(ev, CiliumEvaluator):
        return False, False
    engine = ev.view.engine
    rules = engine.selecting(ev.view.party(ev.subject_for_pod(pod)))
    return (
        any(engine.isolates(r.rule, Direction.INGRESS) for r in rules),
        any(engine.isolates(r.rule, Direction.EGRESS) for r in rules),
    )


def cilium_policies_selecting(ev: Evaluator, pod: Pod) -> list[CiliumPolicy]:
    """The CNPs/CCNPs with a rule selecting this pod (for `y` on a pod)."""
    if not isinstance(ev, CiliumEvaluator):
        return []
    rules = ev.view.engine.selecting(ev.view.party(ev.subject_for_pod(pod)))
    return list(dict.fromkeys(r.policy for r in rules))


def _mark(letter: str, knp: bool, cilium: bool) -> tuple[str, str]:
    """One direction's mark and its style: the letter for a NetworkPolicy, C for a Cilium policy, + for both."""
    if knp and cilium:
        return strings.MARK_BOTH, "bold #ffaf00"
    if cilium:
        return strings.MARK_CILIUM, "bold #5fd7ff"
    if knp:
        return letter, "bold #ffaf00"
    return "·", "dim"


class PodTree(Tree[NodeData]):
    DEFAULT_CSS = """
    PodTree { background: $surface; }
    """
    # the same moving keys as the other list panes (the Tree itself knows only the arrows)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "cursor_up", "Up", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("pageup,ctrl+u", "page_up", "Page up", show=False),
        Binding("pagedown,ctrl+d", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "First", show=False),
        Binding("end", "scroll_end", "Last", show=False),
    ]

    class Chosen(Message):
        """A pod ("ns/name") or a namespace ("ns") was chosen (enter)."""

        def __init__(self, namespace: str, pod: str = "") -> None:
            super().__init__()
            self.namespace_name = namespace
            self.pod = pod

    def __init__(self, **kw: Any) -> None:
        super().__init__("cluster", **kw)
        self.show_root = False
        self.guide_depth = 2
        self.snapshot: ClusterSnapshot | None = None

    def set_snapshot(self, snapshot: ClusterSnapshot) -> None:
        expanded = {n.data[1] for n in self._all_nodes() if n.data and n.data[0] == "ns" and n.is_expanded}
        self.snapshot = snapshot
        self.clear()
        for name in sorted(snapshot.namespaces):
            pods = snapshot.pods_in(name)
            pols = snapshot.policies_in(name)
            label = Text(inert(name), style="bold")
            label.append(strings.namespace_node(len(pods), len(pols)), style="dim")
            node = self.root.add(label, data=("ns", name, False), expand=False, allow_expand=bool(pods))
            if name in expanded or len(snapshot.pods) <= 40:  # small clusters: everything in view
                self._fill(node)
                node.expand()

    def _all_nodes(self) -> list[TreeNode[NodeData]]:
        return list(self.root.children)

    def _fill(self, node: TreeNode[NodeData]) -> None:
        if node.data is None:
            return
        kind, name, filled = node.data
        if filled or self.snapshot is None:
            return
        node.data = (kind, name, True)
        ev = self.snapshot.evaluator
        for pod in sorted(self.snapshot.pods_in(name), key=lambda p: p.name):
            c_ing, c_egr = cilium_isolation(ev, pod)
            label = Text(inert(pod.name))
            label.append("  ")
            label.append(*_mark("I", bool(ev.selecting_pod(pod, INGRESS)), c_ing))
            label.append(*_mark("E", bool(ev.selecting_pod(pod, EGRESS)), c_egr))
            node.add_leaf(label, data=("pod", pod.key, True))

    def render_label(self, node: TreeNode[NodeData], base_style: Style, style: Style) -> Text:
        """The label, its name ending with "…" when the pane is too narrow for it (the I/E marks stay)."""
        text = super().render_label(node, base_style, style)
        depth, parent = 0, node.parent
        while parent is not None and parent is not self.root:
            depth, parent = depth + 1, parent.parent
        room = self.scrollable_content_region.width - depth * self.guide_depth
        over = text.cell_len - room
        if room <= 0 or over <= 0:
            return text
        data = node.data
        keep = len(text) - MARKS_WIDTH if data is not None and data[0] == "pod" else len(text)
        cut = max(0, keep - over - 1)
        return Text.assemble(text[:cut], "…", text[keep:])

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        if event.node.data:
            self._fill(event.node)

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        event.stop()
        data = event.node.data
        if not data:
            return
        if data[0] == "ns":
            self.post_message(self.Chosen(data[1]))
        else:
            ns, _, pod = data[1].partition("/")
            self.post_message(self.Chosen(ns, pod))
