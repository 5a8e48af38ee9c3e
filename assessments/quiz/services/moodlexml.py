"""Moodle XML: Moodle's default question export, read into the bank and written back out.

Read: categories (`$course$/top/a/b`, with their descriptions), and the core types the bank
has: multichoice (single and multiple, fractions in percent), truefalse, shortanswer (with
`usecase`), numerical (tolerances, units with multipliers), matching, essay, description.
For every question: name, text and general feedback in any Moodle format (see `textformat`),
default mark, penalty, idnumber, tags, hints, combined feedback (correct / partly correct /
incorrect) and files (`@@PLUGINFILE@@/name` with base64 `<file>` elements, kept as question
attachments). Cloze (multianswer) and the other plugin types are refused with their line and
the reason. What Moodle XML has no element for (difficulty, competencies, an essay's hint)
travels in elements of our own, which Moodle ignores.

Written: the same elements; text fields in `markdown` (the bank's own), plain fields in
`plain_text`, attachments back as `@@PLUGINFILE@@` files.
"""

import base64
import binascii
import hashlib
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from flask_babel import gettext as _
from sqlalchemy import select

from assessments.quiz.models import Question, QuestionAttachment, QuestionCategory
from assessments.quiz.services import textformat
from assessments.quiz.services.bank import (
    ATTACHMENT_PATH,
    ImportProblem,
    ImportResult,
    ParsedQuestion,
    QuestionData,
    attachment_url,
    canonical,
    category_path,
    current_version,
    import_questions,
    parse_category_path,
    subtree_ids,
)
from assessments.quiz.services.bank import (
    COMBINED_FEEDBACK as COMBINED,
)
from lms.competencies.models import Competency
from lms.core.errors import DomainError

FORMATS = {"html": "html", "moodle_auto_format": "moodle", "plain_text": "plain",
           "markdown": "markdown"}
_QUESTION_TAG = re.compile(r"<question[\s>/]")
_HIDDEN = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>", re.S)
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>)]+)")
_OUR_FILE = re.compile(re.escape(ATTACHMENT_PATH) + r"([0-9a-f]{64})/([^\"'\s<>)]+)")


def looks_like_moodle_xml(text: str) -> bool:
    """Whether `text` is a Moodle XML file (an XML declaration or a <quiz> element first)."""
    head = text.lstrip("\ufeff \t\r\n")[:200]
    return head.startswith("<?xml") or head.startswith("<quiz")


class _Problem(Exception):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message, self.field = message, field


def _question_lines(text: str) -> list[int]:
    """The line of each <question> element, in order (comments and CDATA blanked out so
    text inside them cannot be mistaken for an element)."""
    blanked = _HIDDEN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    return [blanked.count("\n", 0, m.start()) + 1 for m in _QUESTION_TAG.finditer(blanked)]


def _text(element: Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    found = element.find(path) if path else element
    return (found.text or "") if found is not None else ""


def _format(element: Element | None, default: str = "moodle") -> str:
    if element is None:
        return default
    return FORMATS.get(element.get("format", ""), default)


def _files(element: Element | None, files: dict[str, bytes]) -> None:
    if element is None:
        return
    for node in element.findall("file"):
        name = node.get("name", "")
        if node.get("encoding", "base64") != "base64" or not name:
            raise _Problem(_("a file without a name or not in base64"), "files")
        try:
            files[name] = base64.b64decode("".join((node.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            raise _Problem(_("the file %(name)s is not valid base64", name=name),
                           "files") from None


def _with_files(text: str, files: dict[str, bytes]) -> str:
    """`@@PLUGINFILE@@/name` replaced by the address the bank serves the file at."""

    def link(match: re.Match) -> str:
        name = unquote(match.group(1))
        content = files.get(name)
        if content is None:
            return match.group(0)
        return attachment_url(hashlib.sha256(content).hexdigest(), name)

    return _PLUGINFILE.sub(link, text)


def _rich(element: Element | None, files: dict[str, bytes]) -> str:
    if element is None:
        return ""
    _files(element, files)
    return textformat.rich(_with_files(_text(element), files), _format(element))


def _plain(element: Element | None, default: str = "moodle") -> str:
    return textformat.plain(_text(element), _format(element, default))


def _fraction(value: str | None) -> str:
    try:
        number = Decimal((value or "0").strip()) / 100
    except InvalidOperation:
        raise _Problem(_("%(value)s is not a grade", value=value), "options") from None
    return canonical(number)


def _number(value: str | None, what: str) -> Decimal:
    try:
        number = Decimal((value or "").strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _Problem(_("%(what)s is not a number: %(value)s", what=what, value=value or "''"))
    return number


def _choices(node: Element, files) -> tuple[str, dict]:
    single = _text(node, "single").strip().lower() not in ("false", "0")
    options = []
    for i, answer in enumerate(node.findall("answer")):
        options.append({"id": chr(ord("a") + i) if i < 26 else f"o{i + 1}",
                        "text": _plain(answer), "fraction": _fraction(answer.get("fraction")),
                        "feedback": _plain(answer.find("feedback"))})
    return ("single" if single else "multiple"), {"options": options}


def _truefalse(node: Element, files) -> tuple[str, dict]:
    data = {"answer": True, "feedback_true": "", "feedback_false": ""}
    for answer in node.findall("answer"):
        word = _text(answer).strip().lower()
        if word not in ("true", "false"):
            raise _Problem(_("a true/false answer must be true or false, not %(word)s",
                             word=word or "''"))
        data[f"feedback_{word}"] = _plain(answer.find("feedback"))
        if Decimal(_fraction(answer.get("fraction"))) == 1:
            data["answer"] = word == "true"
    return "truefalse", data


def _shortanswer(node: Element, files) -> tuple[str, dict]:
    answers = [{"text": textformat.answer(_text(a), _format(a, "plain")),
                "fraction": _fraction(a.get("fraction")),
                "feedback": _plain(a.find("feedback"))} for a in node.findall("answer")]
    return "shortanswer", {"answers": answers,
                           "case_sensitive": _text(node, "usecase").strip() == "1"}


def _numerical(node: Element, files) -> tuple[str, dict]:
    answers = []
    for answer in node.findall("answer"):
        value = _text(answer).strip()
        tolerance = _text(answer, "tolerance").strip() or "0"
        answers.append({
            "value": "*" if value == "*" else canonical(_number(value, _("The answer"))),
            "tolerance": "0" if value == "*" else canonical(
                abs(_number(tolerance, _("The tolerance")))),
            "fraction": _fraction(answer.get("fraction")),
            "feedback": _plain(answer.find("feedback"))})
    data: dict = {"answers": answers}
    units = [{"unit": _text(u, "unit_name").strip(),
              "multiplier": canonical(_number(_text(u, "multiplier") or "1", _("A multiplier")))}
             for u in node.findall("units/unit") if _text(u, "unit_name").strip()]
    if units:
        data["units"] = units
    return "numerical", data


def _matching(node: Element, files) -> tuple[str, dict]:
    pairs = [{"id": f"p{i + 1}", "prompt": _plain(sub),
              "answer": textformat.plain(_text(sub.find("answer")), "plain")}
             for i, sub in enumerate(node.findall("subquestion"))]
    return "matching", {"pairs": pairs}


def _essay(node: Element, files) -> tuple[str, dict]:
    return "essay", {"response_hint": _text(node, "responsehint").strip()}


def _description(node: Element, files) -> tuple[str, dict]:
    return "description", {}


READERS = {"multichoice": _choices, "truefalse": _truefalse, "shortanswer": _shortanswer,
           "numerical": _numerical, "match": _matching, "essay": _essay,
           "description": _description}


def _read_question(node: Element, qtype: str) -> ParsedQuestion:
    files: dict[str, bytes] = {}
    text = _rich(node.find("questiontext"), files)
    kind, data = READERS[qtype](node, files)
    hints = [_rich(h, files) for h in node.findall("hint")]
    if any(hints):
        data["hints"] = [h for h in hints if h]
    if node.find("penalty") is not None and kind != "description":
        data["penalty"] = canonical(_number(_text(node, "penalty"), _("The penalty")))
    combined = {key: _rich(node.find(key), files) for key in COMBINED}
    if any(combined.values()):
        data["combined_feedback"] = combined
    mark = _text(node, "defaultgrade").strip()
    difficulty = _text(node, "difficulty").strip()
    question = QuestionData(
        qtype=kind, name=" ".join(_text(node.find("name")).split()), text=text, data=data,
        general_feedback=_rich(node.find("generalfeedback"), files),
        default_mark=_number(mark, _("The mark")) if mark else Decimal(1),
        difficulty=int(difficulty) if difficulty.isdigit() else 3,
        idnumber=_text(node, "idnumber").strip() or None,
        tags=tuple(_text(tag) for tag in node.findall("tags/tag")))
    codes = tuple(c.text.strip() for c in node.findall("competencies/competency")
                  if c.text and c.text.strip())
    return ParsedQuestion(line=0, question=question, competency_codes=codes, files=files)


def parse_moodle_xml(text: str) -> tuple[list[ParsedQuestion], list[ImportProblem],
                                         dict[tuple[str, ...], str]]:
    """Every question of a Moodle XML file, every problem (with its line), and the
    categories the file names (path → description)."""
    try:
        root = fromstring(text.lstrip("\ufeff"))
    except ParseError as error:
        line = getattr(error, "position", (0, 0))[0]
        return [], [ImportProblem(line, _("this is not well-formed XML (%(error)s)",
                                          error=str(error)))], {}
    except DefusedXmlException:
        return [], [ImportProblem(0, _("the XML declares entities or a DTD, which are "
                                       "refused"))], {}
    if root.tag != "quiz":
        return [], [ImportProblem(1, _("a Moodle XML file starts with <quiz>, not <%(tag)s>",
                                       tag=root.tag))], {}
    lines = _question_lines(text)
    questions, problems, categories = [], [], {}
    category: tuple[str, ...] | None = None
    for index, node in enumerate(root.findall("question")):
        line = lines[index] if index < len(lines) else 0
        qtype = node.get("type", "")
        try:
            if qtype == "category":
                category = parse_category_path(_text(node.find("category")))
                categories[category] = _plain(node.find("info"))
                continue
            if qtype in ("cloze", "multianswer"):
                raise _Problem(_("cloze (embedded answers) questions are not supported: "
                                 "rewrite each gap as a question of its own"))
            if qtype not in READERS:
                raise _Problem(_("the question type %(type)s is not supported", type=qtype
                                 or "''"))
            parsed = _read_question(node, qtype)
        except _Problem as problem:
            problems.append(ImportProblem(line, problem.message))
            continue
        except DomainError as error:
            problems.append(ImportProblem(line, error.message))
            continue
        parsed.line, parsed.category = line, category
        parsed.lines = {"text": line}
        questions.append(parsed)
    return questions, problems, categories


def import_moodle_xml(session, actor, text: str, target: QuestionCategory | None,
                      on_error: str = "stop", storage_dir: str | None = None) -> ImportResult:
    """Import a Moodle XML file: questions before any category go to `target`; images and
    other files are kept in `storage_dir`. Errors as `bank.import_questions`."""
    questions, problems, categories = parse_moodle_xml(text)
    return import_questions(session, actor, questions, target, problems, on_error,
                            storage_dir, categories)


# Writing


def _rich_out(parent: Element, tag: str, text: str, contents: dict[str, bytes]) -> None:
    element = SubElement(parent, tag, format="markdown")
    SubElement(element, "text").text = _OUR_FILE.sub(
        lambda m: f"@@PLUGINFILE@@/{m.group(2)}", text)
    written = set()
    for match in _OUR_FILE.finditer(text):
        sha256, name = match.group(1), unquote(match.group(2))
        if sha256 in contents and name not in written:
            written.add(name)
            SubElement(element, "file", name=name, path="/", encoding="base64").text = \
                base64.b64encode(contents[sha256]).decode("ascii")


def _plain_out(parent: Element, tag: str, text: str, **attributes) -> Element:
    element = SubElement(parent, tag, format="plain_text", **attributes)
    SubElement(element, "text").text = text
    return element


def _feedback(parent: Element, text: str) -> None:
    _plain_out(parent, "feedback", text)


def _percent(fraction: str) -> str:
    return canonical(Decimal(fraction) * 100)


def _write_parts(node: Element, qtype: str, data: dict) -> None:
    if qtype in ("single", "multiple"):
        SubElement(node, "single").text = "true" if qtype == "single" else "false"
        SubElement(node, "shuffleanswers").text = "true"
        for option in data["options"]:
            answer = _plain_out(node, "answer", option["text"],
                                fraction=_percent(option["fraction"]))
            _feedback(answer, option.get("feedback", ""))
    elif qtype == "truefalse":
        for word in ("true", "false"):
            right = bool(data.get("answer")) == (word == "true")
            answer = _plain_out(node, "answer", word, fraction="100" if right else "0")
            _feedback(answer, data.get(f"feedback_{word}", ""))
    elif qtype == "shortanswer":
        SubElement(node, "usecase").text = "1" if data.get("case_sensitive") else "0"
        for item in data["answers"]:
            answer = _plain_out(node, "answer", item["text"],
                                fraction=_percent(item["fraction"]))
            _feedback(answer, item.get("feedback", ""))
    elif qtype == "numerical":
        for item in data["answers"]:
            answer = _plain_out(node, "answer", item["value"],
                                fraction=_percent(item["fraction"]))
            SubElement(answer, "tolerance").text = item["tolerance"]
            _feedback(answer, item.get("feedback", ""))
        if data.get("units"):
            units = SubElement(node, "units")
            for unit in data["units"]:
                element = SubElement(units, "unit")
                SubElement(element, "multiplier").text = unit["multiplier"]
                SubElement(element, "unit_name").text = unit["unit"]
    elif qtype == "matching":
        SubElement(node, "shuffleanswers").text = "true"
        for pair in data["pairs"]:
            sub = _plain_out(node, "subquestion", pair["prompt"])
            SubElement(SubElement(sub, "answer"), "text").text = pair["answer"]
    elif qtype == "essay":
        SubElement(node, "responseformat").text = "editor"
        SubElement(node, "responsehint").text = data.get("response_hint", "")


MOODLE_TYPES = {"single": "multichoice", "multiple": "multichoice", "truefalse": "truefalse",
                "shortanswer": "shortanswer", "numerical": "numerical", "matching": "match",
                "essay": "essay", "description": "description"}


def write_question(parent: Element, question: Question, codes: dict[int, str],
                   contents: dict[str, bytes]) -> None:
    """One question (its current version) as a <question> element."""
    version = current_version(question)
    data = version.data or {}
    node = SubElement(parent, "question", type=MOODLE_TYPES[version.qtype])
    SubElement(SubElement(node, "name"), "text").text = version.name
    _rich_out(node, "questiontext", version.text, contents)
    _rich_out(node, "generalfeedback", version.general_feedback, contents)
    SubElement(node, "defaultgrade").text = canonical(Decimal(version.default_mark))
    if "penalty" in data:
        SubElement(node, "penalty").text = data["penalty"]
    SubElement(node, "hidden").text = "0"
    SubElement(node, "idnumber").text = question.idnumber or ""
    _write_parts(node, version.qtype, data)
    for key, text in (data.get("combined_feedback") or {}).items():
        if key in COMBINED:
            _rich_out(node, key, text, contents)
    for hint in data.get("hints", []):
        _rich_out(node, "hint", hint, contents)
    if question.tags:
        tags = SubElement(node, "tags")
        for tag in question.tags:
            SubElement(SubElement(tags, "tag"), "text").text = tag
    SubElement(node, "difficulty").text = str(question.difficulty)
    linked = sorted(codes[link.competency_id] for link in question.competency_links)
    if linked:
        competencies = SubElement(node, "competencies")
        for code in linked:
            SubElement(competencies, "competency").text = code


def _category_element(parent: Element, category: QuestionCategory) -> None:
    node = SubElement(parent, "question", type="category")
    path = "/".join(c.name.replace("/", "//") for c in category_path(category))
    SubElement(SubElement(node, "category"), "text").text = f"$course$/top/{path}"
    _plain_out(node, "info", category.description or "")


def export_moodle_xml(session, category: QuestionCategory, storage_dir: str | None = None,
                      include_subcategories: bool = True) -> str:
    """The category's questions (and its subcategories', unless told otherwise) as Moodle
    XML, each category announced by a category element; archived questions are left out.
    Files the texts show are embedded when `storage_dir` is given."""
    from lms.core.uploads import path_for

    ids = subtree_ids(session, category) if include_subcategories else [category.id]
    codes = dict(session.execute(select(Competency.id, Competency.code)).all())
    root = Element("quiz")
    for category_id in ids:
        current = session.get(QuestionCategory, category_id)
        _category_element(root, current)
        questions = list(session.scalars(
            select(Question).where(Question.category_id == category_id,
                                   Question.archived.is_(False)).order_by(Question.id)))
        contents: dict[str, bytes] = {}
        if storage_dir and questions:
            for row in session.scalars(select(QuestionAttachment).where(
                    QuestionAttachment.question_id.in_([q.id for q in questions]))):
                path = path_for(storage_dir, row.sha256)
                if path.is_file():
                    contents[row.sha256] = path.read_bytes()
        for question in questions:
            write_question(root, question, codes, contents)
    indent(root, space="  ")
    body = tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
