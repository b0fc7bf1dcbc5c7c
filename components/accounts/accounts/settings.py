"""The accounts component's own settings: tokens, scopes, password hashing, OIDC issuers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from core.settings import ArmatureSettings, ConfigurationError, Environment

TOKEN_PLACEHOLDER = "{token}"  # noqa: S105 (where a link takes its token)
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
        description="Scopes of new accounts, space-separated.",
        json_schema_extra={
            "shown_default": f"`{BASE_DEFAULT_SCOPES}` (+ `{DEVELOPMENT_EXTRA_SCOPES}` in "
            "development)"
        },
    )
    token_issuer: str = Field(
        default="http://127.0.0.1:8000",
        description="The `iss` of our tokens: the API's public URL.",
        json_schema_extra={"production": "required: an `https://` URL"},
    )
    token_audience: str = Field(default="armature", description="The `aud` of our tokens.")
    token_algorithms: str = Field(
        default="ES256 RS256",
        description="Algorithms a token may be signed with (asymmetric only), space-separated.",
    )
    token_signing_key: SecretStr | None = Field(
        default=None,
        description="PEM private key (EC P-256 or RSA) that signs access tokens.",
        json_schema_extra={
            "shown_default": "unset: each process makes an ephemeral key (never in production)",
            "production": "required: best as the file `token_signing_key` in `SECRETS_DIR`",
        },
    )
    token_previous_public_keys: str = Field(
        default="",
        description="PEM public keys of retired signing keys, still accepted and published.",
        json_schema_extra={"production": "the retired keys, during a key rotation"},
    )
    access_token_ttl_seconds: int = Field(
        default=900, ge=30, le=3600, description="Seconds an access token is valid (at most 3600)."
    )
    refresh_token_ttl_seconds: int = Field(
        default=30 * 24 * 3600,
        ge=300,
        description="Seconds a refresh token is valid; each one is used once.",
    )
    password_hash_time_cost: int = Field(default=3, ge=1, description="argon2id passes.")
    password_hash_memory_kib: int = Field(
        default=65536, ge=8, description="argon2id memory, in KiB."
    )
    oidc_issuers: list[OidcIssuer] = Field(
        default_factory=list,
        description="Trusted external OIDC providers, as a JSON list: "
        '`[{"issuer": ..., "audience": ...}]`.',
        json_schema_extra={"production": "`https://` issuers only"},
    )
    oidc_cache_ttl_seconds: float = Field(
        default=3600, gt=0, description="How long a provider's discovery and keys are cached."
    )
    oidc_refetch_cooldown_seconds: float = Field(
        default=60, ge=0, description="An unknown `kid` refetches a provider's keys this rarely."
    )

    accounts_access_recheck_seconds: float = Field(
        default=5,
        ge=0,
        le=60,
        description="Seconds a server process trusts an account's scopes and disabled flag as "
        "last read, instead of reading them on every request; a change made elsewhere (another "
        "worker, the command line) reaches live tokens within this time. 0 reads every time.",
    )
    accounts_require_verified_email: bool = Field(
        default=False,
        description="Refuse tokens (sign-in, refresh) to accounts whose email is not verified "
        "yet; the refusal is 403 only after a right password.",
        json_schema_extra={
            "production": "`true` once mail is delivered, to keep unverified addresses out"
        },
    )
    accounts_verify_email_url: str = Field(
        default=f"http://127.0.0.1:8000/verify-email#token={TOKEN_PLACEHOLDER}",
        description="The link mailed on sign-up, `{token}` replaced: your front end's page, "
        "which POSTs the token to `/api/v1/auth/verify-email` (a fragment keeps the token out "
        "of servers' logs).",
        json_schema_extra={"production": "your front end's `https://` page"},
    )
    accounts_password_reset_url: str = Field(
        default=f"http://127.0.0.1:8000/reset-password#token={TOKEN_PLACEHOLDER}",
        description="The link mailed on a password reset, `{token}` replaced: your front end's "
        "page, which POSTs it with the new password to `/api/v1/auth/password-reset/confirm`.",
        json_schema_extra={"production": "your front end's `https://` page"},
    )
    accounts_verify_email_ttl_seconds: int = Field(
        default=2 * 24 * 3600, ge=300, description="Seconds a verification link stays valid."
    )
    accounts_password_reset_ttl_seconds: int = Field(
        default=3600,
        ge=300,
        le=24 * 3600,
        description="Seconds a password reset link stays valid; it dies sooner once used.",
    )

    @field_validator("accounts_verify_email_url", "accounts_password_reset_url")
    @classmethod
    def _names_the_token(cls, url: str) -> str:
        if url.count(TOKEN_PLACEHOLDER) != 1:
            raise ValueError(f"the link must contain {TOKEN_PLACEHOLDER} exactly once")
        return url

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
