"""What a checked course folder describes, and the error that lists what is wrong with one."""

from dataclasses import dataclass, field

from flask_babel import gettext as _

from courses.models import Course
from lms.competencies.models import Competency
from lms.core.errors import DomainError
from lms.paths.models import CertificationPath

MANIFEST = "course.yaml"
COURSE_KEYS = ("code", "title", "title_zh", "summary", "summary_zh", "self_enrol", "tiers",
               "competencies", "prerequisites", "modules")
TIER_KEYS = ("path", "required", "due_days")
MODULE_KEYS = ("title", "title_zh", "lessons")
LESSON_KEYS = ("file", "title", "title_zh", "minutes")


class ContentError(DomainError):
    """A course folder that cannot be imported; `problems` lists every "file:line: message"."""

    def __init__(self, problems: list[str]):
        header = _("The course was not imported; fix these problems and try again:")
        super().__init__("\n".join([header, *problems]))
        self.problems = problems


@dataclass
class LessonSpec:
    file: str
    title: str
    title_zh: str
    minutes: int
    body: str = ""
    body_zh: str = ""  # from the lesson's `<name>.zh_Hans.md` twin, when there is one


@dataclass
class ModuleSpec:
    title: str
    title_zh: str
    lessons: list[LessonSpec] = field(default_factory=list)


@dataclass
class TierSpec:
    path: CertificationPath
    required: bool
    due_days: int | None


@dataclass
class CourseSpec:
    code: str = ""
    title: str = ""
    title_zh: str = ""
    summary: str = ""
    summary_zh: str = ""
    self_enrol: bool = False
    tiers: list[TierSpec] = field(default_factory=list)
    competencies: list[Competency] = field(default_factory=list)
    prerequisites: list[Course] = field(default_factory=list)
    modules: list[ModuleSpec] = field(default_factory=list)
