"""Issue 13 point 4: the confirm-fix loop. After `c` or `s` on a fix the TUI follows the connection: waiting for
the policy to change -> applied (allows it / does not allow it: why) -> ✓ FORWARDED / ✗ still DROPPED. Driven
with the real KubeFeed against the in-process fake API server changing the policy mid-stream."""

from __future__ import annotations

from dataclasses import replace

from support import fake_apiserver as fa

from netpol_tui.cli.app_factory import KubeFeed, make_app
from netpol_tui.ui.feeds import MemoryFlowFeed
from netpol_tui.ui.rendering import clock_text
from netpol_tui.ui.tracking import TrackingLine

from .conftest import CONNECTED, fixed_clock, wait_for_explanations, wait_until
from .prod_cluster import DROP, fake_prod_cluster

API_INGRESS = {
    "podSelector": {"matchLabels": {"app": "api"}},
    "policyTypes": ["Ingress"],
    "ingress": [
        {"from": [{"podSelector": {"matchLabels": {"role": "frontend"}}}], "ports": [{"port": 8080}]}
    ],
}
# what was applied is not the fix: web is admitted, but on another port
WRONG_PORT = {
    "podSelector": {"matchLabels": {"app": "api"}},
    "policyTypes": ["Ingress"],
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 9090}]}],
}
LATER = 5_000_000_000  # 5 s after the drop


def fake_cluster(tmp_path):
    return fake_prod_cluster(tmp_path, API_INGRESS)


def live_app(kubeconfig: str, tmp_path):
    # like `netpol-tui` live: Hubble filters server-side, an unscoped subscription asks for drops only
    feed = MemoryFlowFeed([CONNECTED, DROP], label="relay 127.0.0.1:4245", server_filters=True)
    app = make_app(
        feed,
        KubeFeed(kubeconfig, None, None),
        narrow_live=True,
        select_first_drop=True,
        clock=fixed_clock,
        save_dir=tmp_path,
    )
    return app, feed


def tracking(app) -> str:
    lines = list(app.main.query(TrackingLine))
    return lines[0].text if lines else ""


async def _fix_handed_over(pilot, app, key: str):
    await wait_until(pilot, lambda: app.main.snapshot is not None and app.main.selection is not None)
    await wait_for_explanations(app)
    await wait_until(pilot, lambda: app.main.current_expl is not None and bool(app.main.current_expl.fixes))
    fix = app.main.current_expl.fixes[0]
    assert (fix.namespace, fix.name) == ("prod", "api-ingress")
    await pilot.press(key)
    await wait_until(pilot, lambda: "waiting for the policy to change" in tracking(app))
    return fix


async def test_fix_applied_then_flows_pass_reaches_forwarded(tmp_path):
    with fake_cluster(tmp_path) as (srv, kubeconfig):
        app, feed = live_app(kubeconfig, tmp_path)
        async with app.run_test(size=(180, 50)) as pilot:
            fix = await _fix_handed_over(pilot, app, "c")
            assert "fix copied — waiting for the policy to change" in tracking(app)
            # the subscription now includes the pair's flows (every verdict), not only drops
            await wait_until(pilot, lambda: any(len(q.whitelist) == 2 for q in feed.queries))
            pair = feed.queries[-1].whitelist[-1]
            assert pair.source_pod == ("prod/web-1",) and pair.destination_pod == ("prod/api-1",)
            assert pair.verdict == () and pair.destination_port == ("8080",)

            # the fix is applied in the cluster: the watch delivers it
            srv.put(fa.network_policy("prod", "api-ingress", fix.manifest["spec"]))
            await wait_until(pilot, lambda: "applied at" in tracking(app))
            applied_at = clock_text(int(fixed_clock() * 1e9), ms=False)
            assert f"applied at {applied_at}: the new prod/api-ingress allows it" in tracking(app)

            # a flow of the connection goes through (server-filtered: it reaches the app only if subscribed)
            ok = replace(DROP, verdict="FORWARDED", drop_reason="", time_ns=DROP.time_ns + LATER)
            feed.push([ok])
            await wait_until(pilot, lambda: "FORWARDED at" in tracking(app))
            assert f"✓ FORWARDED at {clock_text(ok.time_ns, ms=False)}" in tracking(app)


async def test_what_was_applied_does_not_allow_it_still_dropped(tmp_path):
    with fake_cluster(tmp_path) as (srv, kubeconfig):
        app, feed = live_app(kubeconfig, tmp_path)
        async with app.run_test(size=(180, 50)) as pilot:
            await _fix_handed_over(pilot, app, "s")
            assert "fix saved — waiting for the policy to change" in tracking(app)

            srv.put(fa.network_policy("prod", "api-ingress", WRONG_PORT))
            await wait_until(pilot, lambda: "applied at" in tracking(app))
            assert "the new prod/api-ingress does not allow it: " in tracking(app)

            again = replace(DROP, time_ns=DROP.time_ns + LATER)
            feed.push([again])
            await wait_until(pilot, lambda: "still DROPPED" in tracking(app))
            assert f"✗ still DROPPED at {clock_text(again.time_ns, ms=False)} (POLICY_DENIED)" in tracking(
                app
            )


async def test_an_unrelated_policy_change_keeps_waiting(tmp_path):
    with fake_cluster(tmp_path) as (srv, kubeconfig):
        app, _feed = live_app(kubeconfig, tmp_path)
        async with app.run_test(size=(180, 50)) as pilot:
            await _fix_handed_over(pilot, app, "c")
            srv.put(fa.network_policy("prod", "other", {"podSelector": {}, "policyTypes": ["Egress"]}))
            await wait_until(pilot, lambda: any(p.name == "other" for p in app.main.snapshot.policies))
            await pilot.pause()
            assert "waiting for the policy to change" in tracking(app)
