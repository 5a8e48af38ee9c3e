"""360 fixtures: the default framework and questionnaires, an open cycle and a subject (a
senior agent with a manager, five colleagues and customers to nominate)."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from assessments.review360.demo import install_questionnaires
from assessments.review360.models import Cycle, Rater, Subject
from assessments.review360.services import cycles, nominations, responses
from lms.core import clock
from lms.core.extensions import db as _db

TODAY = date(2026, 10, 5)


@dataclass
class World:
    hr: object
    manager: object
    subject_person: object
    peers: list
    outsider: object
    cycle: Cycle
    subject: Subject
    links: dict = field(default_factory=dict)  # customer e-mail -> raw token

    def rater(self, group: str, person=None, email: str | None = None) -> Rater:
        for rater in self.subject.raters:
            if rater.group != group:
                continue
            if person is not None and rater.person_id != person.id:
                continue
            if email is not None and rater.external_email != email:
                continue
            return rater
        raise LookupError(group)


@pytest.fixture
def world(app, defaults, make_person, make_team):
    clock.freeze(datetime(2026, 10, 5, 9, 0, tzinfo=UTC))
    install_questionnaires(_db.session)
    team = make_team("Hotline")
    hr = make_person(roles=("hr",), name="Sophie Martin")
    manager = make_person(roles=("manager",), name="王芳", team_id=team.id)
    subject_person = make_person(name="赵敏", team_id=team.id, manager_id=manager.id,
                                 tier_id=defaults["SENIOR"].id)
    peers = [make_person(name=name, team_id=team.id, manager_id=manager.id)
             for name in ("刘洋", "陈静", "Emily Carter", "Nguyễn Thị Lan", "杨磊")]
    outsider = make_person(name="Outsider Otto")
    cycle = cycles.create_cycle(_db.session, hr, cycles.CycleData(
        title="Q4 360", opens_on=date(2026, 10, 1), closes_on=date(2026, 10, 31),
        shared_domains=f"{cycles.DEFAULT_SHARED_DOMAINS} customer.example"))
    subject, = cycles.add_subjects(_db.session, hr, cycle, [subject_person.id])
    _db.session.commit()
    return World(hr, manager, subject_person, peers, outsider, cycle, subject)


def nominate_and_approve(world: World, peers: int = 3, customers: int = 3,
                         confirm: bool = True) -> World:
    """The subject proposes peers and customers, sends them; the manager approves; HR
    confirms the customers (unless `confirm` is false)."""
    session = _db.session
    for peer in world.peers[:peers]:
        nominations.propose(session, world.subject_person, world.subject, "peer", peer.id)
    for index in range(customers):
        nominations.propose(session, world.subject_person, world.subject, "customer",
                            name=f"Customer {index}", email=f"c{index}@customer.example")
    nominations.submit(session, world.subject_person, world.subject)
    for link in nominations.approve(session, world.manager, world.subject):
        world.links[link.rater.external_email] = link.token
    if confirm:
        for rater in world.subject.raters:
            if rater.external:
                nominations.confirm(session, world.hr, rater)
    session.commit()
    return world


def answer(world: World, rater: Rater, value: int | str, comment: str = "",
           submit: bool = True) -> None:
    """The rater gives every rating item `value` (and the first comment item `comment`)."""
    posted = {}
    for item in world.subject.version.items:
        if item.kind == "rating":
            posted[str(item.id)] = str(value)
        elif comment and not any(i.kind == "comment" and str(i.id) in posted
                                 for i in world.subject.version.items):
            posted[str(item.id)] = comment
    responses.save(_db.session, rater.person, rater, posted, submit=submit,
                   external=rater.external)
    _db.session.commit()
