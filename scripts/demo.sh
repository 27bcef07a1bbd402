#!/bin/sh
# scripts/demo.sh BINARY - run the example project on a throwaway PostgreSQL:
# up, status, history, down --all, up again. The server is gone afterwards.
set -eu
MIGRATE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/pg.sh"
pg_start
# run in a scratch directory (backups/ goes there), with the example linked in
WORK=$(mktemp -d "${TMPDIR:-/tmp}/migrate-demo.XXXXXX")
trap 'pg_stop; rm -rf "$WORK"' EXIT INT TERM
ln -s "$TOP/migrations" "$WORK/migrations"
"$PG_BIN/createdb" demo
export PGDATABASE=demo
cd "$WORK"

bold= plain=
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$(printf '\033[1m'); plain=$(printf '\033[0m'); fi
step() {
	printf '\n%s$ migrate %s%s\n' "$bold" "$*" "$plain"
	"$MIGRATE" --dir migrations/example "$@"
}

echo "throwaway PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on socket $PGHOST, port $PGPORT"
if "$MIGRATE" --list-commands | grep -qx lint; then
	step lint || true
fi
step plan
step rehearse
step up
step status
step history --limit 5
step backups
step down --all
step status
step up
echo
echo "the database and the server are removed now; run your own with:"
echo "  migrate -d postgresql://user@host/db --dir migrations/example up"
