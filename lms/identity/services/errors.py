"""The refusal every provider sign-in ends with when it does not sign someone in."""

from lms.core.errors import DomainError


class SignInRefused(DomainError):
    """A provider sign-in that was refused; `reason` is the audit trail's code, the message is
    for the person."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
