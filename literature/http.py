"""HTTP for the literature clients: one polite, bounded session per service.

Politeness is enforced on the client side: a process-wide sliding-window rate limiter per
service (NCBI allows 3 requests a second, 10 with an API key), timeouts on every request,
and urllib3's ``Retry`` for 429, 5xx and connection errors, with exponential backoff,
jitter and ``Retry-After`` (read as a browser reads it, and capped). Retries wait on the
same limiter, so they never push a client over the limit either.

Answers are bounded: every attempt has a deadline for connecting, the headers and the
whole body together (a watchdog shuts the socket down when it passes, so a server that
drips a byte a second cannot hold a fetch: :mod:`literature.http_deadline`), and bodies are streamed and refused past
:data:`MAX_BODY_BYTES`. Redirects are followed only to the same host, and a POST only
when it stays a POST (307, 308), so the form with the API key never goes elsewhere.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from .environment import seconds
from .errors import OutsideError
from .http_deadline import Deadline, DeadlineExceeded, active_deadline, adapter_class

RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_ATTEMPTS = 6
BACKOFF_FACTOR = 0.5  # seconds: 0.5, 1, 2, 4, 8 between attempts, plus jitter
BACKOFF_JITTER = 0.25
MAX_RETRY_AFTER = 60.0  # a mirror asking for an hour is not waited for
ANNOUNCE_WAITS_FROM = 5.0  # seconds: a longer wait is said on stderr, once per client
DEFAULT_TIMEOUT = (10.0, 60.0)  # connect, read (one socket read)
DEFAULT_DEADLINE = 120.0  # one attempt: connect, headers and the whole body
MAX_TIMEOUT_SETTING = 86400.0  # CRSMAP_HTTP_TIMEOUT above a day is a typo
# A server too slow once is asked once more, not MAX_ATTEMPTS times: dripping rarely stops.
DEADLINE_ATTEMPTS = 2
# Far above the largest real answer (efetch XML of 200 records is a few MB).
MAX_BODY_BYTES = 64 << 20
CHUNK_BYTES = 64 << 10
MAX_REDIRECTS = 5
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# A margin on NCBI's one-second window: clocks and networks are not exact.
WINDOW_MARGIN = 0.1


class RateLimiter:
    """At most ``calls`` requests in any window of ``period`` seconds, across threads."""

    def __init__(self, calls: int, period: float = 1.0):
        self.calls = calls
        self.period = period
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def set_rate(self, calls: int, period: float) -> None:
        """Tighten (or relax) the limit, e.g. from a server's rate-limit headers."""
        with self._lock:
            self.calls = max(1, calls)
            self.period = max(0.001, period)

    def wait(self) -> None:
        """Block until one more request fits in the window, then count it."""
        with self._lock:
            while True:
                now = time.monotonic()
                window = self.period + WINDOW_MARGIN
                while self._times and now - self._times[0] >= window:
                    self._times.popleft()
                if len(self._times) < self.calls:
                    self._times.append(now)
                    return
                time.sleep(window - (now - self._times[0]))


_LIMITERS: dict[str, RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(service: str, calls: int, period: float = 1.0) -> RateLimiter:
    """The one limiter of ``service`` in this process, created on first use."""
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(service)
        if limiter is None:
            limiter = _LIMITERS[service] = RateLimiter(calls, period)
        elif limiter.calls != calls or limiter.period != period:
            limiter.set_rate(calls, period)
        return limiter


@dataclass(frozen=True)
class Timeouts:
    """How long to wait: to connect, for one socket read, and for one whole attempt."""

    connect: float
    read: float
    deadline: float


def http_timeouts() -> Timeouts:
    """``CRSMAP_HTTP_TIMEOUT`` seconds for all three, or the defaults (10, 60 and 120 s).

    The setting keeps its meaning, "seconds to wait to connect and for an answer": it
    bounds the connection, every read, and now also the whole answer of one attempt.
    """
    value = seconds(
        "CRSMAP_HTTP_TIMEOUT", 0.0, allow_zero=False, maximum=MAX_TIMEOUT_SETTING
    )  # 0.0 means unset
    if not value:
        return Timeouts(*DEFAULT_TIMEOUT, DEFAULT_DEADLINE)
    return Timeouts(value, value, value)


def parse_retry_after(text: str, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value, as browsers read it; None when unusable.

    Digits are seconds; otherwise an HTTP date (a past one means now). Anything else
    (``-5``, ``1.5``, ``1e9``, words) is ignored, so the normal backoff applies.
    """
    text = text.strip()
    if re.fullmatch(r"[0-9]+", text):
        return float(text)  # ``inf`` for absurd lengths; the caller caps it
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        delay = moment.timestamp() - (time.time() if now is None else now)
    except (OverflowError, OSError, ValueError):
        return None
    return max(0.0, delay)


def _retry_class():
    from urllib3.util.retry import Retry

    class PoliteRetry(Retry):
        """urllib3's Retry that waits on the rate limiter, reads Retry-After leniently and
        caps it, says long waits once, and gives up on an attempt that ran out of time."""

        def __init__(
            self,
            *args,
            limiter: RateLimiter | None = None,
            stats: HttpStats | None = None,
            on_wait: Callable[[float, float, int], None] | None = None,
            **kwargs,
        ):
            super().__init__(*args, **kwargs)
            self.limiter = limiter
            self.stats = stats
            self.on_wait = on_wait

        def new(self, **kwargs):
            kwargs.setdefault("limiter", self.limiter)
            kwargs.setdefault("stats", self.stats)
            kwargs.setdefault("on_wait", self.on_wait)
            return super().new(**kwargs)

        def is_retry(self, method, status_code, has_retry_after=False):
            # A 429 refused the request before doing anything: safe to send again whatever
            # the method. Other statuses are retried only for the idempotent methods.
            if status_code == 429 and self.total:
                return True
            return super().is_retry(method, status_code, has_retry_after)

        def get_retry_after(self, response):
            header = response.headers.get("Retry-After")
            value = None if header is None else parse_retry_after(header)
            return None if value is None else min(value, MAX_RETRY_AFTER)

        def increment(
            self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None
        ):
            if self.stats is not None:
                self.stats.record_failure(response.status if response is not None else None)
            deadline = active_deadline()
            if deadline is not None and deadline.expired:
                raise DeadlineExceeded()
            from urllib3.exceptions import NameResolutionError

            if isinstance(error, NameResolutionError):
                # No name, no network: waiting 16 s of backoff would not bring either back.
                raise HostUnresolved((getattr(error, "conn", None) and error.conn.host) or "")
            return super().increment(method, url, response, error, _pool, _stacktrace)

        def sleep(self, response=None):
            deadline = active_deadline()
            if deadline is not None:
                deadline.pause()
            header = response.headers.get("Retry-After") if response is not None else None
            asked = None if header is None else parse_retry_after(header)
            if asked is not None and self.on_wait is not None:
                waiting = min(asked, MAX_RETRY_AFTER)
                if waiting >= ANNOUNCE_WAITS_FROM:
                    self.on_wait(asked, waiting, response.status)
            super().sleep(response)
            if self.limiter is not None:
                self.limiter.wait()
            if self.stats is not None:
                self.stats.requests += 1
            if deadline is not None:
                deadline.restart()

    return PoliteRetry


@dataclass
class HttpStats:
    """What a client did on the wire: requests sent (retries included) and statuses seen."""

    requests: int = 0
    retried_statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0

    def record_failure(self, status: int | None) -> None:
        if status is None:
            self.errors += 1
        else:
            self.retried_statuses[status] = self.retried_statuses.get(status, 0) + 1


@dataclass(frozen=True)
class Answer:
    """A whole HTTP answer, read within the deadline and the size cap."""

    status_code: int
    reason: str
    headers: Mapping[str, str]  # case-insensitive, as requests gives them
    content: bytes


class HostUnresolved(Exception):
    """The service's host name does not resolve: no network, or a wrong URL. Not retried."""

    def __init__(self, host: str):
        super().__init__(host)
        self.host = host


class _BrokenBody(Exception):
    """The body stopped short (connection cut, bad chunking or encoding): worth a retry."""


class HttpClient:
    """A requests session with the retry policy, the rate limiter and the bounds of one service."""

    def __init__(
        self,
        service: str,
        limiter: RateLimiter,
        secrets: tuple[str, ...] = (),
        user_agent: str = "",
        offline_hint: str = "use `crsmap fetch --offline` to work from the cache",
        retry_methods: frozenset[str] = frozenset(
            {"GET", "POST"}
        ),  # E-utilities POSTs are idempotent
    ):
        import requests

        self.offline_hint = offline_hint  # said when the host cannot be resolved
        self.service = service
        self.limiter = limiter
        self.stats = HttpStats()
        self.timeouts = http_timeouts()
        self._secrets = tuple(s for s in secrets if s)
        self._requests = requests
        self._announced_wait = False
        self.retry = _retry_class()(
            total=MAX_ATTEMPTS - 1,
            connect=MAX_ATTEMPTS - 1,
            read=MAX_ATTEMPTS - 1,
            status=MAX_ATTEMPTS - 1,
            other=0,
            redirect=0,  # redirects are this client's decision, never urllib3's
            backoff_factor=BACKOFF_FACTOR,
            backoff_jitter=BACKOFF_JITTER,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=retry_methods,
            respect_retry_after_header=True,
            raise_on_status=False,
            limiter=limiter,
            stats=self.stats,
            on_wait=self._announce_wait,
        )
        adapter = adapter_class()
        self.session = requests.Session()
        self.session.mount("http://", adapter(max_retries=self.retry))
        self.session.mount("https://", adapter(max_retries=self.retry))
        self.session.headers["User-Agent"] = (
            user_agent or "crsmap (https://pypi.org/project/crsmap/)"
        )

    def request(
        self, method: str, url: str, *, params=None, data=None, ok=(200,), what: str = "request",
        headers: Mapping[str, str] | None = None, deadline: float | None = None,
    ) -> Answer:  # fmt: skip
        """Send one request (retried by the policy) and return its answer if its status is in ``ok``.

        Broken bodies and attempts that run out of time are retried too, by the same Retry
        budget (the latter only once), when the method is one the client retries (a POST
        that may have been carried out is not sent twice; a 429 always is). Same-host
        redirects are followed; anything else becomes an :class:`OutsideError` naming the
        service and the host, never a secret. ``headers`` go with this request only (and
        its same-host redirects); ``deadline`` replaces the client's for a long upload.
        """
        again = method in self.retry.allowed_methods
        retry = self.retry.new()
        waited = False  # PoliteRetry.sleep already waited on the limiter and counted
        overruns = redirects = 0
        while True:
            if not waited:
                self.limiter.wait()
                self.stats.requests += 1
            waited = False
            try:
                answer = self._attempt(method, url, params, data, what, headers, deadline)
            except DeadlineExceeded:
                overruns += 1
                failure = self._failed(
                    what,
                    f"no complete answer from {_host(url)} within {self.timeouts.deadline:g} s "
                    f"({overruns} attempt{'s' if overruns > 1 else ''})",
                )
                if overruns >= DEADLINE_ATTEMPTS or not again:
                    raise failure from None
                retry = self._again(retry, method, url, "deadline passed", failure)
                waited = True
                continue
            except _BrokenBody as exc:
                failure = OutsideError(
                    self.redact(f"{self.service} answered with broken bodies {MAX_ATTEMPTS} times")
                )
                if not again:
                    raise self._failed(what, f"the answer broke off ({exc})") from None
                retry = self._again(retry, method, url, str(exc), failure)
                waited = True
                continue
            except HostUnresolved as exc:
                raise self._failed(
                    what,
                    f"cannot resolve {exc.host or _host(url)}: no network? {self.offline_hint}",
                ) from None
            except self._requests.exceptions.RetryError as exc:
                raise self._failed(what, f"after {MAX_ATTEMPTS} attempts: {exc}") from None
            except self._requests.exceptions.RequestException as exc:
                raise self._failed(what, _reason(exc, url)) from None
            status = answer.status_code
            if status in REDIRECT_STATUSES and status not in ok and answer.headers.get("Location"):
                redirects += 1
                url = self._redirect(method, url, answer, what, redirects)
                params = None  # the Location is the whole new address
                continue
            if status in ok:
                return answer
            raise self._failed(what, f"HTTP {status} {answer.reason}".rstrip())

    def _attempt(
        self, method: str, url: str, params, data, what: str, headers=None, seconds=None
    ) -> Answer:
        """One request and its whole body, within the deadline (urllib3's retries included)."""
        timeouts = self.timeouts
        with Deadline(seconds or timeouts.deadline) as deadline:
            try:
                response = self.session.request(
                    method, url, params=params, data=data, stream=True, allow_redirects=False,
                    timeout=(timeouts.connect, timeouts.read), headers=headers,
                )  # fmt: skip
            except self._requests.exceptions.RequestException:
                if deadline.expired:
                    raise DeadlineExceeded() from None
                raise
            try:
                if response.status_code in REDIRECT_STATUSES:
                    body = b""  # a redirect's body is never the answer: not read at all
                else:
                    body = self._read(response, deadline, url, what)
            finally:
                response.close()
            return Answer(response.status_code, response.reason or "", response.headers, body)

    def _read(self, response, deadline: Deadline, url: str, what: str) -> bytes:
        """The body, streamed: refused past MAX_BODY_BYTES, cut off at the deadline."""
        errors = self._requests.exceptions
        declared = response.headers.get("Content-Length", "")
        if re.fullmatch(r"[0-9]{1,20}", declared) and int(declared) > MAX_BODY_BYTES:
            raise self._too_large(what, url)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(CHUNK_BYTES):
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise self._too_large(what, url)
                chunks.append(chunk)
                if deadline.passed():
                    raise DeadlineExceeded()
        except (
            errors.ChunkedEncodingError,
            errors.ContentDecodingError,
            errors.ConnectionError,
        ) as exc:
            if deadline.expired:
                raise DeadlineExceeded() from None
            raise _BrokenBody(_reason(exc)) from None
        if deadline.expired:  # the watchdog ended a body that has no announced length
            raise DeadlineExceeded()
        return b"".join(chunks)

    def _redirect(self, method: str, url: str, answer: Answer, what: str, count: int) -> str:
        """The address to follow, or an OutsideError: never another host, never POST to GET."""
        status = answer.status_code
        target = urljoin(url, answer.headers["Location"].strip())
        here, there = _host(url), _host(target)
        if not same_host(url, target):
            elsewhere = "another host"
            if there == here:  # same name, another scheme or port
                elsewhere, there = "another port or scheme", f"{urlsplit(target).scheme}://{there}"
            raise self._failed(
                what,
                f"{here} answered HTTP {status}, a redirect to {elsewhere} ({there}); "
                f"not followed, so that nothing sent to {here} goes elsewhere",
            )
        if method != "GET" and status in (301, 302, 303):
            raise self._failed(
                what,
                f"{here} answered HTTP {status}, a redirect that would turn the {method} into "
                "a GET without its form; not followed",
            )
        if count > MAX_REDIRECTS:
            raise self._failed(what, f"{here} redirected more than {MAX_REDIRECTS} times")
        return target

    def _too_large(self, what: str, url: str) -> OutsideError:
        limit = f"{MAX_BODY_BYTES / (1 << 20):g} MB"
        return self._failed(
            what, f"the answer from {_host(url)} is larger than {limit}; stopped reading"
        )

    def _failed(self, what: str, detail: str) -> OutsideError:
        return OutsideError(self.redact(f"{self.service} {what} failed: {detail}"))

    def _again(self, retry, method: str, url: str, reason: str, failure: OutsideError):
        """Count one more failed attempt and wait; ``failure`` when the budget is spent."""
        from urllib3.exceptions import MaxRetryError, ProtocolError

        try:
            retry = retry.increment(method, url, error=ProtocolError(reason))
        except MaxRetryError:
            raise failure from None
        retry.sleep()
        return retry

    def _announce_wait(self, asked: float, waiting: float, status: int) -> None:
        """Say once, on stderr, that the service asked for a long wait: crsmap is not stuck."""
        if self._announced_wait:
            return
        self._announced_wait = True
        request = f"{asked:.0f} s" if asked < 1e7 else "more than 100 days"
        sys.stderr.write(
            f"crsmap: {self.service} asked to wait {request} (HTTP {status}); "
            f"waiting {waiting:g} s\n"
        )
        sys.stderr.flush()

    def redact(self, text: str) -> str:
        """Remove API keys from a message: they must never reach logs or terminals."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _host(url: str) -> str:
    """``host[:port]`` of a URL for messages: no user, path or query, no odd characters."""
    parts = urlsplit(url)
    host = re.sub(r"[^A-Za-z0-9._-]", "?", parts.hostname or "")[:100] or "?"
    if ":" in (parts.hostname or ""):
        host = f"[{re.sub(r'[^0-9A-Fa-f:.]', '?', parts.hostname)[:100]}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


def same_host(origin: str, target: str) -> bool:
    """Whether ``target`` is on the host of ``origin`` (an upgrade to https included)."""
    a, b = urlsplit(origin), urlsplit(target)
    try:
        port_a = a.port or _DEFAULT_PORTS.get(a.scheme)
        port_b = b.port or _DEFAULT_PORTS.get(b.scheme)
    except ValueError:
        return False
    if not a.hostname or (a.hostname or "").lower() != (b.hostname or "").lower():
        return False
    if b.username or b.password or b.scheme not in _DEFAULT_PORTS:
        return False
    if (a.scheme, port_a) == (b.scheme, port_b):
        return True
    return (a.scheme, port_a, b.scheme, port_b) == ("http", 80, "https", 443)


def _reason(exc: Exception, url: str = "") -> str:
    """The cause of a failed request in words: "cannot connect to HOST: connection refused"."""
    text = str(exc)
    errno = re.search(r"\[Errno -?\d+\] ([^)'\"]+)", text)
    if url and errno and "Failed to establish a new connection" in text:
        return f"cannot connect to {_host(url)}: {errno.group(1).strip().lower()}"
    for marker in ("Caused by ", "Failed to establish a new connection: "):
        if marker in text:
            text = text.split(marker, 1)[1]
    return " ".join(text.split())[:300]
