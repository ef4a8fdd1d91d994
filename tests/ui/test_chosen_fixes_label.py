"""The label of a chosen drop group (notifications of `c`/`s` and marks) says when the group is of replies."""

from __future__ import annotations

from netpol_tui.ui import strings
from netpol_tui.ui.chosen_fixes import group_label


def test_a_request_group_is_labelled_by_its_destination_port() -> None:
    key = ("shop/frontend", "shop/api", 8080, "TCP", "INGRESS", "POLICY_DENIED", False)
    assert group_label(key) == "shop/frontend → shop/api 8080/TCP"


def test_a_reply_group_is_labelled_by_the_server_port_with_the_reply_mark() -> None:
    key = ("shop/api", "shop/frontend", 8080, "TCP", "INGRESS", "POLICY_DENIED", True)
    assert group_label(key) == f"shop/api → shop/frontend {strings.REPLY_MARK}8080/TCP"
