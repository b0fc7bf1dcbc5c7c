"""The API process's settings: every one is an environment variable of the same name."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from api.hardening import HardeningConfig
from api.rate_limits import RateLimitConfig
from core.adapters.notifiers import SmtpSecurity
from core.adapters.sqlalchemy import DatabaseSettings
from core.settings import ArmatureSettings, ConfigurationError, Environment

EMBEDDED_DATABASE_URL = "sqlite+aiosqlite:///var/armature.sqlite3"
# A century: beyond it, "forever" is 0 (and the cutoff would fall before year 1).
MAX_RETENTION_DAYS = 36_500


class Settings(ArmatureSettings):
    """Defaults run the embedded stack; production must name real services and real secrets."""

    database_url: SecretStr = Field(
        default=SecretStr(EMBEDDED_DATABASE_URL),
        description="The SQLAlchemy URL of the database (`postgresql+asyncpg://` or "
        "`sqlite+aiosqlite://`).",
        json_schema_extra={
            "shown_default": f"`{EMBEDDED_DATABASE_URL}`",
            "production": "required: a `postgresql+asyncpg://` URL",
        },
    )
    database_pool_size: int = Field(
        default=10,
        ge=1,
        description="Connections kept open per process.",
        json_schema_extra={
            "production": "every process's pool and overflow within the server's `max_connections`"
        },
    )
    database_max_overflow: int = Field(
        default=10, ge=0, description="Extra connections a process may open under load."
    )
    database_pool_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Seconds to wait for a free pooled connection before answering 503.",
    )
    database_pool_pre_ping: bool = Field(
        default=True,
        description="Test each pooled connection before use, so a database restart fails no "
        "request.",
    )
    database_statement_timeout_ms: int = Field(
        default=15_000,
        ge=0,
        description="PostgreSQL cancels a statement running longer than this (0: never).",
    )
    database_echo: bool = Field(
        default=False,
        description="Log every SQL statement.",
        json_schema_extra={"production": "`false`"},
    )
    components: Annotated[frozenset[str] | None, NoDecode] = Field(
        default=None,
        description="Comma-separated component names to enable; the others' routes, consumers "
        "and migrations are left out.",
        json_schema_extra={"shown_default": "unset (every installed component)"},
    )
    docs_enabled: bool = Field(default=True, description="Serve /docs, /redoc and /openapi.json.")
    log_format: Literal["json", "console"] | None = Field(
        default=None,
        description="Log lines as `json` or as a readable `console`.",
        json_schema_extra={"shown_default": "`json` in production, else `console`"},
    )
    log_level: str = Field(
        default="INFO",
        pattern=r"(?i)^(debug|info|warning|error|critical)$",
        description="The lowest level logged: DEBUG, INFO, WARNING, ERROR or CRITICAL.",
    )
    metrics_enabled: bool = Field(
        default=True,
        description="Serve Prometheus metrics: at /metrics, or on `METRICS_PORT` when set.",
        json_schema_extra={"production": "keep /metrics off the public proxy"},
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Serve metrics on `METRICS_HOST:<port>` instead of the app's /metrics; "
        "under gunicorn the master serves every worker's sum there.",
        json_schema_extra={
            "shown_default": "unset (/metrics on the app)",
            "production": "a port only the scraper reaches (`9100` in the stacks)",
        },
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="The address `METRICS_PORT` listens on: loopback, or `0.0.0.0` on a "
        "private network that only the scraper reaches (a container's).",
    )
    redis_url: SecretStr | None = Field(
        default=None,
        description="Redis shared by every worker: rate limits, idempotency keys and the cache "
        "(items read by id, OIDC providers' keys).",
        json_schema_extra={"shown_default": "unset (in memory)", "production": "required"},
    )
    rabbitmq_url: SecretStr | None = Field(
        default=None,
        description="RabbitMQ (`amqp://...`) carrying events between processes.",
        json_schema_extra={
            "shown_default": "unset (an in-process queue)",
            "production": "required",
        },
    )
    rabbitmq_exchange: str = Field(
        default="armature", description="The durable topic exchange events are published to."
    )
    events_in_process: bool | None = Field(
        default=None,
        description="Run the outbox relay and the event consumers inside the API process.",
        json_schema_extra={
            "shown_default": "`true` without `RABBITMQ_URL`, else `false`",
            "production": "`false` (the default there): run `armature worker`",
        },
    )
    outbox_poll_interval_seconds: float = Field(
        default=0.2, gt=0, le=10, description="How often the relay looks for new events."
    )
    outbox_retention_days: float = Field(
        default=7,
        ge=0,
        le=MAX_RETENTION_DAYS,
        allow_inf_nan=False,
        description="How long published events stay in the outbox, in days (0: forever).",
    )
    processed_message_retention_days: float = Field(
        default=7,
        ge=0,
        le=MAX_RETENTION_DAYS,
        allow_inf_nan=False,
        description=(
            "How long consumers remember the messages they handled, in days (0: forever); "
            "a redelivery after that would run again."
        ),
    )
    rate_limit_fail_open: bool = Field(
        default=True,
        description="When Redis is down: `true` lets requests through, `false` answers 503.",
    )
    rate_limit_default: str = Field(
        default="300/minute",
        description="Per caller (account, else client IP) on every route without its own limit.",
    )
    rate_limit_routes: dict[str, str] = Field(
        default_factory=dict,
        description='Per-route limits as JSON: `{"POST /api/v1/items": "60/minute"}`.',
    )
    rate_limit_login_per_ip: str = Field(
        default="20/minute", description="Sign-in attempts per client IP."
    )
    rate_limit_login_per_username: str = Field(
        default="10/minute", description="Sign-in attempts per username."
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated origins allowed to call the API from a browser; empty: "
        "no CORS headers.",
    )
    trusted_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated `Host` names served (`*.example.com` allowed).",
        json_schema_extra={"shown_default": "empty (any host)", "production": "required"},
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Larger request bodies get 413 (keep nginx's `client_max_body_size` equal).",
    )
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated proxy IPs/CIDRs whose `X-Forwarded-For` is believed.",
        json_schema_extra={"shown_default": "empty (none)", "production": "nginx's address"},
    )
    idempotency_ttl_seconds: int = Field(
        default=86_400,
        ge=1,
        description="Seconds a POST's response is kept and replayed under its Idempotency-Key.",
    )
    files_dir: Path = Field(
        default=Path("var/files"),
        description="The folder uploaded files are kept in when `S3_BUCKET` is unset.",
        json_schema_extra={"production": "a persistent volume shared by every process, or S3"},
    )
    s3_bucket: str | None = Field(
        default=None,
        description="Keep uploaded files in this S3 bucket (AWS or any S3-compatible server).",
        json_schema_extra={"shown_default": "unset (files in `FILES_DIR`)"},
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description="An S3-compatible server's URL (MinIO, Ceph, R2...).",
        json_schema_extra={"shown_default": "unset (AWS)"},
    )
    s3_region: str | None = Field(default=None, description="The bucket's region.")
    s3_access_key_id: str | None = Field(
        default=None,
        description="The S3 access key id; unset with the secret: botocore's default chain "
        "(`AWS_*` variables, instance or pod role).",
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None, description="The S3 secret access key, with `S3_ACCESS_KEY_ID`."
    )
    s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto",
        description="`path` for servers without bucket subdomains (most S3-compatible ones).",
    )
    smtp_host: str | None = Field(
        default=None,
        description="The SMTP relay mails go through; unset: mails are printed to the console.",
        json_schema_extra={
            "shown_default": "unset (the console)",
            "production": "required: the console would lose every mail",
        },
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="The relay's port.")
    smtp_security: SmtpSecurity = Field(
        default=SmtpSecurity.STARTTLS,
        description="`starttls` (port 587), `tls` (implicit TLS, port 465) or `none` (a local "
        "relay only).",
        json_schema_extra={"production": "`starttls` or `tls`"},
    )
    smtp_username: str | None = Field(default=None, description="The relay's login, if any.")
    smtp_password: SecretStr | None = Field(
        default=None, description="The relay's password, with `SMTP_USERNAME`."
    )
    smtp_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Seconds to wait for the relay before trying again later."
    )
    mail_from: str = Field(
        default="Armature <noreply@localhost>",
        description="The `From` of every mail.",
        json_schema_extra={"production": "an address the relay may send from"},
    )

    @field_validator("components", mode="before")
    @classmethod
    def _split_components(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(_comma_separated(value))
        return value

    @field_validator("trusted_proxies", "cors_origins", "trusted_hosts", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        return tuple(_comma_separated(value)) if isinstance(value, str) else value

    def check(self) -> None:
        if self.environment is Environment.PRODUCTION and self.database().is_sqlite:
            raise ConfigurationError(
                "ENVIRONMENT=production refuses the embedded SQLite database: "
                "set DATABASE_URL to a PostgreSQL URL (postgresql+asyncpg://...)"
            )
        super().check()
        if self.environment is Environment.PRODUCTION and not self.trusted_hosts:
            raise ConfigurationError(
                "ENVIRONMENT=production needs TRUSTED_HOSTS (the API's host names)"
            )
        if self.environment is Environment.PRODUCTION and self.rabbitmq_url is None:
            raise ConfigurationError(
                "ENVIRONMENT=production needs RABBITMQ_URL: the in-process queue would keep "
                "each worker's events to itself"
            )
        if self.environment is Environment.PRODUCTION and self.redis_url is None:
            raise ConfigurationError(
                "ENVIRONMENT=production needs REDIS_URL: in-memory rate limits would grant "
                "every limit once per worker"
            )
        if self.environment is Environment.PRODUCTION and self.smtp_host is None:
            raise ConfigurationError(
                "ENVIRONMENT=production needs SMTP_HOST: the console notifier would lose every "
                "mail (verification links, password resets)"
            )

    @property
    def effective_log_format(self) -> Literal["json", "console"]:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.environment is Environment.PRODUCTION else "console"

    @property
    def runs_events_in_process(self) -> bool:
        """Whether the API process relays and consumes events itself."""
        if self.events_in_process is None:
            return self.rabbitmq_url is None
        return self.events_in_process

    def rate_limits(self) -> RateLimitConfig:
        return RateLimitConfig(
            storage_url=self.redis_url.get_secret_value() if self.redis_url else "memory://",
            fail_open=self.rate_limit_fail_open,
            default=self.rate_limit_default,
            routes=self.rate_limit_routes,
            login_per_ip=self.rate_limit_login_per_ip,
            login_per_username=self.rate_limit_login_per_username,
        )

    def hardening(self) -> HardeningConfig:
        return HardeningConfig(
            hsts=self.environment is Environment.PRODUCTION,
            cors_origins=self.cors_origins,
            trusted_hosts=self.trusted_hosts,
            max_body_bytes=self.max_body_bytes,
        )

    def database(self) -> DatabaseSettings:
        return DatabaseSettings(
            url=self.database_url,
            pool_size=self.database_pool_size,
            max_overflow=self.database_max_overflow,
            pool_timeout_seconds=self.database_pool_timeout_seconds,
            pool_pre_ping=self.database_pool_pre_ping,
            statement_timeout_ms=self.database_statement_timeout_ms,
            echo=self.database_echo,
        )


def _comma_separated(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]
