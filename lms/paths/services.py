"""Certification paths: reading and editing. Callers own the commit."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.paths.models import CertificationPath


def ordered_paths(session, include_inactive: bool = False) -> list[CertificationPath]:
    """Paths in career order, with their slots loaded."""
    stmt = select(CertificationPath).order_by(CertificationPath.position, CertificationPath.code)
    if not include_inactive:
        stmt = stmt.where(CertificationPath.active.is_(True))
    return list(session.scalars(stmt.options(selectinload(CertificationPath.slots))))
