#!/usr/bin/env bash
# Every check, in one command: the virtualenv with the dev tools, axe-core for the browser
# suite, Chromium, the PDF fonts and poppler, the translations, ruff, the layers
# contract (import-linter), the whole pytest suite
# on SQLite and, side by side,
# on PostgreSQL when one answers (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test).
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
CHROMIUM=/usr/bin/chromium
TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nscripts/test.sh: %s\n' "$*" >&2; exit 1; }
as_root_with_apt() { [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; }
apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" < /dev/null \
        || { DEBIAN_FRONTEND=noninteractive apt-get update < /dev/null \
             && DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" < /dev/null; }
}

# Runs pytest with a label into a log file, in the background; the exit status lands in
# LOG.rc and the wall time in seconds in LOG.time. Arguments after the log go before pytest
# (an `env …` prefix); PYTEST_ARGS go after it.
start_pytest() {
    local label=$1 log=$2
    shift 2
    printf '\n==> pytest on %s (log: %s)\n' "$label" "$log"
    ( start=$SECONDS status=0
      "$@" .venv/bin/python -m pytest -q -p no:cacheprovider --durations=15 \
          "${PYTEST_ARGS[@]}" > "$log" 2>&1 || status=$?
      echo $((SECONDS - start)) > "$log.time"
      echo "$status" > "$log.rc" ) &
}

# One line per run for the closing summary: tests collected, passed, wall time.
summarise_pytest() {
    local label=$1 log=$2 collected passed
    collected=$(sed -n 's/^tests collected: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
    passed=$(grep -Eo '[0-9]+ passed' "$log" | tail -n 1 | cut -d' ' -f1)
    printf '%-34s %5s collected %5s passed  %3dm%02ds\n' "$label" "${collected:-?}" \
        "${passed:-0}" $(( $(cat "$log.time") / 60 )) $(( $(cat "$log.time") % 60 ))
}

# Prints a finished run's log and fails on its exit status (5: it collected nothing).
check_pytest() {
    local label=$1 log=$2 status
    step "pytest on $label"
    cat "$log"
    status=$(cat "$log.rc")
    if [ "$status" = 5 ]; then
        fail "pytest on $label collected no tests"
    elif [ "$status" != 0 ]; then
        fail "pytest on $label failed (exit $status)"
    fi
}

SECONDS=0

step "Python environment (.venv) with the dev tools"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'

step "axe-core for the browser suite (npm)"
if ! command -v npm > /dev/null; then
    if as_root_with_apt; then
        apt_install npm
    else
        fail "npm is missing: install Node.js and npm (apt-get install npm), then run me again"
    fi
fi
npm ci --no-audit --no-fund
[ -f node_modules/axe-core/axe.min.js ] || fail "npm ci did not install node_modules/axe-core"

step "Chromium for the browser suite"
if [ ! -x "$CHROMIUM" ]; then
    if as_root_with_apt; then
        apt_install chromium
    fi
    [ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing: apt-get install chromium"
fi
"$CHROMIUM" --version 2> /dev/null || true

# SAML sign-in checks signatures with xmlsec1 (pysaml2 runs it), in the app and in its tests.
step "xmlsec1 for SAML signatures"
if ! command -v xmlsec1 > /dev/null; then
    if as_root_with_apt; then
        apt_install xmlsec1
    fi
    command -v xmlsec1 > /dev/null || fail "xmlsec1 is missing: apt-get install xmlsec1"
fi

# The PDF tests print names in every script of the demo and read the PDFs back with poppler;
# the app's own font check (lms.core.fonts, through fontconfig) says whether the fonts are there.
step "PDF fonts and poppler for the PDF tests"
fonts_missing() {  # the scripts without their Noto font, space-separated
    .venv/bin/python -c 'from lms.core.fonts import scripts_without_their_font as m; print(*m())'
}
if [ -n "$(fonts_missing)" ] || ! command -v pdftotext > /dev/null; then
    if as_root_with_apt; then
        apt_install fonts-noto-cjk fonts-noto-core poppler-utils
    fi
    missing=$(fonts_missing)
    [ -z "$missing" ] || fail "no Noto font for: $missing: apt-get install fonts-noto-cjk fonts-noto-core"
    command -v pdftotext > /dev/null || fail "pdftotext is missing: apt-get install poppler-utils"
fi

if compgen -G "lms/translations/*/LC_MESSAGES/*.po" > /dev/null; then
    step "Compiling the interface translations"
    .venv/bin/pybabel compile -d lms/translations
fi

step "ruff"
.venv/bin/ruff check .

# The layers (docs/architecture.md): an upward import fails here.
step "import-linter (layers)"
.venv/bin/lint-imports --no-cache

# The SQLite and PostgreSQL runs go side by side (one core each); their logs print in turn.
LOGS=$(mktemp -d)
PYTEST_ARGS=()
start_pytest SQLite "$LOGS/sqlite.log" env -u DATABASE_URL
PG_LABEL=""

# Reachable and accepting us? Prints host:port either way.
if where=$(.venv/bin/python - "$TEST_DATABASE_URL" <<'PY'
import sys

import psycopg
from sqlalchemy.engine import make_url

url = make_url(sys.argv[1]).set(drivername="postgresql")
print(f"{url.host or 'localhost'}:{url.port or 5432}")
try:
    psycopg.connect(url.render_as_string(hide_password=False), connect_timeout=5).close()
except psycopg.Error as error:
    print(str(error).strip().splitlines()[0] if str(error).strip() else error, file=sys.stderr)
    sys.exit(1)
PY
); then
    PG_LABEL="PostgreSQL ($where)"
    # The browser journeys test the browser layer, not SQL: they run in the SQLite job only.
    PYTEST_ARGS=(-m "not e2e")
    start_pytest "$PG_LABEL" "$LOGS/postgresql.log" env DATABASE_URL="$TEST_DATABASE_URL"
else
    echo "PostgreSQL not reachable on $where: skipping the PostgreSQL run"
fi
wait
check_pytest SQLite "$LOGS/sqlite.log"
if [ -n "$PG_LABEL" ]; then
    check_pytest "$PG_LABEL" "$LOGS/postgresql.log"
fi

step "Summary"
summarise_pytest SQLite "$LOGS/sqlite.log"
if [ -n "$PG_LABEL" ]; then
    summarise_pytest "$PG_LABEL" "$LOGS/postgresql.log"
fi
printf '\nAll checks passed in %dm%02ds.\n' $((SECONDS / 60)) $((SECONDS % 60))
