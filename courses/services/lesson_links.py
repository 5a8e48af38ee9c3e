"""Links other packages add to a lesson page, such as the lesson's knowledge check.

Courses sit below assessments (DESIGN.md: nothing lower imports anything higher), so the lesson
page cannot ask the quiz package itself. A package with something to offer on a lesson
registers a provider here when its views are imported.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LessonLink:
    label: str
    url: str
    note: str = ""


# provider(session, person, course, lesson) -> list[LessonLink]
LessonLinkProvider = Callable[..., list[LessonLink]]
_PROVIDERS: list[LessonLinkProvider] = []


def provides_lesson_links(provider: LessonLinkProvider) -> LessonLinkProvider:
    """Decorator: register a provider once (importing its module again adds nothing)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def lesson_links(session, person, course, lesson) -> list[LessonLink]:
    """Every registered provider's links for this person on this lesson, in registration
    order."""
    return [link for provider in _PROVIDERS for link in provider(session, person, course, lesson)]
