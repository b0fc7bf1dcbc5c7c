"""The memory of verified tokens: successes only, until they expire, and bounded."""

from core.adapters.verified_tokens import VerifiedTokens

KEY = ("token", "audience", "issuer")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_claims_are_kept_until_the_token_expires() -> None:
    clock = Clock()
    verified = VerifiedTokens(clock=clock)
    verified.put(KEY, {"sub": "a", "exp": 1010})

    kept = verified.get(KEY)
    clock.now = 1010.0

    assert kept == {"sub": "a", "exp": 1010}
    assert verified.get(KEY) is None


def test_claims_handed_out_are_copies() -> None:
    verified = VerifiedTokens(clock=Clock())
    verified.put(KEY, {"sub": "a", "exp": 2000})

    handed = verified.get(KEY)
    assert handed is not None
    handed["sub"] = "b"

    assert verified.get(KEY) == {"sub": "a", "exp": 2000}


def test_claims_without_expiry_are_not_kept() -> None:
    verified = VerifiedTokens(clock=Clock())
    verified.put(KEY, {"sub": "a"})

    assert verified.get(KEY) is None


def test_the_least_recently_used_token_goes_first_when_full() -> None:
    verified = VerifiedTokens(size=2, clock=Clock())
    verified.put(("a", "", ""), {"exp": 2000})
    verified.put(("b", "", ""), {"exp": 2000})
    verified.get(("a", "", ""))
    verified.put(("c", "", ""), {"exp": 2000})

    assert verified.get(("b", "", "")) is None
    assert verified.get(("a", "", "")) is not None
    assert verified.get(("c", "", "")) is not None
