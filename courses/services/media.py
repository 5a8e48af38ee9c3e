"""A lesson's files as the page shows them: audio and video played in the page, each with the
WebVTT captions uploaded beside it, and everything else as a download.

Captions pair with a recording by name: `intro.mp4` takes `intro.vtt` (in the course's
default language) and `intro.<language>.vtt` (e.g. `intro.zh_Hans.vtt`, `intro.en.vtt`).
"""

from dataclasses import dataclass, field

from courses.models import LessonAttachment
from lms.core.i18n import default_language

CAPTIONS = "text/vtt"
# Language tags for <track srclang>, and their names in the menu of the player.
TRACK_LANGUAGES = {"en": ("en", "English"), "zh_Hans": ("zh-Hans", "简体中文"),
                   "zh": ("zh-Hans", "简体中文"), "zh_Hans_CN": ("zh-Hans", "简体中文")}


@dataclass(frozen=True)
class Track:
    attachment: LessonAttachment
    srclang: str
    label: str


@dataclass
class Media:
    attachment: LessonAttachment
    kind: str                      # "video" or "audio"
    tracks: list[Track] = field(default_factory=list)


def _stem(filename: str) -> str:
    return filename.rsplit(".", 1)[0]


def _track(attachment: LessonAttachment, stem: str) -> Track | None:
    """The caption file's track when it belongs to the recording named `stem`."""
    name = _stem(attachment.filename)
    if name == stem:
        language = default_language()
    elif name.startswith(stem + "."):
        language = name[len(stem) + 1:]
    else:
        return None
    srclang, label = TRACK_LANGUAGES.get(language, (language.replace("_", "-"), language))
    return Track(attachment, srclang, label)


def lesson_media(attachments: list[LessonAttachment]) -> tuple[list[Media], list]:
    """(recordings to play with their captions, the other files to download). Caption files
    that belong to a recording are not listed again as downloads."""
    captions = [a for a in attachments if a.content_type == CAPTIONS]
    media, used = [], set()
    for attachment in attachments:
        kind = attachment.content_type.split("/", 1)[0]
        if kind not in ("video", "audio"):
            continue
        stem = _stem(attachment.filename)
        tracks = [t for t in (_track(c, stem) for c in captions) if t is not None]
        used.update(t.attachment.id for t in tracks)
        media.append(Media(attachment, kind, tracks))
    playing = {m.attachment.id for m in media}
    others = [a for a in attachments if a.id not in playing and a.id not in used]
    return media, others
