"""360 pages through the client: who sees what, bad posts, the external link, results,
the PDF and the JSON export (with the anonymity rule: 2 peers → no peer figure anywhere)."""

import re
import subprocess

import pytest

from assessments.review360.models import Answer, Rater, Response
from assessments.review360.services import cycles
from lms.core.extensions import db
from tests.assessments.review360.conftest import answer, nominate_and_approve


def _rating_form(world, value, intent="submit"):
    data = {f"item-{i.id}": str(value) for i in world.subject.version.items
            if i.kind == "rating"}
    data["intent"] = intent
    return data


def test_my_page_lists_tasks_and_approvals(world, client, auth):
    nominate_and_approve(world)
    auth.login(world.peers[0])
    page = client.get("/360").get_data(as_text=True)
    assert "Feedback on 赵敏" in page
    auth.logout()
    auth.login(world.subject_person)
    page = client.get("/360").get_data(as_text=True)
    assert "Your self-assessment" in page and "Collecting feedback" in page


def test_subject_nominates_and_manager_approves_through_pages(world, client, auth):
    auth.login(world.subject_person)
    url = f"/360/subjects/{world.subject.id}"
    assert client.get(url).status_code == 200
    for peer in world.peers[:3]:
        response = client.post(url + "/colleagues", data={"group": "peer",
                                                          "person_id": peer.id})
        assert response.status_code == 302
    for index in range(3):
        client.post(url + "/customers", data={"name": f"Kunde {index}",
                                               "email": f"k{index}@customer.example"})
    # Tampered: a group that does not rate this person, and the subject as their own peer.
    bad = client.post(url + "/colleagues", data={"group": "manager",
                                                 "person_id": world.peers[3].id})
    assert bad.status_code == 422 and "Not a valid choice" in bad.get_data(as_text=True)
    bad = client.post(url + "/colleagues", data={"group": "peer",
                                                 "person_id": world.subject_person.id})
    assert bad.status_code == 422
    assert client.post(url + "/submit").status_code == 302
    assert client.post(url + "/approve").status_code == 403
    auth.logout()
    auth.login(world.manager)
    response = client.post(url + "/approve")
    assert response.status_code == 302
    # The manager is not shown the customers' links (they go by e-mail only).
    assert "/360/r/" not in client.get(url).get_data(as_text=True)
    db.session.expire_all()
    raters = db.session.query(Rater).filter_by(subject_id=world.subject.id).all()
    assert len(raters) == 8 and {r.state for r in raters} == {"invited"}


def test_hr_never_sees_the_links_when_approving_or_resending(world, client, auth,
                                                          make_person):
    from assessments.review360.services import nominations

    for peer in world.peers[:3]:
        nominations.propose(db.session, world.subject_person, world.subject, "peer", peer.id)
    nominations.propose(db.session, world.subject_person, world.subject, "customer",
                        name="Kunde", email="k@customer.example")
    db.session.commit()
    auth.login(world.hr)
    url = f"/360/subjects/{world.subject.id}"
    response = client.post(url + "/approve", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "the raters are invited" in page
    assert "/360/r/" not in page and "data-external-link" not in page
    rater = world.rater("customer", email="k@customer.example")
    db.session.refresh(rater)
    assert rater.token_hash is not None
    response = client.post(f"{url}/raters/{rater.id}/resend", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "A new link was e-mailed to Kunde" in page and "/360/r/" not in page
    # Nor can an admin read them in the outbox (the e-mails are kept: no SMTP in tests).
    from lms.notifications.models import OutboxEmail

    mails = db.session.query(OutboxEmail).filter_by(to_address="k@customer.example").all()
    assert len(mails) == 2 and all(m.confidential and "/360/r/" in m.body for m in mails)
    auth.logout()
    auth.login(make_person(roles=("admin",)))
    outbox = client.get("/admin/outbox").get_data(as_text=True)
    assert "data-confidential" in outbox and "/360/r/" not in outbox


def test_outsiders_are_refused_everywhere(world, client, auth):
    nominate_and_approve(world)
    rater = world.rater("peer", world.peers[0])
    auth.login(world.outsider)
    base = f"/360/subjects/{world.subject.id}"
    assert client.get(base).status_code == 403
    assert client.post(base + "/colleagues", data={"group": "peer",
                                                   "person_id": world.peers[4].id}
                       ).status_code == 403
    assert client.get(f"/360/respond/{rater.id}").status_code == 403
    assert client.post(f"/360/respond/{rater.id}", data=_rating_form(world, 5)
                       ).status_code == 403
    assert client.get("/360/cycles").status_code == 403
    assert client.get("/360/questionnaires").status_code == 403
    assert db.session.query(Response).count() == 0


def test_rater_saves_a_draft_then_submits_once(world, client, auth):
    nominate_and_approve(world)
    rater = world.rater("peer", world.peers[0])
    auth.login(world.peers[0])
    url = f"/360/respond/{rater.id}"
    assert client.post(url, data=_rating_form(world, 4, "save")).status_code == 302
    assert 'value="4" checked' in client.get(url).get_data(as_text=True)
    bad = client.post(url, data=_rating_form(world, 7))
    assert bad.status_code == 422 and "from 1 to 5" in bad.get_data(as_text=True)
    assert client.post(url, data=_rating_form(world, 3)).status_code == 200
    again = client.post(url, data=_rating_form(world, 1))
    assert again.status_code == 422 and "only once" in again.get_data(as_text=True)
    assert {a.rating for a in db.session.query(Answer)} == {3}


def test_external_link_answers_once_and_then_is_dead(world, client):
    nominate_and_approve(world)
    token = world.links["c0@customer.example"]
    url = f"/360/r/{token}"
    page = client.get(url).get_data(as_text=True)
    assert "Feedback on 赵敏" in page
    assert 'href="/360/cycles"' not in page and "Sign out" not in page
    assert client.post(url, data=_rating_form(world, 5)).status_code == 200
    used = client.get(url)
    assert used.status_code == 200 and "already been answered" in used.get_data(as_text=True)
    replay = client.post(url, data=_rating_form(world, 1))
    assert "already been answered" in replay.get_data(as_text=True)
    assert client.get("/360/r/not-a-real-token").status_code == 404
    assert {a.rating for a in db.session.query(Answer)} == {5}


def _close_with_two_peers(world):
    nominate_and_approve(world)
    answer(world, world.rater("self"), 4, comment="SELF-COMMENT")
    answer(world, world.rater("manager"), 4)
    answer(world, world.rater("peer", world.peers[0]), 1, comment="PEER-SECRET-ONE")
    answer(world, world.rater("peer", world.peers[1]), 2, comment="PEER-SECRET-TWO")
    for index in range(3):
        answer(world, world.rater("customer", email=f"c{index}@customer.example"), 5,
               comment=f"customer says {index}")
    cycles.close_cycle(db.session, world.hr, world.cycle)
    db.session.commit()


def test_with_two_peers_no_peer_figure_in_page_pdf_or_json(world, client, auth, tmp_path):
    _close_with_two_peers(world)
    auth.login(world.hr)
    base = f"/360/subjects/{world.subject.id}"
    page = client.get(base + "/results").get_data(as_text=True)
    data = client.get(base + "/results.json").get_json()
    pdf = client.get(base + "/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    (tmp_path / "r.pdf").write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    peers = next(g for g in data["groups"] if g["group"] == "peer")
    assert peers == {"group": "peer", "invited": 3, "responses": 2, "threshold": 3,
                     "shown": False, "weight": "30.00"}
    for competency in data["competencies"]:
        assert "peer" not in competency["groups"]
        # Peers gave 1 and 2; nobody else did: no 1 or 2 may be counted anywhere.
        assert competency["distribution"][:2] == [0, 0]
    for output in (page, str(data), text):
        assert "PEER-SECRET" not in output
        assert "customer says 1" in output
    assert "Not shown: fewer than 3 responses" in page
    assert "Not shown: fewer than 3 responses" in " ".join(text.split())
    assert "赵敏" in text
    # self 75×10 + manager 75×20 + customers 100×40, over 70 (peers' weight shared out)
    assert data["overall"] == "89.2857"
    assert re.search(r"Weighted score: 89\.3", " ".join(text.split()))


def test_pdf_embeds_fonts_for_chinese(world, client, auth, tmp_path):
    _close_with_two_peers(world)
    auth.login(world.subject_person)
    client.post("/language", data={"lang-locale": "zh_Hans_CN", "next": "/"})
    pdf = client.get(f"/360/subjects/{world.subject.id}/report.pdf").data
    (tmp_path / "r.pdf").write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(tmp_path / "r.pdf")], capture_output=True,
                           text=True, check=True).stdout
    assert "CJK" in fonts
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "赵敏" in text


def test_results_wait_for_close_and_stay_with_the_right_people(world, client, auth):
    nominate_and_approve(world)
    base = f"/360/subjects/{world.subject.id}"
    auth.login(world.hr)
    assert client.get(base + "/results").status_code == 403
    auth.logout()
    cycles.close_cycle(db.session, world.hr, world.cycle)
    db.session.commit()
    for person, status in ((world.subject_person, 200), (world.manager, 200),
                           (world.hr, 200), (world.peers[0], 403), (world.outsider, 403)):
        auth.login(person)
        assert client.get(base + "/results").status_code == status, person.name
        assert client.get(base + "/results.json").status_code == status
        auth.logout()


def test_hr_creates_a_cycle_and_bad_weights_are_refused(world, client, auth):
    auth.login(world.hr)
    form = {"title": "Q1 2027", "opens_on": "2027-01-04", "closes_on": "2027-01-29",
            "anonymity_threshold": "3", "pass_mark": "80", "link_days": "14",
            "weight_self": "10", "weight_manager": "20", "weight_peer": "30",
            "weight_customer": "40", "weight_direct_report": "40", "min_self": "1",
            "min_manager": "1", "min_peer": "3", "min_customer": "3",
            "min_direct_report": "3"}
    bad = client.post("/360/cycles/new", data={**form, "weight_customer": "35"})
    assert bad.status_code == 422 and "add up to 95" in bad.get_data(as_text=True)
    bad = client.post("/360/cycles/new", data={**form, "anonymity_threshold": "1"})
    assert "between 2 and 20" in bad.get_data(as_text=True)
    response = client.post("/360/cycles/new", data=form)
    assert response.status_code == 302
    detail = client.get(response.headers["Location"])
    assert detail.status_code == 200 and "Q1 2027" in detail.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/360", "/360/cycles", "/360/questionnaires"])
def test_pages_render_in_chinese(world, client, auth, path):
    admin = world.hr
    admin.set_roles({"hr", "admin"})
    db.session.commit()
    auth.login(admin)
    client.post("/language", data={"lang-locale": "zh_Hans_CN", "next": "/"})
    response = client.get(path)
    assert response.status_code == 200
    assert 'lang="zh-Hans"' in response.get_data(as_text=True)


def test_cycle_page_costs_the_same_whatever_the_number_of_people(world, app, client, auth,
                                                                 make_person, count_queries):
    def count(url):
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    nominate_and_approve(world)
    auth.login(world.hr)
    url = f"/360/cycles/{world.cycle.id}"
    few = count(url)
    more = [make_person(name=f"Extra {n}", manager_id=world.manager.id) for n in range(4)]
    cycles.add_subjects(db.session, world.hr, db.session.get(type(world.cycle), world.cycle.id),
                        [p.id for p in more])
    db.session.commit()
    assert count(url) == few
