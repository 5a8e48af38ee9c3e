"""Certificate fixtures: a small test-only assessment kind whose results the test sets, and
a builder for paths with slots, courses and matrix requirements."""

from decimal import Decimal

import pytest

from lms.core.extensions import db as _db
from lms.core.kinds import AssessmentKind, AssessmentResult, register_kind
from tests.courses.conftest import make_course  # noqa: F401  (a fixture)

# (reference or "", person id) -> score; cleared before every test.
SCORES: dict[tuple[str, int], Decimal] = {}
# (reference or "", person id) -> when the result was obtained (None: the kind does not say).
OBSERVED: dict[tuple[str, int], object] = {}


@register_kind
class ScoreCardKind(AssessmentKind):
    """Results are whatever the test put in SCORES (passed at 80, like the brief's exams)."""

    key = "scorecard"
    label = "Score card (tests)"

    def result(self, session, source_id):
        return None

    def person_result(self, session, reference, person_id):
        score = SCORES.get((reference or "", person_id))
        if score is None:
            return None
        return AssessmentResult(score=score, passed=score >= 80,
                                observed_at=OBSERVED.get((reference or "", person_id)))


@pytest.fixture(autouse=True)
def _clear_scores():
    SCORES.clear()
    OBSERVED.clear()
    yield
    SCORES.clear()
    OBSERVED.clear()


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "STORAGE_DIR": str(tmp_path / "storage")}


@pytest.fixture
def scores():
    """scores(person, score, reference="", at=None) sets a person's scorecard result (and
    when it was obtained)."""
    def put(person, score, reference="", at=None):
        SCORES[(reference, person.id)] = Decimal(str(score))
        OBSERVED[(reference, person.id)] = at
    return put


@pytest.fixture
def make_path(app):
    """make_path(code, slots=[(code, kind, reference, weight, mark)], composite=None,
    prerequisite=None, matrix={competency code: level}, courses=[Course]) -> path."""
    from lms.competencies.models import Competency, MatrixRequirement, ProficiencyLevel
    from lms.paths.models import AssessmentSlot, CertificationPath

    def make(code="TESTPATH", slots=(("EXAM", "scorecard", "", None, "80"),), composite=None,
             prerequisite=None, matrix=None, courses=(), validity_months=12, name=None):
        path = CertificationPath(code=code, name=name or f"Path {code}", position=len(code),
                                 prerequisite=prerequisite, validity_months=validity_months,
                                 composite_pass_mark=Decimal(composite) if composite else None,
                                 translations={"zh_Hans_CN": {"name": f"路径 {code}"}})
        for position, (s_code, kind, reference, weight, mark) in enumerate(slots):
            path.slots.append(AssessmentSlot(
                code=s_code, label=f"{s_code.title()} slot", kind=kind, reference=reference,
                weight=Decimal(weight) if weight else None,
                pass_mark=Decimal(mark) if mark else None, position=position))
        _db.session.add(path)
        _db.session.flush()
        for competency_code, level in (matrix or {}).items():
            for n in range(1, 6):
                if _db.session.get(ProficiencyLevel, n) is None:
                    _db.session.add(ProficiencyLevel(level=n, name=f"L{n}"))
            competency = _db.session.query(Competency).filter_by(code=competency_code).one()
            _db.session.add(MatrixRequirement(path_id=path.id, competency_id=competency.id,
                                              required_level=level))
        from courses.models import PathCourse
        for position, course in enumerate(courses):
            _db.session.add(PathCourse(path_id=path.id, course_id=course.id, required=True,
                                       position=position))
        _db.session.commit()
        return path

    return make
