"""The bot's Prometheus metrics: one registry, the metric objects, and the small functions that feed them.

Everything is named ``heartstopper_…`` and lives in ``REGISTRY`` (not prometheus_client's global
one), so ``/metrics`` shows exactly this and nothing a library registered on its own. Labels are
closed sets or route templates, never ids or free text, so the number of series stays bounded
however many servers, channels or members there are.

Who feeds what:
- interactions: ``bot.ui.tree`` (slash commands and autocomplete; components through ``observed``);
- REST requests and 429s: ``rest_trace``, an aiohttp ``TraceConfig`` given to discord.py as
  ``http_trace`` (it sees every request on the bot's session, interaction callbacks included);
- servers and live games: gauges read at scrape time (``watch_servers``, ``watch_live_games``);
- database latency: ``database_timer`` (the readiness probe, and any store that wants it);
- posts, scheduler lag and the outbox backlog: the scheduler and outbox call ``post``,
  ``scheduler_lag`` and ``set_outbox_backlog_source``.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Literal
from urllib.parse import urlsplit

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

PREFIX = "heartstopper"
REGISTRY = CollectorRegistry()

InteractionType = Literal["command", "autocomplete", "component"]
InteractionOutcome = Literal["ok", "refused", "error"]
PostFeature = Literal["countdown", "daily-question", "daily-reveal", "trivia-notice", "scheduled-event"]
PostOutcome = Literal["sent", "adopted", "failed", "skipped", "abandoned"]
POST_FEATURES: tuple[PostFeature, ...] = (
    "countdown",
    "daily-question",
    "daily-reveal",
    "trivia-notice",
    "scheduled-event",
)
POST_OUTCOMES: tuple[PostOutcome, ...] = ("sent", "adopted", "failed", "skipped", "abandoned")

# Discord allows 3 s before an interaction must be answered: the buckets are finest below that.
_INTERACTION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)
_DATABASE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# A pass that runs late by seconds is normal under load; minutes mean trouble; hours, an outage.
_LAG_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)

INTERACTIONS = Counter(
    f"{PREFIX}_interactions",
    "Interactions handled, by type (command, autocomplete, component), command and outcome "
    "(ok; refused: answered with a reason, e.g. a missing permission; error: a bug, answered with an apology).",
    ["type", "command", "outcome"],
    registry=REGISTRY,
)
INTERACTION_SECONDS = Histogram(
    f"{PREFIX}_interaction_duration_seconds",
    "Time from an interaction reaching the bot to its handler returning.",
    ["type", "command"],
    buckets=_INTERACTION_BUCKETS,
    registry=REGISTRY,
)
POSTS = Counter(
    f"{PREFIX}_posts",
    "Posts the bot makes on its own, by feature and outcome (sent; adopted: found already sent by "
    "its nonce; failed: will be retried; skipped: not due or turned off; abandoned: given up).",
    ["feature", "outcome"],
    registry=REGISTRY,
)
REST_REQUESTS = Counter(
    f"{PREFIX}_rest_requests",
    "Requests to Discord's REST API, by method, route template and status ('error' when no answer came).",
    ["method", "route", "status"],
    registry=REGISTRY,
)
REST_RATE_LIMITED = Counter(
    f"{PREFIX}_rest_rate_limited",
    "429 answers from Discord's REST API, by method, route template and scope (user, global, shared).",
    ["method", "route", "scope"],
    registry=REGISTRY,
)
SCHEDULER_LAG = Histogram(
    f"{PREFIX}_scheduler_lag_seconds",
    "How late a scheduler pass ran behind the earliest post that was due in it.",
    buckets=_LAG_BUCKETS,
    registry=REGISTRY,
)
DATABASE_SECONDS = Histogram(
    f"{PREFIX}_database_duration_seconds",
    "Time database operations took, by operation (probe: the readiness check's SELECT 1).",
    ["operation"],
    buckets=_DATABASE_BUCKETS,
    registry=REGISTRY,
)
LIVE_GAMES = Gauge(f"{PREFIX}_live_games", "Trivia games running in this process.", registry=REGISTRY)
SERVERS = Gauge(f"{PREFIX}_servers", "Servers on this process's shards.", registry=REGISTRY)
ProcessCollector(namespace=PREFIX, registry=REGISTRY)  # CPU, memory, open files: heartstopper_process_*

for _feature in POST_FEATURES:  # every series exists from the start, so rate() and absent() work at once
    for _outcome in POST_OUTCOMES:
        POSTS.labels(_feature, _outcome)


# --- interactions ------------------------------------------------------------------------------
def interaction(kind: InteractionType, command: str, outcome: InteractionOutcome, seconds: float) -> None:
    """Count one handled interaction and its handling time."""
    INTERACTIONS.labels(kind, command, outcome).inc()
    INTERACTION_SECONDS.labels(kind, command).observe(seconds)


# --- posts and the scheduler -------------------------------------------------------------------
def post(feature: PostFeature, outcome: PostOutcome) -> None:
    """Count one post the bot made (or tried, adopted, skipped, gave up) on its own."""
    POSTS.labels(feature, outcome).inc()


def scheduler_lag(seconds: float) -> None:
    """Record how far behind the earliest due post a scheduler pass ran (0 when on time)."""
    SCHEDULER_LAG.observe(max(0.0, seconds))


# --- database ----------------------------------------------------------------------------------
@contextlib.contextmanager
def database_timer(operation: str) -> Iterator[None]:
    """Time one database operation (also when it fails: a slow failure is worth seeing).

    ``operation`` is a fixed name chosen by the caller (``probe``, ``claim``…), never SQL text.
    """
    started = time.perf_counter()
    try:
        yield
    finally:
        DATABASE_SECONDS.labels(operation).observe(time.perf_counter() - started)


# --- gauges read at scrape time ----------------------------------------------------------------
def watch_servers(count: Callable[[], int]) -> None:
    """``heartstopper_servers`` reads ``count()`` at each scrape (it must not block: no I/O)."""
    SERVERS.set_function(count)


def watch_live_games(count: Callable[[], int]) -> None:
    """``heartstopper_live_games`` reads ``count()`` at each scrape (it must not block: no I/O)."""
    LIVE_GAMES.set_function(count)


class _OutboxBacklog(Collector):
    """``heartstopper_outbox_backlog{state}``: rows waiting in the outbox, read from a source at scrape time."""

    def __init__(self) -> None:
        self.source: Callable[[], Mapping[str, float]] | None = None

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            f"{PREFIX}_outbox_backlog", "Rows in the outbox not yet settled, by state.", labels=["state"]
        )
        for state, count in sorted((self.source() if self.source else {}).items()):
            family.add_metric([state], float(count))
        yield family


_outbox_backlog = _OutboxBacklog()
REGISTRY.register(_outbox_backlog)


def set_outbox_backlog_source(source: Callable[[], Mapping[str, float]] | None) -> None:
    """Where ``heartstopper_outbox_backlog`` reads its counts by state.

    ``source`` runs during every scrape, on the event loop: it must return counts it already holds
    (kept up to date by the outbox), never query the database.
    """
    _outbox_backlog.source = source


# --- REST requests -----------------------------------------------------------------------------
# A path segment kept as is: a word of the API (channels, messages, @original, scheduled-events).
_LITERAL = re.compile(r"^@?[a-z][a-z_-]*$")
# The segment after these is a secret or a free value, never a word: /webhooks/{id}/{token},
# /interactions/{id}/{token}, /reactions/{emoji}.
_SECRET_AFTER_ID = frozenset({"webhooks", "interactions"})


def route_template(path: str, prefix: str = "") -> str:
    """A request path as a route template: ``/channels/{id}/messages``.

    Ids become ``{id}``; interaction and webhook tokens, emoji and anything else that is not a
    word of the API become ``{token}`` or ``{value}``. That keeps the label set small, and keeps
    interaction tokens (valid for 15 minutes, and enough to answer as the bot) out of the metrics.
    """
    if prefix and path.startswith(prefix):
        path = path[len(prefix) :]
    segments = [s for s in path.split("/") if s]
    out: list[str] = []
    for index, segment in enumerate(segments):
        previous = segments[index - 1] if index else ""
        before_previous = segments[index - 2] if index > 1 else ""
        if before_previous in _SECRET_AFTER_ID and previous.isdigit():
            out.append("{token}")
        elif segment.isdigit():
            out.append("{id}")
        elif previous == "reactions" or not _LITERAL.match(segment):
            out.append("{value}")
        else:
            out.append(segment)
    return "/" + "/".join(out)


def rest_trace(api_base: str) -> aiohttp.TraceConfig:
    """Counts every request on discord.py's HTTP session (give it as ``http_trace``).

    The gateway's websocket runs on the same session; its upgrade is not a REST request and is left
    out. ``api_base`` is the configured REST base, whose path (``/api/v10``) is cut from the routes.
    """
    prefix = urlsplit(api_base).path.rstrip("/")
    trace = aiohttp.TraceConfig()

    async def on_request_end(
        session: aiohttp.ClientSession, context: object, params: aiohttp.TraceRequestEndParams
    ) -> None:
        if params.url.scheme in ("ws", "wss") or params.response.status == 101:
            return
        route = route_template(params.url.path, prefix)
        status = params.response.status
        REST_REQUESTS.labels(params.method, route, str(status)).inc()
        if status == 429:
            scope = params.response.headers.get("X-RateLimit-Scope", "unknown")
            REST_RATE_LIMITED.labels(
                params.method, route, scope if scope in ("user", "global", "shared") else "unknown"
            ).inc()

    async def on_request_exception(
        session: aiohttp.ClientSession, context: object, params: aiohttp.TraceRequestExceptionParams
    ) -> None:
        if params.url.scheme in ("ws", "wss"):
            return
        REST_REQUESTS.labels(params.method, route_template(params.url.path, prefix), "error").inc()

    trace.on_request_end.append(on_request_end)
    trace.on_request_exception.append(on_request_exception)
    return trace
