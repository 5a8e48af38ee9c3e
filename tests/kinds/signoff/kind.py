"""The sign-off kind: what paths and certification rules read."""

from decimal import Decimal

from lms.core.kinds import AssessmentKind, AssessmentResult

# person id -> score. A real kind keeps its results in its own tables (models.py and a
# migration); the test kind keeps them in memory.
SIGNED_OFF: dict[int, Decimal] = {}


class SignoffKind(AssessmentKind):
    key = "signoff"
    label = "Mentor sign-off"

    def result(self, session, source_id: int) -> AssessmentResult | None:
        score = SIGNED_OFF.get(source_id)
        return None if score is None else AssessmentResult(score=score, passed=score >= 80)

    def person_result(self, session, reference: str | None,
                      person_id: int) -> AssessmentResult | None:
        return self.result(session, person_id)
