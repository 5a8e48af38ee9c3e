"""Moodle's GIFT format: read a file into questions, write questions back out.

What is read, as Moodle's importer reads it:
- Blank lines separate questions; lines starting with `//` are comments.
- `$CATEGORY: a/b/c` puts the questions after it in that category (a path from the top of the
  bank, created when missing; `//` is a slash inside a name; `$course$/top/` is dropped).
- `::name::` names a question; `[markdown]`, `[html]`, `[plain]` or `[moodle]` gives a text's
  format; without one the question text is in Moodle's auto-format, and every answer and
  feedback takes the question text's format unless it has its own (see `textformat`).
- Text with no `{…}` at all is a description (shown, never scored).
- The answers sit in one `{…}`; text after it makes a "missing word" question (`_____` marks
  the gap). `{}` essay · `{T}` `{TRUE}` `{F}` `{FALSE}` true/false (upper case, as Moodle
  reads them), `#…` feedback for a wrong
  answer then `#…` for a right one · `{=right ~wrong}` multiple choice (`~%50%` partial credit;
  with no `=` at all it is multiple response, `~%-25%` a penalty) · `{=a =%50%b}` short answer
  · `{#30:2}` `{#1..5}` `{#=30:0 =%50%29:1 ~#other}` numerical · `{=a -> 1 =b -> 2 = -> 3}`
  matching (a pair without a prompt is an extra wrong answer) · `#…` feedback after an answer
  · `####…` general feedback at the end of the braces; anything else (`{One}`) is a short
  answer.
- Escapes: `\\~ \\= \\# \\{ \\} \\: \\\\` and `\\n` (a line break).
- What GIFT cannot say is carried in comments other tools ignore, one per line above the
  question: `// [mark:2]`, `// [difficulty:4]`, `// [competency:PROD-POLICY]`,
  `// [case-sensitive]`, `// [hint:…]` (an essay's response hint); Moodle's own
  `// [id:…] [tag:…] [tag:…]` carry the idnumber and tags.

A malformed file is refused as a whole (`import_gift` raises ImportRefused listing every
problem with its line number, and writes nothing), or, with on_error="skip", the good
questions are imported and the refused ones listed.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from assessments.quiz.models import Question, QuestionCategory
from assessments.quiz.services import textformat
from assessments.quiz.services.bank import (
    ImportProblem,
    ImportResult,
    ParsedQuestion,
    QuestionData,
    canonical,
    category_path,
    current_version,
    import_questions,
    parse_category_path,
    subtree_ids,
)
from lms.competencies.models import Competency
from lms.core.errors import DomainError

# Escaped characters become private-use placeholders while the structure is read.
_ESCAPES = {"\\": "\ue000", "~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004",
            "}": "\ue005", ":": "\ue006", "n": "\ue007"}
_RESTORE = {v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
_WEIGHT = re.compile(r"^%\s*(-?\d+(?:\.\d+)?)\s*%")
_DIRECTIVE = re.compile(r"^//\s*\[([a-z][a-z-]*)(?::(.*))?\]\s*$", re.IGNORECASE)
# Moodle's own comments: `// [id:idnumber] [tag:a] [tag:b]` (`\]` is a ] inside).
_ID_OR_TAG = re.compile(r"\[(id|tag):\s*((?:\\.|[^\]\\\n])*?)\s*\]")
_FORMAT = re.compile(r"^\[(markdown|html|plain|moodle)\]", re.IGNORECASE)
TRUE_WORDS, FALSE_WORDS = ("T", "TRUE"), ("F", "FALSE")  # as Moodle: upper case only


class _Problem(Exception):
    """A problem at an offset of the question's text, or on a known `line`."""

    def __init__(self, offset: int, message: str, line: int | None = None):
        super().__init__(message)
        self.offset, self.message, self.line = offset, message, line


def _escape_line(line: str) -> str:
    out, i = [], 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line) and line[i + 1] in _ESCAPES:
            out.append(_ESCAPES[line[i + 1]])
            i += 2
        else:
            out.append(line[i])
            i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return "".join(_RESTORE.get(ch, ch) for ch in text)


def _formatted(raw: str, default: str) -> tuple[str, str]:
    """(format, text) of a piece of GIFT text: its own `[format]` prefix or `default`,
    escapes undone."""
    raw = raw.strip()
    match = _FORMAT.match(raw)
    fmt = match.group(1).lower() if match else default
    if match:
        raw = raw[match.end():]
    return fmt, _restore(raw).strip()


def _rich(raw: str, default: str) -> str:
    return textformat.rich(*reversed(_formatted(raw, default)))


def _plain(raw: str, default: str) -> str:
    return textformat.plain(*reversed(_formatted(raw, default)))


def _answer(raw: str, default: str) -> str:
    return textformat.answer(*reversed(_formatted(raw, default)))


@dataclass
class _Block:
    """One question's lines: (line number, text), comments set aside."""

    lines: list[tuple[int, str]]
    directives: list[tuple[int, str, str | None]]
    comments: list[str]

    @property
    def first(self) -> int:
        return self.lines[0][0]


def _blocks(text: str) -> list[_Block]:
    blocks, lines, directives, comments = [], [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            if lines:
                blocks.append(_Block(lines, directives, comments))
            lines, directives, comments = [], [], []
        elif stripped.startswith("//"):
            comments.append(stripped)
            match = _DIRECTIVE.match(stripped)
            if match and match.group(1).lower() not in ("id", "tag"):
                directives.append((number, match.group(1).lower(), match.group(2)))
        else:
            lines.append((number, line))
    if lines:
        blocks.append(_Block(lines, directives, comments))
    return blocks


def idnumber_and_tags(comments: list[str]) -> tuple[str, list[str]]:
    """Moodle's idnumber and tags from a question's comment lines (`[id:…]`, `[tag:…]`)."""
    idnumber, tags = "", []
    for comment in comments:
        for key, value in _ID_OR_TAG.findall(comment):
            value = re.sub(r"\\(.)", r"\1", value).strip()
            if key == "id":
                idnumber = value
            elif value:
                tags.append(value)
    return idnumber, tags


class _Reader:
    """Reads one question's text (placeholders in place of escapes)."""

    def __init__(self, block_lines: list[tuple[int, str]]):
        self.numbers = [n for n, _line in block_lines]
        self.text = "\n".join(_escape_line(line) for _n, line in block_lines)

    def line_of(self, offset: int) -> int:
        return self.numbers[min(self.text.count("\n", 0, max(offset, 0)),
                                len(self.numbers) - 1)]


def parse_gift(text: str) -> tuple[list[ParsedQuestion], list[ImportProblem]]:
    """Every question of a GIFT file, and every problem found (with line numbers)."""
    questions: list[ParsedQuestion] = []
    problems: list[ImportProblem] = []
    category: tuple[str, ...] | None = None
    if text.lstrip("\ufeff \t\r\n").startswith(("<?xml", "<quiz")):
        return [], [ImportProblem(1, _("this is a Moodle XML file, not GIFT: import it as "
                                       "Moodle XML (or let the format be detected)"))]
    for block in _blocks(text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.lines
        first = lines[0][1].strip()
        if first.startswith("$CATEGORY:"):
            try:
                category = parse_category_path(_restore(_escape_line(first[10:])))
            except DomainError as error:
                problems.append(ImportProblem(lines[0][0], error.message))
            lines = lines[1:]
            if not lines:
                continue
        reader = _Reader(lines)
        try:
            parsed = _parse_question(reader)
            _apply_directives(parsed, block.directives)
            idnumber, tags = idnumber_and_tags(block.comments)
            parsed.question.idnumber, parsed.question.tags = idnumber or None, tuple(tags)
        except _Problem as problem:
            problems.append(ImportProblem(problem.line or reader.line_of(problem.offset),
                                          problem.message))
            continue
        parsed.category = category
        questions.append(parsed)
    return questions, problems


def _apply_directives(parsed: ParsedQuestion, directives) -> None:
    question = parsed.question
    codes = []
    for number, key, value in directives:
        value = (value or "").strip()
        if key == "mark":
            try:
                question.default_mark = Decimal(value)
            except InvalidOperation:
                raise _Problem(0, _("the mark must be a number"), number) from None
            parsed.lines["default_mark"] = number
        elif key == "difficulty":
            if not value.isdigit():
                raise _Problem(0, _("difficulty goes from 1 to 5"), number)
            question.difficulty = int(value)
            parsed.lines["difficulty"] = number
        elif key == "competency":
            codes.extend(c.strip() for c in value.split(",") if c.strip())
            parsed.lines.setdefault("competency", number)
        elif key == "case-sensitive" and question.qtype == "shortanswer":
            question.data["case_sensitive"] = True
        elif key == "hint" and question.qtype == "essay":
            question.data["response_hint"] = _restore(_escape_line(value))
    parsed.competency_codes = tuple(codes)


def _parse_question(reader: _Reader) -> ParsedQuestion:
    text = reader.text
    lead = len(text) - len(text.lstrip())
    body = text.strip()
    name = ""
    if body.startswith("::"):
        end = body.find("::", 2)
        if end < 0:
            raise _Problem(lead, _("the question name is not closed with ::"))
        name = _restore(body[2:end]).strip()
        lead += end + 2
        body = body[end + 2:]
    first = reader.line_of(lead)
    start, close = body.find("{"), body.find("}")
    if start < 0 and close < 0:
        # No answers at all: a description (text shown between questions), as in Moodle.
        question = QuestionData(qtype="description", name=name,
                                text=_rich(body, "moodle"), data={})
        return ParsedQuestion(line=first, question=question, lines={"text": first})
    if start < 0 or (0 <= close < start):
        raise _Problem(lead + close, _("} without {"))
    if close < 0:
        raise _Problem(lead + start, _("unclosed {"))
    inner = body.find("{", start + 1)
    if 0 <= inner < close:
        raise _Problem(lead + inner, _("{ inside an answer block (write \\{ for a brace)"))
    after = body[close + 1:]
    extra = re.search(r"[{}]", after)
    if extra:
        raise _Problem(lead + close + 1 + extra.start(), _(
            "only one answer block { } per question (separate questions with a blank line)"))
    before = body[:start]
    question_text = before + "_____" + after if after.strip() else before
    fmt, _raw = _formatted(question_text, "moodle")
    answers = body[start + 1:close]
    offset = lead + start + 1
    general = ""
    split = answers.rfind("####")
    if split >= 0:
        general = _rich(answers[split + 4:], fmt)
        answers = answers[:split]
    qtype, data, lines = _parse_answers(reader, answers, offset, fmt)
    question = QuestionData(qtype=qtype, name=name, text=_rich(question_text, "moodle"),
                            data=data, general_feedback=general)
    lines.setdefault("text", first)
    return ParsedQuestion(line=first, question=question, lines=lines)


def _weight(piece: str, offset: int) -> tuple[str | None, str]:
    stripped = piece.lstrip()
    if not stripped.startswith("%"):
        return None, piece
    match = _WEIGHT.match(stripped)
    if not match:
        raise _Problem(offset, _("a weight must look like %(example)s",
                                 example="%50% / %-25%"))
    value = Decimal(match.group(1))
    if not -100 <= value <= 100:
        raise _Problem(offset, _("a weight must be between %(low)s and %(high)s",
                                 low="-100%", high="100%"))
    return canonical(value / 100), stripped[match.end():]


def _split(answers: str, markers: str, offset: int) -> list[tuple[str, str, int]]:
    """(marker, text, offset) for each answer starting with one of `markers`; text before
    the first marker is an answer too (marker ""), as Moodle reads it."""
    positions = [i for i, ch in enumerate(answers) if ch in markers]
    bounds = positions + [len(answers)]
    pieces = [(answers[p], answers[p + 1:bounds[k + 1]], offset + p)
              for k, p in enumerate(positions)]
    head = answers[:positions[0]] if positions else answers
    if head.strip():
        pieces.insert(0, ("", head, offset + len(head) - len(head.lstrip())))
    return pieces


def _feedback(piece: str, fmt: str) -> tuple[str, str]:
    text, _sep, feedback = piece.partition("#")
    return text, _plain(feedback, fmt)


def _parse_answers(reader: _Reader, answers: str, offset: int,
                   fmt: str) -> tuple[str, dict, dict]:
    """The type and parts of a question from its answer block; `fmt` is the question
    text's format, which every answer and feedback without its own prefix takes."""
    stripped = answers.strip()
    lines: dict[str, int] = {}
    if not stripped:
        return "essay", {"response_hint": ""}, lines
    if stripped.startswith("#"):
        return _parse_numerical(reader, answers, offset, lines, fmt)
    if "~" in answers:
        single = "=" in answers
        options = []
        for i, (marker, piece, at) in enumerate(_split(answers, "=~", offset)):
            weight, piece = _weight(piece, at)
            if marker == "=" and weight is not None:
                raise _Problem(at, _("= marks the right answer; write %(example)s for "
                                     "partial credit", example="~%50%"))
            text, feedback = _feedback(piece, fmt)
            options.append({"id": chr(ord("a") + i) if i < 26 else f"o{i + 1}",
                            "text": _plain(text, fmt), "feedback": feedback,
                            "fraction": "1" if marker == "=" else (weight or "0")})
            lines[f"options-{i}"] = reader.line_of(at)
        return ("single" if single else "multiple"), {"options": options}, lines
    if "=" in answers and "->" in answers:
        pairs = []
        for i, (_marker, piece, at) in enumerate(_split(answers, "=", offset)):
            prompt, arrow, answer = piece.partition("->")
            if not arrow:
                raise _Problem(at, _("a matching pair needs ->, as in =prompt -> answer"))
            pairs.append({"id": f"p{i + 1}", "prompt": _plain(prompt, fmt),
                          "answer": _restore(answer).strip()})
            lines[f"pairs-{i}"] = reader.line_of(at)
        return "matching", {"pairs": pairs}, lines
    word, _sep, rest = stripped.partition("#")
    if "=" not in answers and word.strip() in TRUE_WORDS + FALSE_WORDS:
        wrong, _sep, right = rest.partition("#")
        truth = word.strip() in TRUE_WORDS
        wrong, right = _plain(wrong, fmt), _plain(right, fmt)
        return "truefalse", {
            "answer": truth,
            "feedback_true": right if truth else wrong,
            "feedback_false": wrong if truth else right,
        }, lines
    # Anything else is a short answer, `{One}` included (Moodle reads it so).
    accepted = []
    for i, (_marker, piece, at) in enumerate(_split(answers, "=", offset)):
        weight, piece = _weight(piece, at)
        text, feedback = _feedback(piece, fmt)
        accepted.append({"text": _answer(text, fmt), "fraction": weight or "1",
                         "feedback": feedback})
        lines[f"answers-{i}"] = reader.line_of(at)
    return "shortanswer", {"answers": accepted, "case_sensitive": False}, lines


def _decimal(text: str, offset: int) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise _Problem(offset, _("%(text)s is not a number", text=_restore(text.strip())[:40]
                                 or "''"))
    return value


def _numerical_answer(piece: str, at: int) -> tuple[str, str]:
    piece = piece.strip()
    if piece == "*":
        return "*", "0"
    if ".." in piece:
        low_text, _sep, high_text = piece.partition("..")
        low, high = _decimal(low_text, at), _decimal(high_text, at)
        if low > high:
            raise _Problem(at, _("a range must go from the smaller number to the larger"))
        return canonical((low + high) / 2), canonical((high - low) / 2)
    value_text, colon, tolerance_text = piece.partition(":")
    value = _decimal(value_text, at)
    tolerance = _decimal(tolerance_text, at) if colon else Decimal(0)
    if tolerance < 0:
        raise _Problem(at, _("the tolerance cannot be negative"))
    return canonical(value), canonical(tolerance)


def _parse_numerical(reader: _Reader, answers: str, offset: int,
                     lines: dict, fmt: str) -> tuple[str, dict, dict]:
    hash_at = answers.index("#")
    rest, at = answers[hash_at + 1:], offset + hash_at + 1
    other = None
    tilde = rest.find("~")
    if tilde >= 0:
        other = (_plain(rest[tilde + 1:].lstrip().removeprefix("#"), fmt), at + tilde)
        rest = rest[:tilde]
    if not rest.strip():
        raise _Problem(at, _("a numerical answer needs a number after #"))
    pieces = (_split(rest, "=", at) if "=" in rest else [("=", rest, at)])
    result = []
    for i, (_marker, piece, piece_at) in enumerate(pieces):
        weight, piece = _weight(piece, piece_at)
        number, feedback = _feedback(piece, fmt)
        value, tolerance = _numerical_answer(_formatted(number, fmt)[1], piece_at)
        result.append({"value": value, "tolerance": tolerance, "fraction": weight or "1",
                       "feedback": feedback})
        lines[f"answers-{i}"] = reader.line_of(piece_at)
    if other is not None:
        lines[f"answers-{len(result)}"] = reader.line_of(other[1])
        result.append({"value": "*", "tolerance": "0", "fraction": "0", "feedback": other[0]})
    return "numerical", {"answers": result}, lines


def import_gift(session, actor, text: str, target: QuestionCategory | None,
                on_error: str = "stop") -> ImportResult:
    """Import a GIFT file: questions before any $CATEGORY line go to `target`. With
    on_error="stop" refuses the whole file (ImportRefused, nothing written) when any line is
    wrong; with "skip" imports the good questions and lists the others (`bank.import_questions`)."""
    questions, problems = parse_gift(text)
    return import_questions(session, actor, questions, target, problems, on_error)


# Writing


def escape(text: str) -> str:
    """Text with GIFT's reserved characters escaped and line breaks as \\n."""
    text = text.replace("\r", "")
    for ch in "\\~=#{}:":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "\\n")


def _percent(value: str) -> str:
    return canonical(Decimal(value) * 100)


def plain_out(text: str) -> str:
    """A plain field (an option, a prompt, per-answer feedback) for a question written as
    [markdown]: bare when Markdown shows it as it is, else marked [plain]."""
    if textformat.markdown_is_plain(text) and not _FORMAT.match(text):
        return escape(text)
    return "[plain]" + escape(text)


def _answer_out(text: str) -> str:
    """A short answer: taken as written on import, unless it starts like a format mark."""
    return ("[plain]" if _FORMAT.match(text) else "") + escape(text)


def _feedback_part(feedback: str) -> str:
    return f"#{plain_out(feedback)}" if feedback else ""


def write_answers(qtype: str, data: dict) -> str:
    """The `{…}` of a question (without general feedback)."""
    if qtype == "essay":
        return ""
    if qtype == "truefalse":
        truth = bool(data.get("answer"))
        right = data.get("feedback_true" if truth else "feedback_false") or ""
        wrong = data.get("feedback_false" if truth else "feedback_true") or ""
        out = "TRUE" if truth else "FALSE"
        if wrong or right:
            out += "#" + (plain_out(wrong) if wrong else "")
        if right:
            out += "#" + plain_out(right)
        return out
    lines = []
    if qtype in ("single", "multiple"):
        for option in data["options"]:
            weight = Decimal(option["fraction"])
            if qtype == "single" and weight == 1:
                marker = "="
            elif weight == 0:
                marker = "~"
            else:
                marker = f"~%{_percent(option['fraction'])}%"
            lines.append(marker + plain_out(option["text"])
                         + _feedback_part(option["feedback"]))
    elif qtype == "shortanswer":
        for answer in data["answers"]:
            weight = "" if Decimal(answer["fraction"]) == 1 else f"%{_percent(answer['fraction'])}%"
            lines.append(f"={weight}{_answer_out(answer['text'])}"
                         + _feedback_part(answer["feedback"]))
    elif qtype == "numerical":
        answers = data["answers"]
        for i, answer in enumerate(answers):
            weight = Decimal(answer["fraction"])
            if answer["value"] == "*" and weight == 0 and i == len(answers) - 1:
                lines.append("~#" + plain_out(answer["feedback"]))
                continue
            percent = "" if weight == 1 else f"%{_percent(answer['fraction'])}%"
            value = (answer["value"] if answer["value"] == "*"
                     else f"{answer['value']}:{answer['tolerance']}")
            lines.append(f"={percent}{value}" + _feedback_part(answer["feedback"]))
        return "#\n\t" + "\n\t".join(lines) + "\n"
    elif qtype == "matching":
        for pair in data["pairs"]:
            prompt = plain_out(pair["prompt"]) if pair["prompt"] else ""
            lines.append(f"={prompt} -> {escape(pair['answer'])}" if prompt
                         else f"= -> {escape(pair['answer'])}")
    return "\n\t" + "\n\t".join(lines) + "\n"


def _id_and_tags(question: Question) -> str:
    parts = []
    if question.idnumber:
        parts.append(f"[id:{question.idnumber.replace(']', chr(92) + ']')}]")
    parts.extend(f"[tag:{tag.replace(']', chr(92) + ']')}]" for tag in question.tags or [])
    return ("// " + " ".join(parts)).replace("\n", " ") if parts else ""


def write_question(question: Question, codes: dict[int, str]) -> str:
    """One question as a GIFT block (its current version), metadata in comments."""
    version = current_version(question)
    out = [f"// question: {question.id}  name: {version.name}".replace("\n", " ")]
    if _id_and_tags(question):
        out.append(_id_and_tags(question))
    if version.qtype != "description" and Decimal(version.default_mark) != 1:
        out.append(f"// [mark:{canonical(Decimal(version.default_mark))}]")
    if question.difficulty != 3:
        out.append(f"// [difficulty:{question.difficulty}]")
    for code in sorted(codes[link.competency_id] for link in question.competency_links):
        out.append(f"// [competency:{code}]")
    data = version.data or {}
    if version.qtype == "shortanswer" and data.get("case_sensitive"):
        out.append("// [case-sensitive]")
    if version.qtype == "essay" and data.get("response_hint"):
        out.append("// [hint:" + escape(data["response_hint"]) + "]")
    if version.qtype == "description":
        out.append(f"::{escape(version.name)}::[markdown]{escape(version.text)}")
        return "\n".join(out) + "\n"
    general = f"####{escape(version.general_feedback)}" if version.general_feedback else ""
    answers = write_answers(version.qtype, data)
    if general and answers.endswith("\n"):
        general = "\t" + general + "\n"
    out.append(f"::{escape(version.name)}::[markdown]{escape(version.text)}"
               f"{{{answers}{general}}}")
    return "\n".join(out) + "\n"


def path_text(category: QuestionCategory) -> str:
    """A category's path as GIFT's $CATEGORY writes it (a/b/c, `//` for a slash)."""
    return "/".join(c.name.replace("/", "//") for c in category_path(category))


def export_gift(session, category: QuestionCategory, include_subcategories: bool = True) -> str:
    """The category's questions (and its subcategories', unless told otherwise) as GIFT,
    each category announced by a $CATEGORY line; archived questions are left out."""
    ids = subtree_ids(session, category) if include_subcategories else [category.id]
    codes = dict(session.execute(select(Competency.id, Competency.code)).all())
    parts = []
    for category_id in ids:
        questions = list(session.scalars(
            select(Question).where(Question.category_id == category_id,
                                   Question.archived.is_(False)).order_by(Question.id)))
        if not questions:
            continue
        current = session.get(QuestionCategory, category_id)
        parts.append(f"$CATEGORY: {path_text(current)}\n")
        parts.extend(write_question(q, codes) for q in questions)
    return "\n".join(parts)
