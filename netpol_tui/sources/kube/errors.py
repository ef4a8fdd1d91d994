"""What goes wrong reaching the Kubernetes API (and the -P port-forward through it), and the sentences that say so.

`KubeError`: the kube API cannot be used at all (no kubeconfig, unreachable, 401, no Relay pod to forward to ...);
its `str()` is one line for the user. The status lines of the watch (connecting, synced, reconnecting ...) are
worded here too, beside the source that reports them.
"""

from __future__ import annotations

from netpol_tui.core.wording import forbidden_text
from netpol_tui.sources.errors import SourceError


class KubeError(SourceError):
    """The kube API cannot be used at all (no kubeconfig, unreachable, 401 ...): one line for the user."""


# ---- the kube API --------------------------------------------------------------------------------------------
# A 403: the one sentence of core wording (a snapshot's KubeForbidden problem says it too).
forbidden = forbidden_text


def no_config(looked_at: str) -> str:
    return (
        f"no kubeconfig found ({looked_at}) and not running inside a cluster: "
        "pass --kubeconfig FILE or --context NAME, set KUBECONFIG, or give --cluster PATH"
    )


def kubeconfig_missing(path: str) -> str:
    return f"kubeconfig file {path} does not exist"


def context_not_found(context: str, available: list[str]) -> str:
    names = ", ".join(available) if available else "none"
    return f"context {context!r} is not in the kubeconfig (contexts: {names})"


def config_invalid(where: str, detail: str) -> str:
    return f"cannot use the kubeconfig {where}: {detail}"


def unreachable(server: str, detail: str) -> str:
    return f"cannot reach the Kubernetes API at {server}: {detail}"


def unauthorized(server: str, context: str = "") -> str:
    ctx = f" (context {context})" if context else ""
    return (
        f"the Kubernetes API at {server}{ctx} rejected our credentials (401 Unauthorized): "
        "log in again or check the kubeconfig user"
    )


def api_error(verb: str, resource: str, status: int, reason: str) -> str:
    return f"cannot {verb} {resource}: the Kubernetes API answered {status} {reason}".rstrip()


def connecting(server: str, context: str = "") -> str:
    ctx = f" (context {context})" if context else ""
    return f"listing namespaces, pods and policies from {server}{ctx}"


def synced(namespaces: int, pods: int, policies: int, scope: str = "") -> str:
    where = f" in namespace {scope}" if scope else ""
    return f"watching {pods} pods and {policies} NetworkPolicies{where} ({namespaces} namespaces)"


def relisting(resource: str) -> str:
    return f"the {resource} watch expired (410 Gone): listing {resource} again"


def reconnecting(resource: str, retry_in: float, detail: str) -> str:
    return f"lost the {resource} watch ({detail}): reconnecting in {retry_in:.1f}s"


def watching(resource: str) -> str:
    return f"the {resource} watch is back"


def stopped() -> str:
    return "stopped watching the Kubernetes API"


def not_served(resource: str) -> str:
    """A resource the API server does not serve (404 / no such API group): skipped, said once."""
    return f"{resource} is not served by this API server: skipped"


def not_evaluated(not_evaluated: tuple[tuple[str, int], ...]) -> str:
    """E.g. "3 CiliumNetworkPolicy objects are not evaluated: ..." ("" when there are none)."""
    if not not_evaluated:
        return ""
    parts = ", ".join(f"{count} {kind}" + ("" if count == 1 else " objects") for kind, count in not_evaluated)
    return f"{parts} not evaluated: explanations cover Kubernetes NetworkPolicies only and may miss what these allow or deny"


def namespace_scope(namespace: str) -> str:
    return f"only namespace {namespace} is watched: pods and policies elsewhere are unknown"


# ---- -P, the port-forward to Hubble Relay --------------------------------------------------------------------
def portforward_service_missing(namespace: str, name: str) -> str:
    return f"service {namespace}/{name} not found: is Hubble Relay enabled (cilium hubble enable)?"


def portforward_no_selector(namespace: str, name: str) -> str:
    return f"service {namespace}/{name} has no pod selector, so there is no pod to port-forward to"


def portforward_no_port(namespace: str, name: str, wanted: str) -> str:
    return f"service {namespace}/{name} has no port {wanted}"


def portforward_no_pods(namespace: str, name: str, selector: str) -> str:
    return f"no pod backs service {namespace}/{name} (selector {selector}): is Hubble Relay running?"


def portforward_no_ready_pod(namespace: str, name: str, states: str) -> str:
    return f"no ready pod backs service {namespace}/{name} ({states}): wait for Hubble Relay to become ready"


def portforward_named_port_missing(namespace: str, pod: str, port_name: str) -> str:
    return f"pod {namespace}/{pod} has no container port named {port_name!r}"


def portforward_listen_failed(address: str, detail: str) -> str:
    return f"cannot listen on {address} for the port-forward: {detail}"


def portforward_ready(local: str, namespace: str, pod: str, port: int) -> str:
    return f"forwarding {local} to {namespace}/{pod} port {port} through the Kubernetes API"


def portforward_connection_failed(namespace: str, pod: str, port: int, detail: str) -> str:
    return f"port-forward to {namespace}/{pod} port {port} failed: {detail}"
