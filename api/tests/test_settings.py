"""Settings refuse an unsafe production and read component lists."""

import pytest
from pydantic import SecretStr

from api.settings import EMBEDDED_DATABASE_URL, Settings
from core.settings import ConfigurationError, Environment

POSTGRES = "postgresql+asyncpg://armature:{password}@db:5432/armature"


def production(**overrides: object) -> Settings:
    settings = Settings(_env_file=None, environment=Environment.PRODUCTION, **overrides)  # type: ignore[arg-type]
    settings.check()
    return settings


def test_defaults_run_the_embedded_database() -> None:
    settings = Settings(_env_file=None)

    assert settings.environment is Environment.DEVELOPMENT
    assert settings.database().is_sqlite
    assert settings.database_url.get_secret_value() == EMBEDDED_DATABASE_URL


def test_production_refuses_sqlite_with_a_clear_message() -> None:
    with pytest.raises(ConfigurationError, match="refuses the embedded SQLite database"):
        production()


@pytest.mark.parametrize("password", ["change-me", "CHANGEME", "placeholder"])
def test_production_refuses_placeholder_secrets_naming_them_without_echoing_them(
    password: str,
) -> None:
    with pytest.raises(ConfigurationError, match="placeholder secrets: DATABASE_URL") as refused:
        production(database_url=SecretStr(POSTGRES.format(password=password)))

    assert "armature:" not in str(refused.value), "the URL and its password stay out of the message"


def test_loading_production_settings_from_the_environment_refuses_sqlite(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.delenv("DATABASE_URL", raising=False)

    with pytest.raises(ConfigurationError, match="SQLite"):
        Settings.load(_env_file=None)


RABBITMQ = SecretStr("amqp://armature:k9w2-Qx7@broker:5672/")


def test_production_accepts_postgres_with_a_real_secret() -> None:
    settings = production(
        database_url=SecretStr(POSTGRES.format(password="k9w2-Qx7")),
        redis_url=SecretStr("redis://redis:6379/0"),
        rabbitmq_url=RABBITMQ,
        trusted_hosts="api.example.com",
        smtp_host="smtp.example.com",
    )

    assert not settings.database().is_sqlite
    assert not settings.runs_events_in_process, "a broker means a separate worker"


def test_production_refuses_in_memory_rate_limits() -> None:
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        production(
            database_url=SecretStr(POSTGRES.format(password="k9w2-Qx7")),
            rabbitmq_url=RABBITMQ,
            trusted_hosts="api.example.com",
        )


def test_production_refuses_the_console_notifier() -> None:
    with pytest.raises(ConfigurationError, match="SMTP_HOST: the console notifier would lose"):
        production(
            database_url=SecretStr(POSTGRES.format(password="k9w2-Qx7")),
            redis_url=SecretStr("redis://redis:6379/0"),
            rabbitmq_url=RABBITMQ,
            trusted_hosts="api.example.com",
        )


def test_production_refuses_the_in_process_queue() -> None:
    with pytest.raises(ConfigurationError, match="RABBITMQ_URL"):
        production(
            database_url=SecretStr(POSTGRES.format(password="k9w2-Qx7")),
            redis_url=SecretStr("redis://redis:6379/0"),
            trusted_hosts="api.example.com",
        )


def test_the_embedded_default_runs_events_in_the_api_process_unless_told_otherwise() -> None:
    assert Settings(_env_file=None).runs_events_in_process
    assert not Settings(_env_file=None, events_in_process=False).runs_events_in_process


def test_trusted_proxies_are_read_from_a_comma_separated_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")

    assert Settings(_env_file=None).trusted_proxies == ("10.0.0.0/8", "127.0.0.1")


def test_database_url_never_appears_in_repr() -> None:
    settings = Settings(_env_file=None, database_url=SecretStr(POSTGRES.format(password="s3cr3t")))

    assert "s3cr3t" not in repr(settings)


def test_components_are_read_from_a_comma_separated_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMPONENTS", " items , ,orders")

    assert Settings(_env_file=None).components == frozenset({"items", "orders"})
