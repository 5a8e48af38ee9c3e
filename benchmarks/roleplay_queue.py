"""Time the role-play grading queue and the agreement figures for a large contact centre.

    python benchmarks/roleplay_queue.py [--agents 1000] [--mentors 20] [--runs 10]

In-process on a fresh SQLite file (or a throwaway PostgreSQL database when DATABASE_URL names
a server): the default framework and the demo rubrics and scenarios, one team of --mentors
mentors and --agents agents (each the mentee of one mentor), each agent with one submitted
scripted chat; every tenth one blind double-graded and released by two mentors. Then
GET /roleplays/queue as a mentor and as an admin (who leads every open submission), and
GET /roleplays/agreement as the admin; p50/p95 over --runs requests after a warm-up, and the
SQL statements per request, beside the floor measured in the same run.
"""

import argparse
import sys

from _harness import (
    PASSWORD,
    measure_page,
    print_floor,
    request_floor,
    scratch_app,
    seconds,
    signed_in,
)


def build(session, agents: int, mentors: int, storage_dir: str) -> dict[str, str]:
    from assessments.roleplay.demo import install_demo_roleplays
    from assessments.roleplay.services import grading, submissions
    from assessments.roleplay.services.grading import RatingInput
    from lms.defaults import install_defaults
    from lms.people.services.directory import PersonData, create_person, save_team

    paths = install_defaults(session)
    scenario = install_demo_roleplays(session, storage_dir)["Smart band will not sync"]
    team = save_team(session, None, None, "Hotline — benchmark", "", None)
    admin = create_person(session, None, PersonData(
        employee_id="A0001", name="Bench Admin", email="admin@bench.example",
        roles=("admin",)), PASSWORD)
    guides = [create_person(session, None, PersonData(
        employee_id=f"M{i:04d}", name=f"导师 {i:02d}", email=f"mentor{i}@bench.example",
        team_id=team.id, roles=("mentor",)), PASSWORD) for i in range(mentors)]
    session.flush()
    for i in range(agents):
        agent = create_person(session, None, PersonData(
            employee_id=f"B{i:05d}", name=f"坐席 {i:04d}", email=f"agent{i}@bench.example",
            team_id=team.id, mentor_id=guides[i % mentors].id, tier_id=paths["NEWHIRE"].id,
            roles=("agent",)), None)
        sub = submissions.start_chat(session, agent, scenario, "script")
        submissions.post_message(session, agent, sub, "I'm so sorry, may I have the ticket?")
        submissions.submit(session, agent, sub)
        if i % 10 == 0:
            second = guides[(i + 1) % mentors]
            if sub.second_mentor_id is None:
                submissions.ask_second_grade(session, None, sub, second)
            for mentor_id, shift in ((sub.mentor_id, 0), (sub.second_mentor_id, i % 2)):
                grader = session.get(type(agent), mentor_id)
                ratings = {c.id: RatingInput(c.levels[max(len(c.levels) - 1 - shift - n % 2,
                                                          0)].id)
                           for n, c in enumerate(sub.rubric_version.criteria)}
                grading.save_grade(session, grader, sub, ratings, note="Practise the close.",
                                   release=True)
        if i % 200 == 199:
            session.commit()
    session.commit()
    return {"mentor": guides[0].email, "admin": admin.email}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--mentors", type=int, default=20)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    from lms.core.extensions import db

    results = {}
    with scratch_app() as (app, backend):
        with app.app_context():
            built, logins = seconds(build, db.session, args.agents, args.mentors,
                                    app.config["STORAGE_DIR"])
            db.session.remove()
        for who, page in (("mentor", "/roleplays/queue"), ("admin", "/roleplays/queue"),
                          ("admin", "/roleplays/agreement")):
            client = signed_in(app, logins[who])
            results[f"{page} as {who}"] = measure_page(app, client, page, args.runs,
                                                       warm_ups=1)
        floor = request_floor(client, args.runs)
    print(f"backend={backend} agents={args.agents} mentors={args.mentors} "
          f"(built in {built:.1f}s), every tenth double-graded")
    for label, figures in results.items():
        print(f"  {label}: {figures}")
    print_floor(floor)
    return 0


if __name__ == "__main__":
    sys.exit(main())
