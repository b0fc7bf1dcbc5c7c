"""Every forged, tampered, expired or misdirected token is refused with 401."""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from jose import jwt

from accounts.settings import AccountsSettings
from accounts.testing import AccountsApi
from core.adapters.jose_tokens import generate_signing_key_pem, verification_key

ME = "/api/v1/accounts/me"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(header: dict[str, Any], claims: dict[str, Any], sign: Any) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def public_key_bytes(private_pem: str, encoding: serialization.Encoding) -> bytes:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(encoding, serialization.PublicFormat.SubjectPublicKeyInfo)


class Forger:
    """Builds tokens against the server's real key, issuer and audience."""

    def __init__(self, settings: AccountsSettings, pem: str, account_id: str) -> None:
        self.pem = pem
        self.kid = verification_key(
            serialization.load_pem_private_key(pem.encode(), password=None).public_key()
        ).kid
        now = int(time.time())
        self.claims = {
            "iss": settings.token_issuer,
            "aud": settings.token_audience,
            "sub": account_id,
            "iat": now,
            "exp": now + 300,
            "jti": "forged",
            "scope": "items:read",
        }

    def signed(
        self, pem: str | None = None, headers: dict[str, Any] | None = None, **claims: Any
    ) -> str:
        key = pem or self.pem
        kid_headers = {"kid": self.kid} if headers is None else headers
        token: str = jwt.encode(  # type: ignore[no-untyped-call]
            {**self.claims, **claims}, key, algorithm="ES256", headers=kid_headers
        )
        return token

    def hmac_with(self, secret: bytes) -> str:
        header = {"alg": "HS256", "typ": "JWT", "kid": self.kid}
        return compact(
            header, self.claims, lambda data: hmac.new(secret, data, hashlib.sha256).digest()
        )


@pytest.fixture
async def forger(
    accounts: AccountsApi, accounts_settings: AccountsSettings, signing_key_pem: str
) -> Forger:
    pair = await accounts.sign_in("ada@example.com")
    me = (await accounts.client.get(ME, headers=accounts.bearer(pair))).json()
    return Forger(accounts_settings, signing_key_pem, me["id"])


def forgeries(forger: Forger) -> dict[str, str]:
    valid = forger.signed()
    header, _payload, signature = valid.split(".")
    escalated = b64(json.dumps({**forger.claims, "scope": "accounts:admin"}).encode())
    return {
        "alg none": compact({"alg": "none", "kid": forger.kid}, forger.claims, lambda _: b""),
        "HS256 with the public key (PEM)": forger.hmac_with(
            public_key_bytes(forger.pem, serialization.Encoding.PEM)
        ),
        "HS256 with the public key (DER)": forger.hmac_with(
            public_key_bytes(forger.pem, serialization.Encoding.DER)
        ),
        "tampered payload": f"{header}.{escalated}.{signature}",
        "expired": forger.signed(exp=int(time.time()) - 60, iat=int(time.time()) - 400),
        "wrong issuer": forger.signed(iss="https://evil.example"),
        "wrong audience": forger.signed(aud="someone-else"),
        "missing kid": forger.signed(headers={}),
        "unknown kid": forger.signed(headers={"kid": "not-published"}),
        "foreign key with our kid": forger.signed(pem=generate_signing_key_pem()),
        "garbage": "not.a.token",
        "empty segments": "..",
    }


async def test_the_forger_itself_makes_a_valid_token(accounts: AccountsApi, forger: Forger) -> None:
    response = await accounts.client.get(ME, headers={"Authorization": f"Bearer {forger.signed()}"})

    assert response.status_code == 200, "otherwise the refusals below would prove nothing"


@pytest.mark.parametrize(
    "case",
    [
        "alg none",
        "HS256 with the public key (PEM)",
        "HS256 with the public key (DER)",
        "tampered payload",
        "expired",
        "wrong issuer",
        "wrong audience",
        "missing kid",
        "unknown kid",
        "foreign key with our kid",
        "garbage",
        "empty segments",
    ],
)
async def test_forged_token_is_401_with_www_authenticate(
    accounts: AccountsApi, forger: Forger, case: str
) -> None:
    token = forgeries(forger)[case]

    response = await accounts.client.get(ME, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401, case
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


async def test_jwks_publishes_public_keys_only(accounts: AccountsApi, forger: Forger) -> None:
    jwks = (await accounts.client.get("/.well-known/jwks.json")).json()

    assert [key["kid"] for key in jwks["keys"]] == [forger.kid]
    private_members = {"d", "p", "q", "dp", "dq", "qi", "k"}
    assert all(not private_members & key.keys() for key in jwks["keys"])
    assert all(key["use"] == "sig" for key in jwks["keys"])


async def test_openid_configuration_names_issuer_keys_endpoint_and_scopes(
    accounts: AccountsApi, accounts_settings: AccountsSettings
) -> None:
    config = (await accounts.client.get("/.well-known/openid-configuration")).json()

    issuer = accounts_settings.token_issuer
    assert config["issuer"] == issuer
    assert config["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert config["token_endpoint"] == f"{issuer}/api/v1/auth/token"
    assert {"items:read", "items:write", "accounts:admin"} <= set(config["scopes_supported"])
