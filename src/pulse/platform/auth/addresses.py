"""Which client a login comes from, as the key of its per-address limits.

The peer address of the connection, unless that peer is a proxy listed in
`PULSE_TRUSTED_PROXIES` (none by default): then the nearest address in X-Forwarded-For that
is not itself a trusted proxy. Believing the header from anyone would let a client pick a new
address per request. An IPv6 client counts by its /64, the block one subscriber usually gets.
"""

from __future__ import annotations

import functools
import ipaddress

from starlette.requests import Request

from pulse.platform.settings import comma_list

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    """Parse the setting; an entry that is not an IP address or network is an error."""
    networks = []
    for part in comma_list(setting):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ValueError(f"PULSE_TRUSTED_PROXIES: {part!r}: {exc}") from exc
    return tuple(networks)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(text: str, networks: tuple[Network, ...]) -> bool:
    address = _ip(text)
    return address is not None and any(address in network for network in networks)


def throttle_key(text: str) -> str:
    address = _ip(text)
    if address is None:
        # Not an IP (a test client, a Unix socket): still one key, bounded to the column.
        return (text.strip() or "unknown")[:64]
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client_address(request: Request, trusted_proxies: str) -> str:
    """The key of the client's login budget: its address, an IPv6 client's /64."""
    return throttle_key(client_ip(request, trusted_proxies))


def client_ip(request: Request, trusted_proxies: str) -> str:
    """The client's own address as far as it can be known (for the audit log)."""
    peer = request.client.host if request.client else ""
    networks = trusted_networks(trusted_proxies)
    if networks and _trusted(peer, networks):
        hops = [
            hop.strip()
            for header in request.headers.getlist("x-forwarded-for")
            for hop in header.split(",")
            if hop.strip()
        ]
        # Right to left: the right end was written by our own proxy, the left by anyone.
        for hop in reversed(hops):
            if not _trusted(hop, networks):
                peer = hop
                break
        else:
            peer = hops[0] if hops else peer
    return peer[:64]
