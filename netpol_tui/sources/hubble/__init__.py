"""Hubble: the gRPC client (client.py), its errors and their sentences (errors.py), and a small loopback
Observer server (loopback.py, used by `netpol-tui demo`). The only users of the generated `netpol_tui._proto`
besides the pb <-> core converter (sources/flows.py)."""

from __future__ import annotations

from netpol_tui.sources.hubble.client import (
    DEFAULT_PORT,
    DEFAULT_SERVER,
    HubbleConfig,
    HubbleNode,
    HubbleSource,
    HubbleStatus,
    build_request,
)
from netpol_tui.sources.hubble.errors import (
    HubbleError,
    HubbleNotHubble,
    HubblePermissionDenied,
    HubbleRequestError,
    HubbleStreamError,
    HubbleTLSError,
    HubbleUnavailable,
    map_grpc_error,
)

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_SERVER",
    "HubbleConfig",
    "HubbleError",
    "HubbleNode",
    "HubbleNotHubble",
    "HubblePermissionDenied",
    "HubbleRequestError",
    "HubbleSource",
    "HubbleStatus",
    "HubbleStreamError",
    "HubbleTLSError",
    "HubbleUnavailable",
    "build_request",
    "map_grpc_error",
]
