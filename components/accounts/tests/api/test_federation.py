"""Users of a trusted external OIDC provider call the API with that provider's access tokens."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk, jwt
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from accounts.dependencies import AccountsDeps
from accounts.interface import create_admin, sign_in_federated
from accounts.repository import SqlAccountRepository, SqlAccountsUnitOfWork
from accounts.serializers import SignUp
from accounts.settings import AccountsSettings, OidcIssuer
from accounts.testing import PASSWORD, AccountsApi
from api.bootstrap import ApplicationContainer
from api.testing_servers import serve_in_thread
from core.adapters.jose_tokens import verification_key
from core.settings import Environment
from core.testing.ports import free_port

ME = "/api/v1/accounts/me"
ITEMS = "/api/v1/items"
AUDIENCE = "armature"


class FakeProvider:
    """An OIDC provider publishing one EC key: discovery and JWKS over real HTTP."""

    def __init__(self) -> None:
        private = ec.generate_private_key(ec.SECP256R1())
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.public = verification_key(private.public_key())
        self.signer = jwk.construct(pem, self.public.algorithm)  # type: ignore[no-untyped-call]
        self.issuer = ""

    def app(self) -> Starlette:
        async def discovery(_: Request) -> JSONResponse:
            return JSONResponse({"issuer": self.issuer, "jwks_uri": f"{self.issuer}/jwks"})

        async def jwks(_: Request) -> JSONResponse:
            return JSONResponse({"keys": [self.public.public_jwk]})

        return Starlette(
            routes=[Route("/.well-known/openid-configuration", discovery), Route("/jwks", jwks)]
        )

    def token(self, subject: str, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "aud": AUDIENCE, "sub": subject, "iat": now, "exp": now + 300}
        token: str = jwt.encode(  # type: ignore[no-untyped-call]
            {name: value for name, value in {**body, **claims}.items() if value is not None},
            self.signer,
            algorithm=self.public.algorithm,
            headers={"kid": self.public.kid},
        )
        return token

    def bearer(self, subject: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(subject, **claims)}"}


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    with serve_in_thread(provider.app()) as url:
        provider.issuer = url
        yield provider


@pytest.fixture(scope="module")
def unreachable_issuer() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def accounts_settings(
    signing_key_pem: str, provider: FakeProvider, unreachable_issuer: str
) -> AccountsSettings:
    return AccountsSettings(
        _env_file=None,
        environment=Environment.TEST,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        token_signing_key=SecretStr(signing_key_pem),
        oidc_issuers=[
            OidcIssuer(issuer=provider.issuer, audience=AUDIENCE),
            OidcIssuer(issuer=unreachable_issuer, audience=AUDIENCE),
        ],
    )


@pytest.fixture(autouse=True)
async def close_http_client(container: ApplicationContainer) -> AsyncIterator[None]:
    """No lifespan runs under ASGITransport: close the shared client the verifier used."""
    yield
    await container.http_client().aclose()


@pytest.fixture
def deps(container: ApplicationContainer) -> AccountsDeps:
    accounts_deps: AccountsDeps = container.accounts.deps()  # type: ignore[attr-defined]
    return accounts_deps


@pytest.fixture
async def admin(accounts: AccountsApi, deps: AccountsDeps) -> dict[str, str]:
    root = SignUp.model_validate({"email": "root@example.com", "password": PASSWORD})
    await create_admin(deps, data=root)
    return accounts.bearer(await accounts.sign_in("root@example.com"))


async def test_first_call_creates_the_account_and_later_calls_find_it(
    accounts: AccountsApi, provider: FakeProvider, admin: dict[str, str], deps: AccountsDeps
) -> None:
    ada = provider.bearer("ada-subject", email="Ada@Example.com", email_verified=True, name="Ada")

    first = await accounts.client.get(ME, headers=ada)
    second = await accounts.client.get(ME, headers=ada)

    assert first.status_code == 200, first.text
    assert second.json()["id"] == first.json()["id"]
    assert first.json()["email"] == "ada@example.com"
    assert first.json()["full_name"] == "Ada"
    assert set(first.json()["scopes"]) == deps.default_scopes
    listed = (await accounts.client.get("/api/v1/accounts", headers=admin)).json()
    assert [a["id"] for a in listed["items"]].count(first.json()["id"]) == 1
    assert listed["total"] == 2


async def test_items_created_with_an_external_token_belong_to_its_account(
    accounts: AccountsApi, provider: FakeProvider
) -> None:
    ada, bob = provider.bearer("ada-subject"), provider.bearer("bob-subject")

    created = await accounts.client.post(ITEMS, json={"name": "Lamp"}, headers=ada)
    item_id = created.json()["id"]

    assert created.status_code == 201, created.text
    assert (await accounts.client.get(f"{ITEMS}/{item_id}", headers=ada)).status_code == 200
    assert (await accounts.client.get(f"{ITEMS}/{item_id}", headers=bob)).status_code == 404
    assert (await accounts.client.get(ITEMS, headers=bob)).json()["total"] == 0
    assert (await accounts.client.get(ITEMS, headers=ada)).json()["total"] == 1


async def test_token_from_an_untrusted_issuer_is_401(
    accounts: AccountsApi, provider: FakeProvider
) -> None:
    # Signed with the provider's real key: only the issuer is wrong.
    untrusted = provider.bearer("ada-subject", iss="https://untrusted.example")

    response = await accounts.client.get(ME, headers=untrusted)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_token_of_an_unreachable_trusted_issuer_is_401(
    accounts: AccountsApi, provider: FakeProvider, unreachable_issuer: str
) -> None:
    response = await accounts.client.get(
        ME, headers=provider.bearer("ada-subject", iss=unreachable_issuer)
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_disabled_federated_account_is_401(
    accounts: AccountsApi, provider: FakeProvider, admin: dict[str, str]
) -> None:
    ada = provider.bearer("ada-subject")
    account_id = (await accounts.client.get(ME, headers=ada)).json()["id"]

    disabled = await accounts.client.patch(
        f"/api/v1/accounts/{account_id}", json={"disabled": True}, headers=admin
    )

    assert disabled.status_code == 200
    assert (await accounts.client.get(ME, headers=ada)).status_code == 401


@pytest.mark.parametrize(
    "claims",
    [{"email": "mallory@example.com"}, {"email": "mallory@example.com", "email_verified": False}],
    ids=["unverified", "verified-false"],
)
async def test_unverified_email_is_not_kept(
    accounts: AccountsApi, provider: FakeProvider, claims: dict[str, Any]
) -> None:
    me = await accounts.client.get(ME, headers=provider.bearer("mallory", **claims))

    assert me.status_code == 200
    assert me.json()["email"] is None


async def test_verified_email_of_another_account_does_not_join_it(
    accounts: AccountsApi, provider: FakeProvider
) -> None:
    local = await accounts.sign_in("ada@example.com")
    local_id = (await accounts.client.get(ME, headers=accounts.bearer(local))).json()["id"]

    external = provider.bearer("ada-elsewhere", email="ada@example.com", email_verified=True)
    me = (await accounts.client.get(ME, headers=external)).json()

    assert me["id"] != local_id
    assert me["email"] is None


async def test_token_scope_narrows_the_accounts_scopes(
    accounts: AccountsApi, provider: FakeProvider
) -> None:
    read_only = provider.bearer("ada-subject", scope="items:read accounts:admin")
    unscoped = provider.bearer("ada-subject")

    denied = await accounts.client.post(ITEMS, json={"name": "Lamp"}, headers=read_only)
    not_admin = await accounts.client.get("/api/v1/accounts", headers=read_only)
    allowed = await accounts.client.post(ITEMS, json={"name": "Lamp"}, headers=unscoped)

    assert denied.status_code == 403
    assert not_admin.status_code == 403
    assert allowed.status_code == 201


@dataclass
class Race:
    """A concurrent first sight: it commits the account just after our lookup missed it."""

    lookups_to_miss: int = 1


class RacingAccounts(SqlAccountRepository):
    def __init__(self, session: AsyncSession, race: Race) -> None:
        super().__init__(session)
        self._race = race

    async def by_identity(self, issuer: str, subject: str) -> Any:
        found = await super().by_identity(issuer, subject)
        if self._race.lookups_to_miss:
            self._race.lookups_to_miss -= 1
            return None
        return found


class RacingUnitOfWork(SqlAccountsUnitOfWork):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], race: Race) -> None:
        super().__init__(session_factory)
        self._race = race

    def _bind(self, session: AsyncSession) -> None:
        super()._bind(session)
        self.accounts = RacingAccounts(session, self._race)


async def test_concurrent_first_sight_keeps_one_account(
    accounts: AccountsApi,
    provider: FakeProvider,
    deps: AccountsDeps,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    winner = (await accounts.client.get(ME, headers=provider.bearer("ada-subject"))).json()
    race = Race()
    loser = replace(deps, uow=lambda: RacingUnitOfWork(session_factory, race))

    principal = await sign_in_federated(
        loser,
        issuer=provider.issuer,
        subject="ada-subject",
        scopes=None,
        email=None,
        full_name=None,
    )

    assert race.lookups_to_miss == 0, "the race did not happen"
    assert principal.account_id == UUID(winner["id"])
