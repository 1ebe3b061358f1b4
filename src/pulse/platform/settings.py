"""Configuration from `PULSE_*` environment variables and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

NATS_SCHEMES = ("nats://", "tls://")


def comma_list(text: str) -> list[str]:
    """The entries of a comma-separated setting, trimmed, empty ones left out."""
    return [part for part in (raw.strip() for raw in text.split(",")) if part]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PULSE_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    # Empty means "derive from data_dir" (embedded default).
    database_url: str = ""
    # "embedded" for the in-process bus, or a nats:// URL; for a NATS cluster, the URLs of
    # several members separated by commas (the client also learns the others from the server).
    bus_url: str = "embedded"
    # "" = a folder under data_dir; "file:///path" or a plain path;
    # or "s3://bucket[/prefix]" (with the s3_* settings).
    object_store_url: str = ""
    # For an s3:// object store: None endpoint = AWS itself; None keys = boto3's credential chain.
    s3_endpoint_url: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    # The DuckDB file of the analytics store; "" = analytics.duckdb under data_dir.
    olap_path: str = ""
    olap_memory_limit: str = "64MB"
    olap_threads: int = Field(default=1, ge=1, le=64)
    # Events the projector applies in one batch at most (a batch is whatever has arrived).
    olap_batch_size: int = Field(default=20_000, ge=1, le=200_000)
    # The shortest pause after a batch that did not fill, letting the next events gather (it
    # grows to twice the last batch's time, at most 0.2 s); 0 = apply each at once.
    olap_gather_seconds: float = Field(default=0.05, ge=0, le=1)
    # The store is closed and opened again after this many batches (0 = never), and after
    # this many seconds without one: DuckDB gives back what its queries kept only then.
    olap_reopen_batches: int = Field(default=100, ge=0, le=10_000_000)
    olap_reopen_idle_seconds: float = Field(default=60.0, ge=1, le=86_400)
    # The read-only SQL endpoint: most rows returned, and seconds before a query is stopped.
    olap_sql_row_limit: int = Field(default=10_000, ge=1, le=1_000_000)
    olap_sql_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    # The largest answer of the SQL endpoint, in bytes of JSON; rows past it are cut.
    olap_sql_max_bytes: int = Field(default=8 * 1024 * 1024, ge=1024, le=1024 * 1024 * 1024)
    # Queries run in a process of their own on a snapshot of the store: the most seconds a
    # snapshot is reused once the projector has moved, and the process's address space (MB).
    olap_sql_snapshot_seconds: float = Field(default=5.0, ge=0, le=86_400)
    olap_sql_process_memory_mb: int = Field(default=1024, ge=256, le=65_536)
    # The KPI and recommendation rules; "" = the rules shipped with the product.
    analytics_rules_path: str = ""

    # The company printed on invoices and credit notes.
    company_name: str = "Pulse Demo Trading Ltd"
    company_address: str = "1 Market Street\nSpringfield"
    company_tax_id: str = ""
    company_email: str = "billing@example.com"
    currency: str = "EUR"
    # Until an admin sets them under /settings/company: how dates and numbers are written,
    # and the payment terms a new customer gets.
    locale: str = "en-GB"
    payment_terms_days: int = Field(default=30, ge=0, le=365)
    # Processes that render PDFs beside the serving one; 0 renders in a thread instead.
    render_processes: int = Field(default=1, ge=0, le=16)
    # Seconds without a document to render before those processes stop (they start again
    # with the next one).
    render_idle_seconds: float = Field(default=60.0, ge=1, le=86_400)

    nats_stream: str = "PULSE"
    nats_subject_prefix: str = "pulse"
    # Copies of the stream JetStream keeps (1 on a single server, 3 on a 3-node cluster); the
    # durable consumers follow it. An existing stream is moved to this count at start-up.
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)

    jwt_secret: SecretStr | None = None
    # With PULSE_JWT_SECRET: earlier secrets (comma-separated) whose tokens are still accepted.
    jwt_previous_secrets: SecretStr | None = None
    # Without it: the signing key ring file; "" = jwt-keys.json under data_dir.
    jwt_keys_file: str = ""
    jwt_issuer: str = "pulse-erp"
    access_token_ttl_seconds: int = Field(default=900, ge=30)
    refresh_token_ttl_seconds: int = Field(default=14 * 24 * 3600, ge=60)
    admin_password: SecretStr | None = None
    # The Ed25519 private key (PEM) that signs audit checkpoints; None = one generated in
    # data_dir. A checkpoint of the audit chain is signed every this many seconds when it grew.
    audit_signing_key: SecretStr | None = None
    audit_checkpoint_seconds: float = Field(default=60.0, ge=0.1, le=86_400)
    login_max_failures: int = 5
    login_lockout_seconds: int = 60
    # Failed logins one client address may have within the window, across all user names.
    login_address_max_failures: int = Field(default=20, ge=1)
    login_address_window_seconds: int = Field(default=600, ge=1)
    # Proxies whose X-Forwarded-For is believed (IPs or CIDRs, comma-separated); none by default.
    trusted_proxies: str = ""
    # Seconds an idle kept-alive HTTP connection stays open: longer than clients and proxies
    # keep theirs (Node and httpx 5 s, nginx and cloud load balancers 60 s), so they close it.
    keep_alive_seconds: int = Field(default=75, ge=1, le=3600)
    # Threads that hash passwords (0 = half the cores, at least one); hashes admitted at once
    # beyond those, in all and per client address, before a login is answered 429.
    password_hash_workers: int = Field(default=0, ge=0, le=64)
    password_hash_queue: int = Field(default=16, ge=0, le=10_000)
    password_hash_per_client: int = Field(default=4, ge=1, le=10_000)
    # Single sign-on: access tokens of this OpenID Connect provider are accepted ("" = off).
    # The issuer exactly as in its tokens' `iss`; its discovery document is
    # <issuer>/.well-known/openid-configuration.
    oidc_issuer: str = ""
    # The `aud` the provider's access tokens must name for Pulse ("" = the client id).
    oidc_audience: str = ""
    # The web app's client at the provider (public, authorization code with PKCE).
    oidc_client_id: str = ""
    oidc_scopes: str = "openid profile email"
    # Where the provider's roles are: a dotted claim path (e.g. "groups"); "" = Keycloak's
    # realm_access.roles and resource_access.<client id>.roles.
    oidc_role_claim: str = ""
    # Provider role → Pulse role, comma-separated: "erp-admins=admin,accounting=accountant".
    # A provider user none of whose roles is here is refused.
    oidc_role_map: str = ""
    # The least seconds between two fetches of the provider's keys (on an unknown key id).
    oidc_jwks_refresh_seconds: float = Field(default=10.0, ge=0, le=3600)
    # How stale this process may see an account or session change made by another process;
    # a token is checked against a cache of at most this age (0 = ask the database each time).
    token_check_seconds: float = Field(default=5.0, ge=0, le=300)

    host: str = "127.0.0.1"
    port: int = 8000
    # /metrics and /healthz of a process that serves no API (`pulse relay`, `pulse worker`;
    # with `--processes N` the n-th process takes this port + n); 0 = none.
    metrics_port: int = Field(default=0, ge=0, le=65_535)
    # The built web app (index.html and assets/); "" = web/dist of the source tree.
    web_dir: str = ""
    # Which consumers this process runs: "all", "none", or a comma-separated list.
    consumers: str = "all"
    # Whether this process relays the outbox to the bus.
    relay: bool = True
    # Embedded mode (`pulse up`, or `pulse serve` with consumers, on SQLite): what runs in a
    # second process, `pulse-flow` (flow_process.py), with an interpreter lock of its own.
    # "analytics": the analytics store (its projector, /query, /stats, the live push), which
    # writes nothing to SQLite; the dashboards move sooner under load, for about 140 MiB
    # more. "all" (or true): the consumers too, whose writes then queue with the API's for
    # SQLite's one write lock. "off" (or false), the default: one process, the least memory
    # (docs/PERFORMANCE.md, "Two processes" and "The analytics store's own process").
    flow_process: Literal["off", "analytics", "all"] = "off"
    # The flow process's consumers let events gather this long (its `consumer_gather_seconds`):
    # each batch takes the write lock the API's requests need too, so fewer, larger batches
    # leave the requests more turns. Measured at 100 orders/s: 0.01 s fell behind, 0.1 s
    # kept up (docs/PERFORMANCE.md).
    flow_gather_seconds: float = Field(default=0.1, ge=0, le=1)
    # Set by the embedded server in its API process: the Unix socket of the process that
    # owns the analytics store, to which /query and /stats are handed on.
    analytics_socket: str = ""
    relay_poll_seconds: float = 0.2
    consumer_batch_size: int = 200
    # Embedded bus: how long a woken consumer lets more events gather before it takes a
    # batch (after a batch that did not fill). Requests then seldom wait behind a consumer's
    # transaction, and each batch's fixed cost (inbox, outbox, position, commit) is shared by
    # the events that arrived meanwhile; each stage of the order flow is later by as much.
    # 0 = take each event at once.
    consumer_gather_seconds: float = Field(default=0.01, ge=0, le=1)
    # Backpressure: past this many events of backlog in the order flow (the largest lag of
    # the inventory, orders and billing consumers, plus the outbox not yet relayed), POST
    # /orders answers 503 with Retry-After. 0 turns it off.
    max_backlog: int = Field(default=2000, ge=0)
    # Requests queued for the embedded mode's write lock past which POST /orders answers 503
    # at once (the wait to write would otherwise grow without bound); 0 = off.
    max_queued_writes: int = Field(default=256, ge=0)
    db_pool_size: int = 20
    log_level: str = "INFO"
    log_json: bool = True
    # OpenTelemetry traces go over OTLP/HTTP to this collector (its base URL, e.g.
    # http://otel-collector:4318); "" = the standard OTEL_EXPORTER_OTLP_ENDPOINT, and
    # neither = no tracing. The share of requests whose trace is recorded:
    otlp_endpoint: str = ""
    trace_sample_ratio: float = Field(default=1.0, ge=0, le=1)

    # Origins (comma-separated, e.g. "https://erp.example.com") whose pages may call the API
    # from the browser (CORS); empty = same origin only.
    cors_allow_origins: str = ""
    # Strict-Transport-Security on every answer even when the request reached the app over
    # plain HTTP (behind a TLS proxy that does not pass the scheme on); https requests always
    # get it.
    hsts: bool = False
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0)
    # The largest request body, and request target (path and query), the API reads; the
    # server refuses targets beyond 64 KiB itself.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_target_bytes: int = Field(default=61_440, ge=1024, le=65_000)

    @field_validator("flow_process", mode="before")
    @classmethod
    def _flow_process_flag(cls, value: Any) -> Any:
        """true and false, as the setting was first spelled: "all" and "off"."""
        flag = str(value).strip().lower()
        if flag in ("true", "1", "yes", "on"):
            return "all"
        if flag in ("false", "0", "no", ""):
            return "off"
        return flag

    @field_validator("bus_url")
    @classmethod
    def _one_bus(cls, value: str) -> str:
        members = comma_list(value)
        if len(members) > 1 and not all(url.startswith(NATS_SCHEMES) for url in members):
            raise ValueError(
                "several bus URLs must all be nats:// or tls:// URLs (members of one NATS cluster)"
            )
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'pulse.db').resolve()}"

    @property
    def resolved_olap_path(self) -> Path:
        return Path(self.olap_path) if self.olap_path else self.data_dir / "analytics.duckdb"

    @property
    def resolved_web_dir(self) -> Path:
        if self.web_dir:
            return Path(self.web_dir)
        return Path(__file__).resolve().parents[3] / "web" / "dist"

    @property
    def uses_nats(self) -> bool:
        return self.bus_url.strip().startswith(NATS_SCHEMES)

    @property
    def nats_servers(self) -> list[str]:
        """The NATS servers to connect to: every member of `bus_url` that is named."""
        return comma_list(self.bus_url)

    def consumer_enabled(self, name: str) -> bool:
        wanted = self.consumers.strip().lower()
        if wanted in ("all", "*"):
            return True
        if wanted in ("", "none"):
            return False
        return name in comma_list(wanted)
