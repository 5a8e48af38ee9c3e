"""The words pages use for sections, answers and visit states (both languages)."""

from flask_babel import lazy_gettext as _l

SECTION_LABELS = {
    "greeting": _l("Greeting"),
    "identification": _l("Identification"),
    "needs": _l("Understanding the need"),
    "solution": _l("Solution"),
    "policy": _l("Policy accuracy"),
    "closing": _l("Closing"),
}
ANSWER_LABELS = {"yes": _l("Yes"), "partly": _l("Partly"), "no": _l("No"),
                 "na": _l("Not applicable")}
STATE_LABELS = {"invited": _l("Invited"), "answered": _l("Answered"), "expired": _l("Expired")}
STATE_BADGES = {"invited": "badge-progress", "answered": "badge-ok", "expired": "badge-muted"}


def template_helpers() -> dict:
    """What the package's templates use beside their own values."""
    return {"section_labels": SECTION_LABELS,
            "answer_labels": ANSWER_LABELS, "state_labels": STATE_LABELS,
            "state_badges": STATE_BADGES}
