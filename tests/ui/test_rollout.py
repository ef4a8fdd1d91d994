"""Issue 14 point 7: the rollout pane. `P` on a namespace proposes deny-by-default plus the allows of the flows
the TUI has seen; the pane lists the policies and what each admits; `c` copies them as one YAML stream, `s` saves
one file (never over another), `t` stages them so the flows pane marks what they would drop."""

from __future__ import annotations

from dataclasses import replace

import yaml

from netpol_tui.core.diff import staged
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.model import Direction, Flow
from netpol_tui.core.policy import EGRESS, INGRESS
from netpol_tui.core.propose import Connection, Gap, Proposal, Uncovered
from netpol_tui.demo import demo_snapshot
from netpol_tui.ui.rollout import Rollout, RolloutJudge
from netpol_tui.ui.screens.rollout_dialog import RolloutDialog
from netpol_tui.ui.widgets.flow_table import FlowTable
from netpol_tui.ui.widgets.pod_tree import PodTree

from .conftest import build_app, wait_until

N = 200
PAYMENTS = ["payments/default-deny-all", "payments/allow-dns-egress", "payments/payments-egress"]


async def _ready(pilot, app) -> None:
    await wait_until(pilot, lambda: app.main.total_flows >= N and app.main.snapshot is not None)


async def _cursor_on(pilot, app, namespace: str) -> None:
    """The Pods pane focused, its cursor on `namespace` (keys only, as a user would)."""
    tree = app.main.query_one(PodTree)
    tree.focus()
    await pilot.pause()
    await pilot.press("home")
    for _ in range(200):
        node = tree.cursor_node
        if node is not None and node.data is not None and node.data[:2] == ("ns", namespace):
            return
        await pilot.press("j")
    raise AssertionError(f"{namespace} not in the Pods pane")


async def _open(pilot, app) -> RolloutDialog:
    await pilot.press("P")
    await wait_until(pilot, lambda: isinstance(app.screen, RolloutDialog))
    dialog = app.screen
    await wait_until(pilot, lambda: dialog.ready)
    return dialog


def _subject(ev, snapshot, ep):
    pod = snapshot.pod(f"{ep.namespace}/{ep.pod_name}") if ep.pod_name else None
    return ev.subject_for_pod(pod) if pod is not None else ev.subject_for_ip(ep.ip)


def _text(dialog) -> str:
    """The pane's text with its line breaks (wrapping at the pane's width) as single spaces."""
    return " ".join(dialog.query_one("#rollout").text.split())


def _rows(app) -> list[tuple[str, ...]]:
    table = app.main.query_one(FlowTable)
    return [table.cells(i) for i in range(table.row_count())]


async def test_P_on_a_namespace_proposes_verified_policies_and_copies_them_as_one_stream(tmp_path):
    app, _ = build_app(N, tmp_path=tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await _cursor_on(pilot, app, "payments")
        dialog = await _open(pilot, app)
        rollout = dialog.rollout
        assert rollout is not None and rollout.ok and rollout.namespace == "payments"
        assert [p.key for p in rollout.proposal.policies] == PAYMENTS

        text = _text(dialog)
        raw = dialog.query_one("#rollout").text
        for key in PAYMENTS:
            assert key in text
        assert "verified with the evaluator" in text
        # what each policy admits: the egress policy the one observed connection of payments' own pods
        covers = {c.policy.key: [str(x) for x in c.connections] for c in rollout.coverage}
        assert [len(covers[k]) for k in PAYMENTS] == [0, 0, 1]
        assert [len(c.connections) for c in rollout.coverage] == [p.covers for p in rollout.proposal.policies]
        assert (
            rollout.admitted_elsewhere == 1
        )  # shop/worker → payments 8443: payments-ingress admits it already
        assert "payments/payments-84d6b7c9f-t5r2e → payments/postgres-0 5432/TCP" in text
        assert "admits 1 observed connection" in text
        assert "isolates every pod of payments both ways" in text
        assert (
            raw.count("kind: NetworkPolicy") == 3 and "port: postgres" in raw
        )  # the YAML in the pane, whole

        await pilot.press("c")
        copied = app.clipboard
        assert copied == rollout.yaml and copied.count("\n---\n") == len(PAYMENTS) - 1
        docs = list(yaml.safe_load_all(copied))
        assert [f"{d['metadata']['namespace']}/{d['metadata']['name']}" for d in docs] == PAYMENTS
        parsed = parse_objects(docs)
        assert not parsed.problems and len(parsed.policies) == len(PAYMENTS)

        # the evaluator, under the cluster plus what was copied: every observed (FORWARDED, not a reply) flow with
        # an end in payments stays allowed, and every pod of payments is isolated both ways
        snapshot = demo_snapshot()
        after = staged(snapshot, docs)
        ev = after.evaluator
        observed = [
            f
            for f in app.main.ring
            if f.verdict == "FORWARDED"
            and not f.is_reply
            and "payments" in (f.source.namespace, f.destination.namespace)
        ]
        assert len({(f.source.pod_name, f.destination.pod_name) for f in observed}) == 2
        for f in observed:
            src, dst = _subject(ev, after, f.source), _subject(ev, after, f.destination)
            assert ev.allows(src, dst, f.destination_port, f.protocol), f
        for pod in after.pods_in("payments"):
            assert ev.selecting_pod(pod, INGRESS) and ev.selecting_pod(pod, EGRESS)

        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, RolloutDialog))


async def test_a_pod_chosen_in_the_pods_pane_proposes_for_its_namespace():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await _cursor_on(pilot, app, "kube-system")
        await pilot.press("j", "enter")  # the coredns pod: chosen (the view is scoped to it)
        await wait_until(pilot, lambda: getattr(app.main.selection, "pod", "").startswith("coredns"))
        app.main.query_one(FlowTable).focus()  # P works from any pane once a pod or namespace is chosen
        dialog = await _open(pilot, app)
        assert dialog.namespace == "kube-system"
        rollout = dialog.rollout
        keys = [p.key for p in rollout.proposal.policies]
        assert keys == [
            "kube-system/default-deny-all",
            "kube-system/allow-dns-egress",
            "kube-system/coredns-ingress",
        ]
        # the coredns ingress admits exactly the two DNS clients observed (shop/api and shop/frontend)
        cov = next(c for c in rollout.coverage if c.policy.key == "kube-system/coredns-ingress")
        assert sorted(c.source.split("-")[0] for c in cov.connections) == ["shop/api", "shop/frontend"]
        assert all(c.port == 53 and c.protocol == "UDP" for c in cov.connections)
        assert "admits 2 observed connections" in _text(dialog)


async def test_P_without_a_namespace_says_how_to_choose_one():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        app.main.query_one(FlowTable).focus()
        await pilot.press("P")
        await pilot.pause()
        assert not isinstance(app.screen, RolloutDialog)
        assert any("choose one in the Pods pane" in n.message for n in app._notifications)


def _new_connection(app) -> Flow:
    """A FORWARDED flow of a connection not seen before: payments/payments to an outside address on 443 (the
    cluster allows it: no policy isolates payments' egress; the proposal for payments does not)."""
    flows = list(app.main.ring)
    payments = next(f.source for f in flows if f.source.pod_name.startswith("payments-"))
    outside = next(f.destination for f in flows if f.destination_port == 443 and not f.destination.pod_name)
    model = next(f for f in flows if f.verdict == "FORWARDED" and f.protocol == "TCP")
    return replace(
        model,
        uuid="rollout-test",
        source=payments,
        destination=outside,
        destination_port=443,
        time_ns=model.time_ns + 1,
    )


async def test_stage_marks_what_the_proposal_would_drop_and_unstage_clears_it(tmp_path):
    app, feed = build_app(N, tmp_path=tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await _cursor_on(pilot, app, "payments")
        dialog = await _open(pilot, app)
        await pilot.press("t")
        judge = app.row_notes.staged
        assert isinstance(judge, RolloutJudge) and judge.namespace == "payments"
        assert "STAGED" in _text(dialog)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, RolloutDialog))
        workers = [w for w in app.main.workers if w.group == "rollout-stage"]
        if workers:
            await app.main.workers.wait_for_complete(workers)

        # the observed connections stay allowed: no row of payments is marked
        await pilot.pause()
        assert not any("would" in r[5] for r in _rows(app)), [r for r in _rows(app) if "would" in r[5]]

        # a connection the proposal has not seen arrives: marked "would drop"
        feed.push([_new_connection(app)])
        await wait_until(pilot, lambda: any(r[5].startswith("[would drop]") for r in _rows(app)))
        marked = [r for r in _rows(app) if "would" in r[5]]
        assert (
            len(marked) == 1 and marked[0][1].startswith("payments/payments-") and marked[0][3] == "443/TCP"
        )

        # P then t again: unstaged, the marks go
        await _cursor_on(pilot, app, "payments")
        dialog = await _open(pilot, app)
        assert "An earlier proposal for payments is staged" in _text(dialog)
        await pilot.press("t")  # this proposal in place of the earlier one
        assert app.row_notes.staged is not judge
        await pilot.press("t")  # and off
        assert app.row_notes.staged is None
        await pilot.press("escape")
        await wait_until(pilot, lambda: not any("would" in r[5] for r in _rows(app)))


async def test_save_writes_one_file_and_never_overwrites(tmp_path):
    app, _ = build_app(N, tmp_path=tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await _cursor_on(pilot, app, "payments")
        dialog = await _open(pilot, app)
        await pilot.press("s")
        first = dialog.saved_path
        await pilot.press("s")
        second = dialog.saved_path
        assert first is not None and second is not None
        assert (first.name, second.name) == ("rollout-payments.yaml", "rollout-payments-1.yaml")
        assert first.read_text() == second.read_text() == dialog.rollout.yaml
        assert any("kept, not overwritten" in n.message for n in app._notifications)


async def test_no_proposal_verified_nothing_is_handed_over(tmp_path):
    """A namespace whose observed connections cannot be kept allowed: the pane says why, c/s/t refuse."""
    app, _ = build_app(N, tmp_path=tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await _cursor_on(pilot, app, "payments")
        dialog = await _open(pilot, app)
        conn = Connection("payments/a", "payments/b", 80, "TCP")
        bad = Proposal(
            namespaces=("payments",),
            policies=(),
            connections=(conn,),
            out_of_scope=0,
            flows=1,
            uncovered=(Uncovered(conn, Gap.UNEXPLAINED, Direction.INGRESS),),
        )
        dialog.show_rollout(Rollout("payments", bad, (), 1))
        await pilot.pause()
        text = _text(dialog)
        assert "No proposal keeps every observed connection allowed" in text
        assert "payments/a → payments/b 80/TCP: ingress at the destination stays denied" in text
        for key in ("c", "s", "t"):
            await pilot.press(key)
        assert app.clipboard == "" and not list(tmp_path.glob("*.yaml")) and app.row_notes.staged is None


class TestRolloutSnapshot:
    def test_rollout_pane_160x48(self, snap_compare):
        async def run_before(pilot):
            app = pilot.app
            await _ready(pilot, app)
            await _cursor_on(pilot, app, "kube-system")
            await _open(pilot, app)
            await pilot.pause()

        app, _ = build_app(N)
        assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)


def test_the_readme_workflow_runs_on_the_demo_files():
    """Every `netpol-tui` command of the README's deny-by-default workflow is a line of its Usage section, whose
    offline lines tests/test_readme_usage.py runs on `demo --export`'s files (the live ones it parses)."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## From observed traffic to deny-by-default\n")
    end = text.index("\n## ", start + 1)
    workflow = text[start:end]
    spans = [" ".join(m.split()) for m in re.findall(r"`(netpol-tui [^`]+)`", workflow)]
    assert len(spans) >= 5
    usage_start = text.index("\n## Usage\n")
    usage = text[usage_start : text.index("\n## ", usage_start + 1)]
    lines = {
        " ".join(line.split("#")[0].split())
        for block in re.findall(r"```sh\n(.*?)```", usage, re.S)
        for line in block.splitlines()
        if line.startswith("netpol-tui")
    }
    missing = [s for s in spans if s not in lines]
    assert missing == []
    for needed in ("propose", "diff", "replay", "--with demo-files/proposed"):
        assert any(needed in s for s in spans), needed
    assert "kubectl apply -f demo-files/proposed/" in workflow  # enforce: shown, not run


async def test_unstaging_puts_back_the_with_set_the_tui_started_with():
    postgres_closed = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "postgres-ingress", "namespace": "payments"},
        "spec": {"podSelector": {"matchLabels": {"app": "postgres"}}, "policyTypes": ["Ingress"]},
    }
    app, _ = build_app(N, staged=parse_objects([postgres_closed]), staged_label="--with staged.yaml")
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await wait_until(pilot, lambda: any("would drop" in r[5] for r in _rows(app)))
        started_with = app.row_notes.staged
        await _cursor_on(pilot, app, "payments")
        await _open(pilot, app)
        await pilot.press("t")
        assert isinstance(app.row_notes.staged, RolloutJudge)
        await pilot.press("escape")
        # the proposal keeps payments → postgres allowed: the --with set's marks go
        await wait_until(pilot, lambda: not any("would" in r[5] for r in _rows(app)))
        await _cursor_on(pilot, app, "payments")
        dialog = await _open(pilot, app)
        assert "STAGED" in _text(dialog)  # made again from the same flows: the same proposal, staged
        await pilot.press("t")  # unstages it
        judge = app.row_notes.staged
        assert judge is not started_with and not isinstance(judge, RolloutJudge)
        assert judge.label == "--with staged.yaml" and judge.objects is started_with.objects
        await pilot.press("escape")
        await wait_until(pilot, lambda: any("would drop" in r[5] for r in _rows(app)))


def test_what_each_policy_admits_agrees_with_the_proposal_in_both_demos():
    """The pane's connections per policy (the evaluator under cluster + proposal) and the core's own count agree,
    for every namespace of the NetworkPolicy demo and of the Cilium one; every observed connection is admitted."""
    from netpol_tui.demo import demo_flows
    from netpol_tui.ui.rollout import plan_rollout

    for cilium in (False, True):
        snapshot = demo_snapshot(cilium=cilium)
        flows = demo_flows(3000, cilium=cilium)
        for ns in sorted(snapshot.namespaces):
            rollout = plan_rollout(ns, flows, snapshot)
            assert rollout is not None and rollout.ok, (cilium, ns)
            counts = [len(c.connections) for c in rollout.coverage]
            assert counts == [p.covers for p in rollout.proposal.policies], (cilium, ns)
            covered = {c for cov in rollout.coverage for c in cov.connections}
            assert rollout.admitted_elsewhere == len(set(rollout.proposal.connections) - covered)
            after = staged(snapshot, list(yaml.safe_load_all(rollout.yaml)))
            ev = after.evaluator
            for c in rollout.proposal.connections:
                src = after.pod(c.source)
                dst = after.pod(c.destination)
                if src is None or dst is None:
                    continue
                assert ev.allows(ev.subject_for_pod(src), ev.subject_for_pod(dst), c.port, c.protocol), c
