"""An account's access is remembered for the recheck time, and forgotten on a local change."""

from uuid import uuid4

from accounts.access import Access, AccessMemo


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


READER = Access(frozenset({"items:read"}), disabled=False)


def test_access_is_recalled_until_the_recheck_time_passes() -> None:
    clock, account = Clock(), uuid4()
    memo = AccessMemo(5, timer=clock)
    memo.remember(account, READER)

    clock.now += 4.9
    within = memo.recall(account)
    clock.now += 0.2
    after = memo.recall(account)

    assert within == (True, READER)
    assert after == (False, None)


def test_a_missing_account_is_remembered_as_missing() -> None:
    memo, account = AccessMemo(5, timer=Clock()), uuid4()
    memo.remember(account, None)

    assert memo.recall(account) == (True, None)
    assert memo.recall(uuid4()) == (False, None)


def test_forget_makes_the_next_request_read_again() -> None:
    memo, account = AccessMemo(5, timer=Clock()), uuid4()
    memo.remember(account, READER)

    memo.forget(account)
    memo.forget(uuid4())  # never remembered: nothing to do

    assert memo.recall(account) == (False, None)


def test_zero_seconds_reads_every_time() -> None:
    memo, account = AccessMemo(0), uuid4()
    memo.remember(account, READER)

    assert memo.recall(account) == (False, None)
