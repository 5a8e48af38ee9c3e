"""Client secrets encrypted at rest (Fernet, the key derived from SECRET_KEY): the database
alone does not give them away, and no page shows one again after it was typed in."""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask_babel import gettext as _

from lms.core.errors import DomainError


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"lms identity provider secrets").derive(secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret_key: str, plain: str) -> str:
    """`plain` encrypted for storage ("" stays "": a public client has no secret)."""
    return _fernet(secret_key).encrypt(plain.encode("utf-8")).decode("ascii") if plain else ""


def decrypt(secret_key: str, stored: str) -> str:
    """The stored secret; refuses one that SECRET_KEY no longer opens."""
    if not stored:
        return ""
    try:
        return _fernet(secret_key).decrypt(stored.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DomainError(_("The provider's client secret cannot be read: SECRET_KEY changed "
                            "since it was saved. An administrator must enter it again.")) from None
