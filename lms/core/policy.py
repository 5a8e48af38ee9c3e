"""Every permission decision: "may this person do X (to that object)?".

Views, the API and templates ask `may()` here and nowhere else. The rules themselves belong to
the package whose objects they guard: each package's `policy.py` registers its actions with
`register_all(RULES)` from the package's `init_app`, the way assessment kinds
register, so this module imports nothing above the core. An action nobody registered is
refused, so a typo fails closed.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from lms.core.extensions import login_manager

Rule = Callable[[Any, str, Any], bool]
"""rule(actor, action, obj) -> bool; the actor is signed in and active when a rule runs."""

_RULES: dict[str, Rule] = {}


def register(actions: str | Iterable[str], rule: Rule) -> None:
    """Make `rule` decide `actions`; refuses an action another rule already decides."""
    for action in [actions] if isinstance(actions, str) else actions:
        known = _RULES.get(action)
        if known is not None and known is not rule:
            raise ValueError(f"permission {action!r} is already decided by {known.__qualname__}")
        _RULES[action] = rule


def register_all(rules: Iterable[tuple[str | Iterable[str], Rule]]) -> None:
    """Register a package's `RULES`: (actions, rule) pairs."""
    for actions, rule in rules:
        register(actions, rule)


def registered_actions() -> frozenset[str]:
    """Every action some package has registered."""
    return frozenset(_RULES)


def roles(*names: str) -> Rule:
    """A rule for actions that depend on roles alone."""

    def holds_role(actor, action, obj) -> bool:
        return actor.has_role(*names)

    holds_role.__qualname__ = f"roles{names}"
    return holds_role


def signed_in(actor, action, obj) -> bool:
    """A rule for actions every signed-in, active person may take."""
    return True


def may(actor, action: str, obj=None) -> bool:
    """True when `actor` may perform `action` (on `obj` where the action names one)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    rule = _RULES.get(action)
    return rule is not None and bool(rule(actor, action, obj))


def authorize(action: str, obj=None) -> None:
    """Abort with 403 unless the current user may perform `action` on `obj`."""
    if not may(current_user, action, obj):
        abort(403)


def require(action: str):
    """View decorator for role-only actions: 401 → login when signed out, else 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            authorize(action)
            return view(*args, **kwargs)

        return wrapped

    return decorator
