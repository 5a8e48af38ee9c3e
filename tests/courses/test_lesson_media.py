"""Lesson recordings play in the page with their WebVTT captions; other files stay downloads."""

import io
import re

import pytest

from courses.services import authoring, enrolment
from courses.services import versions as services
from courses.services.media import lesson_media
from lms.core.errors import DomainError
from tests.courses import payloads

VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nThank you for calling.\n"
VTT_ZH = "\ufeffWEBVTT\n\n00:00.000 --> 00:02.000\n感谢您的来电。\n".encode()


def _attach(db, app, lesson, name, data):
    return authoring.add_attachment(db.session, None, lesson, name, io.BytesIO(data),
                                    app.config["STORAGE_DIR"], app.config["ATTACHMENT_MAX_BYTES"])


@pytest.fixture
def media_course(db, app, make_course):
    course = make_course("MEDIA-1", title="Calls", lessons=("Listen",))
    draft = authoring.current_draft(db.session, course)
    lesson = draft.modules[0].lessons[0]
    for name, data in (("greeting.mp4", payloads.mp4()), ("greeting.vtt", VTT),
                       ("greeting.zh_Hans.vtt", VTT_ZH), ("call.mp3", payloads.mp3()),
                       ("handout.pdf", payloads.pdf()), ("orphan.vtt", VTT)):
        _attach(db, app, lesson, name, data)
    services.publish(db.session, None, course, "with media")
    db.session.commit()
    return course


def test_recordings_pair_with_their_captions_by_name(db, media_course):
    lesson = services.published(db.session, media_course).modules[0].lessons[0]
    media, files = lesson_media(lesson.attachments)
    assert [(m.attachment.filename, m.kind) for m in media] == [
        ("greeting.mp4", "video"), ("call.mp3", "audio")]
    assert [(t.attachment.filename, t.srclang) for t in media[0].tracks] == [
        ("greeting.vtt", "en"), ("greeting.zh_Hans.vtt", "zh-Hans")]
    assert media[1].tracks == []
    # A caption file that belongs to no recording stays a download.
    assert [a.filename for a in files] == ["handout.pdf", "orphan.vtt"]


def test_the_lesson_page_plays_them(client, auth, db, make_person, media_course):
    learner = make_person()
    enrolment.enrol(db.session, None, learner, media_course)
    db.session.commit()
    auth.login(learner)
    lesson = services.published(db.session, media_course).modules[0].lessons[0]
    page = client.get(f"/courses/{media_course.id}/lessons/{lesson.key}").get_data(as_text=True)
    assert re.search(r'<video controls preload="metadata" src="/attachments/\d+"', page)
    assert page.count('<track kind="captions"') == 2 and 'srclang="zh-Hans"' in page
    assert re.search(r'<audio controls preload="metadata"', page)
    files = page.split("<h2>Files</h2>", 1)[1]
    assert "handout.pdf" in files and "greeting.vtt" not in files
    track = re.search(r'<track kind="captions" src="(/attachments/\d+)"', page).group(1)
    with client.get(track) as response:
        assert response.status_code == 200 and response.mimetype == "text/vtt"
        assert response.data.startswith(b"WEBVTT")


@pytest.mark.parametrize("data", [b"1\n00:00:00,000 --> 00:00:02,000\nSRT, not VTT\n",
                                  payloads.HTML])
def test_a_caption_file_must_be_webvtt(db, app, make_course, data):
    course = make_course("MEDIA-2")
    lesson = authoring.current_draft(db.session, course).modules[0].lessons[0]
    with pytest.raises(DomainError, match="not a VTT file"):
        _attach(db, app, lesson, "captions.vtt", data)
    assert lesson.attachments == []
