"""Every role-play message reaches its recipient in their language, with the scenario's title
in it: the mentor's "to grade" and chat notices, the agent's grade, the overdue reminders."""

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from assessments.roleplay.services import grading, queue, submissions
from lms.core import clock
from lms.core.extensions import db
from lms.notifications.models import Notification, OutboxEmail
from tests.assessments.roleplay.conftest import ratings_for

S = db.session
ZH = "zh_Hans_CN"
TITLES = {ZH: "手环无法同步", "en": "Smart band will not sync"}


def _last(person, kind: str) -> str:
    return S.scalars(select(Notification.subject).where(
        Notification.person_id == person.id, Notification.kind == kind)
        .order_by(Notification.id.desc())).first()


def _in(locale: str, message: str, **values) -> str:
    with force_locale(locale):
        return _(message, **values)


@pytest.mark.parametrize("locale", [ZH, "en"])
def test_each_roleplay_message_speaks_the_recipients_language(app, world, locale):
    other = "en" if locale == ZH else ZH
    world.scenario.set_translation(ZH, "title", TITLES[ZH])
    for person in (world.agent, world.mentor, world.mentor.manager or world.admin, world.admin):
        person.locale = locale
    S.commit()
    title = TITLES[locale]
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    # The agent's own page is in the other language: the mentor still reads theirs.
    with app.test_request_context(), force_locale(other):
        sub = submissions.start_chat(S, world.agent, world.scenario, "mentor")
        submissions.post_message(S, world.agent, sub, "Hello")
    assert _last(world.mentor, "roleplay.chat") == _in(
        locale, "%(name)s wrote in the role-play chat", name=world.agent.name)
    with app.test_request_context(), force_locale(other):
        submissions.submit(S, world.agent, sub)
    assert _last(world.mentor, "roleplay.assigned") == _in(
        locale, "Role-play to grade: %(title)s", title=title)
    clock.freeze(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    assert queue.overdue_feedback(S, clock.today()) >= 1
    assert _last(world.mentor, "roleplay.overdue") == _in(
        locale, "Role-play feedback overdue: %(name)s, %(title)s", name=world.agent.name,
        title=title)
    with app.test_request_context(), force_locale(other):
        grading.save_grade(S, world.mentor, sub, ratings_for(sub, [3, 3, 3]), release=True)
    expected = _in(locale, "Role-play passed: %(title)s", title=title)
    assert _last(world.agent, "roleplay.graded") == expected
    # The e-mail says the same as the in-app notice.
    assert S.scalar(select(OutboxEmail.id).where(OutboxEmail.to_address == world.agent.email,
                                                 OutboxEmail.subject == expected))
