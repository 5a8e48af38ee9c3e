"""Role-play fixtures: a small rubric, a published scenario with a scripted customer, and an
organisation with an agent, their mentor, a second mentor in the team and leads."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from assessments.roleplay.services import rubrics, scenarios
from assessments.roleplay.services.grading import RatingInput
from assessments.roleplay.services.rubrics import CriterionData, LevelData
from lms.core.extensions import db as _db


def four_levels() -> list[LevelData]:
    return [LevelData("Missing", Decimal(0), "Not done."), LevelData("Partly", Decimal(1)),
            LevelData("Mostly", Decimal(2)), LevelData("Fully", Decimal(3), "Done well.")]


def small_rubric(session, title="Complaint call"):
    return rubrics.create_rubric(session, None, title, "Test rubric", [
        CriterionData("Listen and soothe", Decimal(2), True, "", ["COMM-EMPATHY"],
                      four_levels()),
        CriterionData("Accurate policy", Decimal(1), True, "", ["PROD-POLICY"], four_levels()),
        CriterionData("Clean close", Decimal(1), False, "", ["ETQ-GREET", "COMM-EMPATHY"],
                      four_levels()),
    ])


@pytest.fixture
def app_config(app_config, tmp_path):
    """Recordings and attachments go to the test's own storage folder."""
    return {**app_config, "STORAGE_DIR": str(tmp_path / "storage")}


@dataclass
class World:
    agent: object
    mentor: object
    mentor2: object
    admin: object
    manager: object
    other_agent: object
    scenario: object
    rubric: object


@pytest.fixture
def world(defaults, make_person, make_team):
    team = make_team("Hotline")
    manager = make_person(roles=("manager",), name="Manager 王芳", team_id=team.id)
    mentor = make_person(roles=("mentor", "agent"), name="Mentor 李娜", team_id=team.id,
                         manager_id=manager.id)
    mentor2 = make_person(roles=("mentor", "agent"), name="Mentor Anna", team_id=team.id,
                          manager_id=manager.id)
    agent = make_person(roles=("agent",), name="Agent 刘洋", team_id=team.id,
                        mentor_id=mentor.id, manager_id=manager.id)
    other = make_person(roles=("agent",), name="Other Agent", team_id=team.id,
                        manager_id=manager.id)
    admin = make_person(roles=("admin",), name="Admin")
    rubric = small_rubric(_db.session)
    scenario = scenarios.save_scenario(_db.session, None, None, scenarios.ScenarioData(
        title="Smart band will not sync", rubric_id=rubric.id, path_id=defaults["NEWHIRE"].id,
        persona="Ms Zhao, 34", situation="Fifth contact about a band that will not sync.",
        opening_message="This is the fifth time I am calling!", calibration_share=Decimal(0)))
    scenarios.set_script(_db.session, None, scenario, [
        scenarios.TurnData("Fine. What now?", [(["sorry", "抱歉"], "Thank you for saying so.")]),
        scenarios.TurnData("OK, I will try that."),
    ])
    scenarios.set_published(_db.session, None, scenario, True)
    _db.session.commit()
    return World(agent, mentor, mentor2, admin, manager, other, scenario, rubric)


def ratings_for(submission, positions: list[int | None], comment="") -> dict:
    """{criterion id: RatingInput} choosing the level at each rank (None: unrated)."""
    out = {}
    for criterion, rank in zip(submission.rubric_version.criteria, positions, strict=False):
        level = criterion.levels[rank].id if rank is not None else None
        out[criterion.id] = RatingInput(level, comment)
    return out


@pytest.fixture
def chat_submission(world):
    """A submitted scripted chat by the agent (assigned to their mentor)."""
    from assessments.roleplay.services import submissions

    def make(agent=None):
        agent = agent or world.agent
        sub = submissions.start_chat(_db.session, agent, world.scenario, "script")
        submissions.post_message(_db.session, agent, sub, "I am sorry, let me help.")
        submissions.submit(_db.session, agent, sub)
        _db.session.commit()
        return sub

    return make
