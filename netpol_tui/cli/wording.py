"""The CLI's own words: labels of the sources (TUI status bar, snapshot headers) and the `snapshot` command's lines."""

from __future__ import annotations

LABEL_KUBE_API = "kube API"
LABEL_IN_CLUSTER = "in-cluster config"
LABEL_DEMO_CLUSTER = "demo shop"


def snapshot_written(directory: str, namespaces: int, pods: int, policies: int, others: int = 0) -> str:
    extra = f", {others} Cilium policies" if others else ""
    return (
        f"wrote {namespaces} namespaces, {pods} pods, {policies} NetworkPolicies{extra} to {directory} "
        f"(use it with --cluster {directory})"
    )


def snapshot_cannot_write(directory: str, detail: str) -> str:
    return f"cannot write the snapshot to {directory}: {detail}"


def label_relay(server: str, port_forward: bool = False) -> str:
    return f"relay {server}" + (" (-P)" if port_forward else "")


def label_demo(address: str) -> str:
    return f"demo {address}"


def label_context(context: str) -> str:
    return f"context {context}"


def label_files(path: str) -> str:
    return f"files {path}"


def label_with_server(label: str, server: str) -> str:
    return f"{label} ({server})"


# --- numeric flags (argparse adds "argument --flag: " before these) -----------------------------------------
def not_a_whole_number(text: str) -> str:
    return f"{text!r} is not a whole number"


def not_a_number(text: str) -> str:
    return f"{text!r} is not a number"


def number_out_of_range(text: str, low: object, high: object) -> str:
    return f"{text} is out of range: give a number from {low} to {high}"


def number_not_positive(text: str, high: object) -> str:
    return f"{text} is out of range: give a number above 0, at most {high}"


# --- internal errors and inputs ---------------------------------------------------------------------------------
def internal_error(kind: str, detail: str) -> str:
    what = f"{kind}: {detail}" if detail else kind
    return f"internal error: {what}; run with --debug for the traceback"


def stdin_twice(flags: list[str]) -> str:
    return f"{' and '.join(flags)} cannot both read stdin (-): give a file for all but one"


def verdict_unknown(resources: tuple[str, ...]) -> str:
    what = ", ".join(resources)
    return (
        f"verdict unknown: it depends on {what}, which could not be read (exit status 2; "
        "grant the access named above, or trace against files)"
    )


def no_flow_matched(read: int | None, qualified: list[tuple[str, str]], files: bool) -> str:
    """The hint when the filters left no flow: how many were read, and how a bare pod name was read."""
    where = f"none of the {read} flows read" if read is not None else "no flow from Hubble"
    text = f"{where} matched the filters"
    if qualified:
        given, read_as = qualified[0]
        origin = (
            "default with --cluster files" if files else "the kubeconfig context's namespace, else default"
        )
        text += (
            f"; {given} was read as {read_as} (a pod without a namespace is in {origin}): "
            f"write NAMESPACE/{given} for another namespace"
        )
    else:
        text += "; check the pod names (NAMESPACE/POD), ports and verdicts"
    return text


def demo_exported(cluster: str, objects: int, flows: str, count: int) -> str:
    return (
        f"wrote {cluster} ({objects} objects) and {flows} ({count} flows); try:\n"
        f"  netpol-tui explain --flows {flows} --cluster {cluster}"
    )


def export_cannot_write(directory: str, detail: str) -> str:
    return f"cannot write the demo files to {directory}: {detail}"


def merged_fixes_heading(policies: int, groups: int) -> str:
    return (
        f"Fixes: {policies} merged patch{'es' if policies != 1 else ''}, one per policy — applied together they "
        f"allow the {groups} fixable drop group{'s' if groups != 1 else ''} above (verified)"
    )


def merged_fix_note(groups: int) -> str:
    return (
        f"for {groups} drop groups: every rule they need, on top of the current policy" if groups > 1 else ""
    )


def fix_is_below(kind: str, target: str) -> str:
    return f"    (in the merged patch for {kind} {target} below)"


def fix_withheld() -> str:
    return (
        "    this fix opens the cloud metadata address: it is not merged and --fixes-out does not write it; "
        "apply it only on purpose"
    )


def merged_fix_withheld() -> str:
    return (
        "    this merged patch lets a pod reach the cloud metadata address: --fixes-out does not write it; "
        "apply it only on purpose"
    )


def fixes_unfixed(count: int) -> str:
    return f"{count} connection{'s' if count != 1 else ''} still denied with every fix applied: no patch written for {'them' if count != 1 else 'it'}"


def fixes_written(count: int, directory: str) -> str:
    return f"{count} fix file{'s' if count != 1 else ''} written in {directory}"


def fixes_out_exist(directory: str, names: list[str]) -> str:
    more = f" and {len(names) - 1} more" if len(names) > 1 else ""
    return f"--fixes-out {directory}: {names[0]}{more} exist{'s' if len(names) == 1 else ''}; nothing written (--force overwrites)"


def fixes_out_not_a_directory(directory: str) -> str:
    return f"--fixes-out {directory}: exists and is not a directory"


def fixes_out_symlink(path: str) -> str:
    return f"--fixes-out: {path} is a symbolic link; not followed, nothing more written"


def fixes_out_cannot_write(directory: str, detail: str) -> str:
    return f"--fixes-out {directory}: cannot write: {detail}"


def bad_trace_port(text: str) -> str:
    return (
        f"--port {text}: expected PORT or PORT/PROTO with PORT 1-65535 and PROTO TCP, UDP or SCTP, "
        "or TYPE/ICMP (ICMPv4) or TYPE/ICMPv6 with TYPE 0-255"
    )


def bad_fqdn(text: str) -> str:
    return f"--to-fqdn {text}: expected a DNS name such as api.example.com (letters, digits, '-', '_', '.')"
