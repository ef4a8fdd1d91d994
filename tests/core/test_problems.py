"""Input problems are typed (core/problems.py) and worded by one `match` (core/wording/problems.py)."""

from __future__ import annotations

import dataclasses

from netpol_tui.core import problems as P
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.model import Origin
from netpol_tui.core.wording import problem_text
from netpol_tui.core.wording.problems import problem_detail

KINDS = [
    c for c in vars(P).values() if isinstance(c, type) and issubclass(c, P.Problem) and c is not P.Problem
]


def _sample(cls: type[P.Problem]) -> P.Problem:
    values: dict[str, object] = {}
    for f in dataclasses.fields(cls):
        if f.name in ("origin", "obj", "field"):
            continue
        values[f.name] = {"int": 7, "tuple[str, ...]": ("toPorts", "toCIDR")}.get(str(f.type), "X")
    return cls(**values)


def test_one_type_per_code_and_every_type_has_its_own_sentence() -> None:
    assert sorted(c.code for c in KINDS) == sorted(P.ProblemCode)
    details = {c: problem_detail(_sample(c)) for c in KINDS}
    for cls, text in details.items():
        assert text != str(cls.code), cls  # the fallback (bare code) is never used
    assert len(set(details.values())) == len(details)


def test_sentences() -> None:
    where = dict(origin=Origin("pol.yaml", 2), obj="NetworkPolicy prod/x", field="spec.ingress[0].from[0]")
    assert problem_text(P.BadCidr(**where, value="10.0/8")) == (
        "pol.yaml, document 2, NetworkPolicy prod/x, spec.ingress[0].from[0]: '10.0/8' is not a CIDR (object skipped)"
    )
    assert problem_text(P.BadEndPort(**where, value=80, port=90)) == (
        "pol.yaml, document 2, NetworkPolicy prod/x, spec.ingress[0].from[0]: endPort 80 must be between port 90 "
        "and 65535 (object skipped)"
    )
    assert problem_text(P.YamlSyntax(Origin("a.yaml", 3), line=4, message="bad indent")) == (
        "a.yaml, document 3: YAML syntax error at line 4: bad indent"
    )
    assert problem_text(P.NoSuchPath(Origin("nope"))) == "nope: no such file or directory"
    assert problem_text(P.CiliumMixedPeers(keys=("toEndpoints", "toCIDR"))) == (
        "one rule item can hold one kind of peer only, found toEndpoints, toCIDR"
    )
    assert problem_text(P.KubeForbidden(Origin("kube-api"), obj="pods", verb="list", resource="pods")) == (
        "cannot list pods at cluster scope: grant list/watch on pods (see deploy/rbac.yaml)"
    )


def test_a_cilium_note_keeps_its_object() -> None:
    note = P.CiliumConfigBadValue(
        Origin("cfg.yaml"), obj="ConfigMap kube-system/cilium-config", value="maybe"
    )
    assert problem_text(note) == (
        "cfg.yaml, ConfigMap kube-system/cilium-config: 'maybe' is not a valid value: the default is used"
    )


def test_a_list_whose_items_is_not_a_list_says_what_it_found() -> None:
    # the sentence used to print its template ("expected {want}, found {got}"): `got` was never given
    r = parse_objects([{"kind": "PodList", "items": {"a": 1}}])
    (problem,) = r.problems
    assert isinstance(problem, P.WrongType) and (problem.want, problem.got) == ("list", "dict")
    assert problem_text(problem) == "PodList, items: expected list, found dict (object skipped)"


def test_every_filter_mistake_names_the_word() -> None:
    from netpol_tui.core.flowquery import FilterError
    from netpol_tui.core.wording.problems import filter_error

    texts = {m: filter_error(m, "port:x") for m in P.FilterMistake}
    assert all(t.startswith("port:x") for t in texts.values()) and len(set(texts.values())) == len(texts)
    err = FilterError(P.FilterMistake.BAD_PORT, "port:x", "not a number")
    assert err.code is P.FilterMistake.BAD_PORT
    assert str(err) == "port:x: a port is a number from 1 to 65535 (not a number)"
