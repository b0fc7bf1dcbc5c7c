"""The accounts component's own settings: tokens, scopes, password hashing, OIDC issuers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from core.settings import ArmatureSettings, ConfigurationError, Environment

BASE_DEFAULT_SCOPES = "items:read items:write"
DEVELOPMENT_EXTRA_SCOPES = "automations:read automations:write"

# Asymmetric only: an HMAC secret shared with an external provider is never accepted.
OidcAlgorithm = Literal["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]


class OidcIssuer(BaseModel):
    """An external OpenID Connect provider whose access tokens sign users in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(min_length=1, max_length=500, description="Its `iss`, exactly.")
    audience: str = Field(min_length=1, description="The `aud` its tokens carry for this API.")
    algorithms: frozenset[OidcAlgorithm] = frozenset({"RS256", "ES256"})


class AccountsSettings(ArmatureSettings):
    """Every field is an environment variable of the same name, upper-cased."""

    accounts_default_scopes: str | None = Field(
        default=None,
        description="Scopes of new accounts, space-separated. Unset: items:read items:write, "
        "plus automations:read automations:write in development.",
    )
    token_issuer: str = Field(
        default="http://127.0.0.1:8000", description="The `iss` of our tokens: the public URL."
    )
    token_audience: str = Field(default="armature", description="The `aud` of our tokens.")
    token_algorithms: str = Field(
        default="ES256 RS256", description="Algorithms a token may be signed with, space-separated."
    )
    token_signing_key: SecretStr | None = Field(
        default=None,
        description="PEM private key (EC P-256 or RSA) that signs access tokens. Required in "
        "production; development generates an ephemeral one.",
    )
    token_previous_public_keys: str = Field(
        default="", description="PEM public keys still accepted and published (key rotation)."
    )
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=3600)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=300)
    password_hash_time_cost: int = Field(default=3, ge=1, description="argon2id passes.")
    password_hash_memory_kib: int = Field(default=65536, ge=8, description="argon2id memory.")
    oidc_issuers: list[OidcIssuer] = Field(
        default_factory=list,
        description='Trusted external OIDC providers, as JSON: [{"issuer": ..., "audience": ...}].',
    )
    oidc_cache_ttl_seconds: float = Field(
        default=3600, gt=0, description="How long a provider's discovery and keys are cached."
    )
    oidc_refetch_cooldown_seconds: float = Field(
        default=60, ge=0, description="An unknown `kid` refetches a provider's keys this rarely."
    )

    @property
    def default_scopes(self) -> frozenset[str]:
        if self.accounts_default_scopes is not None:
            return frozenset(self.accounts_default_scopes.split())
        extra = DEVELOPMENT_EXTRA_SCOPES if self.environment is Environment.DEVELOPMENT else ""
        return frozenset(f"{BASE_DEFAULT_SCOPES} {extra}".split())

    @property
    def algorithms(self) -> frozenset[str]:
        return frozenset(self.token_algorithms.split())

    def previous_public_pems(self) -> list[str]:
        end = "-----END PUBLIC KEY-----"
        blocks = self.token_previous_public_keys.split(end)
        return [block.strip() + "\n" + end + "\n" for block in blocks if block.strip()]

    def check(self) -> None:
        production = self.environment is Environment.PRODUCTION
        if production and self.token_signing_key is None:
            raise ConfigurationError(
                "ENVIRONMENT=production needs TOKEN_SIGNING_KEY (a PEM private key, or the file "
                "token_signing_key in SECRETS_DIR); it never generates one"
            )
        if production and not self.token_issuer.startswith("https://"):
            raise ConfigurationError("ENVIRONMENT=production needs an https:// TOKEN_ISSUER")
        self._check_oidc_issuers(production)
        super().check()

    def _check_oidc_issuers(self, production: bool) -> None:
        for trusted in self.oidc_issuers:
            if production and not trusted.issuer.startswith("https://"):
                raise ConfigurationError(
                    f"ENVIRONMENT=production needs https:// OIDC issuers, not {trusted.issuer!r}"
                )
            if trusted.issuer == self.token_issuer:
                raise ConfigurationError(
                    "OIDC_ISSUERS may not name TOKEN_ISSUER: those tokens are this server's own"
                )
