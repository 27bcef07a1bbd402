# Bad input, table-driven: broken files, names, directives, configs, URLs, options, a
# history table edited by hand, a down with a syntax error, a backup directory that is not
# writable. Each row: the exit code, the message, and proof that the database (schema and
# history rows; the audit log may record the attempt) did not change.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

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
#   -F NAME TEXT    a file in the case's working directory (migrate.yml is read from there)
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
		-F) printf '%b' "$3" >"$C/$2"; shift 3 ;;
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
bad 2 "unknown tool: --from golang-migrate, --from dbmate or --from goose" "adopt from an unknown tool" -- adopt --from flyway
bad 2 "there is no table public.schema_migrations to adopt" "adopt without the other tool's table" -- adopt --from dbmate
bad 2 'unknown format "xml": text or json' "history --format xml" -- history --format xml
bad 2 'unknown format "yaml": text or json' "status --format yaml" -- status --format yaml
bad 2 'unknown format "csv": text or json' "backups --format csv" -- backups --format csv
bad 2 'invalid --mark-applied "abc"' "repair --mark-applied of a non-number" -- repair --mark-applied abc
bad 2 "use one of --mark-applied and --mark-reverted" "repair with both marks" -- repair --mark-applied 1 --mark-reverted 1
bad 2 'invalid --steps "0": a positive number' "redo --steps 0" -- redo --steps 0
bad 2 'unknown command "frobnicate"' "an unknown command" -- frobnicate

# --- a history table edited by hand
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

# --- backups that cannot be written or taken: stopped before any change
bad 1 'could not create backup directory ".*afile/b": Not a directory' "backup.dir below a file" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -F afile "x" -F migrate.yml "backup:\n  dir: afile/b\n" -- up
bad 1 'could not create backup file "/sys/fs/.*": Permission denied' "backup.dir not writable" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -F migrate.yml "backup:\n  dir: /sys/fs\n" -- up
bad 1 'could not create backup directory "/sys/migrate-backups": Operation not permitted' "backup.dir that cannot be created" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -F migrate.yml "backup:\n  dir: /sys/migrate-backups\n" -- up
bad 1 'could not run "/nonexistent/pg_dump": No such file or directory' "pg_dump missing" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -F migrate.yml "backup:\n  pg_dump: /nonexistent/pg_dump\n" -- up
bad 1 'could not run "/tmp": Permission denied' "pg_dump that is a directory" \
	-f 1_a.up.sql "CREATE TABLE a (id int);\n" -F migrate.yml "backup:\n  pg_dump: /tmp\n" -- up

echo "# $N bad inputs"
[ "$N" -ge 60 ] && t_ok "at least 60 bad inputs ($N)" || t_not_ok "only $N bad inputs"
t_done
