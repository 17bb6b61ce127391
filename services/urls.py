"""The base address of a service instance, checked before anything is sent to it."""

from __future__ import annotations

import re
import urllib.parse

from literature.errors import InputError
from literature.identifiers import has_control_characters, quoted


def base_url(text: str, service: str, expected: str) -> str:
    """``scheme://host[:port][/path]`` of an instance, normalised, without a trailing slash.

    Refused (InputError naming ``service`` and ``expected``): anything but http(s), a
    missing host, a user or password (it would end up in messages), a query or fragment
    (a link to a page, not the instance), spaces or control characters.
    """
    raw = text.strip() if isinstance(text, str) else ""
    problem = ""
    try:
        parts = urllib.parse.urlsplit(raw)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if parts is None or not port_ok or parts.scheme.lower() not in ("http", "https"):
        problem = "not an http(s) URL"
    elif not parts.hostname:
        problem = "no host"
    elif parts.username is not None or parts.password is not None:
        problem = "it holds a user name or password"
    elif parts.query or parts.fragment or raw.endswith(("?", "#")):
        problem = "it has a query or fragment (a link to a page, not the instance)"
    elif has_control_characters(raw) or re.search(r"\s", raw):
        problem = "it holds spaces or control characters"
    if problem:
        shown = raw
        if parts is not None and parts.password:  # never echoed, not even in an error
            shown = raw.replace(f":{parts.password}@", ":***@")
        raise InputError(f"invalid {service} URL {quoted(shown)}: {problem}; {expected}")
    path = parts.path.rstrip("/")
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))
