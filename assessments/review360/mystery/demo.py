"""The demo's mystery-shopper programme: the Shanghai hotline, three agents a month, two
shoppers (one written to in English, one in Chinese), two months of reported visits and the
current month under way: agent@ (E0101) has been reported, two visits wait for their shopper,
and one visit last month expired unanswered. Before this month HR sharpened the refund-timing
item's wording: last months' answers keep the wording they were given under, this month's
answer the new one (the checklist page and the visits show both). Scores sit above the KPI's
target but for one visit, so no improvement plan opens from them."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from assessments.review360.mystery.models import MysteryVisit
from assessments.review360.mystery.services import answers, checklists, links, programmes
from lms.core import clock
from lms.people.models import Person, Team

TEAM = "Hotline — Shanghai"
SHOPPERS = (("Grace Lin", "grace.lin@shoppers.example", "en"),
            ("刘女士", "liu.shopper@shoppers.example", "zh_Hans_CN"))
# (months back, employee id, shopper index, answers by position or None: not answered)
VISITS = [
    (2, "E0102", 0, {}),
    (2, "E0103", 1, {8: "partly"}),
    (2, "E0105", 0, {4: "partly", 11: "no"}),
    (1, "E0106", 1, {9: "no"}),
    (1, "E0107", 0, {8: "no", 9: "partly", 3: "no"}),
    (1, "E0108", 1, None),
    (0, "E0101", 0, {6: "partly", 10: "partly"}),
    (0, "E0109", 1, None),
    (0, "E0110", 0, None),
]
COMMENTS = ("Friendly and quick; the refund timing was explained clearly.",
            "接待热情，退货政策讲解准确，结束语规范。")


def _month(today: date, back: int) -> date:
    start = today.replace(day=1)
    for _n in range(back):
        start = (start - timedelta(days=1)).replace(day=1)
    return start


def seed_mystery(session, today: date) -> MysteryVisit | None:
    """Install the programme and its visits (module docstring); returns agent@'s visit."""
    team = session.scalar(select(Team).where(Team.name == TEAM))
    people = {p.employee_id: p for p in session.scalars(select(Person))}
    if team is None or "E0002" not in people:
        return None
    hr = people["E0002"]
    programme = programmes.save_programme(session, hr, None, programmes.ProgrammeData(
        team_id=team.id, visits_per_month=3, link_days=14, feeds_360=True))
    shoppers = [programmes.add_shopper(session, hr, programme, *row) for row in SHOPPERS]
    mine, sharpened = None, False
    for back, eid, shopper, given in VISITS:
        if back == 0 and not sharpened:
            _sharpen_refund_item(session, hr, programme.checklist)
            sharpened = True
        month = _month(today, back)
        visit = MysteryVisit(programme=programme, month=month, agent_id=people[eid].id,
                             shopper=shoppers[shopper])
        session.add(visit)
        session.flush()
        links.send_link(session, visit)
        sent = datetime.combine(month + timedelta(days=2), time(9), tzinfo=UTC)
        if back:     # past months: sent on the month's third day
            visit.invited_at = sent
            visit.token_expires_at = sent + timedelta(days=programme.link_days)
        if given is None:
            continue
        # Answered while the link lived, whatever the month (then dated to its visit).
        visit.token_expires_at = max(visit.token_expires_at, clock.now() + timedelta(days=1))
        posted = {str(item.id): given.get(item.position, "yes")
                  for item in programme.checklist.active_items}
        answers.submit(session, visit, posted, COMMENTS[shopper])
        if back:
            visit.answered_at = sent + timedelta(days=5)
            visit.token_expires_at = sent + timedelta(days=programme.link_days)
        if eid == "E0101":
            mine = visit
    session.flush()
    return mine


def _sharpen_refund_item(session, hr, checklist) -> None:
    """Name the bank's share of the refund time: the answered item gets a successor."""
    item = next(i for i in checklist.active_items if i.text.startswith("Stated the refund"))
    checklists.edit_item(session, hr, item, checklists.ItemData(
        section=item.section, weight=item.weight, competency_id=item.competency_id,
        text="Stated the refund timing correctly: refunded within 3 working days after the "
             "return is checked; the bank then takes up to 7 working days.",
        text_zh="正确说明了退款时效：退货检验后 3 个工作日内退款；"
                "此后银行最多还需 7 个工作日到账。"))
