"""Every permission decision: "may this person do X (to that object)?".

Views, the API and templates ask here and nowhere else. Actions are plain strings; an unknown
action is refused, so a typo fails closed.
"""

from functools import wraps

from flask import abort
from flask_login import current_user

# Actions that depend on roles alone.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "people.manage": frozenset({"admin", "hr"}),
    "people.import": frozenset({"admin", "hr"}),
    "people.reset_password": frozenset({"admin"}),
    "people.set_roles": frozenset({"admin"}),
    "teams.manage": frozenset({"admin", "hr"}),
    "framework.manage": frozenset({"admin"}),
    "paths.manage": frozenset({"admin"}),
    "audit.view": frozenset({"admin"}),
    # The System page: deployment checks (fonts, database, settings, storage, Redis, SMTP).
    "system.view": frozenset({"admin"}),
    "people.list": frozenset({"admin", "hr", "manager", "mentor"}),
    # Learning progress tables: managers (their line), mentors (mentees), HR and admins (all).
    "team.progress": frozenset({"admin", "hr", "manager", "mentor"}),
    # Enrol a whole team; the members enrolled are those courses.enrol_others allows.
    "courses.enrol_team": frozenset({"admin", "hr", "manager"}),
    "notifications.outbox": frozenset({"admin"}),
    "courses.manage_authors": frozenset({"admin"}),
    # The essay grading queue: mentors see their mentees' attempts, admins everyone's.
    "quiz.grading_queue": frozenset({"admin", "mentor"}),
    # Accommodations for a whole team (mentors set them for their mentees only).
    "quiz.override_teams": frozenset({"admin", "hr"}),
    # 360 cycles (open, configure, extend, close, override nominations) and questionnaires.
    "review360.manage": frozenset({"admin", "hr"}),
    "review360.questionnaires": frozenset({"admin"}),
    # HR reports (dashboard, heat map, exports): who sees whom is `report_scope`, so a manager
    # reads their line, a mentor their mentees; agents have their own pages instead.
    "reports.view": frozenset({"admin", "hr", "manager", "mentor"}),
    # Personal access tokens for the read API (created for a person, seeing what they see).
    "api_tokens.manage": frozenset({"admin"}),
}
# Actions every signed-in, active person may take.
SIGNED_IN_ACTIONS = frozenset({"matrix.view", "paths.view", "account.manage", "courses.browse",
                               "notifications.view"})


def may(actor, action: str, obj=None) -> bool:
    """True when `actor` may perform `action` (on `obj` where the action names one)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if action in SIGNED_IN_ACTIONS:
        return True
    if action in ROLE_ACTIONS:
        return actor.has_role(*ROLE_ACTIONS[action])
    if action == "person.view":
        return obj is not None and _may_view_person(actor, obj)
    if action == "courses.enrol_others":
        return _may_enrol_others(actor, obj)
    if action == "courses.learn":
        # obj: the actor's enrolment in the course (or None). Only one's own, not withdrawn.
        return obj is not None and obj.person_id == actor.id and not obj.withdrawn
    if action == "courses.self_enrol":
        return obj is not None and obj.self_enrol and obj.published_version > 0 \
            and obj.status == "published"
    if action == "courses.author":
        return may_author(actor)
    if action == "courses.read_attachment":
        return obj is not None and _may_read_attachment(actor, obj)
    if action.startswith("quiz."):
        return _may_quiz(actor, action, obj)
    if action.startswith("roleplay."):
        return _may_roleplay(actor, action, obj)
    if action.startswith("review360."):
        return _may_review360(actor, action, obj)
    if action.startswith("certificates."):
        return _may_certificates(actor, action, obj)
    if action == "reports.person":
        # A person's report page, evidence and review pack: whoever may view the person.
        return obj is not None and _may_view_person(actor, obj)
    return False


def _may_certificates(actor, action: str, obj) -> bool:
    """Certificate actions. certificates.standing (obj: Person) and certificates.view (obj:
    Certificate): whoever may view the person (self, mentor, manager line, HR, admins).
    certificates.manage (revoke, reinstate, correct names, batches): HR and admins.
    certificates.approve (obj: AwardApproval, or None for the queue): HR and admins, and a
    path's named approver for that path. certificates.configure (rules settings, design):
    admins."""
    if action in ("certificates.standing", "certificates.evaluate"):
        return obj is not None and _may_view_person(actor, obj)
    if action == "certificates.view":
        return obj is not None and _may_view_person(actor, obj.person)
    if action == "certificates.manage":
        return actor.has_role("admin", "hr")
    if action == "certificates.configure":
        return actor.has_role("admin")
    if action == "certificates.approve":
        if actor.has_role("admin", "hr"):
            return True
        if not actor.has_role("manager"):  # named approvers are HR, managers or admins
            return False
        from certificates.services import approver_path_ids
        paths = approver_path_ids(actor)
        return bool(paths) if obj is None else obj.path_id in paths
    return False


def _may_quiz(actor, action: str, obj) -> bool:
    """Quiz actions. quiz.author: set up quizzes (the course author right) — which does not
    include reading anyone's answers or results. quiz.results (obj: the Person whose
    attempts they are, or None for the results list, which shows only the people in
    `report_scope`): whoever may view the person — themselves, their mentor, their manager's
    line, HR and admins. quiz.override (obj:
    a Person, a Team, or None for "anyone at all"): HR and admins for anyone, mentors for their
    mentees only. quiz.take (obj: Quiz): published quizzes. quiz.attempt (obj: Attempt): one's
    own only. quiz.grade (obj: the Person whose attempt it is): admins, and mentors for their
    mentees."""
    if action == "quiz.author":
        return may_author(actor)
    if action == "quiz.results":
        if obj is None:
            return actor.has_role(*ROLE_ACTIONS["reports.view"])
        return _may_view_person(actor, obj)
    if action == "quiz.override":
        if actor.has_role("admin", "hr"):
            return True
        if not actor.has_role("mentor"):
            return False
        return obj is None or getattr(obj, "mentor_id", None) == actor.id
    if action == "quiz.take":
        return obj is not None and obj.published
    if action == "quiz.attempt":
        return obj is not None and obj.person_id == actor.id
    if action == "quiz.grade":
        if obj is None:
            return False
        return actor.has_role("admin") or (actor.has_role("mentor")
                                           and obj.mentor_id == actor.id)
    return False


def _may_roleplay(actor, action: str, obj) -> bool:
    """Role-play actions. Leads are admins, and managers for submissions whose agent or
    assigned mentor is in their reporting line (see `is_roleplay_lead`).
    roleplay.author: scenarios and rubrics (the course author right). roleplay.take (obj:
    Scenario): published ones. roleplay.own (obj: Submission): the agent's own (never a
    calibration reference). roleplay.view (obj: Submission): the agent, the assigned mentors,
    leads; every mentor for a calibration reference. roleplay.grade (obj: Submission): the
    assigned primary or second mentor, never the agent; any mentor for a reference recording.
    roleplay.customer (obj: Submission): the assigned mentor of a mentor-played chat.
    roleplay.lead (obj: Submission, or None for "leads anything"). roleplay.moderate (obj:
    Submission): a lead who is neither the agent nor one of its graders. roleplay.live (obj:
    the agent): admins, and the agent's own mentor (not every mentor of the team), who run
    and grade the session.
    roleplay.queue: mentors and leads. roleplay.agreement / roleplay.calibrate: leads."""
    if action == "roleplay.author":
        return may_author(actor)
    if action == "roleplay.queue":
        return actor.has_role("mentor", "admin", "manager")
    if action in ("roleplay.agreement", "roleplay.calibrate"):
        return actor.has_role("admin", "manager")
    if obj is None:
        return action == "roleplay.lead" and actor.has_role("admin", "manager")
    if action == "roleplay.take":
        return bool(obj.published)
    if action == "roleplay.live":
        if actor.id == obj.id or not obj.active:
            return False
        if actor.has_role("admin"):
            return True
        return actor.has_role("mentor") and obj.mentor_id == actor.id
    if action == "roleplay.own":
        return obj.person_id == actor.id and not obj.is_reference
    if action == "roleplay.lead":
        return is_roleplay_lead(actor, obj)
    if action == "roleplay.view":
        if obj.is_reference:
            return actor.has_role("mentor") or is_roleplay_lead(actor, obj)
        return actor.id in (obj.person_id, obj.mentor_id, obj.second_mentor_id) \
            or is_roleplay_lead(actor, obj)
    if action == "roleplay.grade":
        if not actor.has_role("mentor") or actor.id == obj.person_id:
            return False
        return obj.is_reference or actor.id in (obj.mentor_id, obj.second_mentor_id)
    if action == "roleplay.customer":
        return obj.customer_side == "mentor" and obj.mentor_id == actor.id \
            and actor.id != obj.person_id
    if action == "roleplay.moderate":
        graders = {g.grader_id for g in obj.grades if g.role in ("primary", "second")}
        return is_roleplay_lead(actor, obj) and actor.id != obj.person_id \
            and actor.id not in graders
    return False


def is_roleplay_lead(actor, submission) -> bool:
    """Admins lead every submission; a manager leads those whose agent or assigned mentor is
    in their reporting line (a mentor's manager reassigns and moderates that mentor's work)."""
    if actor.has_role("admin"):
        return True
    if not actor.has_role("manager"):
        return False
    return any(person is not None and is_in_reporting_line(person, actor)
               for person in (submission.person, submission.mentor))


def roleplay_lead_filter(actor, person_column, mentor_column):
    """A SQL condition selecting the submissions `actor` leads (same rule as
    `is_roleplay_lead`, the reporting line resolved once): true for admins, false for
    people who lead nothing."""
    from sqlalchemy import false, or_, select, true

    from lms.core.extensions import db
    from lms.people.models import Person

    if actor.has_role("admin"):
        return true()
    if not actor.has_role("manager"):
        return false()
    reports, frontier = set(), {actor.id}
    while frontier:
        frontier = set(db.session.scalars(
            select(Person.id).where(Person.manager_id.in_(frontier)))) - reports
        reports |= frontier
    if not reports:
        return false()
    return or_(person_column.in_(reports), mentor_column.in_(reports))


def _may_review360(actor, action: str, obj) -> bool:
    """360 actions. review360.mine: one's own tasks and results page. review360.nominate (obj:
    Subject): the subject while their list is open; their manager (reporting line) until the
    cycle closes; HR and admins. review360.approve (obj: Subject): the manager's line, HR and
    admins. review360.respond (obj: Rater): one's own invitation only. review360.results (obj:
    Subject): once the cycle is closed, the subject, their manager's line, HR and admins.
    review360.confirm (obj: Subject, or the external Rater): vouch for a customer's address —
    HR and admins who will not read these results as the subject or in their reporting line,
    and never for a rater they proposed themselves (docs/360-anonymity.md)."""
    if action == "review360.mine":
        return True
    if obj is None:
        return False
    if action == "review360.respond":
        return obj.person_id == actor.id
    if action == "review360.confirm":
        rater = obj if getattr(obj, "subject_id", None) is not None else None  # else a Subject
        subject = rater.subject if rater is not None else obj
        if not actor.has_role("admin", "hr") or actor.id == subject.person_id:
            return False
        if is_in_reporting_line(subject.person, actor):
            return False
        return rater is None or rater.proposed_by_id != actor.id
    subject_person = obj.person
    is_hr = actor.has_role("admin", "hr")
    line_manager = actor.has_role("manager") and is_in_reporting_line(subject_person, actor)
    if action == "review360.nominate":
        if obj.cycle.closed:
            return False
        own = subject_person.id == actor.id and obj.nomination_state == "open"
        return own or is_hr or line_manager
    if action == "review360.approve":
        return not obj.cycle.closed and (is_hr or line_manager)
    if action == "review360.results":
        return obj.cycle.closed and (subject_person.id == actor.id or is_hr or line_manager)
    return False


def may_author(actor) -> bool:
    """Admins always; mentors only while they hold the author right (`can_author`)."""
    return actor.has_role("admin") or (actor.has_role("mentor") and bool(actor.can_author))


def _may_read_attachment(actor, attachment) -> bool:
    """Authors (who may edit every course) and admins; otherwise only people enrolled (not
    withdrawn) in the course, and only for files of a published version."""
    if may_author(actor):
        return True
    from sqlalchemy import select

    from courses.models import Enrollment
    from lms.core.extensions import db

    version = attachment.lesson.module.version
    if version.is_draft:
        return False
    return db.session.scalar(
        select(Enrollment.id).where(
            Enrollment.person_id == actor.id, Enrollment.course_id == version.course_id,
            Enrollment.withdrawn.is_(False),
        )
    ) is not None


def _may_enrol_others(actor, person) -> bool:
    """HR and admins enrol anyone; managers their reporting line; mentors their mentees.
    Without a person: whether the actor may enrol anybody at all (to offer the screen)."""
    if actor.has_role("admin", "hr"):
        return person is None or person.active
    if not actor.has_role("manager", "mentor"):
        return False
    if person is None:
        return True
    if not person.active or person.id == actor.id:
        return False
    if actor.has_role("mentor") and person.mentor_id == actor.id:
        return True
    return actor.has_role("manager") and is_in_reporting_line(person, actor)


def _may_view_person(actor, person) -> bool:
    """Self, HR and admins; a manager for anyone below them; a mentor for their mentees."""
    if actor.id == person.id or actor.has_role("admin", "hr"):
        return True
    if actor.has_role("mentor") and person.mentor_id == actor.id:
        return True
    if actor.has_role("manager"):
        return is_in_reporting_line(person, actor)
    return False


def is_in_reporting_line(person, manager) -> bool:
    """True when `manager` is `person`'s manager, or their manager's manager, and so on."""
    seen = set()
    current = person.manager
    while current is not None and current.id not in seen:
        if current.id == manager.id:
            return True
        seen.add(current.id)
        current = current.manager
    return False


def authorize(action: str, obj=None) -> None:
    """Abort with 403 unless the current user may perform `action` on `obj`."""
    if not may(current_user, action, obj):
        abort(403)


def require(action: str):
    """View decorator for role-only actions: 401 → login when signed out, else 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from lms.core.extensions import login_manager

                return login_manager.unauthorized()
            authorize(action)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def visible_people_filter(actor):
    """A SQL condition on Person selecting whom `actor` may see in lists (same rule as
    person.view; a manager's reporting line is resolved in Python, lines are short)."""
    from sqlalchemy import false, or_, select, true

    from lms.core.extensions import db
    from lms.people.models import Person

    if actor.has_role("admin", "hr"):
        return true()
    conditions = [Person.id == actor.id]
    if actor.has_role("mentor"):
        conditions.append(Person.mentor_id == actor.id)
    if actor.has_role("manager"):
        reports, frontier = set(), {actor.id}
        while frontier:
            frontier = set(
                db.session.scalars(select(Person.id).where(Person.manager_id.in_(frontier)))
            ) - reports
            reports |= frontier
        if reports:
            conditions.append(Person.id.in_(reports))
    return or_(*conditions) if conditions else false()


def report_scope(actor):
    """A SQL condition on Person selecting whom `actor` may see in reports, exports, review
    packs and the API: HR and admins everyone, managers their reporting line, mentors their
    mentees, anyone themselves (the person.view rule, one place)."""
    return visible_people_filter(actor)
