"""What importing a course folder would do, without doing it (the dry run): the course it
creates or updates, and per lesson whether it is new, changed, unchanged or dropped, compared
with the course's latest version (lessons matched by module and title, as the import does)."""

import os
from dataclasses import dataclass, field

from courses.services.content_files.manifest import find_course, read_course_folder
from courses.services.versions import latest_version


@dataclass
class ImportPreview:
    code: str
    title: str
    new_course: bool
    modules: int
    lessons: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    competencies: list[str] = field(default_factory=list)
    prerequisites: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as the command line prints it."""
        head = (f"{'New course' if self.new_course else 'Update of'} {self.code} "
                f"({self.title}): {self.lessons} lessons in {self.modules} modules.")
        out = [head]
        for label, items in (("new", self.added), ("changed", self.changed),
                             ("unchanged", self.unchanged), ("dropped", self.removed)):
            out.extend(f"  {label}: {item}" for item in items)
        if self.tiers:
            out.append("  tiers: " + ", ".join(self.tiers))
        if self.competencies:
            out.append("  competencies: " + ", ".join(self.competencies))
        if self.prerequisites:
            out.append("  prerequisites: " + ", ".join(self.prerequisites))
        return out


def preview_course(session, path: str | os.PathLike) -> ImportPreview:
    """The dry run of `import_course`: checks the folder the same way (ContentError listing
    every problem) and writes nothing."""
    spec = read_course_folder(session, path)
    course = find_course(session, spec.code)
    existing: dict[str, str] = {}
    if course is not None:
        version = latest_version(session, course)
        for module in (version.modules if version else []):
            for lesson in module.lessons:
                existing[f"{module.title} › {lesson.title}"] = lesson.body
    preview = ImportPreview(
        code=spec.code, title=spec.title, new_course=course is None,
        modules=len(spec.modules), lessons=sum(len(m.lessons) for m in spec.modules),
        tiers=[t.path.code for t in spec.tiers],
        competencies=[c.code for c in spec.competencies],
        prerequisites=[c.code for c in spec.prerequisites])
    seen = set()
    for module in spec.modules:
        for lesson in module.lessons:
            label = f"{module.title} › {lesson.title}"
            seen.add(label)
            if label not in existing:
                preview.added.append(label)
            elif existing[label].strip() != lesson.body.strip():
                preview.changed.append(label)
            else:
                preview.unchanged.append(label)
    preview.removed = [label for label in existing if label not in seen]
    return preview
