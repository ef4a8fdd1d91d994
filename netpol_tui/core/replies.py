"""Which flows are replies, and the port of the connection a reply answers.

Hubble's `is_reply` (or the older `reply`) decides when the flow carries it. When it does not say: a SYN-ACK is a
reply (only a server sends one), and so is an ICMP reply message (echo reply, ...), which answers the request type
listed here. ICMP error messages (destination unreachable, ...) are not replies: connection tracking lets them
through as related to the connection they report on (core/explain.py says so when the policies alone would not).
"""

from __future__ import annotations

from netpol_tui.core.model import Flow

# ICMP reply type -> the request type it answers (RFC 792, RFC 950, RFC 4443)
ICMP_REQUEST_OF_REPLY: dict[str, dict[int, int]] = {
    "ICMPv4": {0: 8, 14: 13, 16: 15, 18: 17},  # echo, timestamp, information, address mask
    "ICMPv6": {129: 128},  # echo
}


# ICMP error messages: about another packet (its connection), let through by connection tracking as related to it
ICMP_ERRORS: dict[str, dict[int, str]] = {
    "ICMPv4": {
        3: "destination unreachable",
        4: "source quench",
        5: "redirect",
        11: "time exceeded",
        12: "parameter problem",
    },
    "ICMPv6": {1: "destination unreachable", 2: "packet too big", 3: "time exceeded", 4: "parameter problem"},
}


def icmp_error_of(flow: Flow) -> str:
    """For an ICMP error message, what it reports ("destination unreachable", ...); else ""."""
    table = ICMP_ERRORS.get(flow.protocol)
    if table is None or flow.destination_port is None:
        return ""
    return table.get(flow.destination_port, "")


def icmp_request_of(flow: Flow) -> int | None:
    """For an ICMP reply message, the type of the request it answers; else None."""
    table = ICMP_REQUEST_OF_REPLY.get(flow.protocol)
    if table is None or flow.destination_port is None:
        return None
    return table.get(flow.destination_port)


def flow_is_reply(flow: Flow) -> bool:
    """A reply of a connection: Hubble says so (`is_reply`); when it does not say, a SYN-ACK or an ICMP reply
    message."""
    if flow.is_reply is not None:
        return flow.is_reply
    if flow.protocol in ICMP_REQUEST_OF_REPLY:
        return icmp_request_of(flow) is not None
    return "SYN" in flow.tcp_flags and "ACK" in flow.tcp_flags


def reply_port(flow: Flow) -> int | None:
    """For a reply, the port of the connection it answers: the server's (the reply's source port), or for ICMP the
    request type (the reply's own type when it is not a known reply type)."""
    if flow.protocol in ICMP_REQUEST_OF_REPLY:
        request = icmp_request_of(flow)
        return request if request is not None else flow.destination_port
    return flow.source_port


__all__ = [
    "ICMP_ERRORS",
    "ICMP_REQUEST_OF_REPLY",
    "flow_is_reply",
    "icmp_error_of",
    "icmp_request_of",
    "reply_port",
]
