"""Signals the assessment kinds and the rule editors send, so higher packages (certificates,
reports) can react without the senders importing them.

    result_recorded.send(kind_key, session=…, person_id=…, source_id=…)

is sent by a kind after it has written (or replaced) a result's competency evidence and flushed:
a finished quiz attempt, a released role-play grade, a closed 360 cycle's weighted scores.

    announce_rules_change(session, actor, entry, path_ids=…, person_ids=…)

is called by a service that changed what decides certification (a path's slots or composite
mark, its KPI requirements, its certification settings, a KPI definition's evidence): the
`rules_changed` receivers re-evaluate the people concerned and answer with a `Reevaluation`,
whose totals go on the change's audit entry and, for the page, on the session
(`take_reevaluation`). Receivers work inside the caller's transaction: they may flush, never
commit.
"""

from dataclasses import dataclass

from blinker import Namespace
from sqlalchemy import event
from sqlalchemy.orm import Session

_signals = Namespace()

result_recorded = _signals.signal("result-recorded")
rules_changed = _signals.signal("rules-changed")

# session.info key: the re-evaluations of this transaction's rule changes, for the page.
_REEVALUATIONS = "lms.rules_change_reevaluations"


@dataclass
class Reevaluation:
    """What a change of rules did to people: how many were re-evaluated (or, `queued`, will
    be by a background job) and how many of them changed certification status."""

    people: int = 0
    changed: int = 0
    queued: bool = False

    def __add__(self, other: "Reevaluation") -> "Reevaluation":
        return Reevaluation(self.people + other.people, self.changed + other.changed,
                            self.queued or other.queued)


def announce_rules_change(session, actor, entry, path_ids=(), person_ids=()) -> Reevaluation:
    """Tell the `rules_changed` receivers that the rules of `path_ids` (and the evidence of
    `person_ids`) changed; returns their re-evaluation, which is also recorded on the audit
    `entry` (not yet flushed: audit rows are only ever added) and kept for the page."""
    total = Reevaluation()
    for _receiver, answer in rules_changed.send(session, actor=actor, entry=entry,
                                                path_ids=sorted(set(path_ids)),
                                                person_ids=sorted(set(person_ids))):
        if isinstance(answer, Reevaluation):
            total += answer
    entry.details = {**(entry.details or {}), "reevaluated": total.people,
                     "status_changed": total.changed,
                     **({"reevaluation_queued": True} if total.queued else {})}
    session.info.setdefault(_REEVALUATIONS, []).append(total)
    return total


def take_reevaluation(session) -> Reevaluation | None:
    """The re-evaluations the rule changes of the committed transaction made (summed), once;
    None when it changed no rules."""
    found = session.info.pop(_REEVALUATIONS, None)
    if not found:
        return None
    total = Reevaluation()
    for part in found:
        total += part
    return total


@event.listens_for(Session, "after_rollback")
def _forget_reevaluations(session) -> None:
    # A refused change re-evaluated nobody: the page must not report what was rolled back.
    session.info.pop(_REEVALUATIONS, None)
