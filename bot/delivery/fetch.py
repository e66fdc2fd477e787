"""Fetching a feed safely: a total deadline, a size cap while streaming, no private addresses.

Feeds are URLs from the configuration, but a feed may redirect anywhere, and its host name
may resolve anywhere. So each hop (the first request and every redirect) is checked after
name resolution: unless the operator allows it (NEWSBOT_FEEDS_ALLOW_PRIVATE), an address
that is loopback, private, link-local, reserved, multicast or otherwise not global is
refused, and the request goes to the very address that was checked (the host name still
goes in the Host header and, for https, in TLS), so a second lookup cannot swap it.

The body is read as a stream and reading stops at `max_bytes`; the whole fetch, redirects
included, must finish within `deadline` seconds, however slowly the server trickles.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx

from bot.i18n import N_, Translatable, TranslatableError

DEADLINE_SECONDS = 30.0
MAX_FEED_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
ALLOW_SETTING = "NEWSBOT_FEEDS_ALLOW_PRIVATE=1"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


class FetchError(TranslatableError):
    """A fetch refused or stopped; the message says why, for /status and /feeds."""


@dataclass(frozen=True)
class FetchLimits:
    """How far one fetch may go."""

    deadline: float = DEADLINE_SECONDS
    max_bytes: int = MAX_FEED_BYTES
    allow_private: bool = False


@dataclass(frozen=True)
class Fetched:
    """A feed's answer: 200 with its body, or 304 Not Modified."""

    status: int
    content: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


def is_public_address(ip: IPAddress) -> bool:
    """Whether an address is one the open internet routes to (what feeds may reach)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


# Why an address is refused, as the refusal says it (marked for the catalogs).
ADDRESS_KINDS = {
    "loopback": N_("loopback"),
    "private": N_("private"),
    "link-local": N_("link-local"),
    "reserved": N_("reserved"),
    "multicast": N_("multicast"),
    "unspecified": N_("unspecified"),
    "non-public": N_("non-public"),
}


def address_kind(ip: IPAddress) -> str:
    """A word for why an address is refused."""
    for kind in ("loopback", "private", "link_local", "reserved", "multicast", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return "non-public"


async def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (an address resolves to itself)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(
            N_("cannot resolve {host} ({reason})"), host=host, reason=error.strerror
        ) from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    headers: Mapping[str, str],
    limits: FetchLimits,
    *,
    resolver: Resolver = resolve,
    is_public: Callable[[IPAddress], bool] = is_public_address,
) -> Fetched:
    """GET a feed within the limits; FetchError says what stopped it."""
    try:
        async with asyncio.timeout(limits.deadline):
            return await _fetch(client, httpx.URL(url), headers, limits, resolver, is_public)
    except TimeoutError:
        raise FetchError(
            N_("took longer than {seconds} s: stopped"), seconds=f"{limits.deadline:g}"
        ) from None


async def _fetch(
    client: httpx.AsyncClient,
    url: httpx.URL,
    headers: Mapping[str, str],
    limits: FetchLimits,
    resolver: Resolver,
    is_public: Callable[[IPAddress], bool],
) -> Fetched:
    for _ in range(MAX_REDIRECTS + 1):
        if url.scheme not in ("http", "https"):
            raise FetchError(
                N_("refused a redirect to {scheme}: only http and https"), scheme=url.scheme
            )
        request = await _request(client, url, headers, limits, resolver, is_public)
        response = await client.send(request, stream=True)
        try:
            if response.is_redirect and "location" in response.headers:
                url = url.join(response.headers["location"])  # checked again at the loop's top
                continue
            if response.status_code == httpx.codes.NOT_MODIFIED:
                return Fetched(304)
            if response.status_code >= 400:
                raise FetchError(
                    N_("HTTP {status}"),
                    status=f"{response.status_code} {response.reason_phrase}".strip(),
                )
            content = await _read_capped(response, limits.max_bytes)
            return Fetched(
                response.status_code,
                content,
                response.headers.get("etag"),
                response.headers.get("last-modified"),
            )
        finally:
            await response.aclose()
    raise FetchError(N_("more than {count} redirects"), count=MAX_REDIRECTS)


async def _request(
    client: httpx.AsyncClient,
    url: httpx.URL,
    headers: Mapping[str, str],
    limits: FetchLimits,
    resolver: Resolver,
    is_public: Callable[[IPAddress], bool],
) -> httpx.Request:
    """The request for one hop, sent to an address checked after name resolution."""
    if limits.allow_private:
        return client.build_request("GET", url, headers=dict(headers))
    host = url.raw_host.decode("ascii")  # IDNA-encoded, as DNS and TLS want it
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = await resolver(host, port)
    if not addresses:
        raise FetchError(N_("{host} has no address"), host=host)
    for text in addresses:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        if not is_public(ip):
            named = host.strip("[]") if host.strip("[]") == text else f"{host} ({text})"
            raise FetchError(
                N_("refused: {host} is a {kind} address; set {setting} to allow feeds there"),
                host=named,
                kind=Translatable(ADDRESS_KINDS[address_kind(ip)]),
                setting=ALLOW_SETTING,
            )
    # Pinned to the address just checked; the name still goes in Host and in TLS (SNI).
    pinned = url.copy_with(host=addresses[0])
    host_header = url.netloc.decode("ascii")
    extensions = {"sni_hostname": host} if url.scheme == "https" else {}
    return client.build_request(
        "GET", pinned, headers={**headers, "Host": host_header}, extensions=extensions
    )


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The body, read until `max_bytes` at most (decompressed bytes are what count)."""
    limit = f"{max_bytes / 2**20:g} MB"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            N_("the feed is {size} MB, over the {limit} limit"),
            size=f"{int(declared) / 2**20:.1f}",
            limit=limit,
        )
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.aiter_bytes():
        total += len(chunk)
        if total > max_bytes:
            raise FetchError(N_("the feed is larger than {limit}: stopped reading"), limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


__all__ = [
    "DEADLINE_SECONDS",
    "MAX_FEED_BYTES",
    "FetchError",
    "FetchLimits",
    "Fetched",
    "address_kind",
    "fetch",
    "is_public_address",
    "resolve",
]
