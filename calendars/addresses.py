"""Which network addresses a calendar URL may be fetched from: loopback, private,
link-local and other non-public addresses are refused, also when an IPv6 address carries
one of them (IPv4-mapped, -compatible, -translated, NAT64, 6to4, Teredo)."""

from __future__ import annotations

import ipaddress

__all__ = ["Address", "refusal"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


_UNSPECIFIED_V4 = ipaddress.IPv4Network("0.0.0.0/8")
_SHARED_V4 = ipaddress.IPv4Network("100.64.0.0/10")
_PRIVATE_V4 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_BROADCAST_V4 = ipaddress.IPv4Address("255.255.255.255")
_TRANSLATED_V6 = ipaddress.IPv6Network("::ffff:0:0:0/96")
_COMPATIBLE_V6 = ipaddress.IPv6Network("::/96")
_NAT64_V6 = ipaddress.IPv6Network("64:ff9b::/96")
_LOCAL_NAT64_V6 = ipaddress.IPv6Network("64:ff9b:1::/48")
_UNIQUE_LOCAL_V6 = ipaddress.IPv6Network("fc00::/7")


def _ipv4_refusal(ip: ipaddress.IPv4Address) -> str | None:
    if ip in _UNSPECIFIED_V4:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip in _SHARED_V4:
        return "a shared (carrier-grade NAT) address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved or ip == _BROADCAST_V4:
        return "a reserved address"
    if any(ip in network for network in _PRIVATE_V4):
        return "a private address"
    return None if ip.is_global else "a non-public address"


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[tuple[ipaddress.IPv4Address, str]]:
    """The IPv4 addresses an IPv6 address carries, each with the name of its form."""
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.ipv4_mapped is not None:
        return [(ip.ipv4_mapped, "IPv4-mapped")]
    if ip in _TRANSLATED_V6:
        return [(low, "IPv4-translated")]
    if ip in _COMPATIBLE_V6:
        return [(low, "IPv4-compatible")]
    if ip in _NAT64_V6:
        return [(low, "NAT64")]
    if ip.sixtofour is not None:
        return [(ip.sixtofour, "6to4")]
    if ip.teredo is not None:
        server, client = ip.teredo
        return [(client, "Teredo"), (server, "Teredo")]
    return []


def refusal(ip: Address) -> str | None:
    """Why ``ip`` is not contacted unless allow-listed (``a loopback address``), or None."""
    if isinstance(ip, ipaddress.IPv4Address):
        return _ipv4_refusal(ip)
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    for carried, form in _embedded_ipv4(ip):
        if (reason := _ipv4_refusal(carried)) is not None:
            return f"{reason} ({carried} in {form} form)"
    if ip in _LOCAL_NAT64_V6:
        return "a local-use NAT64 address"
    if ip.is_site_local:
        return "a site-local address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip in _UNIQUE_LOCAL_V6:
        return "a private (unique local) address"
    return None if ip.is_global else "a non-public address"


