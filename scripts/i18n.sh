#!/bin/sh
# Refresh the interface translations: extract -> update the catalogues -> compile.
#   scripts/i18n.sh            extract, update and compile
#   scripts/i18n.sh compile    compile only (after editing a .po)
# Then translate every new or fuzzy entry and compile; tests/test_i18n.py fails until none is
# left. The keywords here must match KEYWORDS in tests/test_i18n.py.
set -eu
cd "$(dirname "$0")/.."
TRANSLATIONS=lms/translations
POT=$TRANSLATIONS/messages.pot

if [ "${1:-}" != "compile" ]; then
    pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
        --project "Service Academy" --copyright-holder "Service Academy" \
        --version 0.1.0 --no-wrap -o "$POT" .
    pybabel update -i "$POT" -d "$TRANSLATIONS" --init-missing -l zh_Hans_CN --no-fuzzy-matching \
        --no-wrap --ignore-obsolete
fi
pybabel compile -d "$TRANSLATIONS" --statistics
