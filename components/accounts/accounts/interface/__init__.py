"""The accounts use cases: the only entry point other layers call."""

from accounts.interface.accounts import (
    create_admin,
    get_account,
    list_accounts,
    sign_up,
    update_account,
)
from accounts.interface.federation import sign_in_federated
from accounts.interface.sessions import (
    authenticate,
    log_out,
    refresh_session,
    sign_in_with_password,
)

__all__ = [
    "authenticate",
    "create_admin",
    "get_account",
    "list_accounts",
    "log_out",
    "refresh_session",
    "sign_in_federated",
    "sign_in_with_password",
    "sign_up",
    "update_account",
]
