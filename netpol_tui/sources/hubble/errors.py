"""What can go wrong talking to Hubble, and the sentences that say so.

`map_grpc_error()` is the one place gRPC status codes become our exceptions; each exception's `str()` is one
sentence for the user, naming the address and what to do (the CLI prints it, the TUI shows it in its relay panel).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

os.environ.setdefault("GRPC_VERBOSITY", "NONE")  # see client.py

import grpc  # noqa: E402

from netpol_tui.core.wording.inert import inert  # noqa: E402
from netpol_tui.sources.errors import SourceError  # noqa: E402


class HubbleError(SourceError):
    """A Hubble connection or stream problem; `str()` is a sentence for the user."""

    def __init__(self, message: str, address: str = "", code: str = "") -> None:
        super().__init__(message)
        self.address = address
        self.code = code


class HubbleUnavailable(HubbleError):
    """Nothing answers at the address (refused, unreachable, timed out)."""


class HubbleTLSError(HubbleError):
    """A TLS check failed; `check` says which (verify, hostname, client_cert, plaintext_server, ...)."""

    def __init__(self, message: str, address: str = "", code: str = "", check: str = "") -> None:
        super().__init__(message, address, code)
        self.check = check


class HubbleNotHubble(HubbleError):
    """The server does not implement observer.Observer."""


class HubblePermissionDenied(HubbleError):
    """The server refused us (PERMISSION_DENIED, UNAUTHENTICATED)."""


class HubbleRequestError(HubbleError):
    """The server rejected the request (bad filter, bad arguments)."""


class HubbleStreamError(HubbleError):
    """The stream failed for another reason."""


FATAL: tuple[type[HubbleError], ...] = (
    HubbleTLSError,
    HubbleNotHubble,
    HubblePermissionDenied,
    HubbleRequestError,
)


# --------------------------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------------------------
def connection_refused_text(address: str) -> str:
    return (
        f"cannot connect to Hubble at {address}: connection refused. Is Hubble Relay reachable there? "
        "Run `cilium hubble port-forward` (it listens on localhost:4245), or pass -P to let netpol-tui "
        "port-forward to kube-system/hubble-relay, or point --server at the relay"
    )


def unreachable_text(address: str, detail: str) -> str:
    return f"cannot reach Hubble at {address}: {detail}. Check --server, or use -P / `cilium hubble port-forward`"


def connection_lost_text(address: str, detail: str) -> str:
    return f"the connection to Hubble at {address} broke: {detail or 'no detail'}"


def idle_text(address: str, seconds: float, flows: int) -> str:
    """A non-follow GetFlows that went silent: we give up."""
    if flows:
        what = f"sent {flows} flow{'s' if flows != 1 else ''}, then nothing for {seconds:g} s"
    else:
        what = f"accepted the request but sent nothing in {seconds:g} s"
    return f"Hubble at {address} {what}; giving up (--idle-timeout sets the wait, 0 waits forever)"


def reconnecting_text(problem: str) -> str:
    """A follow stream broke (`problem` is the failure's sentence); the reconnect loop takes over."""
    return f"{problem or 'the flow stream ended'}; reconnecting, to resume after the last flow received"


def reconnected_text(address: str) -> str:
    return f"reconnected to Hubble at {address}; resumed after the last flow received"


def still_waiting_text(address: str, seconds: float) -> str:
    """A follow stream silent for a while: said once, and we keep waiting."""
    return f"no flows from Hubble at {address} for {seconds:g} s; still waiting (ctrl+c to stop)"


def connect_timeout_text(address: str, seconds: float) -> str:
    return (
        f"no answer from Hubble at {address} within {seconds:g} s. Check --server and that the relay is up, "
        "or use -P / `cilium hubble port-forward`; --timeout sets the wait"
    )


_TLS_CHECKS = {
    "verify": "the server's certificate is not signed by a trusted CA; give the CA with --tls-ca-cert-files "
    "(or, knowingly, --tls-allow-insecure)",
    "hostname": "the server's certificate is not valid for the name {name!r}; set --tls-server-name to a name "
    "in the certificate (Hubble Relay uses *.hubble-relay.cilium.io, e.g. instance.hubble-relay.cilium.io)",
    "client_cert": "the server closed the connection during the TLS handshake, which is what a server that "
    "requires a client certificate (mTLS) does when it gets none or one it does not trust; give "
    "--tls-client-cert-file and --tls-client-key-file signed by the CA the server trusts",
    "plaintext_server": "the server does not speak TLS; drop --tls and the tls:// prefix",
    "tls_server": "the server expects TLS; add --tls or a tls:// prefix to --server",
    "files": "cannot read the TLS files: {detail}",
    "fetch": "cannot fetch the server's certificate to pin it for --tls-allow-insecure: {detail}",
    "handshake": "the TLS handshake failed: {detail}",
}


def tls_error_text(address: str, check: str, name: str = "", detail: str = "") -> str:
    text = _TLS_CHECKS.get(check, _TLS_CHECKS["handshake"]).format(name=name, detail=detail or "no detail")
    return f"TLS to Hubble at {address} failed: {text}"


def not_hubble_text(address: str) -> str:
    return (
        f"the server at {address} answered but is not Hubble (observer.Observer is not implemented there); "
        "point --server at Hubble Relay (port 4245, or 80/443 in-cluster) or a cilium-agent's hubble socket"
    )


def denied_text(address: str, detail: str) -> str:
    return f"Hubble at {address} refused the request: {detail or 'not authorised'}"


def bad_request_text(address: str, detail: str) -> str:
    return f"Hubble at {address} rejected the request: {detail}"


def stream_error_text(address: str, code: str, detail: str) -> str:
    return f"the flow stream from {address} failed ({code}): {detail or 'no detail'}"


def server_status_text(
    version: str,
    num_flows: int,
    max_flows: int,
    connected: int | None,
    unavailable: int | None,
    unavailable_nodes: Iterable[str] = (),
) -> str:
    parts = [f"Hubble {version or '(version unknown)'}", f"{num_flows}/{max_flows} flows buffered"]
    if connected is not None:
        parts.append(f"{connected} node{'s' if connected != 1 else ''} connected")
    if unavailable:
        names = ", ".join(list(unavailable_nodes)[:5])
        parts.append(f"{unavailable} unavailable" + (f" ({names})" if names else ""))
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------------------------
# gRPC status codes -> our exceptions
# --------------------------------------------------------------------------------------------------------------
def map_grpc_error(
    exc: grpc.RpcError,
    address: str,
    *,
    tls: bool = False,
    server_name: str = "",
    timeout: float = 0.0,
    connected: bool = False,
) -> HubbleError:
    """Turn a failed call into one of our exceptions with a sentence naming the address and the cause.

    `connected`: this connection has worked before (ServerStatus answered or flows arrived). Then a broken
    connection ("Socket closed", "Connection reset by peer", ...) is what it says, never a TLS configuration
    problem: TLS hints are for the first connection only. The server's details are made inert (control
    characters escaped visibly) before they reach a sentence.
    """
    code = exc.code() if hasattr(exc, "code") else None
    details = (exc.details() if hasattr(exc, "details") else "") or ""
    low = details.lower()
    cname = code.name if code is not None else "UNKNOWN"
    if code == grpc.StatusCode.UNIMPLEMENTED:
        return HubbleNotHubble(not_hubble_text(address), address, cname)
    if code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED):
        return HubblePermissionDenied(denied_text(address, inert(details)), address, cname)
    if code in (
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.OUT_OF_RANGE,
    ):
        return HubbleRequestError(bad_request_text(address, inert(details)), address, cname)
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return HubbleUnavailable(connect_timeout_text(address, timeout), address, cname)
    if code == grpc.StatusCode.UNAVAILABLE:
        if connected:
            if "connection refused" in low or "connect failed" in low:
                return HubbleUnavailable(connection_refused_text(address), address, cname)
            return HubbleUnavailable(connection_lost_text(address, short_detail(details)), address, cname)
        check = _tls_check(low, tls)
        if check:
            return HubbleTLSError(
                tls_error_text(address, check, name=server_name, detail=short_detail(details)),
                address,
                cname,
                check,
            )
        if "connection refused" in low or "connect failed" in low:
            return HubbleUnavailable(connection_refused_text(address), address, cname)
        return HubbleUnavailable(unreachable_text(address, short_detail(details)), address, cname)
    return HubbleStreamError(stream_error_text(address, cname, short_detail(details)), address, cname)


def _tls_check(low: str, tls: bool) -> str:
    if tls:
        if "peer name" in low or "hostname" in low or "subject alternative" in low or "does not match" in low:
            return "hostname"
        if (
            "certificate_required" in low
            or "certificate required" in low
            or "alert certificate" in low
            or "socket closed" in low
        ):
            return "client_cert"
        if "wrong_version_number" in low or "wrong version number" in low or "packet length too long" in low:
            return "plaintext_server"
        if (
            "certificate verify failed" in low
            or "certificate_verify_failed" in low
            or "unknown ca" in low
            or "self signed" in low
            or "unable to get local issuer" in low
        ):
            return "verify"
        if "handshake" in low or "ssl" in low or "tls" in low:
            return "handshake"
        return ""
    if "socket closed" in low or "connection reset" in low or "ssl" in low or "tls" in low:
        return "tls_server"
    return ""


def short_detail(details: str) -> str:
    """gRPC details are long and nested; keep the last, most specific part (made inert: it came from outside)."""
    text = details.strip()
    for marker in ("last error: ", "Last error: "):
        if marker in text:
            text = text.split(marker)[-1]
    return inert(text[:300])


__all__ = [
    "FATAL",
    "HubbleError",
    "HubbleNotHubble",
    "HubblePermissionDenied",
    "HubbleRequestError",
    "HubbleStreamError",
    "HubbleTLSError",
    "HubbleUnavailable",
    "idle_text",
    "map_grpc_error",
    "reconnected_text",
    "reconnecting_text",
    "still_waiting_text",
    "tls_error_text",
]
