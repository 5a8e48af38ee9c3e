"""Mystery-shopper fixtures: a team (manager, four agents), HR, and the team's programme
with two shoppers (one written to in Chinese)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from assessments.review360.mystery.models import MysteryProgramme, MysteryVisit
from assessments.review360.mystery.services import answers, programmes, schedule
from lms.core import clock
from lms.core.extensions import db as _db

MONTH = date(2026, 10, 1)


@dataclass
class Shop:
    hr: object
    manager: object
    agents: list
    outsider: object
    programme: MysteryProgramme
    links: dict            # visit id -> raw token


@pytest.fixture
def shop(app, defaults, make_person, make_team):
    clock.freeze(datetime(2026, 10, 5, 9, 0, tzinfo=UTC))
    team = make_team("Hotline")
    hr = make_person(roles=("hr",), name="Sophie Martin")
    manager = make_person(roles=("manager",), name="王芳", team_id=team.id)
    agents = [make_person(name=name, team_id=team.id, manager_id=manager.id,
                          employee_id=f"A{n}") for n, name in
              enumerate(("赵敏", "Emily Carter", "刘洋", "Nguyễn Thị Lan"), start=1)]
    outsider = make_person(name="Outsider Otto")
    programme = programmes.save_programme(_db.session, hr, None, programmes.ProgrammeData(
        team_id=team.id, visits_per_month=2, link_days=14, feeds_360=True))
    programmes.add_shopper(_db.session, hr, programme, "Shopper One", "one@shop.example", "en")
    programmes.add_shopper(_db.session, hr, programme, "神秘顾客二", "two@shop.example",
                           "zh_Hans_CN")
    _db.session.commit()
    return Shop(hr, manager, agents, outsider, programme, {})


def schedule_now(shop: Shop, month: date = MONTH) -> list[MysteryVisit]:
    result = schedule.schedule_month(_db.session, shop.hr, shop.programme, month)
    for link in result.sent:
        shop.links[link.visit.id] = link.token
    _db.session.commit()
    return [link.visit for link in result.sent]


def all_answers(visit: MysteryVisit, value: str = "yes", **overrides) -> dict[str, str]:
    """{item id: answer} for every active item (`overrides` by position: p3="no")."""
    posted = {}
    for item in visit.programme.checklist.active_items:
        posted[str(item.id)] = overrides.get(f"p{item.position}", value)
    return posted


def report(visit: MysteryVisit, posted: dict, comment: str = ""):
    score = answers.submit(_db.session, visit, posted, comment)
    _db.session.commit()
    return score
