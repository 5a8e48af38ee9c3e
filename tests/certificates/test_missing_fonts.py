"""A certificate whose holder's name no installed font draws is never printed: the download
and the batch are refused with the reason, and the admins are told what to install."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from certificates.models import Certificate, CertificateBatch
from certificates.services import awards, batches
from lms.core import clock
from lms.notifications.models import Notification

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def certificate(db, make_path, make_person, scores):
    clock.freeze(T0)
    path = make_path("NEWX", name="New hire basic")
    holder = make_person(tier_id=path.id, name="陈静")
    scores(holder, 92)
    awards.evaluate_person(db.session, holder)
    db.session.commit()
    return db.session.scalar(select(Certificate))


def _font_alerts(db) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.kind == "system.fonts")))


def test_certificate_download_is_refused(client, auth, db, make_person, certificate,
                                         only_dejavu_fonts):
    admin = make_person(roles=("admin",))
    auth.login(certificate.person)
    response = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 503
    assert "“陈静” needs a font for Chinese" in response.get_data(as_text=True)
    assert [n.person_id for n in _font_alerts(db)] == [admin.id]


@pytest.mark.commits  # the batch runs in a thread with a connection of its own
def test_batch_is_refused_before_rendering(app, db, make_person, certificate,
                                           only_dejavu_fonts):
    admin = make_person(roles=("admin",))
    hr = make_person(roles=("hr",))
    batch = batches.create_batch(db.session, hr, "render", None, certificate.path_id)
    db.session.commit()
    batch_id = batch.id
    assert batches.start(batch_id) == "thread"
    db.session.rollback()  # end the test's read transaction: see what the job committed
    batch = db.session.get(CertificateBatch, batch_id)
    assert batch.status == "failed"
    assert batch.error.startswith("“陈静” needs a font for Chinese (Noto Sans CJK SC)")
    assert not batches.zip_path(batch).exists()
    assert not batches.zip_path(batch).with_suffix(".part").exists()
    assert [n.person_id for n in _font_alerts(db)] == [admin.id]


@pytest.mark.commits  # the batch runs in a thread with a connection of its own
def test_batch_renders_when_the_fonts_are_there(app, db, make_person, certificate):
    hr = make_person(roles=("hr",))
    batch = batches.create_batch(db.session, hr, "render", None, certificate.path_id)
    db.session.commit()
    batch_id = batch.id
    batches.start(batch_id)
    db.session.rollback()
    assert db.session.get(CertificateBatch, batch_id).status == "done"
    assert _font_alerts(db) == []
