"""The demo's certification: slot references, a shorter re-exam as the new-hire
recertification route, approval for the senior and manager tiers, the certificate design,
a new hire (陈静) who sat the closed-book exam and passed. The demo seed then evaluates every
active person's rules once (which issues what people have earned). Built through the services
the screens use; callers own the commit."""

import random
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import select

from assessments.quiz.demo import EXAM_DRAWS, _category_id, build_exam
from assessments.quiz.models import Quiz
from assessments.quiz.services import attempts, quizzes
from assessments.quiz.services.attempts import PostedAnswer
from assessments.quiz.services.responses import matching_choices, matching_prompts
from certificates.services import documents
from certificates.services import settings as services
from lms.paths.models import CertificationPath
from lms.people.models import Person

REEXAM_TITLE = "New-hire recertification re-exam"
REEXAM_DESCRIPTION = (
    "The shorter yearly re-exam for agents who hold the new-hire certificate: {count} "
    "questions on this year's product and policy changes, etiquette and complaint "
    "handling. You need 80 % to recertify.")
REEXAM_TITLE_ZH = "新员工年度复认证考试"
REEXAM_DESCRIPTION_ZH = ("持有新员工证书的坐席每年参加的简短复认证考试：{count} 道题，"
                         "涵盖本年度的产品与政策变化、服务礼仪和投诉处理。80 分即可通过复认证。")
# The demo new hire who has done everything the exam asks (the journey's holder).
EXAM_PASSED = "E0102"
# Why the demo set-up changes the certification settings (the audit log asks for a reason).
DEMO_REASON = "Demo organisation set-up"


def build_reexam(session) -> Quiz:
    """The recertification re-exam (half the exam's draws, 25 minutes, 2 attempts), published
    once."""
    found = session.scalar(select(Quiz).where(Quiz.title == REEXAM_TITLE))
    if found is not None:
        return found
    newhire = session.scalar(select(CertificationPath).where(CertificationPath.code == "NEWHIRE"))
    quiz = quizzes.save_quiz(session, None, None, quizzes.QuizData(
        title=REEXAM_TITLE, description=REEXAM_DESCRIPTION, time_limit_seconds=25 * 60,
        attempts_allowed=2, grading_method="highest", pass_mark=Decimal("80"),
        closed_book=True, shuffle_options=True, overdue_handling="autosubmit",
        # Only holders of the new-hire certificate, once its renewal window is open.
        certificate_path_id=newhire.id if newhire else None,
        certificate_rule="expiring" if newhire else ""))
    quiz.set_translation("zh_Hans_CN", "title", REEXAM_TITLE_ZH)
    for path, count in EXAM_DRAWS:
        quizzes.add_draw(session, None, quiz, _category_id(session, path), (count + 1) // 2)
    # The count in the texts comes from the draws (it said "fifteen" beside 17 once).
    count = quizzes.question_count(quiz)
    quiz.description = REEXAM_DESCRIPTION.format(count=count)
    quiz.set_translation("zh_Hans_CN", "description", REEXAM_DESCRIPTION_ZH.format(count=count))
    quizzes.publish(session, None, quiz)
    return quiz


def _right_answer(aq):
    """The answer that earns full marks (automatically graded types only)."""
    version, data = aq.version, aq.version.data
    if version.qtype == "single":
        return next(o["id"] for o in data["options"] if Decimal(o["fraction"]) == 1)
    if version.qtype == "multiple":
        return [o["id"] for o in data["options"] if Decimal(o["fraction"]) > 0]
    if version.qtype == "truefalse":
        return "true" if data["answer"] else "false"
    if version.qtype == "shortanswer":
        best = next(a["text"] for a in data["answers"] if Decimal(a["fraction"]) == 1)
        return re.sub(r"(?<!\\)\*", "", best).replace("\\*", "*")
    if version.qtype == "numerical":
        return next(a["value"] for a in data["answers"]
                    if Decimal(a["fraction"]) == 1 and a["value"] != "*")
    if version.qtype == "matching":
        choice_of = {text: choice_id for choice_id, text in matching_choices(version)}
        answers = {p["id"]: p["answer"] for p in data["pairs"]}
        return {pid: choice_of[answers[pid]] for pid, _prompt in matching_prompts(version)}
    return None


def sit_exam(session, person: Person, quiz: Quiz, wrong: int = 0) -> None:
    """`person` takes the quiz through the attempt services, answering all but `wrong`
    questions right, and submits (which records evidence and re-evaluates them)."""
    attempt = attempts.start_attempt(session, person, quiz, rng=random.Random(person.id))
    posted = []
    for n, aq in enumerate(attempt.questions):
        answer = _right_answer(aq)
        if answer is not None and n >= wrong:
            posted.append(PostedAnswer(aq.slot, aq.sequence, answer))
    attempts.save_answers(session, person, attempt.id, posted)
    attempts.submit(session, person, attempt.id)


SECOND_ROLEPLAY = "Four hours, three centres, three answers"
SECOND_LINES = [
    "I'm truly sorry, Ms Zhao: three centres and four hours is not the service you deserve.",
    "I see why the answers differed: two centres used last year's policy. Here is today's.",
    "With your receipt and within 30 days the return is accepted; I'll process it now and "
    "email you the confirmation. I'll call you on Friday to check the refund has arrived."]


def _second_roleplay(session, person: Person, mentor: Person) -> None:
    """A second role-play for the demo new hire, graded at the top level of every criterion
    by her mentor and released (tone and case analysis are evidenced by this scenario)."""
    from assessments.roleplay.models import Scenario
    from assessments.roleplay.services import grading, submissions
    from assessments.roleplay.services.grading import RatingInput

    scenario = session.scalar(select(Scenario).where(Scenario.title == SECOND_ROLEPLAY))
    if scenario is None:
        return
    sub = submissions.start_chat(session, person, scenario, "script")
    for line in SECOND_LINES:
        submissions.post_message(session, person, sub, line)
    submissions.submit(session, person, sub)
    sub.mentor_id = mentor.id
    ratings = {c.id: RatingInput(max(c.levels, key=lambda level: level.points).id)
               for c in sub.rubric_version.criteria}
    grading.save_grade(session, mentor, sub, ratings, "Owned the failure, fixed the policy "
                       "confusion and closed with a clear follow-up.", "", release=True)


def install_demo_certification(session, by_eid: dict[str, Person]) -> None:
    """See the module docstring."""
    paths = {p.code: p for p in session.scalars(select(CertificationPath))}
    exam, reexam = build_exam(session), build_reexam(session)
    newhire = paths["NEWHIRE"]
    for slot in newhire.slots:
        if slot.code == "EXAM":
            slot.reference = str(exam.id)
    services.save_settings(session, None, newhire, services.SettingsData(
        recert_window_days=60, recert_grace_days=90, recert_requires_matrix=False),
        DEMO_REASON)
    services.add_recert_slot(session, None, newhire, "REEXAM", "Recertification re-exam",
                             "quiz", str(reexam.id), Decimal("80"), "复认证考试")
    services.save_settings(session, None, paths["SENIOR"], services.SettingsData(
        require_approval=True), DEMO_REASON)
    services.save_settings(session, None, paths["MANAGER"], services.SettingsData(
        require_approval=True, approver_id=by_eid["E0010"].id), DEMO_REASON)
    documents.save_design(
        session, None, template=documents.DEFAULT_TEMPLATE, primary_colour="#1f4e79",
        accent_colour="#c9a227", organisation="Yunhe Appliances Service Academy",
        signatory_name="Sophie Martin", signatory_title="Head of HR",
        organisation_zh="云禾电器客户服务学院", signatory_title_zh="人力资源总监")
    sit_exam(session, by_eid[EXAM_PASSED], exam)
    _second_roleplay(session, by_eid[EXAM_PASSED], by_eid["E0020"])
    sit_exam(session, by_eid["E0103"], exam, wrong=9)  # 70 %: close, but not yet
    session.flush()


PRACTICAL = "Smart band will not sync"
PRACTICAL_LINES = {
    "zh": ["钱女士，非常抱歉让您联系了五次。方便告诉我工单号吗？",
           "谢谢。同步停止的时候，发生了什么变化吗？比如换了新手机？",
           "明白了。请在 App 里把手环从旧账号解绑，然后重新配对。",
           "已经记录在工单上了；周五我给您回电话确认，可以吗？"],
    "en": ["I'm so sorry you've had to contact us five times, Ms Qian. May I have the ticket "
           "number?",
           "Thank you. When the syncing stopped, did anything change, a new phone perhaps?",
           "I see. Please unpair the band from the old account in the app, then pair it again.",
           "I've noted it all on the ticket; I'll call you on Friday to check, all right?"],
}
# Who grades the practical of a person without a mentor (managers, mentors): the trainer.
TRAINER = "E0024"


def _practical(session, person: Person, grader: Person) -> None:
    """The new-hire practical: the smart-band chat, graded at the top level of every criterion
    by `grader` and released (which writes the role-play evidence)."""
    from assessments.roleplay.models import Scenario
    from assessments.roleplay.services import grading, submissions
    from assessments.roleplay.services.grading import RatingInput

    scenario = session.scalar(select(Scenario).where(Scenario.title == PRACTICAL))
    language = "en" if person.name.isascii() else "zh"
    sub = submissions.start_chat(session, person, scenario, "script",
                                 language="en" if language == "en" else "zh_Hans_CN")
    for line in PRACTICAL_LINES[language]:
        submissions.post_message(session, person, sub, line)
    submissions.submit(session, person, sub)
    sub.mentor_id = grader.id
    ratings = {c.id: RatingInput(max(c.levels, key=lambda level: level.points).id)
               for c in sub.rubric_version.criteria}
    comment = ("Warm, accurate and solved in one contact." if language == "en"
               else "热情、准确，一次解决。")
    grading.save_grade(session, grader, sub, ratings, comment, "", release=True)


def seed_certificate_history(session, by_eid: dict[str, Person],
                             holders: list[tuple[str, date]]) -> None:
    """Twelve months of new-hire certificates: each (employee id, day) in `holders` completes the
    new-hire course, sits the closed-book exam and the practical on that day (the clock set
    to it) and the engine evaluates them then, issuing the certificate dated that day — so it
    expires twelve months later, and some of them are about to, or have."""
    from certificates.services.awards import evaluate_person
    from courses.demo import complete_course
    from courses.models import Course
    from lms.core import clock

    exam = build_exam(session)
    course = session.scalar(select(Course).where(Course.code == "NH-BASICS"))
    for eid, day in holders:
        person = by_eid[eid]
        grader = by_eid[TRAINER] if person.mentor is None else person.mentor
        if grader.id == person.id:
            grader = by_eid["E0020"]
        with clock.frozen_at(datetime.combine(day, time(9, 30), UTC)):
            complete_course(session, person, course)
            sit_exam(session, person, exam)
            _practical(session, person, grader)
            evaluate_person(session, person, today=day)
    session.flush()
