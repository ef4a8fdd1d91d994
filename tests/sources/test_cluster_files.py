"""Cluster files as kubectl reads them (sources/manifests_io.py): concatenated JSON, byte-order marks and UTF-16,
JSON followed by YAML documents, deep nesting. One bad document never stops the others; every problem names the
file, the document and the line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from netpol_tui.core import wording
from netpol_tui.sources.manifests_io import MAX_DEPTH, load_manifests


def ns(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def pod(name: str, namespace: str = "shop", ip: str = "10.0.0.1") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "status": {"podIP": ip, "podIPs": [{"ip": ip}]},
    }


def texts(result) -> list[str]:
    return [wording.problem_text(p) for p in result.problems]


@pytest.mark.parametrize("sep", ["", "\n", "\n\n  ", " "])
def test_concatenated_json_objects(tmp_path: Path, sep: str) -> None:
    f = tmp_path / "objs.json"
    f.write_text(
        sep.join(json.dumps(o, indent=2) for o in (ns("shop"), pod("a"), pod("b", ip="10.0.0.2"))) + "\n"
    )
    r = load_manifests(str(f))
    assert r.problems == []
    assert [n.name for n in r.namespaces] == ["shop"]
    assert [(p.name, p.origin.document) for p in r.pods] == [("a", 2), ("b", 3)]


def test_compact_concatenation_on_one_line(tmp_path: Path) -> None:
    f = tmp_path / "objs.json"
    f.write_text(json.dumps(ns("one")) + json.dumps(ns("two")))
    r = load_manifests(str(f))
    assert r.problems == [] and [n.name for n in r.namespaces] == ["one", "two"]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-8", b"\xef\xbb\xbf")],
)
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_byte_order_marks_and_utf16(tmp_path: Path, encoding: str, bom: bytes, fmt: str) -> None:
    if fmt == "yaml":
        text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: café\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: two}\n"
    else:
        text = json.dumps(
            {"apiVersion": "v1", "kind": "List", "items": [ns("café"), ns("two")]}, ensure_ascii=False
        )
    f = tmp_path / f"ps.{fmt}"
    f.write_bytes(bom + text.replace("\n", "\r\n").encode(encoding))
    r = load_manifests(str(f))
    assert r.problems == [], texts(r)
    assert sorted(n.name for n in r.namespaces) == ["café", "two"]


def test_json_followed_by_yaml_documents(tmp_path: Path) -> None:
    f = tmp_path / "mixed.json"
    f.write_text(
        json.dumps(ns("shop"), indent=1)
        + "\n"
        + json.dumps(pod("a"))
        + "\n---\nkind: Pod\nmetadata: {name: b, namespace: shop}\n---\n"
        + "kind: Namespace\nmetadata:\n  name: other\n"
    )
    r = load_manifests(str(f))
    assert r.problems == [], texts(r)
    assert [(n.name, n.origin.document) for n in r.namespaces] == [("shop", 1), ("other", 4)]
    assert [(p.name, p.origin.document) for p in r.pods] == [("a", 2), ("b", 3)]


def test_one_bad_document_does_not_stop_the_others(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text(
        json.dumps(ns("first"))
        + '\n{"kind": "Namespace", "metadata": {"name": broken}}\n'
        + json.dumps(ns("third"))
        + "\n---\nkind: Namespace\nmetadata: {name: [unclosed\n---\nkind: Namespace\nmetadata: {name: fifth}\n"
    )
    r = load_manifests(str(f))
    assert sorted(n.name for n in r.namespaces) == ["fifth", "first", "third"]
    got = [(p.code, p.origin.document, p.line) for p in r.problems]
    assert got[0] == ("json_syntax", 2, 2)
    assert got[1][:2] == ("yaml_syntax", 4) and got[1][2] in (5, 6, 7)
    for text in texts(r):
        assert text.startswith(f"{f}, document ")
    assert [n.origin.document for n in r.namespaces] == [1, 3, 5]


def test_text_between_json_objects_is_named(tmp_path: Path) -> None:
    f = tmp_path / "junk.json"
    f.write_text(json.dumps(ns("a")) + "\nnot json at all\n" + json.dumps(ns("b")) + "\n")
    r = load_manifests(str(f))
    assert [n.name for n in r.namespaces] == ["a", "b"]
    assert [(p.code, p.line) for p in r.problems] == [("json_syntax", 2)]
    assert str(f) in texts(r)[0]


def deep_json(depth: int) -> str:
    return json.dumps(ns("deep"))[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"


def test_deep_json_is_an_object_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("kind: Namespace\nmetadata: {name: fine}\n")
    deep = tmp_path / "deep.json"
    deep.write_text(json.dumps(ns("before")) + "\n" + deep_json(100_000) + "\n" + json.dumps(ns("after")))
    just_ok = tmp_path / "limit.json"
    just_ok.write_text(
        json.dumps(ns("x"))[:-1] + ', "extra": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"
    )
    r = load_manifests(str(tmp_path))
    assert sorted(n.name for n in r.namespaces) == ["after", "before", "fine", "x"]
    assert [(p.origin.source, p.origin.document, p.line) for p in r.problems] == [(str(deep), 2, 2)]
    assert f"nested deeper than {MAX_DEPTH} levels" in texts(r)[0]


def test_deep_yaml_is_an_object_error(tmp_path: Path) -> None:
    f = tmp_path / "deep.yaml"
    nested = "kind: Namespace\nmetadata: {name: deep}\nextra: " + "[" * 900 + "]" * 900 + "\n"
    f.write_text(
        "kind: Namespace\nmetadata: {name: a}\n---\n" + nested + "---\nkind: Namespace\nmetadata: {name: c}\n"
    )
    r = load_manifests(str(f))
    assert sorted(n.name for n in r.namespaces) == ["a", "c"]
    assert [(p.code, p.origin.document) for p in r.problems] == [("yaml_syntax", 2)]
    assert f"nested deeper than {MAX_DEPTH} levels" in texts(r)[0]


def test_trace_with_a_deep_json_in_the_cluster_directory(tmp_path: Path) -> None:
    """Not exit 1 ("denied"): the deep file is a problem on stderr, the verdict comes from the rest."""
    (tmp_path / "pods.json").write_text(
        json.dumps({"kind": "List", "items": [ns("shop"), pod("a"), pod("b", ip="10.0.0.2")]})
    )
    (tmp_path / "deep.json").write_text(deep_json(100_000))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "netpol_tui",
            "trace",
            "--from",
            "shop/a",
            "--to",
            "shop/b",
            "--port",
            "80",
            "--cluster",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "deep.json" in proc.stderr and "nested deeper than" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_stdin_bytes_with_a_byte_order_mark_and_undecodable_stdin() -> None:
    import io

    data = "kind: Namespace\nmetadata: {name: piped}\n".encode("utf-16")
    r = load_manifests("-", stdin=io.TextIOWrapper(io.BytesIO(data)))
    assert r.problems == [] and [n.name for n in r.namespaces] == ["piped"]
    r = load_manifests("-", stdin=io.TextIOWrapper(io.BytesIO(b"kind: \xff\xfe\xfa")))
    assert [p.code for p in r.problems] == ["unreadable"] and r.namespaces == []
