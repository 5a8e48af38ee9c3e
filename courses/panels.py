"""Panels higher packages add to the learner pages without courses importing them (the
classroom package's training hours): a panel is a function returning HTML (Markup) or None.

    @path_panel
    def hours(session, person) -> Markup | None: ...      # My path / a person's path
    @team_panel
    def hours(session, people) -> Markup | None: ...      # the team page (its page of people)
"""

from collections.abc import Callable

from markupsafe import Markup

PathPanel = Callable[..., Markup | None]
_PATH_PANELS: list[PathPanel] = []
_TEAM_PANELS: list[PathPanel] = []


def path_panel(function: PathPanel) -> PathPanel:
    """Register a panel of the path pages (refuses a duplicate)."""
    if function in _PATH_PANELS:
        raise ValueError(f"path panel {function.__name__} is already registered")
    _PATH_PANELS.append(function)
    return function


def team_panel(function: PathPanel) -> PathPanel:
    """Register a panel of the team page (refuses a duplicate)."""
    if function in _TEAM_PANELS:
        raise ValueError(f"team panel {function.__name__} is already registered")
    _TEAM_PANELS.append(function)
    return function


def path_panels(session, person) -> list[Markup]:
    """Every registered path panel's HTML for `person` (those with nothing to say left out)."""
    return [html for panel in _PATH_PANELS if (html := panel(session, person)) is not None]


def team_panels(session, people) -> list[Markup]:
    """Every registered team panel's HTML for the page's `people`."""
    return [html for panel in _TEAM_PANELS if (html := panel(session, people)) is not None]
