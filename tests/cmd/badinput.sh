# Bad input, table-driven: broken files, names, directives, configs, URLs, options, a
# history table edited by hand, a down with a syntax error, a backup directory that is not
# writable. Each row: the exit code, the message, and proof that the database (schema and
# history rows; the audit log may record the attempt) did not change.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

# a run that hangs (a FIFO read, an endless file) fails its case instead of the suite
printf '#!/bin/sh\nexec timeout 60 "%s" "$@"\n' "$MIGRATE" >"$T_WORK/migrate-timeout"
chmod +x "$T_WORK/migrate-timeout"
MIGRATE=$T_WORK/migrate-timeout

pristine=$(pg_fresh_db)
export PGDATABASE=$pristine
N=0

# Schema (relations and columns, outside the history and log tables) and the history rows.
fingerprint() {
	_s=$(psql_q -d "$1" -c "SELECT md5(coalesce(string_agg(format('%s.%s:%s:%s:%s', n.nspname, c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod)), ',' ORDER BY 1), '')) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_' AND c.relname !~ '^schema_migrations'") || _s="fingerprint failed $(date +%N)"
	_h=""
	[ "$(psql_q -d "$1" -c "SELECT to_regclass('public.schema_migrations') IS NOT NULL")" = t ] &&
		_h=$(psql_q -d "$1" -c "SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM public.schema_migrations t")
	echo "$_s $_h"
}

# bad RC REGEX DESCRIPTION [SETUP...] -- ARGS...
# SETUP, done in order:
#   -f NAME TEXT    a file in the case's migrations directory (TEXT through printf %b)
#   -F NAME TEXT    a file in the case's working directory (migrate.yml is read from there;
#                   NAME may name a subdirectory)
#   -p NAME         a FIFO in the migrations directory
#   -l NAME TARGET  a symbolic link in the migrations directory
#   -D NAME         a directory in the migrations directory
#   -r NAME         remove a file of the migrations directory
#   -u              apply the migrations as they are now (set-up, not the case)
#   -s SQL          run SQL on the case's database (set-up)
#   -E VAR=VALUE    environment of the run
#   -N              no --dir (the case names its own)
# Cases with -u or -s get a database of their own; the others share one that stays empty.
bad() {
	rc=$1 re=$2 desc=$3
	shift 3
	N=$((N + 1))
	C="$T_WORK/case$N"
	M="$C/m"
	mkdir -p "$M"
	cdb=$pristine
	case " $* " in *" -u "*|*" -s "*) cdb=$(pg_fresh_db) ;; esac
	envs=""
	dirarg="--dir $M"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case $1 in
		-f) printf '%b' "$3" >"$M/$2"; shift 3 ;;
		-F) mkdir -p "$(dirname "$C/$2")"; printf '%b' "$3" >"$C/$2"; shift 3 ;;
		-p) mkfifo "$M/$2"; shift 2 ;;
		-l) ln -s "$3" "$M/$2"; shift 3 ;;
		-D) mkdir -p "$M/$2"; shift 2 ;;
		-r) rm -f "$M/$2"; shift 2 ;;
		-u) (cd "$C" && PGDATABASE=$cdb "$MIGRATE" --dir "$M" -q up --no-backup) >/dev/null 2>&1; shift ;;
		-s) psql_q -d "$cdb" -c "$2" >/dev/null; shift 2 ;;
		-E) envs="$envs $2"; shift 2 ;;
		-N) dirarg=""; shift ;;
		*) echo "bad: unknown set-up $1" >&2; return 1 ;;
		esac
	done
	shift
	before=$(fingerprint "$cdb")
	cd "$C" || return 1
	for e in $envs; do export "$e"; done
	PGDATABASE=$cdb
	run $dirarg "$@"
	PGDATABASE=$pristine
	for e in $envs; do unset "${e%%=*}"; done
	cd "$T_WORK" || return 1
	expect_rc "$rc" "$desc"
	expect_err "$re" "$desc: says why"
	after=$(fingerprint "$cdb")
	expect_eq "$after" "$before" "$desc: the database did not change"
	# a case that changed the shared database must not spoil the next ones
	[ "$cdb" = "$pristine" ] && [ "$after" != "$before" ] && pristine=$(pg_fresh_db) && PGDATABASE=$pristine
	return 0
}

OK='SELECT 1;\n'

# --- files and names
bad 2 "1_b.up.sql: error: version 1 is also used by .*001_a.up.sql" "two files for one version" \
	-f 001_a.up.sql "$OK" -f 1_b.up.sql "$OK" -- up
# lint of one file whose directory up would refuse: the file is checked, without context
bad 2 "warning: linted without the earlier migrations of \"m\" as context" \
	"lint of a file in a directory with two files for one version" \
	-f 001_a.up.sql "$OK" -f 1_b.up.sql "$OK" -f 002_c.up.sql "$OK" -N -- lint m/002_c.up.sql
bad 2 "seed.sql: error: file name is not a migration name" "a .sql name that is not a migration" \
	-f seed.sql "$OK" -- up
bad 2 "1_a.down.sql: error: down migration without an up migration" "a down without an up" \
	-f 1_a.down.sql "$OK" -- up
bad 2 "1234567890123456789_a.up.sql: error: file name is not a migration name" "a version of 19 digits" \
	-f 1234567890123456789_a.up.sql "$OK" -- up
bad 2 "1_.up.sql: error: file name is not a migration name" "a migration without a name" \
	-f 1_.up.sql "$OK" -- up
bad 2 "1.up.sql: error: file name is not a migration name" "a name without an underscore" \
	-f 1.up.sql "$OK" -- up
bad 2 "could not read .*1_a.up.sql.*Is a directory" "an up file that is a directory" \
	-D 1_a.up.sql -- up
bad 2 "could not read .*1_a.up.sql.*No such file or directory" "a dangling symbolic link" \
	-l 1_a.up.sql /nonexistent/file.sql -- up
bad 2 "1_a.sql: error: no \"-- migrate:up\" section" "a single-file migration without -- migrate:up" \
	-f 1_a.sql "SELECT 1;\n" -- up
bad 2 "1_a.sql:1:1: error: -- migrate:down comes before -- migrate:up" "-- migrate:down before -- migrate:up" \
	-f 1_a.sql "-- migrate:down\nSELECT 1;\n-- migrate:up\nSELECT 1;\n" -- up
bad 2 "1_a.sql:3:1: error: second -- migrate:up marker" "two -- migrate:up markers" \
	-f 1_a.sql "-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n" -- up
bad 2 "1_a.up.sql:1:1: error: unexpected -- migrate:up marker" "a dbmate marker in an .up.sql file" \
	-f 1_a.up.sql "-- migrate:up\nSELECT 1;\n" -- up
bad 2 "version 1 is also used by" "a single file and an up file for one version" \
	-f 1_a.sql "-- migrate:up\nSELECT 1;\n" -f 1_a.up.sql "$OK" -- up
bad 2 'could not open migrations directory ".*nope": No such file or directory' "a missing migrations directory" \
	-N -- --dir "$T_WORK/nope" up
bad 2 'could not open migrations directory ".*afile": Not a directory' "a migrations directory that is a file" \
	-N -F afile "x" -- --dir afile up

# --- directives
bad 2 'unknown directive "-- migrate:notransaction"' "an unknown directive" \
	-f 1_a.up.sql "-- migrate:notransaction\nSELECT 1;\n" -- up
bad 2 '1_a.up.sql:2:1: error: invalid duration "forever" in -- migrate:lock-timeout' "a lock-timeout that is not a duration" \
	-f 1_a.up.sql "SELECT 1;\n-- migrate:lock-timeout forever\n" -- up
bad 2 'invalid duration "5 parsecs" in -- migrate:statement-timeout' "a statement-timeout that is not a duration" \
	-f 1_a.up.sql "-- migrate:statement-timeout 5 parsecs\nSELECT 1;\n" -- up
bad 2 'invalid duration "-5s"' "a negative lock-timeout" \
	-f 1_a.up.sql "-- migrate:lock-timeout -5s\nSELECT 1;\n" -- up
bad 2 "1_a.up.sql:2:1: error: CREATE INDEX cannot run inside a transaction" "CONCURRENTLY mixed with transactional statements" \
	-f 1_a.up.sql "CREATE TABLE m (id int);\nCREATE INDEX CONCURRENTLY m_id ON m (id);\n" -- up

# --- configuration
bad 2 'migrate.yml:1:1: error: unknown key "frobs"' "an unknown top-level key" \
	-F migrate.yml "frobs: 1\n" -- up
bad 2 'migrate.yml:3:3: error: unknown key "apply.retrys"' "a misspelt key" \
	-F migrate.yml "apply:\n  lock_timeout: 2s\n  retrys: 3\n" -- up
bad 2 'migrate.yml:2:12: error: "apply.retries" must be a non-negative integer, not "lots"' "a word where a number goes" \
	-F migrate.yml "apply:\n  retries: lots\n" -- status
bad 2 '"apply.lock_timeout" must be a duration like 500ms, 2s or 1min, not "soon"' "a bad duration" \
	-F migrate.yml "apply:\n  lock_timeout: soon\n" -- up
bad 2 '"apply.retries" must be a non-negative integer, not "2000000"' "a number out of range" \
	-F migrate.yml "apply:\n  retries: 2000000\n" -- up
bad 2 "migrate.yml:2:[0-9]+: error: invalid YAML" "YAML that does not parse" \
	-F migrate.yml "apply: [1, 2\nlint: x\n" -- up
bad 2 "environment variable MIGRATE_TEST_UNSET is not set" "an unset \${VAR} without a default" \
	-F migrate.yml 'database:\n  url: ${MIGRATE_TEST_UNSET}\n' -- status
bad 2 'malformed \$\{\.\.\.\} reference' "an unterminated \${" \
	-F migrate.yml 'migrations:\n  dir: ${HOME\n' -- status
bad 2 'rule level must be off, warning or error, not "loud"' "a lint rule level that does not exist" \
	-F migrate.yml "lint:\n  rules:\n    prefer-bigint: loud\n" -- up
bad 2 '"apply.on_failure" must be stop or rollback, not "retry"' "on_failure neither stop nor rollback" \
	-F migrate.yml "apply:\n  on_failure: retry\n" -- up
bad 2 '"backup.enabled" must be true or false, not "maybe"' "backup.enabled not a boolean" \
	-F migrate.yml "backup:\n  enabled: maybe\n" -- up
bad 2 '"backup.keep" must be a non-negative integer, not "-1"' "a negative backup.keep" \
	-F migrate.yml "backup:\n  keep: -1\n" -- up
bad 2 '"apply" must be a mapping' "a section that is not a mapping" \
	-F migrate.yml "apply: 5\n" -- up
bad 2 "the configuration must be a mapping" "a configuration that is a list" \
	-F migrate.yml "- apply\n- lint\n" -- up
bad 2 'could not open configuration file ".*missing.yml": No such file or directory' "an explicit configuration file that is missing" \
	-- -c "$T_WORK/missing.yml" status
bad 2 'invalid history table name "a.b.c"' "migrations.table with three parts" \
	-F migrate.yml "migrations:\n  table: a.b.c\n" -- status
bad 2 'invalid history table name "a.b.c"' "--table with three parts" \
	-- --table a.b.c status

# --- connection strings
bad 2 'invalid connection string: invalid connection option "frob"' "an unknown connection option" \
	-- -d "host=x frob=1" status
bad 2 "invalid connection string: libpq cannot parse it" "a URL that does not parse" \
	-- -d "postgresql://u:$PG_TEST_PASSWORD@[::1/x" status
bad 2 "it comes from DATABASE_URL" "a DATABASE_URL that does not parse names its source" \
	-E "DATABASE_URL=postgresql://[" -- status
bad 3 'invalid port number' "a port out of range" \
	-- -d "postgresql://localhost:99999/x" status
bad 3 'database "nosuchdb" does not exist' "a database that does not exist" \
	-- -d "dbname=nosuchdb host=$PGHOST port=$PGPORT" status
bad 3 "password authentication failed for user \"pwuser\"" "a wrong password" \
	-- -d "postgresql://pwuser:wrong@/postgres?host=$PGHOST&port=$PGPORT" up
bad 3 "could not connect to postgresql://app@127.0.0.1:1/app" "nothing listening" \
	-- -d "postgresql://app@127.0.0.1:1/app?connect_timeout=3" up
bad 3 'invalid sslmode value: "sometimes"' "an sslmode that does not exist" \
	-- -d "host=$PGHOST port=$PGPORT sslmode=sometimes" status

# --- options
bad 2 'unknown option "--frobnicate"' "an unknown option" -- up --frobnicate
bad 2 'option "--to" needs a value' "an option without its value" -- up --to
bad 2 'invalid --lock-timeout "soon"' "--lock-timeout not a duration" -- up --lock-timeout soon
bad 2 'invalid --retries "5000" \(0 to 1000\)' "--retries out of range" -- up --retries 5000
bad 2 'invalid --retries "-1"' "--retries negative" -- up --retries -1
bad 2 'invalid --steps "0": a positive number' "down --steps 0" -- down --steps 0
bad 2 "use one of --steps, --to and --all" "down --steps with --all" -- down --steps 2 --all
bad 2 'invalid --to "abc": a version is a number' "--to not a number" -- up --to abc
bad 2 "no migration with version 99" "--to a version that does not exist" -f 1_a.up.sql "$OK" -- up --to 99
bad 2 'invalid --on-failure "sometimes": stop or rollback' "--on-failure neither stop nor rollback" -- up --on-failure sometimes
bad 2 'unknown option "--no-backup"' "--no-backup where it means nothing" -- status --no-backup
bad 2 'which backup\?' "restore without a file" -- restore
bad 2 'could not open backup "nope.dump": No such file or directory' "restore of a missing file" -- restore nope.dump --yes
bad 2 'pass --yes to confirm' "restore without --yes, with no terminal" -F x.dump "x" -- restore x.dump
bad 2 'is not a backup pg_restore can read' "restore of a file that is not an archive" -F x.dump "not a dump\n" -- restore x.dump --yes
bad 2 'which version\?' "baseline without a version" -- baseline
bad 2 "no migration with version 7" "baseline of a version that does not exist" -f 1_a.up.sql "$OK" -- baseline 7
bad 2 "unknown tool: --from golang-migrate, dbmate, goose, sql-migrate, diesel, prisma or flyway" "adopt from an unknown tool" -- adopt --from liquibase
bad 2 "there is no table public.schema_migrations to adopt" "adopt without the other tool's table" -- adopt --from dbmate
bad 2 'unknown format "xml": text or json' "history --format xml" -- history --format xml
bad 2 'unknown format "yaml": text or json' "status --format yaml" -- status --format yaml
bad 2 'unknown format "csv": text or json' "backups --format csv" -- backups --format csv
bad 2 'invalid --mark-applied "abc"' "repair --mark-applied of a non-number" -- repair --mark-applied abc
bad 2 "use one of --mark-applied and --mark-reverted" "repair with both marks" -- repair --mark-applied 1 --mark-reverted 1
bad 2 'invalid --steps "0": a positive number' "redo --steps 0" -- redo --steps 0
bad 2 'unknown command "frobnicate"' "an unknown command" -- frobnicate

# --- statements the parser cannot read: sent to the server as written, never dropped
# (issue 11.1: a piece without a keyword vanished and the migration was recorded applied)
BADSQL="CREATE TABLE a (id int);\nSELEC 1;\n"
bad 1 'syntax error at or near "SELEC"' "up: a statement without a keyword reaches the server" \
	-f 1_a.up.sql "$BADSQL" -- up --no-backup
bad 1 'syntax error at or near "COMIT"' "up: COMIT reaches the server" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\nCOMIT;\n" -- up --no-backup
bad 1 'SQLSTATE 42601' "up: binary bytes reach the server" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n\001\002\003;\n" -- up --no-backup
bad 1 'syntax error at or near "SELEC"' "down: a statement without a keyword reaches the server" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -f 1_a.down.sql "DROP TABLE a;\nSELEC 1;\n" -u \
	-- down --no-backup
bad 1 'syntax error at or near "SELEC"' "redo: a statement without a keyword reaches the server" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -f 1_a.down.sql "DROP TABLE a;\n" -u \
	-f 1_a.down.sql "DROP TABLE a;\nSELEC 1;\n" -- redo --no-backup
bad 1 'syntax error at or near "SELEC"' "rehearse: a statement without a keyword reaches the scratch server" \
	-f 1_a.up.sql "$BADSQL" -- rehearse
bad 1 'syntax error at or near "SELEC"' "fleet: a tenant's statement without a keyword reaches the server" \
	-s "CREATE SCHEMA t1" -F migrate.yml "targets:\n  schemas:\n    query: SELECT 't1'\n    dir: t\n" \
	-F t/1_a.up.sql "$BADSQL" -- up --all --no-backup

# --- NUL bytes: refused with file:line:col before any change, byte order marks dropped
NULSQL="CREATE TABLE a (id int);\nSELECT\0 1;\nDROP TABLE a;\n"
bad 2 '1_a.up.sql:2:7: error: NUL byte' "up: a NUL byte" -f 1_a.up.sql "$NULSQL" -- up --no-backup
bad 2 '1_a.up.sql:2:7: error: NUL byte' "lint: a NUL byte" -f 1_a.up.sql "$NULSQL" -- lint
bad 2 '1_a.up.sql:2:7: error: NUL byte' "plan: a NUL byte" -f 1_a.up.sql "$NULSQL" -- plan
bad 2 '1_a.up.sql:2:7: error: NUL byte' "rehearse: a NUL byte" -f 1_a.up.sql "$NULSQL" -- rehearse
bad 2 '1_a.up.sql:2:1: error: NUL byte' "drift: a NUL byte added after apply is not hidden by the checksum" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -u -f 1_a.up.sql "CREATE TABLE a (id int);\n\0DROP TABLE a;\n" \
	-f 2_b.up.sql "CREATE TABLE b (id int);\n" -- up --no-backup
bad 2 '1_a.down.sql:1:14: error: NUL byte' "down: a NUL byte in the down" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -u -f 1_a.down.sql "DROP TABLE a;\0\n" -- down --no-backup
bad 2 '1_a.sql:3:4: error: NUL byte' "a NUL byte in a dbmate file" \
	-f 1_a.sql "-- migrate:up\nSELECT 1;\nSEL\0ECT 2;\n" -- up --no-backup
bad 2 'migrate.yml:2:13: error: NUL byte' "a NUL byte in migrate.yml" \
	-F migrate.yml "apply:\n  retries: 3\0\n" -- status
bad 2 'x.sql:1:4: error: NUL byte' "lint of a file argument with a NUL byte" \
	-N -F x.sql "SEL\0ECT 1;\n" -- lint x.sql

# --- lock timeouts that mean "no timeout"
bad 2 'invalid --lock-timeout "0": at least 1ms' "up --lock-timeout 0" -f 1_a.up.sql "$OK" -- up --lock-timeout 0
bad 2 'invalid --lock-timeout "0.4ms": at least 1ms' "up --lock-timeout under 1ms" -f 1_a.up.sql "$OK" -- up --lock-timeout 0.4ms
bad 2 'invalid --lock-timeout "0s"' "down --lock-timeout 0s" -- down --lock-timeout 0s
bad 2 'invalid --lock-timeout "0"' "redo --lock-timeout 0" -- redo --lock-timeout 0
bad 2 'invalid --lock-timeout "0"' "plan --lock-timeout 0" -- plan --lock-timeout 0
bad 2 'invalid --lock-timeout "0"' "repair --lock-timeout 0" -- repair --lock-timeout 0
bad 2 'migrate.yml:2:17: error: "apply.lock_timeout" must be at least 1ms' "apply.lock_timeout: 0" \
	-F migrate.yml "apply:\n  lock_timeout: 0\n" -f 1_a.up.sql "$OK" -- up
bad 2 '1_a.up.sql:1:1: error: -- migrate:lock-timeout 0: at least 1ms' "up: -- migrate:lock-timeout 0" \
	-f 1_a.up.sql "-- migrate:lock-timeout 0\nCREATE TABLE a (id int);\n" -- up --no-backup
bad 2 '1_a.up.sql:1:1: error: -- migrate:lock-timeout 0ms: at least 1ms' "lint: -- migrate:lock-timeout 0ms" \
	-f 1_a.up.sql "-- migrate:lock-timeout 0ms\nCREATE TABLE a (id int);\n" -- lint
bad 2 '1_a.up.sql:1:1: error: -- migrate:lock-timeout 0: at least 1ms' "plan: -- migrate:lock-timeout 0" \
	-f 1_a.up.sql "-- migrate:lock-timeout 0\nCREATE TABLE a (id int);\n" -- plan

# --- files that are not regular files, or too large
bad 2 'could not read .*1_a.up.sql.*not a regular file \(a FIFO\)' "up: a migration that is a FIFO" \
	-p 1_a.up.sql -- up --no-backup
bad 2 'not a regular file \(a FIFO\)' "lint: a migration that is a FIFO" -p 1_a.up.sql -- lint
bad 2 'not a regular file \(a FIFO\)' "plan: a migration that is a FIFO" -p 1_a.up.sql -- plan --offline
bad 2 'could not read .*2019-01-01-000000_a/up.sql.*not a regular file \(a FIFO\)' \
	"up: a Diesel migration's up.sql that is a FIFO" -D 2019-01-01-000000_a -p 2019-01-01-000000_a/up.sql -- up --no-backup
bad 2 'could not read .*1_a/migration.sql.*a device' "up: a Prisma migration.sql linked to /dev/zero" \
	-D 1_a -l 1_a/migration.sql /dev/zero -- up --no-backup
bad 2 'not a regular file \(a device\)' "up: a symbolic link to /dev/zero" \
	-l 1_a.up.sql /dev/zero -- up --no-backup
bad 2 'not a regular file \(a device\)' "lint: a symbolic link to /dev/zero" -l 1_a.up.sql /dev/zero -- lint
bad 2 'not a regular file \(a device\)' "down: a down that is /dev/zero" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -u -l 1_a.down.sql /dev/zero -- down --no-backup
bad 2 'configuration file "m/cfg": not a regular file \(a FIFO\)' "a configuration file that is a FIFO" \
	-p cfg -- -c m/cfg status
bad 2 'configuration file "/dev/zero": not a regular file \(a device\)' "a configuration file that is /dev/zero" \
	-- -c /dev/zero status
bad 2 '1_a.up.sql": 25 bytes, more than the limit of 10 bytes' "migrations.max_file_size" \
	-F migrate.yml "migrations:\n  max_file_size: 10\n" -f 1_a.up.sql "CREATE TABLE a (id int);\n" -- up --no-backup
bad 2 '"migrations.max_file_size" must be a size like 512kB' "a max_file_size that is not a size" \
	-F migrate.yml "migrations:\n  max_file_size: lots\n" -- status

# --- history table edited by hand
bad 1 "version 1 \(a\) is dirty" "a history row set to dirty by hand" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -f 1_a.down.sql "DROP TABLE a;\n" -u \
	-s "UPDATE schema_migrations SET state = 'dirty'" -f 2_b.up.sql "CREATE TABLE b (id int);\n" -- up
bad 2 "1_a.up.sql: error: modified since it was applied" "a checksum edited by hand" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -u -s "UPDATE schema_migrations SET checksum = md5('x')" \
	-f 2_b.up.sql "CREATE TABLE b (id int);\n" -- up
bad 2 'exists but is not a migrate history table \(no column "tx_mode"\)' "a history column dropped by hand" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -u -s "ALTER TABLE schema_migrations DROP COLUMN tx_mode" -- up
bad 2 "version 1 \(a\) has no down migration" "down SQL removed from history, file gone" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -f 1_a.down.sql "DROP TABLE a;\n" -u \
	-s "UPDATE schema_migrations SET down_sql = NULL" -r 1_a.down.sql -- down
bad 2 "has no down migration \(the down SQL is empty\)" "down SQL emptied in history, file gone" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -f 1_a.down.sql "DROP TABLE a;\n" -u \
	-s "UPDATE schema_migrations SET down_sql = '-- nothing'" -r 1_a.up.sql -r 1_a.down.sql -- down
bad 2 "holds the history of golang-migrate" "golang-migrate's table under our name" \
	-s "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (3, false)" -- up
bad 2 "holds the history of dbmate" "dbmate's table under our name" \
	-s "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)" -- status
bad 2 "holds the history of Flyway" "Flyway's table under our name" \
	-s "CREATE TABLE schema_migrations (installed_rank int, version text, script text)" -- up
bad 2 "version 1 \(gone\) is dirty and its file is gone" "a dirty row for a version without a file" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -u \
	-s "INSERT INTO schema_migrations (version, name, checksum, tx_mode, state) VALUES (1, 'gone', 'x', 'no-transaction', 'dirty') ON CONFLICT (version) DO UPDATE SET name = 'gone', state = 'dirty'" \
	-r 1_a.up.sql -- repair
bad 2 "version 1 is not dirty: nothing to repair" "repair --mark-applied of a clean version" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -u -- repair --mark-applied 1

# --- a down with a syntax error: rolled back, history unchanged
bad 1 "1_a.down.sql:1:6: error: syntax error at or near \"TABEL\"" "a down with a syntax error" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -u -f 1_a.down.sql "DROP TABEL a;\n" -- down --no-backup

# --- backups that cannot be written or taken: stopped before any change (each run
# alters a table that exists: one that only creates has nothing to back up)
bad 1 'could not create backup directory ".*afile/b": Not a directory' "backup.dir below a file" \
	-s "CREATE TABLE a0 (id int)" -f 1_a.up.sql "CREATE TABLE a (id int); ALTER TABLE a0 ADD COLUMN y int;\n" -F afile "x" -F migrate.yml "backup:\n  dir: afile/b\n" -- up
bad 1 'could not create backup file "/sys/fs/.*": Permission denied' "backup.dir not writable" \
	-s "CREATE TABLE a0 (id int)" -f 1_a.up.sql "CREATE TABLE a (id int); ALTER TABLE a0 ADD COLUMN y int;\n" -F migrate.yml "backup:\n  dir: /sys/fs\n" -- up
bad 1 'could not create backup directory "/sys/migrate-backups": Operation not permitted' "backup.dir that cannot be created" \
	-s "CREATE TABLE a0 (id int)" -f 1_a.up.sql "CREATE TABLE a (id int); ALTER TABLE a0 ADD COLUMN y int;\n" -F migrate.yml "backup:\n  dir: /sys/migrate-backups\n" -- up
bad 1 'could not run "/nonexistent/pg_dump": No such file or directory' "pg_dump missing" \
	-s "CREATE TABLE a0 (id int)" -f 1_a.up.sql "CREATE TABLE a (id int); ALTER TABLE a0 ADD COLUMN y int;\n" -F migrate.yml "backup:\n  pg_dump: /nonexistent/pg_dump\n" -- up
bad 1 'could not run "/tmp": Permission denied' "pg_dump that is a directory" \
	-s "CREATE TABLE a0 (id int)" -f 1_a.up.sql "CREATE TABLE a (id int); ALTER TABLE a0 ADD COLUMN y int;\n" -F migrate.yml "backup:\n  pg_dump: /tmp\n" -- up

# --- issue 11: history names PostgreSQL would cut, target schemas that are the main one's
L59=x2345678901234567890123456789012345678901234567890123456789
bad 2 "history table name \"$L59\" is too long: its lock table \"${L59}_lock\" would be 64 bytes, PostgreSQL identifiers are at most 63 bytes" \
	"--table whose _lock name exceeds 63 bytes" -f 1_a.up.sql "CREATE TABLE a (id int);\n" -- --table "$L59" up
bad 2 "its log table \"x${L59}_log\" would be 64 bytes" "migrations.table whose _log name exceeds 63 bytes" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -F migrate.yml "migrations:\n  table: x$L59\n" -- up
bad 2 "history table name \"${L59}12345.t\": the schema name is 64 bytes long, PostgreSQL identifiers are at most 63 bytes" \
	"a history schema name over 63 bytes" -- --table "${L59}12345.t" status
bad 2 "history table name \"abc${L59}xy\" is too long: 64 bytes, PostgreSQL identifiers are at most 63 bytes" \
	"a history table name of 64 bytes" -- --table "abc${L59}xy" down
bad 2 'migrate.yml:4:7: error: "public" cannot be a target schema' "public in targets.schemas" \
	-F migrate.yml "targets:\n  schemas:\n    - t1\n    - public\n" -- status --all
bad 2 'schema "audit" cannot be a target: it is the main database.s own schema \(the schema of the history table\)' \
	"the history table's schema in targets.schemas" \
	-F migrate.yml "migrations:\n  table: audit.schema_migrations\ntargets:\n  schemas: [t1, audit]\n" -- plan --all
# --- lint, plan and up agree on what the parser cannot read: every piece is a statement
A="$T_WORK/agree"; mkdir -p "$A"
printf 'CREATE TABLE a (id int);\nSELEC 1;\nCOMIT;\n' >"$A/1_a.up.sql"
run --dir "$A" lint
expect_rc 2 "lint: a statement the parser cannot read is a parse error"
expect_out "1_a.up.sql:2:1: parse error" "lint: says where"
for f in text json markdown; do
	run --dir "$A" plan --offline --format "$f"
	expect_rc 0 "plan --format $f: sent as written, so planned"
	expect_out "SELEC 1" "plan --format $f lists the statement without a keyword"
	expect_out "COMIT" "plan --format $f lists COMIT"
done

# --- a UTF-8 byte order mark is dropped: lint, plan and up read the file as the editor shows it
B="$T_WORK/bom"; mkdir -p "$B"; bdb=$(pg_fresh_db)
printf '\357\273\277CREATE TABLE bom (id bigint);\n' >"$B/1_bom.up.sql"
printf 'DROP TABLE bom;\n' >"$B/1_bom.down.sql"
run --dir "$B" lint
expect_rc 0 "lint: a file that starts with a byte order mark"
run --dir "$B" plan --offline
expect_rc 0 "plan: a file that starts with a byte order mark"
expect_out "line 1: CREATE TABLE bom" "plan: the statement starts at the keyword"
PGDATABASE=$bdb run --dir "$B" up --no-backup
expect_rc 0 "up: a file that starts with a byte order mark"
expect_eq "$(psql_q -d "$bdb" -c "SELECT to_regclass('bom') IS NOT NULL")" t "up: the table is there"

# --- secrets: one scrubber for every output path
S="$T_WORK/secret"; mkdir -p "$S"; sdb=$(pg_fresh_db)
printf "CREATE ROLE app_%s LOGIN PASSWORD '%s';\n" "$N" "$PG_TEST_PASSWORD" >"$S/1_role.up.sql"
printf "DROP ROLE app_%s;\n" "$N" >"$S/1_role.down.sql"
SURL="postgresql://pwuser:$PG_TEST_PASSWORD@/$sdb?host=$PGHOST&port=$PGPORT"
for f in text json markdown; do
	run -d "$SURL" --dir "$S" plan --format "$f"
	expect_no "$PG_TEST_PASSWORD" "plan --format $f: the password in the migration's SQL is scrubbed"
	run -d "$SURL" --dir "$S" plan --offline --format "$f"
	expect_no "$PG_TEST_PASSWORD" "plan --offline --format $f: scrubbed too"
done
run -d "$SURL" --dir "$S" up --dry-run
expect_no "$PG_TEST_PASSWORD" "up --dry-run: scrubbed"
run -d "$SURL" --dir "$S" rehearse
expect_no "$PG_TEST_PASSWORD" "rehearse: scrubbed"
run -d "$SURL" --dir "$S" lint
expect_no "$PG_TEST_PASSWORD" "lint: scrubbed"
bad 2 'malformed \$\{...\} reference in the value of "database.url"' "an unterminated \${ after an inline password" \
	-F migrate.yml "database:\n  url: postgresql://pwuser:$PG_TEST_PASSWORD@localhost/\${DB\n" -- status
expect_no "$PG_TEST_PASSWORD" "an unterminated \${: the value is not printed"
bad 2 'malformed \$\{...\} reference in the value of "database.url"' "an invalid \${...} after an inline password" \
	-F migrate.yml "database:\n  url: postgresql://pwuser:$PG_TEST_PASSWORD@localhost/\${D B}\n" -- status
expect_no "$PG_TEST_PASSWORD" "an invalid \${...}: the value is not printed"
bad 2 'more than one "@" before the host' "a password with an unencoded @" \
	-- -d "postgresql://pwuser:x@$PG_TEST_PASSWORD@localhost/db" status
expect_no "$PG_TEST_PASSWORD" "a password with an unencoded @: no piece of it printed as a host"
bad 1 'db: error: invalid connection string: more than one "@" before the host' "a fleet target URL with an unencoded @ (that target fails)" \
	-F migrate.yml "targets:\n  databases:\n    list:\n      - postgresql://pwuser:x@$PG_TEST_PASSWORD@localhost/db\n" -- status --all
expect_no "$PG_TEST_PASSWORD" "a fleet target: no piece of the password printed"

echo "# $N bad inputs"
[ "$N" -ge 60 ] && t_ok "at least 60 bad inputs ($N)" || t_not_ok "only $N bad inputs"
t_done
