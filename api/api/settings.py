"""The API process's settings: every one is an environment variable of the same name."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from api.hardening import HardeningConfig
from api.rate_limits import RateLimitConfig
from core.adapters.sqlalchemy import DatabaseSettings
from core.settings import ArmatureSettings, ConfigurationError, Environment

EMBEDDED_DATABASE_URL = "sqlite+aiosqlite:///var/armature.sqlite3"


class Settings(ArmatureSettings):
    """Defaults run the embedded stack; production must name real services and real secrets."""

    database_url: SecretStr = Field(
        default=SecretStr(EMBEDDED_DATABASE_URL),
        description="SQLAlchemy URL: postgresql+asyncpg://... in production.",
    )
    database_pool_size: int = Field(default=10, ge=1, description="Connections kept per process.")
    database_max_overflow: int = Field(default=10, ge=0, description="Extra connections allowed.")
    database_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    database_pool_pre_ping: bool = True
    database_statement_timeout_ms: int = Field(default=15_000, ge=0)
    database_echo: bool = Field(default=False, description="Log every SQL statement.")
    components: Annotated[frozenset[str] | None, NoDecode] = Field(
        default=None, description="Comma-separated component names to enable; unset means all."
    )
    docs_enabled: bool = Field(default=True, description="Serve /docs, /redoc and /openapi.json.")
    log_format: Literal["json", "console"] | None = Field(
        default=None, description="json or console; unset: json in production, else console."
    )
    log_level: str = Field(
        default="INFO",
        pattern=r"(?i)^(debug|info|warning|error|critical)$",
        description="The lowest level logged: DEBUG, INFO, WARNING, ERROR or CRITICAL.",
    )
    metrics_enabled: bool = Field(
        default=True,
        description="Serve Prometheus metrics: at /metrics, or on METRICS_PORT when set.",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Serve metrics on METRICS_HOST:<port> instead of the app's /metrics; "
        "under gunicorn the master serves every worker's sum there.",
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="The address METRICS_PORT listens on: loopback, or 0.0.0.0 on a private "
        "network that only the scraper reaches (a container's).",
    )
    redis_url: SecretStr | None = Field(
        default=None, description="Redis for rate limits shared by every worker; unset: memory."
    )
    rabbitmq_url: SecretStr | None = Field(
        default=None,
        description="RabbitMQ (amqp://...) carrying events between processes; unset: an "
        "in-process queue (development only).",
    )
    rabbitmq_exchange: str = Field(default="armature", description="The topic exchange's name.")
    events_in_process: bool | None = Field(
        default=None,
        description="Run the outbox relay and event consumers inside the API process. Unset: "
        "yes without RABBITMQ_URL (the embedded default), no with it (run `armature worker`).",
    )
    outbox_poll_interval_seconds: float = Field(
        default=0.2, gt=0, le=10, description="How often the relay looks for new events."
    )
    rate_limit_fail_open: bool = Field(
        default=True, description="When Redis is down: let requests through (true) or 503."
    )
    rate_limit_default: str = Field(default="300/minute", description="Per caller, every route.")
    rate_limit_routes: dict[str, str] = Field(
        default_factory=dict,
        description='JSON: {"POST /api/v1/items": "60/minute"} overrides per route template.',
    )
    rate_limit_login_per_ip: str = "20/minute"
    rate_limit_login_per_username: str = "10/minute"
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Comma-separated origins allowed to call the API from a browser."
    )
    trusted_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Comma-separated Host names served (*.example.com allowed)."
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Larger bodies get 413.")
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Comma-separated proxy IPs/CIDRs whose X-Forwarded-For is believed."
    )
    idempotency_ttl_seconds: int = Field(
        default=86_400,
        ge=1,
        description="Seconds a POST's response is kept and replayed under its Idempotency-Key.",
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
