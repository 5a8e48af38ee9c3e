"""One append-only audit log used by every package."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import clock
from lms.core.database import UTCDateTime, insert_rows
from lms.core.extensions import db


class AuditEntry(db.Model):
    """Who did what to which object, when, and why. Rows are only ever added."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("Person")


def _object_id(obj) -> str:
    """The object's primary key as text (composite keys joined by '/')."""
    state = inspect(obj, raiseerr=False)
    if state is not None and state.identity is not None:
        return "/".join(str(part) for part in state.identity)
    return str(getattr(obj, "id", obj))


def _unproxied(value):
    unwrap = getattr(value, "_get_current_object", None)
    return unwrap() if callable(unwrap) else value


def record(actor, action: str, obj, reason: str = "", **details) -> AuditEntry:
    """Append an audit entry for `action` on `obj` by `actor` (None for the system)."""
    # A view may hand over `current_user` itself: record the person, not the proxy's class.
    actor, obj = _unproxied(actor), _unproxied(obj)
    entry = AuditEntry(
        at=clock.now(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=_object_id(obj),
        reason=reason,
        details=details,
    )
    db.session.add(entry)
    return entry


def record_many(actor, action: str, object_type: str, entries: list[tuple[str, dict]],
                reason: str = "") -> None:
    """Append one entry for `action` by `actor` per (object id, details) of `entries`, on
    objects of `object_type`, all with `reason`, in one batched insert: what `record` writes,
    for a set-based writer touching thousands of objects at once (a KPI import opening
    plans, a month in which thousands recover closing them)."""
    actor = _unproxied(actor)
    now = clock.now()
    insert_rows(db.session.connection(), AuditEntry.__table__, [
        {"at": now, "actor_id": actor.id if actor is not None else None, "action": action,
         "object_type": object_type, "object_id": str(object_id), "reason": reason,
         "details": details} for object_id, details in entries])

