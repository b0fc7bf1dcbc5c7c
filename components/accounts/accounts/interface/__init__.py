"""The accounts use cases: the only entry point other layers call."""

from accounts.interface.accounts import (
    create_admin,
    find_account,
    get_account,
    list_accounts,
    sign_up,
    update_account,
)
from accounts.interface.federation import sign_in_federated
from accounts.interface.mailed_links import (
    PASSWORD_RESET_MAILER,
    VERIFICATION_MAILER,
    request_email_verification,
    request_password_reset,
    reset_password,
    send_password_reset_mail,
    send_verification_mail,
    verify_email,
)
from accounts.interface.sessions import (
    authenticate,
    log_out,
    principal_for_email,
    refresh_session,
    sign_in_with_password,
)

__all__ = [
    "PASSWORD_RESET_MAILER",
    "VERIFICATION_MAILER",
    "authenticate",
    "create_admin",
    "find_account",
    "get_account",
    "list_accounts",
    "log_out",
    "principal_for_email",
    "refresh_session",
    "request_email_verification",
    "request_password_reset",
    "reset_password",
    "send_password_reset_mail",
    "send_verification_mail",
    "sign_in_federated",
    "sign_in_with_password",
    "sign_up",
    "update_account",
    "verify_email",
]
