"""FlowQuery: Hubble CLI semantics for flags and the TUI's filter words, matched on core.Flow."""

from __future__ import annotations

import pytest

from netpol_tui.core.flowquery import FilterError, FilterSpec, FlowQuery, parse_since
from netpol_tui.core.flowwords import parse_filter_words
from netpol_tui.core.model import Endpoint, EndpointKind, Flow

T0 = 1_767_225_600_000_000_000


def pod(ns: str, name: str, ip: str = "10.0.0.1", **labels: str) -> Endpoint:
    return Endpoint(
        ip=ip,
        kind=EndpointKind.POD,
        namespace=ns,
        pod_name=name,
        labels=labels,
        namespace_labels={"kubernetes.io/metadata.name": ns},
    )


def flow(
    src: Endpoint,
    dst: Endpoint,
    *,
    port: int = 5432,
    proto: str = "TCP",
    verdict: str = "DROPPED",
    t: int = T0,
    **kw,
) -> Flow:
    return Flow(
        time_ns=t,
        source=src,
        destination=dst,
        destination_port=port,
        source_port=40000,
        protocol=proto,
        verdict=verdict,
        **kw,
    )


API = pod("shop", "api-7d9", "10.0.0.5", app="api")
DB = pod("payments", "db-0", "10.0.1.9", app="db", tier="data")
WEB = pod("default", "web-1", "10.0.2.2", app="web")
WORLD = Endpoint(ip="1.1.1.1", kind=EndpointKind.WORLD, other_labels=("reserved:world",))


def test_empty_query_matches_everything() -> None:
    q = FlowQuery.from_flags()
    assert q.whitelist == () and q.is_empty and q.matches(flow(API, DB))


def test_pod_either_side_is_two_filters() -> None:
    q = FlowQuery.from_flags(pods=["shop/api"])
    assert q.whitelist == (FilterSpec(source_pod=("shop/api",)), FilterSpec(destination_pod=("shop/api",)))
    assert q.matches(flow(API, DB)) and q.matches(flow(DB, API)) and not q.matches(flow(WEB, DB))
    # prefix, and namespace must match exactly
    assert FlowQuery.from_flags(pods=["shop/api-7"]).matches(flow(API, DB))
    assert not FlowQuery.from_flags(pods=["sho/api"]).matches(flow(API, DB))


def test_pod_without_namespace_means_default() -> None:
    q = FlowQuery.from_flags(pods=["web"])
    assert q.matches(flow(WEB, DB)) and not q.matches(flow(API, DB))


def test_namespace_is_a_prefix_on_either_side_and_qualifies_pods() -> None:
    q = FlowQuery.from_flags(namespaces=["payments"])
    assert q.whitelist == (FilterSpec(source_pod=("payments/",)), FilterSpec(destination_pod=("payments/",)))
    assert q.matches(flow(API, DB)) and not q.matches(flow(API, WEB))
    q = FlowQuery.from_flags(namespaces=["shop"], pods=["api"])
    assert q.whitelist[0].source_pod == ("shop/api",)


def test_from_and_to_combine_into_one_filter() -> None:
    q = FlowQuery.from_flags(from_pods=["shop/api"], to_pods=["payments/db"], verdicts=["dropped"])
    assert q.whitelist == (
        FilterSpec(source_pod=("shop/api",), destination_pod=("payments/db",), verdict=("DROPPED",)),
    )
    assert q.matches(flow(API, DB)) and not q.matches(flow(DB, API))
    assert not q.matches(flow(API, DB, verdict="FORWARDED"))


def test_labels_ports_protocols() -> None:
    q = FlowQuery.from_flags(labels=["app=db,tier=data"])
    assert q.whitelist[0].source_label == ("k8s:app=db,k8s:tier=data",)
    assert q.matches(flow(API, DB)) and not q.matches(flow(API, WEB))
    assert FlowQuery.from_flags(labels=["reserved:world"]).matches(flow(API, WORLD))
    assert FlowQuery.from_flags(
        labels=["io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=payments"]
    ).matches(flow(API, DB))
    assert FlowQuery.from_flags(labels=["app in (db, cache)"]).matches(flow(API, DB))
    assert not FlowQuery.from_flags(labels=["!app"]).matches(flow(API, DB))
    assert FlowQuery.from_flags(ports=[5432]).matches(flow(API, DB))
    assert not FlowQuery.from_flags(ports=["53"]).matches(flow(API, DB))
    assert FlowQuery.from_flags(protocols=["udp"]).matches(flow(API, DB, proto="UDP"))
    assert FlowQuery.from_flags(protocols=["icmp"]).matches(flow(API, DB, proto="ICMPv6", port=0))
    assert not FlowQuery.from_flags(protocols=["tcp"]).matches(flow(API, DB, proto="UDP"))


def test_since() -> None:
    q = FlowQuery.from_flags(since="5m", now_ns=T0)
    assert q.since_ns == T0 - 300 * 10**9
    assert q.matches(flow(API, DB, t=T0)) and not q.matches(flow(API, DB, t=T0 - 301 * 10**9))
    assert parse_since("2026-01-01T00:00:00Z") == T0
    assert parse_since("1h30m", now_ns=T0) == T0 - 5400 * 10**9


def test_blacklist_subtracts() -> None:
    q = FlowQuery(
        whitelist=(FilterSpec(verdict=("DROPPED",)),), blacklist=(FilterSpec(destination_port=("5432",)),)
    )
    assert not q.matches(flow(API, DB)) and q.matches(flow(API, DB, port=80))


def test_words_give_the_same_query_as_flags() -> None:
    words = parse_filter_words("pod:shop/api verdict:dropped port:5432 proto:TCP label:app=db", now_ns=T0)
    flags = FlowQuery.from_flags(
        pods=["shop/api"],
        verdicts=["DROPPED"],
        ports=["5432"],
        protocols=["tcp"],
        labels=["app=db"],
        now_ns=T0,
    )
    assert words.whitelist == flags.whitelist and words.text == ()
    q = parse_filter_words("ns:payments db-0")
    assert q.text == ("db-0",) and q.local_only == ('"db-0"',)
    assert q.matches(flow(API, DB)) and not q.matches(flow(API, pod("payments", "cache-1")))
    assert parse_filter_words("from-pod:shop/api to-pod:payments/").matches(flow(API, DB))
    assert parse_filter_words("10.0.1.9:5432").text == ("10.0.1.9:5432",)


@pytest.mark.parametrize(
    ("text", "word", "phrase"),
    [
        ("verdict:blocked", "verdict:blocked", "unknown verdict"),
        ("port:99999", "port:99999", "1 to 65535"),
        ("port:http", "port:http", "1 to 65535"),
        ("proto:quic", "proto:quic", "unknown protocol"),
        ("colour:red", "colour:red", "unknown filter word"),
        ("pod:", "pod:", "no value"),
        ("label:a=b,", "label:a=b,", "label selector"),
        ("since:yesterday", "since:yesterday", "not a duration"),
        ("ns:shop from-pod:shop/api", "from-pod:shop/api", "cannot be combined"),
    ],
)
def test_bad_words_name_the_word(text: str, word: str, phrase: str) -> None:
    with pytest.raises(FilterError) as err:
        parse_filter_words(text)
    assert str(err.value).startswith(word) and phrase in str(err.value)
    assert err.value.word == word


def test_bad_flags_name_the_flag() -> None:
    with pytest.raises(FilterError) as err:
        FlowQuery.from_flags(verdicts=["nope"])
    assert str(err.value).startswith("--verdict nope:")


def test_core_filters_imports_stdlib_only() -> None:
    import subprocess
    import sys

    code = (
        "import sys, netpol_tui.core.flowquery, netpol_tui.core.flowwords, netpol_tui.core.timefmt; bad = [m for m in ('grpc', 'google.protobuf', 'textual', 'rich',"
        " 'yaml', 'kubernetes') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
