"""Every sentence about an explanation: `trace`, `explain`, the TUI and the golden files say the same thing.

Standard library only, and words only: the engine (evaluate, explain, suggest) returns typed data; these modules
turn it into prose. `rules` words verdicts, rules, peers, ports and selectors; `findings` the findings (one `match`
over their types); `explanations` summaries, agreement with Hubble, fixes and drop groups; `problems` problems
with the input (cluster objects, typed endpoints, filters). Sentences of source errors live beside the sources'
exception types; TUI chrome lives in ui/strings.py.
"""

from netpol_tui.core.wording.explanations import (
    dns_allow_heading,
    endpoint_text,
    explain_report_heading,
    explanation_summary,
    fix_heading,
    group_line,
    no_fix_text,
    tui_agreement,
    tui_explanation_headline,
    tui_group_denied_at,
    tui_opens_other_pairs,
)
from netpol_tui.core.wording.findings import (
    FINDING_SEVERITY,
    drop_reason_text,
    finding_severity,
    finding_text,
)
from netpol_tui.core.wording.problems import (
    bad_endpoint_text,
    bad_port_text,
    filter_error,
    filters_local_only,
    forbidden_text,
    not_evaluated_text,
    plural_kind,
    problem_text,
    skipped_kinds_text,
    unknown_pod_text,
)
from netpol_tui.core.wording.rules import (
    MARK_FAIL,
    MARK_OK,
    SIDE_NAME,
    near_miss_text,
    not_enforced_text,
    note_line,
    note_text,
    peer_check_text,
    policy_line,
    ports_result_text,
    rule_text,
    side_text,
    verdict_heading,
    verdict_summary,
)

__all__ = [
    "FINDING_SEVERITY",
    "MARK_FAIL",
    "MARK_OK",
    "SIDE_NAME",
    "bad_endpoint_text",
    "bad_port_text",
    "dns_allow_heading",
    "drop_reason_text",
    "endpoint_text",
    "explain_report_heading",
    "explanation_summary",
    "filter_error",
    "filters_local_only",
    "finding_severity",
    "finding_text",
    "fix_heading",
    "forbidden_text",
    "group_line",
    "near_miss_text",
    "no_fix_text",
    "not_enforced_text",
    "not_evaluated_text",
    "note_line",
    "note_text",
    "peer_check_text",
    "plural_kind",
    "policy_line",
    "ports_result_text",
    "problem_text",
    "rule_text",
    "side_text",
    "skipped_kinds_text",
    "tui_agreement",
    "tui_explanation_headline",
    "tui_group_denied_at",
    "tui_opens_other_pairs",
    "unknown_pod_text",
    "verdict_heading",
    "verdict_summary",
]
