"""Honest offline: a host name that does not resolve ends a fetch at once, in one line."""

import socket

from .conftest import add_evidence_rows

HOST = "eutils.example.invalid"  # never looked up: getaddrinfo is replaced below


def test_a_fetch_without_network_fails_fast_naming_the_host(crsmap, project, monkeypatch):
    add_evidence_rows(project, ["pubmed:29808005"])
    lookups = []
    real = socket.getaddrinfo

    def no_network(host, *args, **kwargs):
        if host == HOST:
            lookups.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setenv("CRSMAP_EUTILS_URL", f"https://{HOST}/entrez/eutils/")
    cache = project.root / "literature.jsonl"
    before = cache.read_bytes()
    result = crsmap("fetch")
    assert result.exit_code == 3, result.output
    message = result.stderr.strip()
    assert "\n" not in message, message
    assert f"cannot resolve {HOST}: no network? use `crsmap fetch --offline`" in message
    assert "NameResolutionError" not in message and "HTTPSConnection" not in message
    # One lookup: a name that does not resolve is not retried with backoff.
    assert lookups == [HOST]
    assert cache.read_bytes() == before


def test_a_refused_connection_is_said_in_words(crsmap, project, monkeypatch):
    import literature.http

    add_evidence_rows(project, ["pubmed:29808005"])
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CRSMAP_EUTILS_URL", f"http://127.0.0.1:{port}/entrez/eutils/")
    monkeypatch.setattr(literature.http, "BACKOFF_FACTOR", 0.01)
    # One retry is enough to see the message; six would wait on the 3-a-second NCBI limit.
    monkeypatch.setattr(literature.http, "MAX_ATTEMPTS", 2)
    result = crsmap("fetch")
    assert result.exit_code == 3, result.output
    assert f"cannot connect to 127.0.0.1:{port}: connection refused" in result.stderr
    assert "NewConnectionError" not in result.stderr
