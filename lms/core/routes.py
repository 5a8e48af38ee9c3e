"""One way a package lists its URL rules: a table in its blueprint.py, one rule per line.

    add_rules(bp, {"bank": bank, "hr": hr}, '''
        GET        /author/bank                       bank.bank_index
        GET POST   /author/bank/categories/new        bank.bank_category  category_id=None
        POST       /certificates/<int:certificate_id>/name
                                                      hr.correct_name
    ''')

Columns: the HTTP methods, the URL rule (`""` for the blueprint's prefix itself), the view
as `module.function` (a module given in `modules`), then optionally `endpoint=NAME` and URL
defaults as `name=value` (`None`, a whole number, or text). A line that starts without a
method continues the one before (for long rules). A table that names an unknown module or
function fails when the blueprint is imported, so a typo never ships as a 404;
tests/test_layout.py checks that every public view function is in its blueprint's table.
"""

from types import ModuleType

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})


def _value(text: str):
    if text == "None":
        return None
    return int(text) if text.isdigit() else text


def _rows(table: str) -> list[list[str]]:
    rows: list[list[str]] = []
    for line in table.splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if words[0] in METHODS or not rows:
            rows.append(words)
        else:
            rows[-1] += words
    return rows


def add_rules(bp, modules: dict[str, ModuleType], table: str) -> None:
    """Register every rule of `table` on the blueprint `bp` (see the module's docstring)."""
    for number, words in enumerate(_rows(table), start=1):
        methods = []
        while words and words[0] in METHODS:
            methods.append(words.pop(0))
        if len(words) < 2 or not methods or not words[0].startswith(("/", '""')):
            raise ValueError(f"{bp.name} URL rule {number}: expected METHODS /rule module.view")
        rule, target, *options = words
        rule = "" if rule == '""' else rule  # the blueprint's prefix itself
        module_name, _, function_name = target.partition(".")
        module = modules.get(module_name)
        view = getattr(module, function_name, None) if module is not None else None
        if view is None:
            raise ValueError(f"{bp.name} URL rule {number}: no view {target!r}")
        settings = dict(option.split("=", 1) for option in options)
        endpoint = settings.pop("endpoint", None)
        defaults = {k: _value(v) for k, v in settings.items()}
        bp.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=methods,
                        **({"defaults": defaults} if defaults else {}))
