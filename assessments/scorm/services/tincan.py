"""xAPI (Tin Can) packages: reading `tincan.xml`, the launch as the Tin Can launch spec says,
and the LMS's own small LRS for the package (the `/xapi/` proxy).

The package never sees the real LRS's credentials. Its launch URL carries `endpoint` (this
site's `/xapi/`), `auth` (Basic credentials holding a signed token for one learner's attempt,
valid TOKEN_MAX_AGE), `actor` (the learner), `registration` (one per attempt) and
`activity_id` (the package's root activity). The proxy accepts only statements whose actor is
that learner and whose object is an activity of the package; it rebuilds each from the parts
the xAPI spec defines (so nothing malformed reaches the outbox and blocks it), and hands it to
`statement_received` receivers (reports: the xAPI outbox, sent on to the real LRS in order).
A "completed" or "passed" statement about the root activity completes the attempt (and its
lesson) as a completed SCORM attempt does. The state resource keeps the package's documents
(bookmarks, suspend data) in the attempt, so a relaunch resumes. Callers own the commit.
"""

import base64
import json
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from posixpath import normpath
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from assessments.scorm.models import ScormAttempt, ScormPackage
from assessments.scorm.services import runtime
from assessments.scorm.signals import statement_received
from courses.services.content_files.sources import unsafe_name
from lms.core import clock
from lms.core.errors import DomainError, NotFound

TINCAN = "tincan.xml"
VERSION = "xapi"
TOKEN_MAX_AGE = 4 * 3600
ADL = "http://adlnet.gov/expapi/verbs/"
COMPLETING = {ADL + "completed": None, ADL + "passed": "passed", ADL + "failed": "failed"}
STATE_PREFIX = "xapi.state "
STATE_MAX = 64 * 1024
STATES_MAX = 1024 * 1024
STATEMENTS_MAX = 50
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S{1,2000}$")
_DURATION = re.compile(r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?"
                       r"(\d+(\.\d+)?S)?)?$")


@dataclass(frozen=True)
class TincanManifest:
    title: str
    activity_id: str
    launch: str
    activities: frozenset[str]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def read_tincan(text: str, names: set[str]) -> TincanManifest:
    """The package's root activity (the first with a <launch>), its title and launch file,
    and every activity id it declares; refuses what is not such a tincan.xml."""
    try:
        root = fromstring(text)
    except (ParseError, DefusedXmlException) as error:
        raise DomainError(_("tincan.xml is not readable XML: %(error)s", error=error),
                          "file") from None
    activities_node = _child(root, "activities") if _local(root.tag) == "tincan" else None
    if activities_node is None:
        raise DomainError(_("tincan.xml must hold <tincan><activities>."), "file")
    activities = [a for a in activities_node if _local(a.tag) == "activity"]
    ids = frozenset(a.get("id", "").strip() for a in activities if a.get("id", "").strip())
    launching = next((a for a in activities if _child(a, "launch") is not None), None)
    if launching is None:
        raise DomainError(_("No activity of tincan.xml has a <launch> file."), "file")
    activity_id = launching.get("id", "").strip()
    if not _IRI.match(activity_id) or len(activity_id) > 255:
        raise DomainError(_("The launched activity of tincan.xml needs an id that is an IRI "
                            "(at most 255 characters)."), "file")
    href = (_child(launching, "launch").text or "").strip()
    launch = normpath(href.split("?", 1)[0].split("#", 1)[0]) if href else ""
    if not launch or unsafe_name(launch) or launch not in names:
        raise DomainError(_("The launch file %(file)s is not in the package.",
                            file=launch or "''"), "file")
    name = _child(launching, "name")
    title = " ".join((name.text or "").split()) if name is not None else ""
    return TincanManifest(title=title, activity_id=activity_id, launch=launch, activities=ids)


# The launch


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="xapi-launch")


def registration(attempt: ScormAttempt) -> str:
    """The attempt's xAPI registration (stable, so a resumed attempt keeps it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lms:scorm-attempt:{attempt.id}"))


def actor(person) -> dict:
    """The learner as an xAPI agent (as the outbox's own statements name them)."""
    return {"objectType": "Agent", "name": person.name, "mbox": f"mailto:{person.email}"}


def launch_parameters(secret_key: str, endpoint: str, package: ScormPackage,
                      attempt: ScormAttempt, person) -> dict[str, str]:
    """The Tin Can launch query: endpoint, auth (a token for this attempt only, never the
    LRS's credentials), actor, registration and activity_id."""
    token = _serializer(secret_key).dumps({"a": attempt.id, "p": attempt.person_id})
    auth = "Basic " + base64.b64encode(f"xapi:{token}".encode()).decode()
    return {"endpoint": endpoint, "auth": auth,
            "actor": json.dumps(actor(person), ensure_ascii=False),
            "registration": registration(attempt), "activity_id": package.identifier}


def attempt_for_auth(session, secret_key: str, authorization: str | None) -> ScormAttempt:
    """The attempt an Authorization header grants; NotFound when missing, forged, expired,
    or its attempt is gone."""
    refused = NotFound(_("This launch is not valid any more; launch the module again."))
    scheme, _space, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        raise refused
    try:
        token = base64.b64decode(encoded, validate=True).decode().partition(":")[2]
        data = _serializer(secret_key).loads(token, max_age=TOKEN_MAX_AGE)
    except (ValueError, BadSignature):
        raise refused from None
    attempt = session.get(ScormAttempt, data.get("a"))
    if attempt is None or attempt.person_id != data.get("p") \
            or attempt.package.version != VERSION:
        raise refused
    return attempt


# Who and what a request may speak about


def _same_agent(agent, person) -> bool:
    if not isinstance(agent, dict):
        return False
    mbox = agent.get("mbox")
    if isinstance(mbox, list):  # Tin Can 0.9's arrays, still sent by old authoring tools
        mbox = mbox[0] if mbox else None
    return isinstance(mbox, str) and mbox.strip().lower() == f"mailto:{person.email}".lower()


def check_agent(agent, person) -> None:
    """Refuses an agent that is not the learner the launch was for."""
    if not _same_agent(agent, person):
        raise DomainError(_("Only statements and state of the learner who launched the "
                            "module are accepted."))


def package_activity(package: ScormPackage, activities: frozenset[str], activity_id) -> str:
    """`activity_id` when it is the package's root activity, one it declares, or below the
    root (root/…, root#…); refuses others."""
    if isinstance(activity_id, str) and _IRI.match(activity_id) and (
            activity_id in activities or activity_id == package.identifier
            or activity_id.startswith((package.identifier.rstrip("/") + "/",
                                       package.identifier + "#"))):
        return activity_id
    raise DomainError(_("Only this module's activities are accepted."))


# Statements


def _language_map(value) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    kept = {str(k)[:35]: str(v)[:1000] for k, v in value.items()
            if isinstance(k, str) and re.match(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$", k)
            and isinstance(v, str)}
    return kept or None


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _result(value) -> dict | None:
    if not isinstance(value, dict):
        return None
    result: dict = {}
    score = value.get("score")
    if isinstance(score, dict):
        kept = {key: float(number) for key in ("scaled", "raw", "min", "max")
                if (number := _number(score.get(key))) is not None}
        if "scaled" in kept and not -1 <= kept["scaled"] <= 1:
            raise DomainError(_("A scaled score goes from -1 to 1."))
        if kept:
            result["score"] = kept
    for key in ("success", "completion"):
        if isinstance(value.get(key), bool):
            result[key] = value[key]
    if isinstance(value.get("response"), str):
        result["response"] = value["response"][:2000]
    if isinstance(value.get("duration"), str) and _DURATION.match(value["duration"]):
        result["duration"] = value["duration"]
    return result or None


def clean_statement(package: ScormPackage, activities: frozenset[str], attempt: ScormAttempt,
                    person, body, statement_id: str | None = None) -> dict:
    """The statement as it goes on to the LRS: the learner's actor, the verb, the package's
    activity, result and timestamp as sent, context.registration the attempt's; refuses
    another actor, an activity outside the package and what the xAPI spec does not allow."""
    if not isinstance(body, dict):
        raise DomainError(_("A statement is a JSON object."))
    check_agent(body.get("actor"), person)
    try:
        given = {str(uuid.UUID(str(raw))) for raw in (body.get("id"), statement_id) if raw}
    except ValueError:
        raise DomainError(_("A statement id is a UUID.")) from None
    if len(given) > 1:
        raise DomainError(_("The statement's id differs from statementId."))
    sid = given.pop() if given else str(uuid.uuid4())
    verb = body.get("verb")
    if not isinstance(verb, dict) or not _IRI.match(str(verb.get("id", ""))):
        raise DomainError(_("A statement needs a verb with an IRI id."))
    target = body.get("object")
    if not isinstance(target, dict) or target.get("objectType", "Activity") != "Activity":
        raise DomainError(_("Only this module's activities are accepted."))
    activity_id = package_activity(package, activities, target.get("id"))
    statement: dict = {"id": sid, "actor": actor(person),
                       "verb": {"id": verb["id"]}, "object": {"objectType": "Activity",
                                                              "id": activity_id}}
    if display := _language_map(verb.get("display")):
        statement["verb"]["display"] = display
    definition = target.get("definition") if isinstance(target.get("definition"), dict) else {}
    kept_definition = {key: text for key in ("name", "description")
                       if (text := _language_map(definition.get(key)))}
    if isinstance(definition.get("type"), str) and _IRI.match(definition["type"]):
        kept_definition["type"] = definition["type"]
    if kept_definition:
        statement["object"]["definition"] = kept_definition
    if result := _result(body.get("result")):
        statement["result"] = result
    context = body.get("context") if isinstance(body.get("context"), dict) else {}
    if context.get("registration") not in (None, registration(attempt)):
        raise DomainError(_("The statement belongs to another registration."))
    statement["context"] = {"registration": registration(attempt)}
    stamp = body.get("timestamp")
    statement["timestamp"] = stamp if isinstance(stamp, str) and re.match(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", stamp) \
        else clock.now().isoformat()
    return statement


def receive_statements(session, attempt: ScormAttempt, person, activities: frozenset[str],
                       bodies: list, statement_id: str | None = None) -> list[str]:
    """Take the package's statements (all or none): cleaned, handed on for the LRS, and a
    completing one about the root activity completes the attempt. Returns their ids."""
    if not bodies or len(bodies) > STATEMENTS_MAX:
        raise DomainError(_("Send from 1 to %(n)d statements at a time.", n=STATEMENTS_MAX))
    package = attempt.package
    statements = [clean_statement(package, activities, attempt, person, body, statement_id)
                  for body in bodies]
    for statement in statements:
        statement_received.send(session, attempt=attempt, statement=statement)
    # The batch's verdict about the module as a whole, applied once (completed then passed
    # in one POST is one completion, passed).
    completing = [s for s in statements if s["object"]["id"] == package.identifier
                  and s["verb"]["id"] in COMPLETING]
    if completing:
        completed, success, score = False, attempt.success_status, None
        for statement in completing:
            verb, result = statement["verb"]["id"], statement.get("result", {})
            success = COMPLETING[verb] or {True: "passed", False: "failed"}.get(
                result.get("success"), success)
            completed = completed or verb != ADL + "failed" or result.get("completion") is True
            found = _score(result.get("score") or {})
            score = found if found is not None else score
        runtime.finish_from_statement(session, person, attempt, completed, success, score)
    session.flush()
    return [s["id"] for s in statements]


def _score(score: dict) -> Decimal | None:
    if "scaled" in score:
        return max(Decimal(str(score["scaled"])) * 100, Decimal(0))
    if "raw" in score and score.get("max", 100) > score.get("min", 0):
        low, high = Decimal(str(score.get("min", 0))), Decimal(str(score.get("max", 100)))
        return max(min((Decimal(str(score["raw"])) - low) / (high - low) * 100,
                       Decimal(100)), Decimal(0))
    return None


# The state resource


def _state_key(activity_id: str, state_id: str) -> str:
    return f"{STATE_PREFIX}{state_id}\n{activity_id}"


def state_ids(attempt: ScormAttempt, activity_id: str) -> list[str]:
    """The ids of the state documents the package keeps for `activity_id`."""
    suffix = "\n" + activity_id
    return sorted(key[len(STATE_PREFIX):-len(suffix)] for key in (attempt.cmi or {})
                  if key.startswith(STATE_PREFIX) and key.endswith(suffix))


def get_state(attempt: ScormAttempt, activity_id: str, state_id: str) -> dict | None:
    """{"body": text, "type": content type} of one state document, or None."""
    return (attempt.cmi or {}).get(_state_key(activity_id, state_id))


def put_state(attempt: ScormAttempt, activity_id: str, state_id: str, body: str,
              content_type: str, merge: bool = False) -> None:
    """Keep a state document (PUT replaces; POST merges JSON objects as xAPI says); refuses
    documents over STATE_MAX, a merge of what is not JSON objects, and more than STATES_MAX
    in all."""
    if not state_id or len(state_id) > 250:
        raise DomainError(_("A stateId is needed (at most 250 characters)."))
    if len(body) > STATE_MAX:
        raise DomainError(_("A state document has at most %(n)d KB.", n=STATE_MAX >> 10))
    key = _state_key(activity_id, state_id)
    cmi = dict(attempt.cmi or {})
    if merge and key in cmi:
        try:
            old, new = json.loads(cmi[key]["body"]), json.loads(body)
        except ValueError:
            old = new = None
        if not isinstance(old, dict) or not isinstance(new, dict):
            raise DomainError(_("Only JSON objects can be merged into a state document."))
        body, content_type = json.dumps({**old, **new}), "application/json"
    cmi[key] = {"body": body, "type": (content_type or "application/octet-stream")[:100]}
    if len(json.dumps(cmi)) > STATES_MAX:
        raise DomainError(_("The module stored more data than this LMS keeps."))
    attempt.cmi = cmi
    attempt.updated_at = clock.now()


def delete_state(attempt: ScormAttempt, activity_id: str, state_id: str | None) -> None:
    """Forget one state document, or all of the activity's when `state_id` is None."""
    doomed = [_state_key(activity_id, state_id)] if state_id else \
        [_state_key(activity_id, sid) for sid in state_ids(attempt, activity_id)]
    attempt.cmi = {k: v for k, v in (attempt.cmi or {}).items() if k not in doomed}
    attempt.updated_at = clock.now()
