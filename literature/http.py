"""HTTP for the literature clients: one polite session per service.

Politeness is enforced on the client side: a process-wide sliding-window rate limiter per
service (NCBI allows 3 requests a second, 10 with an API key), timeouts on every request,
and urllib3's ``Retry`` for 429, 5xx and connection errors, with exponential backoff,
jitter and ``Retry-After``. Retries wait on the same limiter, so they never push a
client over the limit either.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from curation.environment import seconds
from curation.errors import OutsideError

RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_ATTEMPTS = 6
BACKOFF_FACTOR = 0.5  # seconds: 0.5, 1, 2, 4, 8 between attempts, plus jitter
BACKOFF_JITTER = 0.25
MAX_RETRY_AFTER = 60.0  # a mirror asking for an hour is not waited for
DEFAULT_TIMEOUT = (10.0, 60.0)  # connect, read
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


def http_timeout() -> tuple[float, float]:
    """(connect, read) timeouts: ``CRSMAP_HTTP_TIMEOUT`` seconds for both, or the defaults."""
    value = seconds("CRSMAP_HTTP_TIMEOUT", 0.0, allow_zero=False)  # 0.0 means unset
    return (value, value) if value else DEFAULT_TIMEOUT


def _retry_class():
    from urllib3.util.retry import Retry

    class PoliteRetry(Retry):
        """urllib3's Retry that also waits on the rate limiter and caps Retry-After."""

        def __init__(
            self,
            *args,
            limiter: RateLimiter | None = None,
            stats: HttpStats | None = None,
            **kwargs,
        ):
            super().__init__(*args, **kwargs)
            self.limiter = limiter
            self.stats = stats

        def new(self, **kwargs):
            kwargs.setdefault("limiter", self.limiter)
            kwargs.setdefault("stats", self.stats)
            return super().new(**kwargs)

        def get_retry_after(self, response):
            value = super().get_retry_after(response)
            return None if value is None else min(value, MAX_RETRY_AFTER)

        def increment(
            self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None
        ):
            if self.stats is not None:
                self.stats.record_failure(response.status if response is not None else None)
            return super().increment(method, url, response, error, _pool, _stacktrace)

        def sleep(self, response=None):
            super().sleep(response)
            if self.limiter is not None:
                self.limiter.wait()
            if self.stats is not None:
                self.stats.requests += 1

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


class HttpClient:
    """A requests session with the retry policy and the rate limiter of one service."""

    def __init__(
        self,
        service: str,
        limiter: RateLimiter,
        secrets: tuple[str, ...] = (),
        user_agent: str = "",
    ):
        import requests
        from requests.adapters import HTTPAdapter

        self.service = service
        self.limiter = limiter
        self.stats = HttpStats()
        self.timeout = http_timeout()
        self._secrets = tuple(s for s in secrets if s)
        self._requests = requests
        self.retry = _retry_class()(
            total=MAX_ATTEMPTS - 1,
            connect=MAX_ATTEMPTS - 1,
            read=MAX_ATTEMPTS - 1,
            status=MAX_ATTEMPTS - 1,
            other=0,
            backoff_factor=BACKOFF_FACTOR,
            backoff_jitter=BACKOFF_JITTER,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "POST"}),  # E-utilities POSTs are idempotent
            respect_retry_after_header=True,
            raise_on_status=False,
            limiter=limiter,
            stats=self.stats,
        )
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(max_retries=self.retry))
        self.session.mount("https://", HTTPAdapter(max_retries=self.retry))
        self.session.headers["User-Agent"] = (
            user_agent or "crsmap (https://pypi.org/project/crsmap/)"
        )

    def request(
        self, method: str, url: str, *, params=None, data=None, ok=(200,), what: str = "request"
    ):
        """Send one request (retried by the policy) and return a response whose status is in ``ok``.

        Bodies that arrive broken (a connection cut mid-answer) are retried too, by the
        same Retry budget. Anything else becomes an :class:`OutsideError` naming the
        service, never the API key.
        """
        retry = self.retry.new()
        waited = False  # PoliteRetry.sleep already waited on the limiter and counted
        while True:
            if not waited:
                self.limiter.wait()
                self.stats.requests += 1
            waited = False
            try:
                response = self.session.request(
                    method, url, params=params, data=data, timeout=self.timeout
                )
                response.content  # read now, so a truncated body fails here  # noqa: B018
            except (
                self._requests.exceptions.ChunkedEncodingError,
                self._requests.exceptions.ContentDecodingError,
            ) as exc:
                retry = self._again(retry, method, url, exc)
                waited = True
                continue
            except self._requests.exceptions.RetryError as exc:
                raise OutsideError(
                    self._clean(
                        f"{self.service} {what} failed after {MAX_ATTEMPTS} attempts: {exc}"
                    )
                ) from None
            except self._requests.exceptions.RequestException as exc:
                raise OutsideError(
                    self._clean(f"{self.service} {what} failed: {_reason(exc)}")
                ) from None
            if response.status_code in ok:
                return response
            raise OutsideError(
                self._clean(
                    f"{self.service} {what} failed: HTTP {response.status_code} {response.reason or ''}".rstrip()
                )
            )

    def _again(self, retry, method: str, url: str, exc: Exception):
        from urllib3.exceptions import MaxRetryError, ProtocolError

        try:
            retry = retry.increment(method, url, error=ProtocolError(str(exc)))
        except MaxRetryError:
            raise OutsideError(
                self._clean(f"{self.service} answered with broken bodies {MAX_ATTEMPTS} times")
            ) from None
        retry.sleep()
        return retry

    def _clean(self, text: str) -> str:
        """Remove API keys from a message: they must never reach logs or terminals."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crsmap")
    except PackageNotFoundError:
        return "dev"


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Caused by ", "Failed to establish a new connection: "):
        if marker in text:
            text = text.split(marker, 1)[1]
    return " ".join(text.split())[:300]
