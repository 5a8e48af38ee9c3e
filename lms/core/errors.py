"""Domain errors: raised by services with a message a person can act on."""


class DomainError(Exception):
    """A refused operation. `field` names the form field the message belongs beside, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist (or the actor may not know that it does)."""
