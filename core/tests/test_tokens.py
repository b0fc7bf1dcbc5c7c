"""The python-jose codec: signs with one key, verifies published rotated keys, refuses others."""

import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from core.adapters.jose_tokens import JoseTokenCodec, generate_signing_key_pem
from core.interfaces.tokens import InvalidToken


def claims() -> dict[str, Any]:
    now = int(time.time())
    return {"iss": "i", "aud": "a", "sub": "s", "iat": now, "exp": now + 60}


def public_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_a_retired_key_still_verifies_and_is_published() -> None:
    old, new = generate_signing_key_pem(), generate_signing_key_pem()
    before = JoseTokenCodec(old, algorithms={"ES256"})
    after = JoseTokenCodec(new, algorithms={"ES256"}, previous_public_pems=[public_pem(old)])

    token = before.encode(claims())

    assert after.decode(token, audience="a", issuer="i")["sub"] == "s"
    assert {key["kid"] for key in after.public_jwks()["keys"]} == {
        before.signing_kid,
        after.signing_kid,
    }


def test_a_key_that_is_not_published_is_refused() -> None:
    stranger = JoseTokenCodec(generate_signing_key_pem(), algorithms={"ES256"})
    ours = JoseTokenCodec(generate_signing_key_pem(), algorithms={"ES256"})

    with pytest.raises(InvalidToken):
        ours.decode(stranger.encode(claims()), audience="a", issuer="i")


def test_a_signing_key_whose_algorithm_is_not_allowed_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not allowed"):
        JoseTokenCodec(generate_signing_key_pem(), algorithms={"RS256"})
