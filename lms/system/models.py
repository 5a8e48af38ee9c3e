"""The organisation's own name, as admins set it: shown in the header, e-mails and the
Open Badges issuer, in each reader's language."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.extensions import db
from lms.core.i18n import Translated


class OrganisationName(Translated, db.Model):
    """One row: the name in the default language (`name`) and its translations."""

    __tablename__ = "organisation_name"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
