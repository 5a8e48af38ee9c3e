"""The SCORM upload form."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional

from lms.core.forms import Form


class PackageForm(Form):
    file = FileField(_l("SCORM or xAPI package (.zip)"),
                     validators=[FileRequired(_l("Choose a file to upload."))])
    title = StringField(_l("Title (empty: the title in the package)"),
                        validators=[Optional(), Length(max=200)])
    lesson_key = StringField(_l("Content of the lesson with key (optional: completing the "
                                "package completes the lesson)"),
                             validators=[Optional(), Length(max=36)])
