"""ICMP type names as Cilium accepts them in `icmps[].fields[].type` (CamelCase), for IPv4 and IPv6 (IANA numbers)."""

from __future__ import annotations

from netpol_tui.core.cilium.model import IcmpFamily

V4: dict[str, int] = {
    "EchoReply": 0,
    "DestinationUnreachable": 3,
    "Redirect": 5,
    "Echo": 8,
    "EchoRequest": 8,
    "RouterAdvertisement": 9,
    "RouterSelection": 10,
    "TimeExceeded": 11,
    "ParameterProblem": 12,
    "Timestamp": 13,
    "TimestampReply": 14,
    "Photuris": 40,
    "ExtendedEchoRequest": 42,
    "ExtendedEchoReply": 43,
}

V6: dict[str, int] = {
    "DestinationUnreachable": 1,
    "PacketTooBig": 2,
    "TimeExceeded": 3,
    "ParameterProblem": 4,
    "EchoRequest": 128,
    "EchoReply": 129,
    "MulticastListenerQuery": 130,
    "MulticastListenerReport": 131,
    "MulticastListenerDone": 132,
    "RouterSolicitation": 133,
    "RouterAdvertisement": 134,
    "NeighborSolicitation": 135,
    "NeighborAdvertisement": 136,
    "RedirectMessage": 137,
    "RouterRenumbering": 138,
    "ICMPNodeInformationQuery": 139,
    "ICMPNodeInformationResponse": 140,
    "InverseNeighborDiscoverySolicitation": 141,
    "InverseNeighborDiscoveryAdvertisement": 142,
    "HomeAgentAddressDiscoveryRequest": 144,
    "HomeAgentAddressDiscoveryReply": 145,
    "MobilePrefixSolicitation": 146,
    "MobilePrefixAdvertisement": 147,
    "DuplicateAddressRequestCodeSuffix": 157,
    "DuplicateAddressConfirmationCodeSuffix": 158,
    "ExtendedEchoRequest": 160,
    "ExtendedEchoReply": 161,
}

ECHO_REQUEST = {IcmpFamily.IPV4: 8, IcmpFamily.IPV6: 128}


def type_number(family: IcmpFamily, name: str) -> int | None:
    """The number of a CamelCase type name for that family, or None when the family has no such name."""
    table = V4 if family is IcmpFamily.IPV4 else V6
    return table.get(name)


def type_name(family: IcmpFamily, number: int) -> str:
    """The preferred name of a type number ("" when unnamed); for v4 type 8 this is EchoRequest."""
    table = V4 if family is IcmpFamily.IPV4 else V6
    names = [k for k, v in table.items() if v == number]
    if not names:
        return ""
    return "EchoRequest" if "EchoRequest" in names else names[0]


def family_of_protocol(protocol: str) -> IcmpFamily | None:
    """`ICMPv4` / `ICMP` → IPv4, `ICMPv6` → IPv6, anything else → None."""
    if protocol in _FAMILIES:  # a few spellings in all, each worked out once (every port check asks)
        return _FAMILIES[protocol]
    p = protocol.upper()
    found = IcmpFamily.IPV4 if p in ("ICMP", "ICMPV4") else IcmpFamily.IPV6 if p == "ICMPV6" else None
    if len(_FAMILIES) < 64:
        _FAMILIES[protocol] = found
    return found


_FAMILIES: dict[str, IcmpFamily | None] = {}
