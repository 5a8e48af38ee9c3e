"""Courses as files: a folder (or .zip of one) holding `course.yaml` and Markdown lessons.

Training teams keep course content in version control and import it with
`flask --app lms import-course PATH [--publish]`; `export-course CODE OUTPUT` writes the
published version back in the same layout. The manifest:

    code: NH-BASICS
    title: New-hire basics
    title_zh: 新员工基础          # optional; every title may have a _zh twin
    summary: …                   # optional (summary_zh too)
    self_enrol: false            # optional
    tiers: [{path: NEWHIRE, required: true, due_days: 14}]
    competencies: [ETQ-GREET, …]
    prerequisites: [OTHER-COURSE]
    modules:
      - title: Service etiquette
        lessons:
          - {file: 01-service-etiquette/01-greeting.md, title: Greeting and closing, minutes: 20}

A lesson's Chinese text sits beside it as `01-greeting.zh_Hans.md` (optional; learners reading
Chinese see it, others the default file). See docs/content-languages.md.

An import is checked completely before anything is written (`manifest`, reading through
`sources`): every problem is reported as "file:line: message" and the database is left as it
was. Lesson files are stored byte for byte, so an export (`exporter`) writes back exactly what
was imported (`importer`).
"""

from courses.services.content_files.exporter import course_files, export_course
from courses.services.content_files.importer import (
    STARTER_COURSES,
    STARTER_DIR,
    import_course,
    import_starter_courses,
)
from courses.services.content_files.manifest import read_course_folder
from courses.services.content_files.specs import ContentError, CourseSpec

__all__ = ["STARTER_COURSES", "STARTER_DIR", "ContentError", "CourseSpec", "course_files",
           "export_course", "import_course", "import_starter_courses", "read_course_folder"]
