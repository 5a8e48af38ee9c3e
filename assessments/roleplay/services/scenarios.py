"""The scenario library: scenarios, their scripted customer, competencies and attachments.
Services take the actor and never commit."""

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.roleplay.models import (
    Rubric,
    Scenario,
    ScenarioAttachment,
    ScenarioCompetency,
    ScriptTurn,
)
from assessments.roleplay.services import passmarks
from assessments.roleplay.services.passmarks import confirm_or_refuse
from lms.competencies.models import Competency
from lms.core import audit, uploads
from lms.core.eligibility import check_rule
from lms.core.errors import DomainError
from lms.core.i18n import LANGUAGE_NAMES, ZH, default_language
from lms.core.validation import clean_text

TEXT_FIELDS = ("persona", "situation", "customer_knows", "customer_wants", "agent_goal",
               "opening_message")
TEXT_MAX = 5000
MAX_TURNS = 30
# The lesson attachment rules; the name column holds 200 characters.
ATTACHMENTS = replace(uploads.ATTACHMENTS, name_max=200)


@dataclass
class ScenarioData:
    title: str
    rubric_id: int
    title_zh: str = ""
    path_id: int | None = None
    persona: str = ""
    situation: str = ""
    customer_knows: str = ""
    customer_wants: str = ""
    agent_goal: str = ""
    opening_message: str = ""
    allow_chat: bool = True
    allow_upload: bool = True
    allow_live: bool = True
    pass_mark: Decimal = Decimal("80")
    attempts_allowed: int = 3
    retry_wait_hours: int = 0
    sla_hours: int = 24
    calibration_share: Decimal = Decimal("10")
    agreement_threshold: Decimal = Decimal("15")
    upload_max_mb: int = 50
    tier_only: bool = False
    certificate_path_id: int | None = None
    certificate_rule: str = ""
    stage_path_id: int | None = None
    stage: str = ""
    competency_ids: list[int] = field(default_factory=list)
    # Other languages' texts: {language: {"title" or a TEXT_FIELDS name: text}}.
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


def _check(session, data: ScenarioData) -> None:
    data.title = clean_text(data.title, "title", 200, required=True)
    data.title_zh = clean_text(data.title_zh, "title", 200)
    for language, texts in data.translations.items():
        if language not in LANGUAGE_NAMES or language == default_language():
            raise DomainError(_("Unknown language."), "translations")
        for name, text in texts.items():
            limit = 200 if name == "title" else TEXT_MAX
            if name not in ("title", *TEXT_FIELDS) or len(text or "") > limit:
                raise DomainError(_("At most %(n)d characters.", n=limit), name)
    for name in TEXT_FIELDS:
        setattr(data, name, clean_text(getattr(data, name), name, TEXT_MAX))
    if not data.situation:
        raise DomainError(_("Describe the situation."), "situation")
    if session.get(Rubric, data.rubric_id) is None:
        raise DomainError(_("Choose a rubric."), "rubric_id")
    if not (data.allow_chat or data.allow_upload or data.allow_live):
        raise DomainError(_("Allow at least one way to perform the role-play."), "allow_chat")
    bounds = [("pass_mark", Decimal(0), Decimal(100)), ("calibration_share", Decimal(0),
              Decimal(100)), ("agreement_threshold", Decimal(0), Decimal(100))]
    for name, low, high in bounds:
        value = getattr(data, name)
        if value is None or not low <= value <= high:
            raise DomainError(_("Between %(low)s and %(high)s.", low=low, high=high), name)
    ints = [("attempts_allowed", 0, 100), ("retry_wait_hours", 0, 24 * 90),
            ("sla_hours", 1, 24 * 30), ("upload_max_mb", 1, 2048)]
    for name, low, high in ints:
        value = getattr(data, name)
        if value is None or not low <= value <= high:
            raise DomainError(_("Between %(low)s and %(high)s.", low=low, high=high), name)
    check_rule(data.certificate_path_id, data.certificate_rule, data.stage_path_id, data.stage)
    if data.tier_only and data.path_id is None:
        raise DomainError(_("Choose the tier the scenario is for."), "path_id")
    known = set(session.scalars(select(Competency.id).where(
        Competency.id.in_(data.competency_ids))))
    if set(data.competency_ids) - known:
        raise DomainError(_("Unknown competency."), "competency_ids")


def save_scenario(session, actor, scenario: Scenario | None, data: ScenarioData,
                  confirmed: bool = True) -> Scenario:
    """Create or update a scenario (not its script or attachments). Refuses an empty title
    or situation, a missing rubric, no way to perform it and settings out of range; asks for
    confirmation (unless `confirmed`) when the pass mark does not fit the rubric's scale."""
    _check(session, data)
    rubric = session.get(Rubric, data.rubric_id)
    confirm_or_refuse(passmarks.check(session, rubric.current.criteria, data.pass_mark,
                                      data.path_id), confirmed)
    if scenario is None:
        scenario = Scenario()
        session.add(scenario)
    for name in ("title", "path_id", "rubric_id", *TEXT_FIELDS, "allow_chat",
                 "allow_upload", "allow_live", "pass_mark", "attempts_allowed",
                 "retry_wait_hours", "sla_hours", "calibration_share", "agreement_threshold",
                 "upload_max_mb", "tier_only", "certificate_path_id", "certificate_rule",
                 "stage_path_id", "stage"):
        setattr(scenario, name, getattr(data, name))
    scenario.set_translation(ZH, "title", data.title_zh)
    for language, texts in data.translations.items():
        for name, text in texts.items():
            scenario.set_translation(language, name, (text or "").strip())
    scenario.competency_links = [ScenarioCompetency(competency_id=cid)
                                 for cid in dict.fromkeys(data.competency_ids)]
    session.flush()
    audit.record(actor, "roleplay.scenario_save", scenario, title=scenario.title)
    return scenario


def set_published(session, actor, scenario: Scenario, published: bool) -> None:
    """Publish (agents see it) or withdraw a scenario; refuses publishing an empty rubric."""
    if published and not scenario.rubric.current.criteria:
        raise DomainError(_("Give the rubric at least one criterion before publishing."))
    scenario.published = published
    session.flush()
    audit.record(actor, "roleplay.scenario_publish" if published else
                 "roleplay.scenario_withdraw", scenario)


@dataclass
class TurnData:
    """A turn of the scripted customer. `reply` is what they say when none of the branches'
    keywords is in the agent's message (then the script waits at this turn: no reply pretends
    a message answered what it did not), or always when the turn has no branches."""

    reply: str
    branches: list[tuple[list[str], str]] = field(default_factory=list)
    # Other languages: {language: {"reply": text, "branches": [reply text per branch]}}.
    translations: dict[str, dict] = field(default_factory=dict)


def parse_branches(text: str) -> list[tuple[list[str], str]]:
    """Branch lines "keyword, keyword => reply" (one per line). Refuses a line without
    "=>", without keywords or without a reply."""
    branches = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        keys, arrow, reply = line.partition("=>")
        keywords = [k.strip() for k in keys.replace("，", ",").split(",") if k.strip()]
        if not arrow or not keywords or not reply.strip():
            raise DomainError(_("Branch line %(n)d: write “keyword, keyword => reply”.",
                                n=number), "branches")
        branches.append((keywords, reply.strip()))
    return branches


def turn_chinese(reply_zh: str, branches_zh: str, branch_count: int) -> dict:
    """A turn's Chinese texts from the script form: the reply, and one branch reply per line
    in the branches' order. Refuses more lines than branches."""
    lines = [line.strip() for line in (branches_zh or "").splitlines() if line.strip()]
    if len(lines) > branch_count:
        raise DomainError(_("Write one Chinese reply per branch, in the same order."),
                          "branches")
    if not (reply_zh or "").strip() and not lines:
        return {}
    return {ZH: {"reply": (reply_zh or "").strip(), "branches": lines}}


def format_branches_zh(turn: ScriptTurn) -> str:
    """The Chinese branch replies of a turn, one per line (for the script form)."""
    return "\n".join(((turn.translations or {}).get(ZH) or {}).get("branches") or [])


def format_branches(turn: ScriptTurn) -> str:
    return "\n".join(", ".join(b["keywords"]) + " => " + b["reply"] for b in turn.branches or [])


def set_script(session, actor, scenario: Scenario, turns: list[TurnData]) -> None:
    """Replace the scripted customer's turns (empty replies are dropped)."""
    kept = [t for t in turns if (t.reply or "").strip()]
    if len(kept) > MAX_TURNS:
        raise DomainError(_("A script has at most %(n)d turns.", n=MAX_TURNS))
    for turn in kept:
        if len(turn.reply) > TEXT_MAX or any(len(r) > TEXT_MAX for _k, r in turn.branches):
            raise DomainError(_("At most %(n)d characters.", n=TEXT_MAX))
    scenario.script = []
    session.flush()
    scenario.script = [
        ScriptTurn(position=i, reply=t.reply.strip(),
                   branches=[{"keywords": k, "reply": r} for k, r in t.branches],
                   translations=dict(t.translations))
        for i, t in enumerate(kept)]
    session.flush()
    audit.record(actor, "roleplay.script_save", scenario, turns=len(kept))


def add_attachment(session, actor, scenario: Scenario, filename: str, stream: BinaryIO,
                   storage_dir: str, max_bytes: int) -> ScenarioAttachment:
    """Attach a file agents read before the role-play (the course attachment rules: type
    from the content, size limit)."""
    upload = uploads.store_upload(storage_dir, filename, stream, max_bytes, ATTACHMENTS)
    attachment = ScenarioAttachment(filename=upload.filename, sha256=upload.sha256,
                                    content_type=upload.content_type, size=upload.size)
    scenario.attachments.append(attachment)
    session.flush()
    audit.record(actor, "roleplay.attachment_add", scenario, filename=upload.filename,
                 sha256=upload.sha256)
    return attachment


def remove_attachment(session, actor, attachment: ScenarioAttachment) -> None:
    scenario = session.get(Scenario, attachment.scenario_id)
    scenario.attachments.remove(attachment)
    session.flush()
    audit.record(actor, "roleplay.attachment_remove", scenario, filename=attachment.filename)
