"""The analytics runtime of one process: the DuckDB store, the projector, the live hub.

Only the process that runs the `analytics` consumer owns the DuckDB file (DuckDB allows one
writer process), and that process serves the query API too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pulse.analytics.answers import SharedAnswers
from pulse.analytics.live import LiveHub
from pulse.analytics.projector import Projector
from pulse.analytics.recommendations import RulesError, RuleSet, load_rules
from pulse.analytics.sources import EventSource, OutboxSource
from pulse.analytics.sql_process import SqlProcess
from pulse.analytics.store import AnalyticsStore
from pulse.platform.formatting import Formats
from pulse.platform.settings import Settings

RULES_FILE = Path(__file__).with_name("rules.yaml")


@dataclass
class Analytics:
    settings: Settings
    store: AnalyticsStore
    projector: Projector
    hub: LiveHub
    source: EventSource
    sql: SqlProcess
    answers: SharedAnswers = field(default_factory=SharedAnswers, repr=False)
    _rules: tuple[float, RuleSet] | None = field(default=None, init=False, repr=False)

    @property
    def rules_path(self) -> Path:
        return Path(self.settings.analytics_rules_path or RULES_FILE)

    def formats_for(self, accept_language: str | None) -> Formats:
        """How the recommendations write figures: the reader's locale, the books' currency."""
        return Formats.for_request(accept_language, self.settings.currency)

    def rules(self) -> RuleSet:
        """The rules file, read again whenever it changes (an admin may edit it live)."""
        path = self.rules_path
        try:
            mtime = path.stat().st_mtime
        except OSError as exc:
            raise RulesError(f"{path}: {exc.strerror}") from exc
        if self._rules is None or self._rules[0] != mtime:
            self._rules = (mtime, load_rules(path))
        return self._rules[1]

    async def start(self) -> None:
        await self.projector.start()

    async def stop(self) -> None:
        await self.projector.stop()
        self.sql.close()


def make_source(settings: Settings) -> EventSource:
    if settings.uses_nats:
        from pulse.analytics.nats_source import NatsSource

        return NatsSource(settings)
    return OutboxSource(settings.resolved_database_url)


def build_analytics(settings: Settings) -> Analytics:
    store = AnalyticsStore(
        settings.resolved_olap_path,
        memory_limit=settings.olap_memory_limit,
        threads=settings.olap_threads,
    )
    hub = LiveHub()
    answers = SharedAnswers()
    source = make_source(settings)
    projector = Projector(
        store,
        source,
        batch_size=settings.olap_batch_size,
        gather_seconds=settings.olap_gather_seconds,
        hub=hub,
        warm=answers.warm,
        hot=answers.hot,
        reopen_batches=settings.olap_reopen_batches,
        reopen_idle_seconds=settings.olap_reopen_idle_seconds,
    )
    sql = SqlProcess(
        store,
        max_age_seconds=settings.olap_sql_snapshot_seconds,
        address_space_bytes=settings.olap_sql_process_memory_mb * 1024 * 1024,
        memory_limit=settings.olap_memory_limit,
    )
    return Analytics(
        settings=settings,
        store=store,
        projector=projector,
        hub=hub,
        source=source,
        sql=sql,
        answers=answers,
    )
