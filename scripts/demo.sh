#!/usr/bin/env bash
# The demo in one command, from a fresh clone: a virtualenv, the package, the PDF fonts (with
# apt when run as root, else it stops and prints the command), the database schema,
# the demo organisation (only into a database without people), then the site on
# http://127.0.0.1:5000 (PORT to change it). Set DATABASE_URL to use PostgreSQL instead of
# instance/lms.sqlite3. Ctrl-C stops the site; running the script again keeps the data.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
PORT=${PORT:-5000}
FONT_PACKAGES="fonts-noto-cjk fonts-noto-core"
# Links, QR codes and signed badges are built on PUBLIC_URL; the demo serves itself here.
export PUBLIC_URL=${PUBLIC_URL:-http://127.0.0.1:$PORT}
# Plain http on localhost: the session cookie must not be marked Secure.
export LMS_INSECURE_COOKIES=1

if [ ! -x .venv/bin/python ]; then
    echo "==> Creating .venv"
    "$PYTHON" -m venv .venv
fi
echo "==> Installing the application into .venv"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .

# Which scripts the PDFs cannot draw with their own font, asked of fontconfig as the app asks
# (a name in a script without a font would otherwise refuse its certificate).
fonts_missing() {  # the scripts without their Noto font, space-separated
    .venv/bin/python -c 'from lms.core.fonts import scripts_without_their_font as m; print(*m())'
}

echo "==> Checking the PDF fonts"
missing=$(fonts_missing)
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
        echo "==> Installing the PDF fonts ($FONT_PACKAGES) for: $missing"
        # shellcheck disable=SC2086  # the package list is meant to split
        DEBIAN_FRONTEND=noninteractive apt-get install -y $FONT_PACKAGES < /dev/null \
            || { DEBIAN_FRONTEND=noninteractive apt-get update < /dev/null \
                 && DEBIAN_FRONTEND=noninteractive apt-get install -y $FONT_PACKAGES < /dev/null; }
        missing=$(fonts_missing)
    fi
    if [ -n "$missing" ]; then
        echo "scripts/demo.sh: the PDF fonts are not installed (no Noto font for: $missing);" >&2
        echo "certificates with such names would be refused. Install them, then run me again:" >&2
        echo "  sudo apt-get install $FONT_PACKAGES" >&2
        exit 1
    fi
fi

if compgen -G "lms/translations/*/LC_MESSAGES/*.po" > /dev/null; then
    echo "==> Compiling the interface translations"
    .venv/bin/pybabel -q compile -d lms/translations
fi

echo "==> Bringing the database schema up to date"
.venv/bin/flask --app lms db upgrade

people=$(.venv/bin/python - <<'PY'
from sqlalchemy import func, select

from lms import create_app
from lms.core.extensions import db
from lms.people.models import Person

with create_app().app_context():
    print(db.session.scalar(select(func.count()).select_from(Person)))
PY
)

if [ "$people" = "0" ]; then
    echo "==> Creating the demo organisation"
    .venv/bin/flask --app lms seed-demo
else
    password=$(.venv/bin/python -c "from lms.demo import DEMO_PASSWORD; print(DEMO_PASSWORD)")
    echo "==> The database already has $people people; the demo is not seeded again."
    echo "If it is the demo database, sign in with any of these (password '$password'):"
    for role in admin hr manager mentor agent; do
        printf '  %-8s %s@demo.example\n' "$role" "$role"
    done
    echo "(To start the demo over: PUBLIC_URL=$PUBLIC_URL .venv/bin/flask --app lms seed-demo --force, which ERASES all data.)"
fi

echo
echo "==> Service Academy on http://127.0.0.1:$PORT  (Ctrl-C to stop)"
exec .venv/bin/gunicorn --workers 2 --threads 4 --bind "127.0.0.1:$PORT" \
    --access-logfile - wsgi:app
