"""Role-play pages through the test client: the agent's chat and feedback, the mentor's queue
and grading screen, leads' pages, authoring, media access and tampered posts."""

import io
import re

import pytest
from sqlalchemy import func, select

from assessments.roleplay.models import Grade, Rubric, Scenario, Submission
from assessments.roleplay.services import grading, submissions
from lms.core.extensions import db
from tests.assessments.roleplay.conftest import ratings_for
from tests.assessments.roleplay.test_services import MP3

S = db.session


def _form(sub, ranks, **extra):
    data = {}
    for criterion, rank in zip(sub.rubric_version.criteria, ranks, strict=False):
        if rank is not None:
            data[f"level-{criterion.id}"] = str(criterion.levels[rank].id)
        data[f"comment-{criterion.id}"] = f"About {criterion.title}"
    data.update(extra)
    return data


def test_agent_performs_a_typed_chat_and_reads_the_breakdown(client, auth, world):
    auth.login(world.agent)
    page = client.get("/roleplays").get_data(as_text=True)
    assert "Smart band will not sync" in page
    page = client.get(f"/roleplays/scenarios/{world.scenario.id}").get_data(as_text=True)
    assert "Fifth contact" in page
    response = client.post(f"/roleplays/scenarios/{world.scenario.id}/chat",
                           data={"customer_side": "script"})
    assert response.status_code == 302
    sub_id = int(re.search(r"/submissions/(\d+)", response.headers["Location"]).group(1))
    page = client.get(f"/roleplays/submissions/{sub_id}").get_data(as_text=True)
    assert "This is the fifth time I am calling!" in page
    client.post(f"/roleplays/submissions/{sub_id}/messages",
                data={"text": "I am sorry about this.", "seen": "1"})
    # A replayed post (the page saw one line) is refused and changes nothing.
    replay = client.post(f"/roleplays/submissions/{sub_id}/messages",
                         data={"text": "I am sorry about this.", "seen": "1"})
    assert replay.status_code == 422 and "changed since" in replay.get_data(as_text=True)
    assert len(S.get(Submission, sub_id).messages) == 3
    client.post(f"/roleplays/submissions/{sub_id}/submit")
    assert S.get(Submission, sub_id).state == "submitted"
    auth.logout()

    auth.login(world.mentor)
    queue = client.get("/roleplays/queue").get_data(as_text=True)
    assert world.agent.name in queue
    grade_page = client.get(f"/roleplays/submissions/{sub_id}/grade").get_data(as_text=True)
    assert "Thank you for saying so." in grade_page and "Listen and soothe" in grade_page
    sub = S.get(Submission, sub_id)
    response = client.post(f"/roleplays/submissions/{sub_id}/grade",
                           data=_form(sub, [3, None, None], action="draft"))
    assert response.status_code == 302
    page = client.get(f"/roleplays/submissions/{sub_id}/grade").get_data(as_text=True)
    assert "Computed score: 100 %" in page and "draft" in page
    response = client.post(f"/roleplays/submissions/{sub_id}/grade",
                           data=_form(sub, [3, 3, 2], action="release",
                                      comment="Warm, accurate, weak close."))
    assert response.status_code == 302
    auth.logout()

    auth.login(world.agent)
    page = client.get(f"/roleplays/submissions/{sub_id}").get_data(as_text=True)
    assert "Rubric breakdown" in page and "Warm, accurate, weak close." in page
    assert "About Accurate policy" in page and "Passed" in page


def test_grading_form_refusals_change_nothing(client, auth, world, chat_submission):
    sub = chat_submission()
    auth.login(world.mentor)
    url = f"/roleplays/submissions/{sub.id}/grade"
    other = sub.rubric_version.criteria[1].levels[0].id
    first = sub.rubric_version.criteria[0].id
    bad = client.post(url, data={f"level-{first}": str(other), "action": "release"})
    assert bad.status_code == 422 and "has no such level" in bad.get_data(as_text=True)
    bad = client.post(url, data={"level-999999": "1", "action": "draft"})
    assert bad.status_code == 422 and "not in this rubric" in bad.get_data(as_text=True)
    bad = client.post(url, data={f"level-{first}": "abc", "action": "draft"})
    assert bad.status_code == 422
    missing = client.post(url, data=_form(sub, [3, None, 3], action="release"))
    assert missing.status_code == 422 and "every required criterion" in missing.get_data(
        as_text=True)
    assert client.post(url, data=_form(sub, [3, 3, 3], action="bogus")).status_code == 400
    assert S.scalar(select(func.count()).select_from(Grade)) == 0


def test_who_may_see_and_grade(client, auth, world, chat_submission):
    sub = chat_submission()
    url = f"/roleplays/submissions/{sub.id}/grade"
    auth.login(world.other_agent)
    assert client.get(f"/roleplays/submissions/{sub.id}").status_code == 404
    assert client.post(url, data=_form(sub, [3, 3, 3], action="release")).status_code == 404
    auth.logout()
    auth.login(world.mentor2)   # a mentor it is not assigned to
    assert client.get(url).status_code == 404
    assert client.post(url, data=_form(sub, [3, 3, 3], action="release")).status_code == 404
    auth.logout()
    auth.login(world.agent)     # the agent cannot grade themselves
    assert client.post(url, data=_form(sub, [3, 3, 3], action="release")).status_code == 403
    auth.logout()
    auth.login(world.manager)   # a lead sees it but does not grade it
    assert client.get(url).status_code == 200
    assert client.post(url, data=_form(sub, [3, 3, 3], action="release")).status_code == 403
    assert S.scalar(select(func.count()).select_from(Grade)) == 0


def test_released_grade_change_needs_a_reason(client, auth, world, chat_submission):
    sub = chat_submission()
    grading.save_grade(S, world.mentor, sub, ratings_for(sub, [3, 3, 3]), release=True)
    S.commit()
    auth.login(world.mentor)
    url = f"/roleplays/submissions/{sub.id}/grade"
    silent = client.post(url, data=_form(sub, [0, 0, 0], action="draft"))
    assert silent.status_code == 422
    no_reason = client.post(url, data=_form(sub, [1, 1, 1], action="change",
                                            improvement_note="Soothe first."))
    assert no_reason.status_code == 422
    assert S.get(Grade, sub.grades[0].id).score == 100
    ok = client.post(url, data=_form(sub, [1, 1, 1], action="change", reason="Re-listened",
                                     improvement_note="Soothe first."))
    assert ok.status_code == 302
    assert S.scalar(select(Grade.score)) < 50


def test_lead_pages_reassign_second_grade_and_agreement(client, auth, world, chat_submission):
    sub = chat_submission()
    auth.login(world.manager)
    page = client.get("/roleplays/queue").get_data(as_text=True)
    assert world.agent.name in page
    response = client.post(f"/roleplays/submissions/{sub.id}/assign",
                           data={"mentor_id": world.mentor2.id, "reason": "Leave"})
    assert response.status_code == 302 and S.get(Submission, sub.id).mentor_id == \
        world.mentor2.id
    client.post(f"/roleplays/submissions/{sub.id}/assign",
                data={"mentor_id": world.mentor.id, "second": "1"})
    assert S.get(Submission, sub.id).second_mentor_id == world.mentor.id
    assert client.get("/roleplays/agreement").status_code == 200
    auth.logout()
    auth.login(world.agent)
    assert client.get("/roleplays/agreement").status_code == 403
    assert client.post(f"/roleplays/submissions/{sub.id}/assign",
                       data={"mentor_id": world.mentor.id}).status_code == 403


def test_recording_upload_and_media_access(client, auth, world, make_person):
    auth.login(world.agent)
    url = f"/roleplays/scenarios/{world.scenario.id}/upload"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"recording": (io.BytesIO(b"MZ\x90\x00" * 200), "call.mp3")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "content" in bad.get_data(as_text=True)
    assert S.scalar(select(func.count()).select_from(Submission)) == 0
    ok = client.post(url, data={"recording": (io.BytesIO(MP3), "call.mp3"), "notes": "Hi"},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    sub = S.scalar(select(Submission))
    media = f"/roleplays/submissions/{sub.id}/recording"
    full = client.get(media)
    assert full.status_code == 200 and full.mimetype == "audio/mpeg"
    full.close()
    part = client.get(media, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == MP3[:10]
    part.close()
    auth.logout()
    for person, status in ((world.mentor, 200), (world.admin, 200), (world.manager, 200),
                           (world.mentor2, 404), (world.other_agent, 404)):
        auth.login(person)
        response = client.get(media)
        assert response.status_code == status, person.name
        response.close()
        auth.logout()


def test_authoring_scenario_rubric_and_csv(client, auth, world, defaults):
    auth.login(world.admin)
    assert client.get("/roleplays/author").status_code == 200
    response = client.post("/roleplays/author/scenarios/new", data={
        "title": "Points rule changed", "rubric_id": world.rubric.id,
        "situation": "A loyal customer found the redemption rule changed.",
        # 66: "Mostly" (the expected level, 2 of 3 points) everywhere passes (test_passmarks).
        "pass_mark": "66", "attempts_allowed": "3", "retry_wait_hours": "0",
        "sla_hours": "24", "calibration_share": "10", "agreement_threshold": "15",
        "upload_max_mb": "100", "allow_chat": "y"})
    assert response.status_code == 302
    scenario = S.scalar(select(Scenario).where(Scenario.title == "Points rule changed"))
    bad = client.post("/roleplays/author/scenarios/new", data={
        "title": "X", "rubric_id": world.rubric.id, "situation": "s", "pass_mark": "180",
        "attempts_allowed": "3", "retry_wait_hours": "0", "sla_hours": "24",
        "calibration_share": "10", "agreement_threshold": "15", "upload_max_mb": "100"})
    assert bad.status_code == 422
    client.post(f"/roleplays/author/scenarios/{scenario.id}/script", data={
        "turn-0-reply": "Why was I not told?", "turn-0-branches": "sorry => Apology noted."})
    assert S.get(Scenario, scenario.id).script[0].branches[0]["reply"] == "Apology noted."
    client.post(f"/roleplays/author/scenarios/{scenario.id}/publish", data={"published": "1"})
    assert S.get(Scenario, scenario.id).published
    page = client.get(f"/roleplays/author/rubrics/{world.rubric.id}").get_data(as_text=True)
    assert "Listen and soothe" in page
    follow_up = {"title": "Follow up", "weight": "1", "required": "y",
                 "level-0-title": "No", "level-0-points": "0",
                 "level-1-title": "Yes", "level-1-points": "2"}
    # The world's scenario (pass mark 80) fails "Mostly" everywhere: saving asks first.
    response = client.post(f"/roleplays/author/rubrics/{world.rubric.id}/criteria/new",
                           data=follow_up)
    assert response.status_code == 422 and "Save anyway" in response.get_data(as_text=True)
    response = client.post(f"/roleplays/author/rubrics/{world.rubric.id}/criteria/new",
                           data={**follow_up, "confirm": "y"})
    assert response.status_code == 302
    assert [c.title for c in S.get(Rubric, world.rubric.id).current.criteria][-1] == "Follow up"
    one_level = client.post(f"/roleplays/author/rubrics/{world.rubric.id}/criteria/new",
                            data={"title": "Bad", "weight": "1", "level-0-title": "Only",
                                  "level-0-points": "1"})
    assert one_level.status_code == 422 and "at least two levels" in one_level.get_data(
        as_text=True)
    exported = client.get(f"/roleplays/author/rubrics/{world.rubric.id}/export.csv")
    assert exported.mimetype == "text/csv" and "Follow up" in exported.get_data(as_text=True)
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset
    response = client.post("/roleplays/author/rubrics/import", data={
        "title": "Imported 导入", "file": (io.BytesIO(exported.data), "r.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert S.scalar(select(Rubric).where(Rubric.title == "Imported 导入"))
    auth.logout()
    auth.login(world.agent)
    assert client.get("/roleplays/author").status_code == 403


def test_calibration_pages(client, auth, world):
    auth.login(world.admin)
    response = client.post("/roleplays/calibration", data={
        "title": "March calibration", "scenario_id": world.scenario.id,
        "recording": (io.BytesIO(MP3), "reference.mp3")}, content_type="multipart/form-data")
    assert response.status_code == 302
    calibration_url = response.headers["Location"]
    auth.logout()
    auth.login(world.mentor)
    page = client.get(calibration_url).get_data(as_text=True)
    assert "Grade the recording first" in page
    ref = S.scalar(select(Submission).where(Submission.is_reference.is_(True)))
    client.post(f"/roleplays/submissions/{ref.id}/grade",
                data=_form(ref, [3, 2, 1], action="release"))
    page = client.get(calibration_url).get_data(as_text=True)
    assert "Spread per criterion" in page
    auth.logout()
    auth.login(world.agent)
    assert client.get(calibration_url).status_code == 403
    assert client.get(f"/roleplays/submissions/{ref.id}/recording").status_code == 404


def test_live_session_page(client, auth, world):
    auth.login(world.mentor)
    page = client.get("/roleplays/live").get_data(as_text=True)
    # Their mentee only: another agent of the same team is not theirs to run a session with.
    assert world.agent.name in page and world.other_agent.name not in page
    assert client.post("/roleplays/live", data={"scenario_id": world.scenario.id,
                                                "agent_id": world.other_agent.id}
                       ).status_code == 422
    response = client.post("/roleplays/live", data={"scenario_id": world.scenario.id,
                                                    "agent_id": world.agent.id})
    assert response.status_code == 302
    assert S.scalar(select(Submission.mode)) == "live"
    tampered = client.post("/roleplays/live", data={"scenario_id": world.scenario.id,
                                                    "agent_id": world.admin.id})
    assert tampered.status_code == 422


@pytest.mark.parametrize("path", ["/roleplays", "/roleplays/queue", "/roleplays/author",
                                  "/roleplays/agreement", "/roleplays/calibration"])
def test_signed_out_goes_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_mentor_plays_the_customer(client, auth, world):
    sub = submissions.start_chat(S, world.agent, world.scenario, "mentor")
    S.commit()
    auth.login(world.mentor)
    rows = client.get("/roleplays/queue").get_data(as_text=True)
    assert "play the customer" in rows
    client.post(f"/roleplays/submissions/{sub.id}/messages",
                data={"text": "It still does not sync!", "seen": "1"})
    data = client.get(f"/roleplays/submissions/{sub.id}/transcript").get_json()
    assert data["count"] == 2 and "It still does not sync!" in data["html"]


def test_queue_page_marks_overdue_by_the_clock(client, auth, world, chat_submission):
    from datetime import UTC, datetime

    from lms.core import clock

    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    sub = chat_submission()
    auth.login(world.mentor)
    page = client.get("/roleplays/queue").get_data(as_text=True)
    assert "row-overdue" not in page and world.agent.name in page
    clock.freeze(datetime(2026, 3, 3, 9, 30, tzinfo=UTC))
    page = client.get("/roleplays/queue").get_data(as_text=True)
    assert "row-overdue" in page and "24.5 h" in page
    grade = client.get(f"/roleplays/submissions/{sub.id}/grade").get_data(as_text=True)
    assert "Overdue: feedback was due" in grade


def test_transcript_and_messages_of_others_are_hidden(client, auth, world, chat_submission):
    sub = chat_submission()
    auth.login(world.other_agent)
    assert client.get(f"/roleplays/submissions/{sub.id}/transcript").status_code == 404
    assert client.post(f"/roleplays/submissions/{sub.id}/messages",
                       data={"text": "hi"}).status_code == 404
    assert client.post(f"/roleplays/submissions/{sub.id}/submit").status_code == 404
    assert client.get("/roleplays/submissions/999999").status_code == 404


def test_oversized_recording_is_refused_with_a_message(client, auth, world):
    world.scenario.upload_max_mb = 1
    db.session.commit()
    auth.login(world.agent)
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    # About 1.2 MB, encoded in memory (the test client would spool it to a temporary file).
    boundary, body = encode_multipart({"recording": FileStorage(io.BytesIO(MP3 * 500),
                                                                "call.mp3")})
    response = client.post(f"/roleplays/scenarios/{world.scenario.id}/upload", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422 and "larger than the 1 MB" in response.get_data(
        as_text=True)
    assert S.scalar(select(func.count()).select_from(Submission)) == 0


@pytest.mark.parametrize("locale, shown, hidden", [
    ("zh_Hans_CN", "退换货政策卡.pdf", "returns-policy-card.pdf"),
    ("en", "returns-policy-card.pdf", "退换货政策卡.pdf"),
])
def test_the_brief_in_the_readers_language_with_its_policy_card(app, client, auth, defaults,
                                                                 make_person, locale, shown,
                                                                 hidden):
    from assessments.roleplay.demo import install_demo_roleplays

    made = install_demo_roleplays(db.session, app.config["STORAGE_DIR"])
    db.session.commit()
    scenario = made["Refund transparency on a return"]
    agent = make_person(("agent",), tier_id=defaults["NEWHIRE"].id, locale=locale)
    auth.login(agent)
    page = client.get(f"/roleplays/scenarios/{scenario.id}").get_data(as_text=True)
    assert shown in page and hidden not in page
    situation = scenario.translation("situation", locale) or scenario.situation
    assert situation in page
    assert "data-fallback" not in page


def test_an_untranslated_brief_is_marked_in_chinese_only(client, auth, world):
    for locale, marked in (("zh_Hans_CN", True), ("en", False)):
        world.agent.locale = locale
        db.session.commit()
        auth.login(world.agent)
        page = client.get(f"/roleplays/scenarios/{world.scenario.id}").get_data(as_text=True)
        assert "Fifth contact about a band that will not sync." in page
        assert ("data-fallback" in page) == marked
        auth.logout()


def test_authors_write_the_brief_and_the_script_in_chinese_and_see_what_is_missing(
        client, auth, world):
    auth.login(world.admin)
    page = client.get(f"/roleplays/author/scenarios/{world.scenario.id}").get_data(
        as_text=True)
    assert "texts not translated yet" in page
    settings = {"title": world.scenario.title, "title_zh": "手环无法同步",
                "rubric_id": world.rubric.id, "situation": world.scenario.situation,
                "situation_zh": "第五次联系：手环无法同步。", "opening_message": "Fifth call!",
                "opening_message_zh": "第五次了！", "pass_mark": "66", "attempts_allowed": "3",
                "retry_wait_hours": "0", "sla_hours": "24", "calibration_share": "0",
                "agreement_threshold": "15", "upload_max_mb": "50", "allow_chat": "y"}
    assert client.post(f"/roleplays/author/scenarios/{world.scenario.id}",
                       data=settings).status_code == 302
    scenario = S.get(Scenario, world.scenario.id)
    assert scenario.translation("situation", "zh_Hans_CN") == "第五次联系：手环无法同步。"
    assert scenario.translation("title", "zh_Hans_CN") == "手环无法同步"
    client.post(f"/roleplays/author/scenarios/{scenario.id}/script", data={
        "turn-0-reply": "Sorry, I don't follow.", "turn-0-branches": "sorry, 抱歉 => Thanks.",
        "turn-0-reply_zh": "抱歉，我没听明白。", "turn-0-branches_zh": "谢谢。"})
    turn = S.get(Scenario, scenario.id).script[0]
    assert turn.translations["zh_Hans_CN"] == {"reply": "抱歉，我没听明白。",
                                               "branches": ["谢谢。"]}
    page = client.get(f"/roleplays/author/scenarios/{scenario.id}").get_data(as_text=True)
    assert "抱歉，我没听明白。" in page and "谢谢。" in page
    # More Chinese replies than branches is refused, and nothing changes.
    refused = client.post(f"/roleplays/author/scenarios/{scenario.id}/script", data={
        "turn-0-reply": "Sorry?", "turn-0-branches": "sorry => Thanks.",
        "turn-0-branches_zh": "谢谢。\n多余的一行。"}, follow_redirects=True)
    assert "one Chinese reply per branch" in refused.get_data(as_text=True)
    assert S.get(Scenario, scenario.id).script[0].reply == "Sorry, I don't follow."
