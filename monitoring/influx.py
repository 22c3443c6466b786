"""InfluxDB client over the ``/write`` (line protocol) and ``/query`` (InfluxQL) HTTP API.

That API is served by InfluxDB 1.x, by 2.x (through a DBRP mapping) and by
3.x, so one code path works with all of them; influxdb-client's v2 API does
not exist on 1.x. Authentication is either a user and password (HTTP basic
auth; 1.x users, or 2.x/3.x v1-compatibility credentials) or a token sent as
``Authorization: Token ...`` (2.x/3.x). Credentials never appear in URLs,
messages or logs.

Every query this package writes bounds both ends of its time range (see
:func:`time_range`): an open range with ``GROUP BY time()`` can exhaust the
server.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

if TYPE_CHECKING:
    import urllib3

from monitoring.errors import (
    InfluxAuthError,
    InfluxError,
    InfluxNotFoundError,
    InfluxQueryError,
    InfluxRejectedError,
    InfluxUnavailableError,
    MonitoringConfigError,
)
from monitoring.lineprotocol import Point

log = logging.getLogger(__name__)

#: Default spool cap: about 7 h of a 5,500-device city polled every 5 minutes.
DEFAULT_SPOOL_MAX_BYTES = 2 * 1024**3

_DURATION = re.compile(r"^(INF|\d+(ns|u|µ|ms|s|m|h|d|w))$")
_READ_ONLY = re.compile(r"^\s*(SELECT|SHOW|EXPLAIN)\b(?!.*\bINTO\b)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class InfluxSettings:
    """Where and how to reach InfluxDB (config keys ``influx.*``, env ``EGOVNET_INFLUX_*``).

    ``username``/``password`` or ``token``, not both. ``spool_dir`` holds the
    writer's on-disk spool (the application defaults it under its instance
    folder); ``spool_max_bytes`` caps it.

    >>> InfluxSettings("http://127.0.0.1:8086", "egovnet", username="nms", password="s3cret")
    InfluxSettings(url='http://127.0.0.1:8086', database='egovnet', username='nms', timeout=10.0, \
batch_size=5000, spool_dir=None, spool_max_bytes=2147483648, retention_policy=None)
    """

    url: str
    database: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    batch_size: int = 5000
    spool_dir: Path | None = None
    spool_max_bytes: int = DEFAULT_SPOOL_MAX_BYTES
    retention_policy: str | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MonitoringConfigError(f"influx.url: {self.url!r} is not an http(s) URL")
        if parts.username or parts.password:
            raise MonitoringConfigError(
                "influx.url: credentials in the URL are not allowed; "
                "use influx.username/influx.password or influx.token"
            )
        if parts.query or parts.fragment:
            raise MonitoringConfigError(f"influx.url: {self.url!r} must not have a query")
        if not self.database:
            raise MonitoringConfigError("influx.database is empty")
        if self.token and (self.username or self.password):
            raise MonitoringConfigError(
                "influx.token and influx.username/influx.password are exclusive"
            )
        if self.password and not self.username:
            raise MonitoringConfigError("influx.password is set but influx.username is not")
        if self.timeout <= 0:
            raise MonitoringConfigError(f"influx.timeout must be positive, not {self.timeout}")
        if self.batch_size <= 0:
            raise MonitoringConfigError(
                f"influx.batch_size must be positive, not {self.batch_size}"
            )
        if self.spool_max_bytes <= 0:
            raise MonitoringConfigError("influx.spool_max_bytes must be positive")

    @property
    def where(self) -> str:
        """The endpoint for messages: URL and database, never credentials."""
        return f"{self.url.rstrip('/')} db={self.database}"


def quote_ident(name: str) -> str:
    """Quote an InfluxQL identifier (measurement, field, tag key, database).

    >>> quote_ident("in")
    '"in"'
    >>> print(quote_ident('odd"name\\\\x'))
    "odd\\"name\\\\x"
    """
    escaped = name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def quote_literal(value: str) -> str:
    """Quote an InfluxQL string literal (tag values in ``WHERE``, time strings).

    >>> quote_literal("宛城区")
    "'宛城区'"
    >>> print(quote_literal("it's a\\\\b"))
    'it\\'s a\\\\b'
    """
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"'{escaped}'"


def rfc3339_ns(time_ns: int) -> str:
    """An RFC 3339 UTC timestamp with nanoseconds, exact for any ``int`` time.

    >>> rfc3339_ns(1_700_000_000_123_456_789)
    '2023-11-14T22:13:20.123456789Z'
    """
    seconds, nanos = divmod(time_ns, 1_000_000_000)
    stamp = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{nanos:09d}Z"


def _to_ns(moment: datetime | int) -> int:
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError(f"naive datetime {moment.isoformat()} in a time range: add a tzinfo")
        delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    return moment


def time_range(start: datetime | int, end: datetime | int) -> str:
    """An InfluxQL condition bounding both ends: ``start <= time < end``.

    ``start`` and ``end`` are aware datetimes or integer nanoseconds.

    >>> time_range(0, 60_000_000_000)
    "time >= '1970-01-01T00:00:00.000000000Z' AND time < '1970-01-01T00:01:00.000000000Z'"
    """
    start_ns, end_ns = _to_ns(start), _to_ns(end)
    if start_ns >= end_ns:
        raise ValueError(f"empty time range: start {start_ns} is not before end {end_ns}")
    low, high = quote_literal(rfc3339_ns(start_ns)), quote_literal(rfc3339_ns(end_ns))
    return f"time >= {low} AND time < {high}"


@dataclass(frozen=True)
class Series:
    """One series of a query answer."""

    name: str
    columns: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]
    tags: Mapping[str, str] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """The values as one dict per row, keyed by column."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.values]


def _error_text(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        return text[:300] or "(empty answer)"
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), str):
        return str(parsed["error"])[:300]
    return text[:300]


class InfluxClient:
    """Thread-safe client for one InfluxDB database (a urllib3 connection pool)."""

    def __init__(self, settings: InfluxSettings, *, maxsize: int = 4) -> None:
        self.settings = settings
        self._base = settings.url.rstrip("/")
        self._headers = {"User-Agent": "egovnet-monitoring"}
        if settings.token:
            self._headers["Authorization"] = f"Token {settings.token}"
        elif settings.username:
            pair = f"{settings.username}:{settings.password or ''}".encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        import urllib3  # here: 40 ms of every command's start-up otherwise

        self._http = urllib3.PoolManager(
            maxsize=maxsize,
            retries=False,
            timeout=urllib3.Timeout(connect=settings.timeout, read=settings.timeout),
        )

    def __repr__(self) -> str:
        return f"InfluxClient({self.settings.where})"

    def close(self) -> None:
        """Close pooled connections."""
        self._http.clear()

    # -- transport ---------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        *,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> urllib3.BaseHTTPResponse:
        where = f"{self._base}{path} db={self.settings.database}"
        headers = dict(self._headers)
        if content_type:
            headers["Content-Type"] = content_type
        url = f"{self._base}{path}"
        if params:
            url += "?" + urlencode(params)
        import urllib3

        try:
            return self._http.request(method, url, body=body, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            reason = getattr(exc, "reason", None) or exc
            raise InfluxUnavailableError(
                f"cannot reach InfluxDB ({type(exc).__name__}: {reason})", where=where
            ) from exc

    @staticmethod
    def _raise_for_status(response: urllib3.BaseHTTPResponse, where: str, *, query: bool) -> None:
        status = response.status
        if status < 300:
            return
        text = _error_text(response.data)
        if status in (401, 403):
            raise InfluxAuthError(
                f"HTTP {status} credentials refused: {text}", where=where, status=status
            )
        if status == 404:
            raise InfluxNotFoundError(f"HTTP 404: {text}", where=where, status=status)
        if status in (400, 413, 422):
            if query:
                raise InfluxQueryError(f"HTTP {status}: {text}", where=where, status=status)
            raise InfluxRejectedError(
                f"HTTP {status} points refused: {text}", where=where, status=status
            )
        raise InfluxUnavailableError(f"HTTP {status}: {text}", where=where, status=status)

    # -- API -----------------------------------------------------------------------
    def ping(self) -> str:
        """Check the server answers; returns its version (``X-Influxdb-Version``)."""
        response = self._request("GET", "/ping", {})
        self._raise_for_status(response, f"{self._base}/ping", query=True)
        return str(response.headers.get("X-Influxdb-Version", "unknown"))

    def write_lines(
        self,
        lines: Sequence[str],
        *,
        database: str | None = None,
        precision: str = "ns",
    ) -> None:
        """POST lines of line protocol in one request.

        Raises :class:`InfluxRejectedError` when InfluxDB refuses points
        (retrying will not help) and :class:`InfluxUnavailableError` (or a
        subclass) when the batch should be kept and retried.
        """
        if not lines:
            return
        db = database or self.settings.database
        params = {"db": db, "precision": precision}
        if self.settings.retention_policy:
            params["rp"] = self.settings.retention_policy
        body = ("\n".join(lines) + "\n").encode("utf-8")
        response = self._request(
            "POST", "/write", params, body=body, content_type="text/plain; charset=utf-8"
        )
        self._raise_for_status(response, f"{self._base}/write db={db}", query=False)

    def write(self, points: Iterable[Point], *, database: str | None = None) -> None:
        """Serialise and write points in one request (no batching, no spool)."""
        self.write_lines([p.to_line() for p in points], database=database)

    def query(
        self,
        statement: str,
        *,
        database: str | None = None,
        epoch: str | None = "ns",
        params: Mapping[str, Any] | None = None,
    ) -> list[list[Series]]:
        """Run InfluxQL; one list of series per statement.

        Read-only statements go as GET, others as POST. ``params`` binds
        ``$name`` placeholders. An error in any statement raises
        :class:`InfluxQueryError` naming the statement number.
        """
        db = database or self.settings.database
        args: dict[str, str] = {"q": statement}
        if db:
            args["db"] = db
        if epoch:
            args["epoch"] = epoch
        if params:
            args["params"] = json.dumps(dict(params))
        method = "GET" if _READ_ONLY.match(statement) else "POST"
        where = f"{self._base}/query db={db}"
        if method == "GET":
            response = self._request("GET", "/query", args)
        else:
            response = self._request(
                "POST",
                "/query",
                {},
                body=urlencode(args).encode("utf-8"),
                content_type="application/x-www-form-urlencoded",
            )
        self._raise_for_status(response, where, query=True)
        try:
            answer = json.loads(response.data.decode("utf-8"))
        except ValueError as exc:
            raise InfluxQueryError(f"answer is not JSON: {exc}", where=where) from exc
        if "error" in answer:
            raise InfluxQueryError(str(answer["error"]), where=where)
        out: list[list[Series]] = []
        for index, result in enumerate(answer.get("results", [])):
            if "error" in result:
                raise InfluxQueryError(
                    f"statement {index} ({statement[:120]!r}): {result['error']}", where=where
                )
            out.append(
                [
                    Series(
                        name=str(s.get("name", "")),
                        columns=tuple(s.get("columns", ())),
                        values=tuple(tuple(v) for v in s.get("values", ())),
                        tags=dict(s.get("tags", {})),
                    )
                    for s in result.get("series", ())
                ]
            )
        return out

    def query_series(self, statement: str, **kwargs: Any) -> list[Series]:
        """Run one InfluxQL statement and return its series."""
        results = self.query(statement, **kwargs)
        if len(results) != 1:
            raise InfluxQueryError(
                f"expected one statement result, got {len(results)}",
                where=f"{self._base}/query",
            )
        return results[0]

    def count(
        self,
        measurement: str,
        field_key: str,
        start: datetime | int,
        end: datetime | int,
        *,
        database: str | None = None,
    ) -> int:
        """Number of points of ``measurement`` with ``field_key`` in ``start <= time < end``."""
        statement = (  # identifiers and times quoted by the helpers above
            f"SELECT count({quote_ident(field_key)}) FROM {quote_ident(measurement)} "  # noqa: S608
            f"WHERE {time_range(start, end)}"
        )
        series = self.query_series(statement, database=database)
        if not series or not series[0].values:
            return 0
        return int(series[0].values[0][1] or 0)

    def create_database(self, name: str | None = None, *, duration: str | None = None) -> None:
        """``CREATE DATABASE`` (idempotent), optionally with a retention ``duration`` like ``400d``.

        InfluxDB 2.x/3.x create databases (buckets) through their own API
        instead; this is for 1.x and the lab.
        """
        db = name or self.settings.database
        statement = f"CREATE DATABASE {quote_ident(db)}"
        if duration is not None:
            if not _DURATION.match(duration):
                raise MonitoringConfigError(f"retention duration {duration!r} is not like '400d'")
            statement += f" WITH DURATION {duration}"
        self.query(statement, database="", epoch=None)
        log.info("database %s ready on %s", db, self._base)


__all__ = [
    "InfluxClient",
    "InfluxError",
    "InfluxSettings",
    "Series",
    "quote_ident",
    "quote_literal",
    "rfc3339_ns",
    "time_range",
]
