"""Role-play services without HTTP: chats, assignment, grading, release, changes, retries,
the SLA, the blind second grade, moderation, calibration, rubric versions and CSV."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from assessments.roleplay.kind import RoleplayKind
from assessments.roleplay.models import Grade, Submission
from assessments.roleplay.services import agreement, grading, rubrics, submissions
from assessments.roleplay.services.grading import RatingInput
from lms.competencies.models import Evidence
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError, NotFound
from lms.core.extensions import db
from lms.core.signals import result_recorded
from lms.notifications.models import Notification
from tests.assessments.roleplay.conftest import ratings_for

S = db.session


def test_scripted_chat_branches_and_default_replies(world):
    sub = submissions.start_chat(S, world.agent, world.scenario, "script")
    assert [m.text for m in sub.messages] == ["This is the fifth time I am calling!"]
    submissions.post_message(S, world.agent, sub, "我很抱歉 for the trouble", expected_count=1)
    submissions.post_message(S, world.agent, sub, "Please restart the band.")
    submissions.post_message(S, world.agent, sub, "Anything else?")
    assert [(m.sender, m.text) for m in sub.messages] == [
        ("customer", "This is the fifth time I am calling!"),
        ("agent", "我很抱歉 for the trouble"), ("customer", "Thank you for saying so."),
        ("agent", "Please restart the band."), ("customer", "OK, I will try that."),
        ("agent", "Anything else?")]


def test_stale_or_empty_chat_posts_are_refused(world):
    sub = submissions.start_chat(S, world.agent, world.scenario, "script")
    with pytest.raises(DomainError, match="changed"):
        submissions.post_message(S, world.agent, sub, "Hello", expected_count=0)
    with pytest.raises(DomainError):
        submissions.post_message(S, world.agent, sub, "   ")
    with pytest.raises(NotFound):
        submissions.post_message(S, world.other_agent, sub, "I am someone else")
    with pytest.raises(DomainError, match="at least one"):
        submissions.submit(S, world.agent, sub)
    assert len(sub.messages) == 1


def test_submit_goes_to_own_mentor_and_notifies(world, chat_submission):
    sub = chat_submission()
    assert sub.state == "submitted" and sub.mentor_id == world.mentor.id
    assert S.scalar(select(Notification).where(Notification.person_id == world.mentor.id,
                                               Notification.kind == "roleplay.assigned"))


def test_without_own_mentor_the_least_loaded_team_mentor_gets_it(world, chat_submission,
                                                                 make_person):
    first = chat_submission(world.other_agent)   # no own mentor: both team mentors at 0
    assert first.mentor_id == world.mentor.id    # ties by id
    assert chat_submission().mentor_id == world.mentor.id   # own mentor, whatever the load
    newcomer = make_person(roles=("agent",), team_id=world.agent.team_id)
    assert chat_submission(newcomer).mentor_id == world.mentor2.id   # 2 open against 0
    outsider = make_person(roles=("agent",))      # no team, no mentor: waits for a lead
    assert chat_submission(outsider).mentor_id is None


def test_mentor_cannot_grade_own_or_unassigned(world, chat_submission):
    sub = chat_submission()
    with pytest.raises(NotFound):
        grading.save_grade(S, world.mentor2, sub, ratings_for(sub, [3, 3, 3]))
    with pytest.raises(NotFound):
        grading.save_grade(S, world.agent, sub, ratings_for(sub, [3, 3, 3]))
    # A mentor's own role-play assigned to them by mistake still cannot be graded by them.
    own = submissions.start_chat(S, world.mentor, world.scenario, "script")
    submissions.post_message(S, world.mentor, own, "Sorry!")
    submissions.submit(S, world.mentor, own)
    own.mentor_id = world.mentor.id
    with pytest.raises(NotFound):
        grading.save_grade(S, world.mentor, own, ratings_for(own, [3, 3, 3]))
    assert S.scalar(select(func.count()).select_from(Grade)) == 0


def test_levels_outside_the_rubric_and_missing_criteria_are_refused(world, chat_submission):
    sub = chat_submission()
    criteria = sub.rubric_version.criteria
    foreign = criteria[1].levels[0].id
    with pytest.raises(DomainError, match="no such level"):
        grading.save_grade(S, world.mentor, sub, {criteria[0].id: RatingInput(foreign)})
    with pytest.raises(DomainError, match="not in this rubric"):
        grading.save_grade(S, world.mentor, sub, {999999: RatingInput(None)})
    S.rollback()
    with pytest.raises(DomainError, match="required"):
        grading.save_grade(S, world.mentor, sub, ratings_for(sub, [3, None, 3]), release=True)
    S.rollback()
    with pytest.raises(DomainError, match="improvement note"):
        grading.save_grade(S, world.mentor, sub, ratings_for(sub, [0, 0, 0]), release=True)
    S.rollback()
    assert S.scalar(select(func.count()).select_from(Grade)) == 0
    assert S.get(Submission, sub.id).state == "submitted"


def test_draft_then_release_writes_evidence_and_tells_the_agent(world, chat_submission):
    sub = chat_submission()
    heard = []

    def receiver(sender, **kw):
        heard.append((sender, kw["source_id"]))

    result_recorded.connect(receiver)
    try:
        draft = grading.save_grade(S, world.mentor, sub, ratings_for(sub, [2, None, None]))
        assert draft.state == "draft" and sub.state == "submitted"
        assert S.scalar(select(func.count()).select_from(Evidence)) == 0
        grade = grading.save_grade(S, world.mentor, sub, ratings_for(sub, [3, 2, None]),
                                   comment="Warm and accurate.", release=True)
    finally:
        result_recorded.disconnect(receiver)
    S.commit()
    # (2·1 + 1·2/3) / 3 × 100 = 88.8888…
    assert grade.score == Decimal("88.8888") and grade.passed and grade.final
    assert sub.state == "graded"
    assert heard == [("roleplay", sub.id)]
    evidence = {e.competency_id: e for e in S.scalars(select(Evidence))}
    assert len(evidence) == 2
    assert {e.source_kind for e in evidence.values()} == {"roleplay"}
    assert S.scalar(select(Notification).where(Notification.person_id == world.agent.id,
                                               Notification.kind == "roleplay.graded"))
    result = RoleplayKind().result(S, sub.id)
    assert result.score == Decimal("88.8888") and result.passed
    assert result.competency_scores == {"COMM-EMPATHY": Decimal("100.0000"),
                                        "PROD-POLICY": Decimal("66.6666")}


def test_released_grade_changes_need_a_reason_and_are_audited(world, chat_submission):
    sub = chat_submission()
    grade = grading.save_grade(S, world.mentor, sub, ratings_for(sub, [3, 3, 3]), release=True)
    S.commit()
    with pytest.raises(DomainError, match="reason"):
        grading.save_grade(S, world.mentor, sub, ratings_for(sub, [0, 0, 0]))
    with pytest.raises(DomainError, match="why"):
        grading.change_released_grade(S, world.mentor, grade, ratings_for(sub, [1, 1, 1]),
                                      "", "Practise the steps.", "  ")
    with pytest.raises(NotFound):
        grading.change_released_grade(S, world.mentor2, grade, ratings_for(sub, [1, 1, 1]),
                                      "", "x", "I disagree")
    S.rollback()
    assert S.get(Grade, grade.id).score == Decimal(100)
    grading.change_released_grade(S, world.mentor, grade, ratings_for(sub, [1, 1, 1]), "",
                                  "Practise soothing first.", "Misheard the recording")
    S.commit()
    assert grade.score == Decimal("33.3333") and grade.passed is False
    entry = S.scalar(select(AuditEntry).where(AuditEntry.action == "roleplay.grade_change"))
    assert entry.reason == "Misheard the recording"
    assert entry.details["before"]["score"] == "100.0000"
    assert entry.details["after"]["score"] == "33.3333"
    levels = {e.score for e in S.scalars(select(Evidence))}
    assert levels == {Decimal("33.33")}


def test_retry_rules(world, chat_submission):
    world.scenario.attempts_allowed = 2
    world.scenario.retry_wait_hours = 12
    S.commit()
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    sub = chat_submission()
    assert not submissions.availability(S, world.scenario, world.agent).allowed
    grading.save_grade(S, world.mentor, sub, ratings_for(sub, [1, 1, 1]),
                       note="Soothe before you solve.", release=True)
    S.commit()
    state = submissions.availability(S, world.scenario, world.agent)
    assert not state.allowed and "12" in state.reason
    clock.freeze(datetime(2026, 3, 2, 21, 1, tzinfo=UTC))
    assert submissions.availability(S, world.scenario, world.agent).allowed
    second = chat_submission()
    assert second.number == 2
    grading.save_grade(S, world.mentor, second, ratings_for(second, [1, 1, 1]),
                       note="Again.", release=True)
    S.commit()
    clock.freeze(datetime(2026, 3, 5, tzinfo=UTC))
    state = submissions.availability(S, world.scenario, world.agent)
    assert not state.allowed and "2 attempts" in state.reason
    with pytest.raises(DomainError):
        submissions.start_chat(S, world.agent, world.scenario, "script")


def test_no_retry_after_a_pass(world, chat_submission):
    sub = chat_submission()
    grading.save_grade(S, world.mentor, sub, ratings_for(sub, [3, 3, 3]), release=True)
    S.commit()
    assert "passed" in submissions.availability(S, world.scenario, world.agent).reason


def test_sla_overdue_follows_the_clock(world, chat_submission):
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    sub = chat_submission()
    assert submissions.due_at(sub) == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    clock.freeze(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    assert not submissions.is_overdue(sub)
    clock.freeze(datetime(2026, 3, 3, 9, 0, 1, tzinfo=UTC))
    assert submissions.is_overdue(sub)
    assert submissions.age_hours(sub) > 24
    world.scenario.sla_hours = 48
    assert not submissions.is_overdue(sub)
    world.scenario.sla_hours = 24
    grading.save_grade(S, world.mentor, sub, ratings_for(sub, [3, 3, 3]), release=True)
    assert not submissions.is_overdue(sub)


def test_calibration_share_samples_exactly(world, chat_submission, make_person):
    world.scenario.calibration_share = Decimal(50)
    world.scenario.attempts_allowed = 0
    S.commit()
    agents = [make_person(roles=("agent",), team_id=world.agent.team_id,
                          mentor_id=world.mentor.id) for _ in range(4)]
    subs = [chat_submission(a) for a in agents]
    assert [s.second_mentor_id is not None for s in subs] == [False, True, False, True]
    assert {s.second_mentor_id for s in subs} - {None} == {world.mentor2.id}


def _doubled(world, chat_submission, first, second):
    sub = chat_submission()
    submissions.ask_second_grade(S, world.admin, sub)
    assert sub.second_mentor_id == world.mentor2.id
    grading.save_grade(S, world.mentor, sub, ratings_for(sub, first), note="n", release=True)
    grading.save_grade(S, world.mentor2, sub, ratings_for(sub, second), note="n", release=True)
    S.commit()
    return sub


def test_close_blind_grades_need_no_moderation_and_count_in_agreement(world, chat_submission):
    sub = _doubled(world, chat_submission, [3, 2, 3], [3, 3, 2])
    assert not sub.needs_moderation
    report = agreement.agreement_report(S, world.admin)
    pair = report.by_pair[tuple(sorted((world.mentor.id, world.mentor2.id)))]
    assert pair.count == 3 and pair.exact == Fraction(1, 3) and pair.within_one == 1
    # Ranks (3,3), (2,3), (3,2) on 4 levels: Σw·O = 2/9, Σw·E = 4/27, κ = 1 − 3/2.
    assert pair.kappa == Fraction(-1, 2)
    assert report.by_mentor[world.mentor.id].count == 3
    # The manager leads both mentors; an agent leads nothing.
    assert agreement.agreement_report(S, world.manager).by_pair
    with pytest.raises(NotFound):
        agreement.agreement_report(S, world.agent)


def test_far_apart_grades_go_to_moderation_and_the_moderated_grade_is_final(
        world, chat_submission):
    sub = _doubled(world, chat_submission, [3, 3, 3], [0, 1, 0])
    assert sub.needs_moderation
    with pytest.raises(NotFound):
        grading.moderate(S, world.mentor, sub, ratings_for(sub, [2, 2, 2]), "", "", "x")
    with pytest.raises(DomainError, match="why"):
        grading.moderate(S, world.admin, sub, ratings_for(sub, [2, 2, 2]), "", "", "")
    S.rollback()
    final = grading.moderate(S, world.admin, sub, ratings_for(sub, [2, 2, 2]), "Agreed.",
                             "Close the call with a summary.", "Listened to both.")
    S.commit()
    assert final.final and not sub.needs_moderation
    assert [g.role for g in sub.grades if g.final] == ["moderation"]
    assert RoleplayKind().result(S, sub.id).score == Decimal("66.6666")
    assert {e.score for e in S.scalars(select(Evidence))} == {Decimal("66.66")}


def test_person_result_references(world, chat_submission, defaults):
    kind = RoleplayKind()
    assert kind.person_result(S, None, world.agent.id) is None
    sub = chat_submission()
    grading.save_grade(S, world.mentor, sub, ratings_for(sub, [3, 3, 3]), release=True)
    S.commit()
    for reference in (None, "", f"scenario:{world.scenario.id}", "tier:NEWHIRE"):
        assert kind.person_result(S, reference, world.agent.id).score == Decimal(100)
    assert kind.person_result(S, "tier:SENIOR", world.agent.id) is None
    assert kind.person_result(S, "scenario:abc", world.agent.id) is None
    assert kind.person_result(S, "bogus", world.agent.id) is None
    refs = dict(kind.references(S))
    assert f"scenario:{world.scenario.id}" in refs and "tier:NEWHIRE" in refs


MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 600


def test_recording_upload_checks_type_and_size(world, app):
    storage = app.config["STORAGE_DIR"]
    with pytest.raises(DomainError, match="content"):
        submissions.submit_recording(S, world.agent, world.scenario, "call.mp3",
                                     io.BytesIO(b"%PDF-1.4 not audio" * 100), "", storage)
    with pytest.raises(DomainError, match="audio or video"):
        submissions.submit_recording(S, world.agent, world.scenario, "call.exe",
                                     io.BytesIO(MP3), "", storage)
    world.scenario.upload_max_mb = 1
    with pytest.raises(DomainError, match="larger"):
        submissions.submit_recording(S, world.agent, world.scenario, "call.mp3",
                                     io.BytesIO(MP3 * 500), "", storage)
    assert S.scalar(select(func.count()).select_from(Submission)) == 0
    sub = submissions.submit_recording(S, world.agent, world.scenario, "通话.mp3",
                                       io.BytesIO(MP3), "My notes", storage)
    assert sub.state == "submitted" and sub.recording_type == "audio/mpeg"
    assert sub.mentor_id == world.mentor.id


def test_live_session_is_assigned_to_the_observing_mentor(world):
    sub = submissions.record_live_session(S, world.mentor, world.scenario, world.agent)
    assert sub.mode == "live" and sub.state == "submitted" and sub.mentor_id == world.mentor.id
    with pytest.raises(NotFound):
        submissions.record_live_session(S, world.agent, world.scenario, world.other_agent)


def test_lead_reassigns_but_not_to_the_agent(world, chat_submission):
    sub = chat_submission()
    with pytest.raises(NotFound):
        submissions.reassign(S, world.mentor, sub, world.mentor2)
    with pytest.raises(DomainError):
        submissions.reassign(S, world.admin, sub, world.agent)
    submissions.reassign(S, world.manager, sub, world.mentor2, "Li Na is on leave")
    S.commit()
    assert sub.mentor_id == world.mentor2.id
    assert S.scalar(select(AuditEntry.reason).where(AuditEntry.action == "roleplay.reassign")) \
        == "Li Na is on leave"


def test_calibration_session_spread(world, app, make_person):
    calibration = agreement.create_calibration(S, world.admin, world.scenario, "March",
                                               "ref.mp3", io.BytesIO(MP3), "", app.config[
                                                   "STORAGE_DIR"])
    ref = calibration.submission
    mentor3 = make_person(roles=("mentor",))
    for mentor, ranks in ((world.mentor, [3, 2, 1]), (world.mentor2, [1, 2, 1]),
                          (mentor3, [2, 2, None])):
        grading.save_grade(S, mentor, ref, ratings_for(ref, ranks), release=True)
    S.commit()
    rows, grades = agreement.calibration_spread(calibration)
    assert len(grades) == 3
    assert rows[0].counts == [0, 1, 1, 1] and rows[0].spread == 2
    assert rows[1].counts == [0, 0, 3, 0] and rows[1].spread == 0
    assert rows[2].counts == [0, 2, 0, 0]
    assert rows[0].mean_points == 2
    # References are nobody's result.
    assert RoleplayKind().person_result(S, None, world.admin.id) is None
    assert S.scalar(select(func.count()).select_from(Evidence)) == 0


def test_rubric_edit_after_grading_makes_a_new_version(world, chat_submission):
    graded = chat_submission()
    waiting = chat_submission(world.other_agent)
    grading.save_grade(S, world.mentor, graded, ratings_for(graded, [3, 3, 3]), release=True)
    S.commit()
    data = rubrics.criterion_data(world.rubric.current.criteria[0])
    data.weight = Decimal(5)
    rubrics.save_criterion(S, world.admin, world.rubric, 0, data)
    S.commit()
    assert [v.number for v in world.rubric.versions] == [1, 2]
    assert graded.rubric_version.number == 1
    assert S.get(Submission, waiting.id).rubric_version.number == 2
    assert world.rubric.versions[0].criteria[0].weight == Decimal(2)
    # No grade on version 2 yet: edits stay in it.
    rubrics.delete_criterion(S, world.admin, world.rubric, 2)
    assert len(world.rubric.versions) == 2 and len(world.rubric.current.criteria) == 2


def test_rubric_csv_round_trip_and_refusals(world):
    text = rubrics.export_csv(world.rubric.current)
    copy = rubrics.import_csv(S, world.admin, None, text.encode(), title="Copy 副本")
    assert rubrics.export_csv(copy.current) == text
    bad = ("criterion,weight,competencies,level,points\r\n"
           "Empathy,abc,COMM-EMPATHY,Low,0\r\n"
           ",,,High,x\r\n"
           "Close,1,NOPE-1,Low,0\r\n"
           ",,,High,2\r\n")
    with pytest.raises(DomainError) as caught:
        rubrics.import_csv(S, world.admin, world.rubric, bad.encode())
    assert "line 2" in caught.value.message and "line 3" in caught.value.message
    assert "line 4" in caught.value.message and "NOPE-1" in caught.value.message
    with pytest.raises(DomainError, match="Missing columns"):
        rubrics.import_csv(S, world.admin, world.rubric, b"name,score\nA,1\n")
    with pytest.raises(DomainError, match="UTF-8"):
        rubrics.import_csv(S, world.admin, world.rubric, "criterion,level,points\n".encode(
            "utf-16"))
    S.rollback()
    assert len(world.rubric.versions) == 1 and len(world.rubric.current.criteria) == 3


def test_mentor_played_chat(world):
    sub = submissions.start_chat(S, world.agent, world.scenario, "mentor")
    assert sub.mentor_id == world.mentor.id
    submissions.post_message(S, world.agent, sub, "Hello, how can I help?")
    submissions.post_message(S, world.mentor, sub, "My band still does not sync!")
    with pytest.raises(NotFound):
        submissions.post_message(S, world.mentor2, sub, "I am not the customer")
    assert [m.sender for m in sub.messages] == ["customer", "agent", "customer"]
    assert sub.messages[-1].author_id == world.mentor.id


def test_overdue_not_due_yet(world):
    assert submissions.due_at(Submission(scenario=world.scenario)) is None
    assert timedelta(hours=world.scenario.sla_hours) == timedelta(hours=24)


def test_queue_marks_overdue_by_the_clock_and_reminds_once(world, chat_submission):
    from assessments.roleplay.services import queue

    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    sub = chat_submission()
    rows = queue.queue_for(S, world.mentor)
    assert [(r.submission.id, r.role, r.overdue) for r in rows] == [(sub.id, "primary", False)]
    assert queue.overdue_feedback(S, clock.today()) == 0
    clock.freeze(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    rows = queue.queue_for(S, world.mentor)
    assert rows[0].overdue and rows[0].age_hours == 25
    assert queue.queue_for(S, world.manager) == []
    led = queue.led_queue(S, world.manager)
    assert [(r.role, r.overdue) for r in led.rows] == [("lead", True)]
    assert (led.total, led.overdue, led.unassigned) == (1, 1, 0)
    assert queue.led_queue(S, world.mentor).total == 0
    assert queue.queue_for(S, world.mentor2) == []
    told = queue.overdue_feedback(S, clock.today())
    assert told == 3  # the mentor, their manager, the admin
    assert queue.overdue_feedback(S, clock.today()) == 0
    grading.save_grade(S, world.mentor, sub, ratings_for(sub, [3, 3, 3]), release=True)
    assert queue.queue_for(S, world.mentor) == []


def test_demo_content_installs_once_and_plays(app, defaults):
    from assessments.roleplay.demo import install_demo_roleplays

    made = install_demo_roleplays(S, app.config["STORAGE_DIR"])
    again = install_demo_roleplays(S, app.config["STORAGE_DIR"])
    assert made.keys() == again.keys() and len(made) == 6
    returns = made["Refund transparency on a return"]
    assert returns.attachments[0].content_type == "application/pdf"
    assert all(s.published and s.script for s in made.values())
    assert scripted_first_line(made["Smart band will not sync"]) == \
        "Thank you... at least someone listens. Ticket 88231, by the way."


def scripted_first_line(scenario):
    return submissions.scripted_reply(scenario, 1, "I'm so sorry about this.")


def test_rubric_cli_round_trip(runner, world, tmp_path):
    exported = runner.invoke(args=["export-rubric", str(world.rubric.id)])
    assert exported.exit_code == 0 and "Listen and soothe" in exported.output
    path = tmp_path / "scorecard.csv"
    path.write_text(exported.output, encoding="utf-8")
    made = runner.invoke(args=["import-rubric", str(path), "--title", "QA scorecard 质检"])
    assert made.exit_code == 0, made.output
    assert "3 criteria" in made.output
    bad = tmp_path / "bad.csv"
    bad.write_text("criterion,level,points\nEmpathy,Low,x\n", encoding="utf-8")
    refused = runner.invoke(args=["import-rubric", str(bad), "--rubric-id",
                                  str(world.rubric.id)])
    assert refused.exit_code != 0 and "line 2" in refused.output
    assert runner.invoke(args=["export-rubric", "999"]).exit_code != 0


def test_upload_limit_never_exceeds_the_request_limit(world):
    world.scenario.upload_max_mb = 500
    assert submissions.upload_limit(world.scenario, 52 * 1024 * 1024) < 52 * 1024 * 1024
    world.scenario.upload_max_mb = 10
    assert submissions.upload_limit(world.scenario, 52 * 1024 * 1024) == 10 * 1024 * 1024
