"""Issue 15 (the TUI in a real incident): habits, small terminals, complete YAML, a screen that never misleads,
connections, wording. Each test drives the app with Pilot, fed from memory."""

from __future__ import annotations

import re

from rich.style import Style
from textual.screen import ModalScreen

from netpol_tui.ui.screens.filter_dialog import FilterDialog
from netpol_tui.ui.screens.help_dialog import HelpDialog
from netpol_tui.ui.widgets.pod_tree import PodTree

from .conftest import build_app, screen_lines, wait_for_explanations, wait_until

N = 60


async def _ready(pilot, app, n=N):
    await wait_until(pilot, lambda: app.main.total_flows >= n and app.main.snapshot is not None)


async def _select_row(pilot, app, index):
    await pilot.press("home")
    for _ in range(index):
        await pilot.press("j")
    await wait_for_explanations(app)
    await pilot.pause()


# ---- point 4: habits ---------------------------------------------------------------------------------------------
async def test_ctrl_c_quits():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app._exit, "ctrl+c did not quit"


async def test_ctrl_c_quits_even_from_the_filter_input():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterDialog))
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app._exit, "ctrl+c did not quit from the filter dialog"


async def test_j_k_home_end_move_in_the_pods_pane():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        tree = app.query_one(PodTree)
        tree.focus()
        await pilot.press("home")
        assert tree.cursor_line == 0
        await pilot.press("j", "j")
        assert tree.cursor_line == 2
        await pilot.press("k")
        assert tree.cursor_line == 1
        await pilot.press("end")
        assert tree.cursor_line == tree.last_line > 2
        await pilot.press("home")
        assert tree.cursor_line == 0


async def test_home_end_in_the_flows_pane():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await pilot.press("home")
        assert app.main.query_one("#flows").cursor == 0
        await pilot.press("end")
        table = app.main.query_one("#flows")
        assert table.follow and table.cursor is None


def _backdrop_is_see_through(screen: ModalScreen) -> bool:
    return screen.styles.background.a < 1


async def test_help_and_filter_dialogs_overlay_the_screen():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpDialog))
        assert _backdrop_is_see_through(app.screen)
        text = app.export_screenshot()
        assert "DESTINATION" in text  # the flows pane still shows behind the dialog
        await pilot.press("escape")
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterDialog))
        assert _backdrop_is_see_through(app.screen)
        assert "DESTINATION" in app.export_screenshot()


# ---- point 7: small terminals ------------------------------------------------------------------------------------
async def test_at_80x24_the_pods_pane_hides_and_p_brings_it_back():
    app, _ = build_app(N)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot, app)
        box = app.main.query_one("#pods-box")
        assert not box.display or box.has_class("hidden")
        await pilot.press("p")
        await pilot.pause()
        assert not box.has_class("hidden") and box.region.width > 0
        await pilot.press("p")
        await pilot.pause()
        assert box.has_class("hidden")
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        assert not app.main.query_one("#pods-box").has_class("hidden")


async def test_at_80x24_source_and_destination_show_workload_names():
    app, _ = build_app(N)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot, app)
        table = app.main.query_one("#flows")
        width = table.scrollable_content_region.width
        rows = [table._row(i, width, False).text for i in range(table.row_count())]
        assert any("shop/worker " in r and "kube-system/co" in r for r in rows)
        assert any("shop/frontend " in r and "shop/api " in r for r in rows)
        assert not any("5c7d9f8b4" in r for r in rows)  # no pod-template hashes when narrow


async def test_the_header_stays_on_one_line_from_100_columns():
    for width in (100, 120, 160):
        app, _ = build_app(N)
        async with app.run_test(size=(width, 30)) as pilot:
            await _ready(pilot, app)
            app.main._refresh_status()
            await pilot.pause()
            lines = screen_lines(app)
            assert "flows 60" in lines[0] and "drops 29" in lines[0] and "lost 0" in lines[0], lines[:3]
            assert lines[1].lstrip().startswith("⇢"), lines[:3]


async def test_verdict_is_never_cut():
    for size in ((80, 24), (100, 30), (160, 48)):
        app, _ = build_app(N)
        async with app.run_test(size=size) as pilot:
            await _ready(pilot, app)
            table = app.main.query_one("#flows")
            width = table.scrollable_content_region.width
            rows = [table._row(i, width, False).text for i in range(table.row_count())]
            assert sum("FORWARDED" in r for r in rows) == sum(f.verdict == "FORWARDED" for f in app.main.view)
            assert not any(re.search(r"FORWARD(?!ED)", r) for r in rows), size


async def test_long_pod_names_end_with_an_ellipsis_in_the_pods_pane():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        tree = app.query_one(PodTree)
        await pilot.pause()
        labels = {}
        for line in range(tree.last_line + 1):
            node = tree.get_node_at_line(line)
            if node is not None and node.data and node.data[0] == "pod":
                labels[node.data[1]] = tree.render_label(node, Style(), Style()).plain
        long = labels["ingress-nginx/ingress-nginx-controller-6b8d9c7f5-p2w4q"]
        assert long.endswith("…  ··"), long
        room = tree.scrollable_content_region.width - tree.guide_depth
        assert len(long) <= room
        assert labels["shop/api-7f9b8c6d5-4jz8w"] == "api-7f9b8c6d5-4jz8w  IE"  # short names untouched


# ---- point 3: no YAML cut off --------------------------------------------------------------------------------------
def _unwrapped_lines(pane) -> list[str]:
    """The pane's lines as shown, continuation lines (`↪`) joined back to the line they continue."""
    out: list[str] = []
    for strip in pane._lines:
        text = strip.text[pane.PAD :].rstrip()
        if text.lstrip().startswith("↪ ") and out:
            out[-1] += text.lstrip()[2:]
        else:
            out.append(text)
    return out


async def _first_drop(pilot, app):
    await _ready(pilot, app)
    await wait_until(pilot, lambda: app.main.current_expl is not None)
    await wait_for_explanations(app)
    await pilot.pause()


async def test_fix_yaml_is_complete_in_a_narrow_fix_pane(tmp_path):
    app, _ = build_app(N, select_first_drop=True, tmp_path=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _first_drop(pilot, app)
        expl = app.main.current_expl
        assert expl.flow.destination_port == 53 and expl.fixes  # the demo's first drop: worker -> kube-dns
        pane = app.main.query_one("#fix")
        width = pane.scrollable_content_region.width
        assert width < 40
        assert all(strip.cell_length <= width for strip in pane._lines)
        shown = _unwrapped_lines(pane)
        yaml_lines = [ln for f in expl.fixes for ln in f.yaml.rstrip("\n").split("\n")]
        assert any(len(ln) > width for ln in yaml_lines)  # there is something to wrap
        for ln in yaml_lines:
            assert ln in shown, ln
        assert any(ln.strip() == "kubernetes.io/metadata.name: kube-system" for ln in shown)


async def test_dns_alternative_has_its_own_copy_and_save_keys(tmp_path):
    from netpol_tui.core.findings import DnsEgress

    app, _ = build_app(N, select_first_drop=True, tmp_path=tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _first_drop(pilot, app)
        expl = app.main.current_expl
        dns = [f for f in expl.findings if isinstance(f, DnsEgress) and f.manifest is not None]
        assert dns
        from netpol_tui.core import yamlout

        expected = yamlout.dump(dns[0].manifest)
        assert expected != expl.fixes[0].yaml
        await pilot.press("C")
        assert app.clipboard == expected
        await pilot.press("c")
        assert app.clipboard == expl.fixes[0].yaml
        await pilot.press("S")
        saved = [p for p in tmp_path.iterdir() if "allow-dns-egress" in p.name]
        assert len(saved) == 1 and saved[0].read_text() == expected
        shown = _unwrapped_lines(app.main.query_one("#fix"))
        assert "C copies, S saves this one" in "\n".join(shown)


async def test_s_on_a_forwarded_row_says_nothing_to_save():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await _select_row(pilot, app, 0)  # forwarded
        assert app.main.view[0].verdict == "FORWARDED"
        await pilot.press("s")
        await pilot.pause()
        texts = [str(n.message) for n in app._notifications]
        assert any(t.startswith("No fix to save") for t in texts), texts
        assert not any("to copy" in t for t in texts)


# ---- point 5: the screen never goes stale or misleads --------------------------------------------------------------
async def _filter(pilot, app, words):
    await pilot.press("slash")
    await wait_until(pilot, lambda: isinstance(app.screen, FilterDialog))
    inp = app.screen.query_one("#filter")
    inp.value = words
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(app.screen, FilterDialog))


async def test_a_filter_that_hides_the_selected_flow_says_so():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await _select_row(pilot, app, 7)  # frontend -> api 8080
        assert app.main.view[7].destination_port == 8080
        assert "hidden" not in app.main.query_one("#explanation").text
        await _filter(pilot, app, "port:53")
        text = app.main.query_one("#explanation").text
        assert "The selected flow is hidden by the filter `port:53`" in text
        await _filter(pilot, app, "")
        assert "hidden by" not in app.main.query_one("#explanation").text


async def test_the_group_header_leaves_with_the_grouped_view():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await pilot.press("g")
        await wait_for_explanations(app)
        await wait_until(pilot, lambda: app.main.current_expl is not None)
        await pilot.pause()
        assert " drops · first " in app.main.query_one("#explanation").text
        await pilot.press("g")
        await pilot.pause()
        text = app.main.query_one("#explanation").text
        assert " drops · first " not in text
        assert app.main.selection is None and app.main.current_expl is None


async def test_the_selected_group_count_stays_live():
    from netpol_tui.cli.app_factory import demo_flows
    from netpol_tui.core.aggregate import group_key

    app, feed = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await pilot.press("g")
        await wait_for_explanations(app)
        await wait_until(pilot, lambda: app.main.current_expl is not None)
        group = app.main.selection.group
        before = group.count
        assert f"{before:,} drops" in app.main.query_one("#explanation").text
        more = [f for f in demo_flows(400)[N:] if group_key(f) == group.key]
        assert more
        feed.push(more)
        await wait_until(pilot, lambda: group.count > before)
        app.main._tick()
        await pilot.pause()
        assert f"{group.count:,} drops" in app.main.query_one("#explanation").text


async def test_with_a_filter_the_header_shows_total_and_shown_counts():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        assert app.main.status_data().shown is None
        await _filter(pilot, app, "port:53")
        shown = len(app.main.view)
        assert 0 < shown < N
        app.main._refresh_status()
        await pilot.pause()
        line = screen_lines(app)[0]
        assert "drops 29" in line and f"· shown {shown}" in line, line


async def test_the_flows_pane_says_when_it_does_not_follow():
    from netpol_tui.cli.app_factory import demo_flows

    app, feed = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        box = app.main.query_one("#flows-box")
        app.main._tick()
        assert not box.border_subtitle
        await pilot.press("home")
        feed.push(demo_flows(N + 12)[N:])
        await wait_until(pilot, lambda: app.main.total_flows >= N + 12)
        app.main._tick()
        assert box.border_subtitle == "scrolled · 12 new — end to follow"
        await pilot.press("end")
        app.main._tick()
        assert not box.border_subtitle


async def test_a_capture_without_drops_does_not_say_waiting():
    import dataclasses

    from netpol_tui.cli.app_factory import demo_flows, make_app
    from netpol_tui.demo import demo_snapshot
    from netpol_tui.ui.feeds import MemoryFlowFeed, Progress, StaticCluster

    from .conftest import fixed_clock

    flows = [f for f in demo_flows(N) if f.verdict == "FORWARDED"]
    flows = [dataclasses.replace(f) for f in flows]
    feed = MemoryFlowFeed([*flows, Progress(len(flows), len(flows), finished=True)], live=False, hold=False)
    app = make_app(feed, StaticCluster(demo_snapshot()), narrow_live=False, clock=fixed_clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.main.progress is not None and app.main.progress.finished)
        await pilot.pause()
        text = app.main.query_one("#explanation").text + str(app.main.query_one("#hint").content)
        assert "Waiting for drops" not in text
        assert f"No dropped flow in this capture ({len(flows)} flows read)" in text


async def test_an_unreachable_hubble_does_not_say_waiting():
    from netpol_tui.cli.app_factory import make_app
    from netpol_tui.core.model import StreamState
    from netpol_tui.demo import demo_snapshot
    from netpol_tui.ui.feeds import MemoryFlowFeed, StaticCluster

    from .conftest import fixed_clock

    down = StreamState("reconnecting", "127.0.0.1:4245", "connection refused", attempt=3, retry_in=4.0)
    feed = MemoryFlowFeed([down])
    app = make_app(feed, StaticCluster(demo_snapshot()), narrow_live=False, clock=fixed_clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.main.stream_state is not None)
        await pilot.pause()
        text = app.main.query_one("#explanation").text
        assert "Waiting for drops" not in text
        assert "Hubble cannot be reached" in text


# ---- point 6: connections, not just packets -----------------------------------------------------------------------
def _tcp_flows():
    """A SYN from frontend to api:8080 (dropped), the SYN-ACK of an allowed connection without Hubble's reply
    flag, and a flagged reply (RST)."""
    import dataclasses

    from netpol_tui.cli.app_factory import demo_flows

    flows = demo_flows(N)
    syn = next(f for f in flows if f.verdict == "DROPPED" and f.destination_port == 8080)
    fwd = next(f for f in flows if f.verdict == "FORWARDED" and f.protocol == "TCP")
    syn = dataclasses.replace(syn, tcp_flags=("SYN",), source_port=43122, is_reply=False)
    synack = dataclasses.replace(
        fwd,
        source=fwd.destination,
        destination=fwd.source,
        source_port=fwd.destination_port,
        destination_port=51000,
        tcp_flags=("SYN", "ACK"),
        is_reply=None,
        verdict="DROPPED",
        drop_reason="POLICY_DENIED",
    )
    rst = dataclasses.replace(synack, tcp_flags=("RST",), is_reply=True)
    return [syn, synack, rst], fwd


async def test_replies_and_tcp_flags_are_marked():
    from netpol_tui.cli.app_factory import make_app
    from netpol_tui.demo import demo_snapshot
    from netpol_tui.ui.feeds import MemoryFlowFeed, StaticCluster

    from .conftest import CONNECTED, fixed_clock

    flows, fwd = _tcp_flows()
    app = make_app(
        MemoryFlowFeed([CONNECTED, *flows]),
        StaticCluster(demo_snapshot()),
        narrow_live=False,
        clock=fixed_clock,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.main.query_one("#flows")
        await wait_until(
            pilot, lambda: app.main.total_flows == 3 and app.main.snapshot is not None and table.synced
        )
        width = table.scrollable_content_region.width
        rows = [table._row(i, width, False).text for i in range(3)]
        assert "SYN POLICY_DENIED ingress" in rows[0] and "↩" not in rows[0]
        assert "↩SYN-ACK POLICY_DENIED" in rows[1]
        assert "↩RST POLICY_DENIED" in rows[2]
        # the SYN: a new connection, from its source port
        await _select_row(pilot, app, 0)
        text = " ".join(app.main.query_one("#explanation").text.split())
        assert "Connection: a new connection (SYN) from source port 43122" in text
        # the SYN-ACK: a reply of the allowed connection, not a new one from the server to the client
        await _select_row(pilot, app, 1)
        assert app.main.view[1].is_reply is True
        text = " ".join(app.main.query_one("#explanation").text.split())
        src = f"{fwd.source.namespace}/{fwd.source.pod_name}"
        dst = f"{fwd.destination.namespace}/{fwd.destination.pod_name}"
        assert f"Connection: a reply (SYN-ACK) of {src} → {dst}:{fwd.destination_port} TCP" in text
        expl = app.main.current_expl
        assert expl.verdict.allowed  # judged as the connection it answers (allowed), not server -> client


async def test_a_syn_ack_is_not_a_new_drop_group():
    from netpol_tui.cli.app_factory import make_app
    from netpol_tui.demo import demo_snapshot
    from netpol_tui.ui.feeds import MemoryFlowFeed, StaticCluster

    from .conftest import CONNECTED, fixed_clock

    flows, _ = _tcp_flows()
    app = make_app(
        MemoryFlowFeed([CONNECTED, *flows]),
        StaticCluster(demo_snapshot()),
        narrow_live=False,
        clock=fixed_clock,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows == 3)
        groups = app.groups_by_count()
        assert sum(g.count for g in groups) == 3
        replies = [g for g in groups if g.sample is not None and g.sample.tcp_flags != ("SYN",)]
        # the SYN-ACK (no reply flag from Hubble) and the RST are one group of replies, not a new connection
        assert len(replies) == 1 and replies[0].count == 2
        assert replies[0].sample.is_reply is True
        await pilot.press("g")
        await pilot.pause()
        table = app.main.query_one("#groups")
        row = table._row(table.groups.index(replies[0]), table.scrollable_content_region.width, False).text
        assert "↩8080/TCP" in row  # marked as replies from the server's port, not a connection to port 51000
        assert "51000" not in row


# ---- point 8: wording ------------------------------------------------------------------------------------------------
def test_trace_heading_does_not_repeat_the_verdict():
    from rich.console import Console

    from netpol_tui.cli.app_factory import demo_flows
    from netpol_tui.core.explain import explain_flow
    from netpol_tui.demo import demo_snapshot
    from netpol_tui.ui.richtext import explanation_renderable as trace_renderable

    flow = next(f for f in demo_flows(N) if f.verdict == "DROPPED" and f.destination_port == 8080)
    expl = explain_flow(flow, demo_snapshot())
    console = Console(width=200, record=True, color_system=None)
    with console.capture() as cap:
        console.print(trace_renderable(expl))
    first = cap.get().splitlines()[0]
    assert first.startswith(" DENIED   shop/frontend"), first
    assert "Denied:" not in first


async def test_pane_wording():
    app, _ = build_app(120)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app, 120)
        # "opens nothing else" once
        await _select_row(pilot, app, 0)
        idx = next(
            i for i, f in enumerate(app.main.view) if f.verdict == "DROPPED" and f.destination_port == 53
        )
        await _select_row(pilot, app, idx)
        fix = " ".join(app.main.query_one("#fix").text.lower().split())
        assert fix.count("opens nothing else") == 1, fix
        # a flow dropped for another reason than policy: no green ALLOWED badge, no "see above"
        idx = next(i for i, f in enumerate(app.main.view) if f.drop_reason == "SERVICE_BACKEND_NOT_FOUND")
        await _select_row(pilot, app, idx)
        text = app.main.query_one("#explanation").text
        assert not text.lstrip().startswith("ALLOWED"), text[:80]
        assert text.lstrip().startswith("POLICIES ALLOW")
        fix = app.main.query_one("#fix").text
        assert "see above" not in fix and "(left)" in fix


# ---- point 2: a fix that opens the cloud metadata address takes an explicit yes -----------------------------------
def test_metadata_opened_reads_ip_blocks_and_their_excepts():
    from netpol_tui.ui.rendering import metadata_opened

    def egress(block):
        return {"spec": {"egress": [{"to": [{"ipBlock": block}]}]}}

    assert metadata_opened(egress({"cidr": "169.254.169.254/32"})) == ["169.254.169.254"]
    assert metadata_opened(egress({"cidr": "0.0.0.0/0"})) == ["169.254.169.254"]
    assert metadata_opened(egress({"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]})) == []
    assert metadata_opened(egress({"cidr": "::/0"})) == ["fd00:ec2::254"]
    assert metadata_opened(egress({"cidr": "10.0.0.0/8"})) == []
    assert metadata_opened({"spec": {"egress": [{"toCIDR": ["169.254.169.254/32"]}]}}) == ["169.254.169.254"]


async def test_a_fix_opening_the_metadata_address_is_copied_or_saved_only_after_a_yes(tmp_path):
    from netpol_tui.ui.screens.confirm_dialog import ConfirmDialog

    app, _ = build_app(N, tmp_path=tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        idx = next(i for i, f in enumerate(app.main.view) if f.destination.ip == "169.254.169.254")
        await _select_row(pilot, app, idx)
        expl = app.main.current_expl
        assert expl.fixes and "169.254.169.254" in expl.fixes[0].yaml
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert app.clipboard == ""  # nothing handed over by default
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        assert app.clipboard == ""
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")  # not a yes either
        assert isinstance(app.screen, ConfirmDialog) and app.clipboard == ""
        await pilot.press("y")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        assert app.clipboard == expl.fixes[0].yaml
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert list(tmp_path.iterdir()) == []
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        assert list(tmp_path.iterdir()) == []
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_until(pilot, lambda: len(list(tmp_path.iterdir())) == 1)
        assert next(tmp_path.iterdir()).read_text() == expl.fixes[0].yaml


async def test_a_fix_not_opening_the_metadata_address_is_copied_at_once():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        idx = next(
            i for i, f in enumerate(app.main.view) if f.verdict == "DROPPED" and f.destination_port == 53
        )
        await _select_row(pilot, app, idx)
        await pilot.press("c")
        assert app.clipboard == app.main.current_expl.fixes[0].yaml


def test_trace_yaml_is_complete_in_a_narrow_terminal():
    from rich.console import Console

    from netpol_tui.cli.app_factory import demo_flows
    from netpol_tui.core.explain import explain_flow
    from netpol_tui.demo import demo_snapshot
    from netpol_tui.ui.richtext import explanation_renderable as trace_renderable

    flow = next(f for f in demo_flows(N) if f.verdict == "DROPPED" and f.destination_port == 53)
    expl = explain_flow(flow, demo_snapshot())
    console = Console(width=40, record=True, color_system=None)
    with console.capture() as cap:
        console.print(trace_renderable(expl))
    lines: list[str] = []
    for line in cap.get().splitlines():
        if line.lstrip().startswith("↪ ") and lines:
            lines[-1] += line.lstrip()[2:]
        else:
            lines.append(line.rstrip())
    for yaml_line in expl.fixes[0].yaml.rstrip("\n").split("\n"):
        assert yaml_line in lines, yaml_line


# ---- point 2: which pairs a fix opens, named; point 8: closest rule and port wording (core edits) ----------------
async def test_the_fix_pane_names_the_other_pairs_a_fix_opens():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        idx = next(
            i for i, f in enumerate(app.main.view) if f.verdict == "DROPPED" and f.destination_port == 8080
        )
        await _select_row(pilot, app, idx)
        (fix,) = app.main.current_expl.fixes
        assert fix.opens_other_pairs >= 1 and len(fix.other_pairs) == min(fix.opens_other_pairs, 20)
        text = " ".join(app.main.query_one("#fix").text.split())
        assert "Also opens " in text
        for src, dst in fix.other_pairs[:3]:
            assert f"{src} → {dst}" in text
        more = fix.opens_other_pairs - min(3, len(fix.other_pairs))
        assert (f"and {more} more." in text) == (more > 0)


def test_pairs_are_named_in_trace_text_and_are_the_pairs_newly_allowed():
    from rich.console import Console

    from netpol_tui.cli.app_factory import demo_flows
    from netpol_tui.core.explain import explain_flow
    from netpol_tui.core.manifests import parse_network_policy
    from netpol_tui.demo import demo_snapshot
    from netpol_tui.ui.richtext import explanation_renderable as trace_renderable

    snap = demo_snapshot()
    flow = next(f for f in demo_flows(N) if f.verdict == "DROPPED" and f.destination_port == 8080)
    expl = explain_flow(flow, snap)
    (fix,) = expl.fixes
    # every named pair is denied now and allowed with the fix applied
    after = snap.with_changes(policies=[parse_network_policy(fix.manifest)])
    for src, dst in fix.other_pairs:
        s, d = snap.pod(src), snap.pod(dst)
        ev, ev2 = snap.evaluator, after.evaluator
        assert not ev.allows(ev.subject_for_pod(s), ev.subject_for_pod(d), flow.destination_port, "TCP")
        assert ev2.allows(ev2.subject_for_pod(s), ev2.subject_for_pod(d), flow.destination_port, "TCP")
    console = Console(width=300, record=True, color_system=None)
    with console.capture() as cap:
        console.print(trace_renderable(expl))
    src, dst = fix.other_pairs[0]
    assert f"Also opens {src} → {dst}" in cap.get()


async def test_no_closest_rule_unrelated_to_the_connection():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        dns = next(
            i for i, f in enumerate(app.main.view) if f.verdict == "DROPPED" and f.destination_port == 53
        )
        await _select_row(pilot, app, dns)
        text = app.main.query_one("#explanation").text
        assert "Closest rule" not in text and "payments" not in text.split("Hubble")[0]
        api = next(
            i for i, f in enumerate(app.main.view) if f.verdict == "DROPPED" and f.destination_port == 8080
        )
        await _select_row(pilot, app, api)
        assert "Closest rule" in app.main.query_one("#explanation").text  # the port-80 rule: same peer


def test_a_matching_port_is_not_worded_as_port_is_port():
    from netpol_tui.cli.app_factory import demo_flows
    from netpol_tui.core.contract import explanation_json
    from netpol_tui.core.explain import explain_flow
    from netpol_tui.demo import demo_snapshot

    snap = demo_snapshot()
    details = []
    for f in demo_flows(200):
        doc = explanation_json(explain_flow(f, snap))
        for side in ("egress", "ingress"):
            for pol in doc[side]["policies"]:
                details += [r["port"]["detail"] for r in pol["rules"] if r["port"]["ok"]]
    assert details
    assert not [d for d in details if re.search(r"(\d+/\w+) is port \1$", d)], details
    assert any(re.fullmatch(r"port \d+/\w+ matches", d) for d in details)
