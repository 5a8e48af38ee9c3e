"""Time the team progress page for a manager of N agents (default 500) on one team.

    python benchmarks/team_page.py [--agents 500] [--runs 20]

Runs in-process on a fresh SQLite file (or a throwaway PostgreSQL database when DATABASE_URL
names a server): the default framework and the starter courses, N agents imported by CSV onto
the new-hire tier (so the path enrols them), each with some lessons done, a few overdue. Then
GET /team?team=… as their manager, first and last page (50 people a page), timed over --runs
requests after two warm-ups, and once more with all N people on one page for headroom;
prints p50/p95 and the SQL statements per request, beside the floor measured in the same run.
"""

import argparse
import sys
from datetime import timedelta

from _harness import (
    PASSWORD,
    measure_page,
    print_floor,
    request_floor,
    scratch_app,
    seconds,
    signed_in,
)


def build(session, agents: int) -> tuple[str, int]:
    """The organisation; returns the manager's e-mail and the team id."""
    from sqlalchemy import select

    from courses.models import Enrollment
    from courses.services import progress
    from courses.services.content_files import import_starter_courses
    from lms.core import clock
    from lms.defaults import install_defaults
    from lms.people.models import Person
    from lms.people.services import onboarding
    from lms.people.services.directory import PersonData, create_person, save_team

    install_defaults(session)
    import_starter_courses(session)
    team = save_team(session, None, None, "Hotline — benchmark", "", None)
    manager = create_person(session, None, PersonData(
        employee_id="M0001", name="Bench Manager", email="manager@bench.example",
        team_id=team.id, roles=("manager",)), PASSWORD)
    rows = "".join(f"B{i:05d},坐席 {i:03d},agent{i}@bench.example,{team.name},M0001,NEWHIRE\n"
                   for i in range(agents))
    onboarding.run_import(session, None, "employee_id,name,email,team,manager_employee_id,"
                                         "tier\n" + rows)
    enrollments = session.scalars(select(Enrollment).order_by(Enrollment.person_id)).all()
    people = {p.id: p for p in session.scalars(select(Person))}
    for n, enrollment in enumerate(enrollments):
        modules = progress.outline(session, [enrollment.course_id])[enrollment.course_id]
        for lesson in progress.lessons_of(modules)[: n % 9]:
            progress.complete_lesson(session, people[enrollment.person_id], enrollment.course,
                                     lesson.key, opened=progress.OpenedLesson(
                                         clock.now() - timedelta(minutes=7), lesson.content_hash))
        if n % 10 == 3:
            enrollment.due_date = clock.today() - timedelta(days=2)
    session.commit()
    return manager.email, team.id


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    import courses.views.learning as learning_views
    from lms.core.extensions import db

    with scratch_app() as (app, backend):
        with app.app_context():
            built, (email, team_id) = seconds(build, db.session, args.agents)
            db.session.remove()
        client = signed_in(app, email)
        floor = request_floor(client, args.runs)
        last = (args.agents + 49) // 50
        results = {}
        for label, page in (("first page", 1), ("last page", last)):
            page_url = f"/team?team={team_id}&page={page}"
            results[label] = measure_page(app, client, page_url, args.runs)
        # Headroom: the whole team as one table (the page size is a module constant).
        learning_views.TEAM_PAGE_SIZE = args.agents
        page_url = f"/team?team={team_id}"
        results[f"all {args.agents} on one page"] = measure_page(app, client, page_url,
                                                                 args.runs)
    print(f"backend={backend} agents={args.agents} (built in {built:.1f}s), 50 people a page")
    for label, figures in results.items():
        print(f"  /team {label}: {figures}")
    print_floor(floor)
    return 0


if __name__ == "__main__":
    sys.exit(main())
