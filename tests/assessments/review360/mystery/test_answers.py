"""Reporting a visit: the link is single-use and expires, tampered and replayed posts are
refused with nothing changed, the score is exact, the KPI value and its evidence are written,
and the 360 customer group is fed where configured."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from assessments.review360.demo import install_questionnaires
from assessments.review360.models import Rater
from assessments.review360.mystery.models import MysteryAnswer, MysteryItem, MysteryVisit
from assessments.review360.mystery.services import answers, links, programmes
from assessments.review360.services import cycles
from lms.competencies.models import Evidence
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.kpis.models import KpiDefinition, KpiValue
from tests.assessments.review360.mystery.conftest import (
    MONTH,
    all_answers,
    report,
    schedule_now,
)


def _kpi_value(agent):
    return db.session.scalar(select(KpiValue.value).join(KpiDefinition).where(
        KpiDefinition.code == "MYSTERY", KpiValue.person_id == agent.id,
        KpiValue.period_start == MONTH))


def test_score_is_the_weighted_share_earned(shop):
    visit = schedule_now(shop)[0]
    # Weights 1,1,2,1,2,1,2,1,2,2,1,1 (17). Both policy items (8, 9: weight 2 each) "no",
    # item 10 (weight 1) "partly", item 11 (weight 1) not applicable: 11.5 / 16.
    posted = all_answers(visit, p8="no", p9="no", p10="partly", p11="na")
    assert report(visit, posted) == Decimal("71.875")
    assert visit.status == "answered" and visit.state() == "answered"
    by_section = {s.section: s.score for s in answers.sections(visit)}
    assert by_section["policy"] == Decimal(0)
    assert by_section["closing"] == Decimal(50)
    assert by_section["greeting"] == Decimal(100)


def test_score_ignores_later_weight_changes(shop):
    visit = schedule_now(shop)[0]
    report(visit, all_answers(visit, p0="no"))
    score = visit.score
    item = db.session.scalar(select(MysteryItem).where(MysteryItem.position == 0))
    item.weight = Decimal(10)
    db.session.commit()
    assert answers.score_of([(a.weight, a.answer) for a in visit.answers]) == score


def test_the_kpi_value_and_its_evidence_are_written(shop):
    first, second = schedule_now(shop)
    report(first, all_answers(first, p8="no"))          # 15 / 17
    assert _kpi_value(first.agent) == Decimal("88.2352")
    evidence = db.session.scalars(select(Evidence).where(
        Evidence.person_id == first.agent_id, Evidence.source_kind == "kpi")).all()
    assert evidence, "the KPI value became competency evidence"
    assert _kpi_value(second.agent) is None
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "mystery.visit_answer")).all()
    assert [e.details["score"] for e in audit] == ["88.2352"]
    assert audit[0].actor_id is None


def test_two_visits_in_a_month_average(shop, make_team):
    """An agent who moved team may be shopped by two programmes in one month: the KPI takes
    the mean of the month's answered visits."""
    first = schedule_now(shop)[0]
    other_team = make_team("Online Chat")
    other = programmes.save_programme(db.session, shop.hr, None, programmes.ProgrammeData(
        team_id=other_team.id, visits_per_month=1, link_days=14, feeds_360=False))
    programmes.add_shopper(db.session, shop.hr, other, "Shopper Three", "three@shop.example",
                           "en")
    second = MysteryVisit(programme=other, month=MONTH, agent_id=first.agent_id,
                          shopper=other.shoppers[0])
    db.session.add(second)
    db.session.flush()
    links.send_link(db.session, second)
    db.session.commit()
    report(first, all_answers(first))                     # 100
    report(second, all_answers(second, p8="no", p9="no"))  # 13 / 17
    assert second.score == Decimal("76.4705")
    assert _kpi_value(first.agent) == Decimal("88.2352")


def test_link_is_single_use(shop, client):
    visit = schedule_now(shop)[0]
    token = shop.links[visit.id]
    assert links.visit_for_token(db.session, token).id == visit.id
    page = client.get(f"/mystery/v/{token}")
    assert page.status_code == 200 and "Mystery-shopper checklist" in page.text
    done = client.post(f"/mystery/v/{token}", data={
        **{f"item-{k}": v for k, v in all_answers(visit).items()}, "comment": "Very kind."})
    assert done.status_code == 200 and "Thank you" in done.text
    with pytest.raises(links.DeadLink) as dead:
        links.visit_for_token(db.session, token)
    assert dead.value.reason == "used"
    replay = client.post(f"/mystery/v/{token}", data={
        f"item-{k}": "no" for k in all_answers(visit)})
    assert "already been reported" in replay.text
    db.session.expire_all()
    assert db.session.get(MysteryVisit, visit.id).score == Decimal(100)
    assert db.session.scalar(select(func.count()).select_from(MysteryAnswer)) == 12


def test_link_expires(shop, client):
    visit = schedule_now(shop)[0]
    token = shop.links[visit.id]
    clock.freeze(datetime(2026, 10, 19, 9, 0, tzinfo=UTC) + timedelta(seconds=1))
    assert visit.state() == "expired"
    response = client.get(f"/mystery/v/{token}")
    assert response.status_code == 410 and "expired" in response.text
    posted = client.post(f"/mystery/v/{token}", data={
        f"item-{k}": v for k, v in all_answers(visit).items()})
    assert posted.status_code == 410
    with pytest.raises(DomainError):
        answers.submit(db.session, visit, all_answers(visit))
    assert client.get("/mystery/v/not-a-token").status_code == 404


@pytest.mark.parametrize("tamper", ["other_item", "bad_value", "missing", "all_na", "not_id"])
def test_tampered_posts_are_refused_and_change_nothing(shop, client, tamper):
    visit = schedule_now(shop)[0]
    token = shop.links[visit.id]
    posted = {f"item-{k}": v for k, v in all_answers(visit).items()}
    first = next(iter(posted))
    if tamper == "other_item":
        posted["item-999999"] = "yes"
    elif tamper == "bad_value":
        posted[first] = "100"
    elif tamper == "missing":
        del posted[first]
    elif tamper == "all_na":
        posted = {k: "na" for k in posted}
    else:
        posted["item-x"] = "yes"
    response = client.post(f"/mystery/v/{token}", data=posted)
    assert response.status_code == 422
    db.session.expire_all()
    visit = db.session.get(MysteryVisit, visit.id)
    assert visit.status == "invited" and visit.score is None and visit.answers == []
    assert _kpi_value(visit.agent) is None
    assert links.visit_for_token(db.session, token).id == visit.id   # still usable


def test_answers_feed_the_open_360_customer_group(shop):
    install_questionnaires(db.session)
    cycle = cycles.create_cycle(db.session, shop.hr, cycles.CycleData(
        title="Q4 360", opens_on=date(2026, 10, 1), closes_on=date(2026, 10, 31)))
    visit = schedule_now(shop)[0]
    subject, = cycles.add_subjects(db.session, shop.hr, cycle, [visit.agent_id])
    db.session.commit()
    report(visit, all_answers(visit, p8="no", p9="no"))
    rater = db.session.get(Rater, visit.review360_rater_id)
    assert rater.subject_id == subject.id and rater.group == "customer"
    assert rater.submitted and not rater.unconfirmed
    ratings = [a.rating for a in rater.response.answers]
    assert 5 in ratings                    # greeting / listening statements: all yes
    assert any(r is None for r in ratings)  # statements the checklist does not check


def test_no_feed_when_the_programme_says_not(shop):
    install_questionnaires(db.session)
    cycle = cycles.create_cycle(db.session, shop.hr, cycles.CycleData(
        title="Q4 360", opens_on=date(2026, 10, 1), closes_on=date(2026, 10, 31)))
    shop.programme.feeds_360 = False
    visit = schedule_now(shop)[0]
    cycles.add_subjects(db.session, shop.hr, cycle, [visit.agent_id])
    db.session.commit()
    report(visit, all_answers(visit))
    assert visit.review360_rater_id is None
    assert db.session.scalar(select(func.count()).select_from(Rater).where(
        Rater.group == "customer")) == 0


def test_hr_sends_a_new_link_for_an_expired_visit(shop, client, auth):
    visit = schedule_now(shop)[0]
    old = shop.links[visit.id]
    clock.freeze(datetime(2026, 10, 25, 9, 0, tzinfo=UTC))
    assert visit.state() == "expired"
    with pytest.raises(DomainError):
        links.resend(db.session, shop.manager, visit)
    auth.login(shop.hr)
    assert client.post(f"/mystery/visits/{visit.id}/resend").status_code == 302
    db.session.expire_all()
    visit = db.session.get(MysteryVisit, visit.id)
    assert visit.state() == "invited"
    assert client.get(f"/mystery/v/{old}").status_code == 404       # the old link died
    report(visit, all_answers(visit))
    with pytest.raises(DomainError):
        links.resend(db.session, shop.hr, visit)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "mystery.link_resend")) == 1


def test_a_racing_second_post_is_refused(shop):
    """Two posts on one link, both checked before either wrote: the second finds the visit
    claimed and changes nothing."""
    visit = schedule_now(shop)[0]
    db.session.execute(MysteryVisit.__table__.update().where(
        MysteryVisit.__table__.c.id == visit.id).values(status="answered"))
    with pytest.raises(DomainError):
        answers.submit(db.session, visit, all_answers(visit))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(MysteryAnswer)) == 0


def test_the_checklist_speaks_the_invitations_language(shop, client):
    visits = schedule_now(shop)
    chinese = next(v for v in visits if v.shopper.language == "zh_Hans_CN")
    english = next(v for v in visits if v.shopper.language == "en")
    page = client.get(f"/mystery/v/{shop.links[chinese.id]}")
    assert "神秘顾客检查表" in page.text and "正确说明了退货规则" in page.text
    first_item = chinese.programme.checklist.active_items[0].id
    refused = client.post(f"/mystery/v/{shop.links[chinese.id]}",
                          data={f"item-{first_item}": "yes"})
    assert refused.status_code == 422 and "请回答每一项" in refused.text
    page = client.get(f"/mystery/v/{shop.links[english.id]}",
                      headers={"Accept-Language": "zh-CN"})
    assert "Mystery-shopper checklist" in page.text
