"""The README's "Who sees what" table, read and checked against `lms/core/policy.py`: for every row
that names a policy action on a person, each role's cell says whom they may act on — their
mentees, their line, everyone or nobody else — and the policy must agree, for a mentee, a
direct report and a stranger of an actor holding that role."""

import re
from pathlib import Path

import pytest

from lms.core import policy

README = Path(__file__).resolve().parents[1] / "README.md"
ROLES = ("agent", "mentor", "manager", "hr", "admin")
# What a cell says, as (mentee, report, stranger): who besides the actor it covers.
CELLS = {
    "themselves": (False, False, False),
    "their own attempts": (False, False, False),
    "–": (False, False, False),
    "their mentees": (True, False, False),
    "with their mentees": (True, False, False),
    "their line": (False, True, False),
    "everyone": (True, True, True),
    "with anyone": (True, True, True),
}


def _rows() -> list[tuple[str, dict[str, str]]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Who sees what", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        found = re.search(r"\(`([a-z0-9]+\.[a-z_]+)`\)$", cells[0]) if len(cells) == 6 else None
        if found:
            rows.append((found.group(1), dict(zip(ROLES, cells[1:], strict=True))))
    return rows


ROWS = _rows()


def test_the_table_names_the_person_actions():
    assert [action for action, _ in ROWS] == [
        "person.view", "quiz.results", "quiz.grade", "roleplay.live"]


@pytest.mark.parametrize("action, cells", ROWS, ids=[action for action, _ in ROWS])
@pytest.mark.parametrize("role", ROLES)
def test_the_policy_does_what_the_table_says(db, make_person, action, cells, role):
    actor = make_person(roles=(role,))
    people = (make_person(mentor_id=actor.id), make_person(manager_id=actor.id),
              make_person())
    expected = CELLS[cells[role]]
    actual = tuple(policy.may(actor, action, person) for person in people)
    assert actual == expected, (action, role, cells[role])
