"""Where a webhook may be sent (SSRF): the target's host is resolved and every address it
resolves to must be a public one, unless the admin explicitly allowed a private target.

Checked when the admin subscribes and again before each delivery (DNS may have changed);
the delivery then connects to the very address that was checked, not to a second lookup.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext

from tracker.text import N_

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(ValueError):
    """The target may not be sent to. `str()` is the reason in English (what the delivery
    log stores, written outside any request); `translated()`, in the reader's language."""

    def __init__(self, message: str, **values: str) -> None:
        super().__init__(message % values if values else message)
        self.message, self.values = message, values

    def translated(self) -> str:
        return gettext(self.message, **self.values)


@dataclass(frozen=True)
class Target:
    scheme: str      # "http" or "https"
    host: str        # as written in the URL (the Host header, the TLS server name)
    port: int
    path: str        # path and query, as sent in the request line
    address: str     # the checked address the connection goes to


def is_private(address: IPAddress) -> bool:
    """Loopback, private, link-local, multicast, reserved, unspecified, shared or otherwise
    not global; an IPv4 address mapped or embedded in IPv6 is judged as that IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is not None:
            return is_private(embedded)
    return (address.is_loopback or address.is_private or address.is_link_local
            or address.is_multicast or address.is_reserved or address.is_unspecified
            or not address.is_global)


def split_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an http(s) URL. Raises TargetRefused.

    Only printable ASCII: an international host name is written in its xn-- form, a path
    percent-encoded (as the request line carries them)."""
    url = url.strip()
    if not url or any(not 33 <= ord(char) <= 126 for char in url):
        raise TargetRefused(N_("This is not a valid web address."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused(N_("This is not a valid web address.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(N_("The address must start with http:// or https:// and name a host."))
    if parts.username or parts.password:
        raise TargetRefused(N_("The address must not contain a user name or password."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (an IP literal is itself). Raises TargetRefused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused(N_("The host %(host)s cannot be found."), host=host) from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise TargetRefused(N_("The host %(host)s cannot be found."), host=host)
    return addresses


def check_target(url: str, *, allow_private: bool) -> Target:
    """The target of `url`, resolved and checked. Raises TargetRefused."""
    scheme, host, port, path = split_url(url)
    addresses = resolve(host, port)
    if not allow_private:
        refused = [a for a in addresses if is_private(a)]
        if refused:
            raise TargetRefused(N_(
                "The address %(host)s leads to a loopback, private or reserved network "
                "address (%(address)s). Such targets are refused unless you tick "
                "“Allow a target on a private network”."), host=host, address=str(refused[0]))
    return Target(scheme, host, port, path, str(addresses[0]))
