"""Where a webhook may point: HTTPS to a public address, nowhere else.

Checked when a person's webhook is set (the directory refuses it with a 422) and again
just before each send, since a name's addresses can change after it was accepted. A URL
is refused when its scheme is not ``https``, when it carries a user or password, or when
its host (a name, or an address in any spelling: ``127.1``, ``0x7f000001``,
``2130706433``, ``[::ffff:127.0.0.1]``) resolves to any address that is not globally
routable: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
(169.254/16 and its cloud metadata service, fe80::/10), carrier-grade NAT, multicast,
reserved or unspecified.

``allowed_origins`` (``SPRG_NOTIFIER_WEBHOOK_ALLOWED_ORIGINS``) names exact origins
exempted from this, for a receiver on this machine in development and tests: empty in
production.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit


class UnsafeTarget(ValueError):
    """A webhook URL the notifier will not call."""


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def _public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> list[IpAddress]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeTarget(f"webhook_url: host {host!r} does not resolve") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def check_form(url: str, allowed_origins: Iterable[str] = ()) -> tuple[str, int] | None:
    """The checks that need no lookup; the (host, port) to resolve, or None if exempt."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"webhook_url: not a URL: {exc}") from exc
    if origin(url) in {origin(o) for o in allowed_origins}:
        return None
    if parts.scheme != "https":
        raise UnsafeTarget("webhook_url: must be https")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("webhook_url: must not carry a user or password")
    host = parts.hostname
    if not host:
        raise UnsafeTarget("webhook_url: has no host")
    return host, port or 443


async def check_target(url: str, allowed_origins: Iterable[str] = ()) -> None:
    """Refuse (``UnsafeTarget``) a URL the notifier must not call, as it resolves now."""
    target = check_form(url, allowed_origins)
    if target is None:
        return
    addresses = await asyncio.to_thread(_resolve, *target)
    refused = sorted({str(a) for a in addresses if not _public(a)})
    if not addresses or refused:
        raise UnsafeTarget(
            f"webhook_url: {target[0]} is not a public address ({', '.join(refused)}); "
            "a webhook must reach a public HTTPS server"
        )
