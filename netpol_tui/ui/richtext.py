"""Rich renderings for the headless commands (colours and layout only; the words come from core.wording)."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.text import Text

from netpol_tui.core import wording
from netpol_tui.core.evaluate import DirectionResult, Verdict
from netpol_tui.core.explain import Explanation
from netpol_tui.core.wording.explanations import other_pairs_text


def verdict_renderable(verdict: Verdict, notes: list[str] | None = None) -> Group:
    """Verdict first, then each direction, each selecting policy, rule by rule with ✓/✗."""
    lines: list[Text] = []
    heading = Text()
    heading.append(
        f" {wording.verdict_heading(verdict.allowed)} ",
        style="bold white on green" if verdict.allowed else "bold white on red",
    )
    summary = wording.verdict_summary(verdict)
    # the badge already says the verdict: the sentence goes on without repeating it (" DENIED   Denied: ...")
    word, sep, rest = summary.partition(": ")
    if sep and word.upper() == wording.verdict_heading(verdict.allowed):
        summary = rest
    heading.append("  " + summary)
    lines.append(heading)
    for side in (verdict.egress, verdict.ingress):
        lines.append(Text(""))
        lines.extend(side_lines(side, verdict))
    for code in verdict.notes:
        lines.append(Text(""))
        lines.append(Text(wording.note_line(code), style="yellow"))
    for extra in notes or []:
        lines.append(Text(extra, style="yellow"))
    return Group(*lines)


def side_lines(side: DirectionResult, verdict: Verdict) -> list[Text]:
    style = "green" if side.allowed else "bold red"
    out = [Text(wording.side_text(side), style=style)]
    other = verdict.source if side.direction == "Ingress" else verdict.destination
    for pres in side.policies:
        mark = wording.MARK_OK if pres.allows else wording.MARK_FAIL
        out.append(
            Text(f"  {mark} " + wording.policy_line(pres, side), style="green" if pres.allows else "red")
        )
        closest = pres.closest
        for rr in pres.rules:
            rmark = wording.MARK_OK if rr.allows else wording.MARK_FAIL
            t = Text(f"      {rmark} ")
            t.append(
                wording.rule_text(rr, pres.policy, side.direction, other.key, verdict.port, verdict.protocol),
                style="green" if rr.allows else ("bold" if rr is closest else "dim"),
            )
            out.append(t)
    return out


def print_verdict(verdict: Verdict, console: Console | None = None, notes: list[str] | None = None) -> None:
    (console or Console()).print(verdict_renderable(verdict, notes))


def explanation_renderable(expl: Explanation, notes: list[str] | None = None) -> Group:
    """The verdict, then the findings and the verified fixes with their YAML."""
    from netpol_tui.ui.rendering import WrappedYaml

    parts: list[RenderableType] = [verdict_renderable(expl.verdict, notes)]
    for f in expl.findings:
        if f.code == "note":
            continue  # already printed with the verdict
        style = {"warning": "yellow", "caution": "magenta"}.get(
            wording.FINDING_SEVERITY.get(f.code, ""), "cyan"
        )
        parts.append(Text(""))
        parts.append(Text("• " + wording.finding_text(f), style=style))
    for fix in expl.fixes:
        parts.append(Text(""))
        parts.append(Text(wording.fix_heading(fix), style="bold cyan"))
        named = other_pairs_text(fix)
        if named:
            parts.append(Text(named, style="yellow"))
        parts.append(
            WrappedYaml(fix.yaml, theme="ansi_dark")
        )  # a narrow terminal wraps it under ↪, never cuts
        parts.append(Text(""))
    return Group(*parts)


def print_explanation(
    expl: Explanation, console: Console | None = None, notes: list[str] | None = None
) -> None:
    (console or Console()).print(explanation_renderable(expl, notes))
