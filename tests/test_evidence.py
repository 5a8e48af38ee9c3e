"""The competency profile policy: latest evidence per source kind, weighted, rounded once."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from lms.competencies.models import Competency, Evidence
from lms.competencies.services.evidence import profiles


def add(db, person, competency, level, kind, day, weight="1"):
    db.session.add(Evidence(
        person_id=person.id, competency_id=competency.id, level=Decimal(level),
        source_kind=kind, source_id=f"{kind}-{day}", weight=Decimal(weight),
        observed_at=datetime(2026, 11, day, tzinfo=UTC),
    ))
    db.session.commit()


def test_latest_per_kind_weighted_then_rounded_half_up(db, defaults, make_person):
    person = make_person()
    empathy = db.session.scalar(select(Competency).where(Competency.code == "COMM-EMPATHY"))
    add(db, person, empathy, "2", "quiz", 1)
    add(db, person, empathy, "3", "quiz", 5)          # supersedes the day-1 quiz
    add(db, person, empathy, "4", "roleplay", 3, weight="3")
    entry = profiles(db.session, [person.id])[person.id][empathy.id]
    assert entry.exact == Decimal("3.75")             # (3*1 + 4*3) / 4
    assert entry.level == 4
    assert entry.sources == ("quiz", "roleplay")


def test_half_rounds_up_once(db, defaults, make_person):
    person = make_person()
    listening = db.session.scalar(select(Competency).where(Competency.code == "COMM-LISTEN"))
    add(db, person, listening, "2.5", "quiz", 2)
    assert profiles(db.session, [person.id])[person.id][listening.id].level == 3
    add(db, person, listening, "2.49", "quiz", 3)
    assert profiles(db.session, [person.id])[person.id][listening.id].level == 2


def test_no_evidence_is_absent(db, make_person):
    person = make_person()
    assert profiles(db.session, [person.id]) == {person.id: {}}


def test_home_page_shows_levels_against_the_tier(client, auth, db, defaults, make_person):
    person = make_person(tier_id=defaults["NEWHIRE"].id)
    greeting = db.session.scalar(select(Competency).where(Competency.code == "ETQ-GREET"))
    add(db, person, greeting, "1", "quiz", 4)          # required 3: two short → orange
    auth.login(person)
    page = client.get("/").get_data(as_text=True)
    assert '<td class="heat heat-orange">1</td>' in page
    assert "heat-red" in page                          # no evidence elsewhere: train first
