# Type changes: does ALTER COLUMN ... TYPE rewrite the table? Every pair runs on the real
# server (pg_class.relfilenode before and after: a new file is a rewrite), and `migrate
# lint` must give the same verdict with the old type known from an earlier migration:
# no change-column-type finding when the server kept the file, an error when it
# rewrote, a warning where the answer depends on the session (expect "maybe").
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
psql_q -c "CREATE EXTENSION citext" >/dev/null

# old | new | statements before the ALTER | USING | server | migrate
pairs() {
	cat <<'P'
timestamp(3)|timestamp(6)|||no|no
timestamp(3)|timestamp|||no|no
timestamp|timestamp(6)|||no|no
timestamp|timestamp(3)|||rewrite|rewrite
timestamp(6)|timestamp(3)|||rewrite|rewrite
timestamptz(0)|timestamptz(3)|||no|no
timestamptz(3)|timestamptz(0)|||rewrite|rewrite
timestamptz(3)|timestamptz|||no|no
time(0)|time(6)|||no|no
time|time(2)|||rewrite|rewrite
timetz(0)|timetz(3)|||no|no
timetz|timetz(1)|||rewrite|rewrite
interval(0)|interval(3)|||no|no
interval(3)|interval|||no|no
interval|interval(0)|||rewrite|rewrite
interval day|interval|||no|no
interval|interval day|||rewrite|rewrite
interval day to second(2)|interval day to second(4)|||no|no
interval day to second(4)|interval day to second(2)|||rewrite|rewrite
interval day|interval hour|||no|no
interval hour|interval day|||rewrite|rewrite
numeric(10,2)|numeric(12,2)|||no|no
numeric(10,2)|numeric|||no|no
numeric(10)|numeric(12)|||no|no
numeric(10,2)|numeric(12,3)|||rewrite|rewrite
numeric(12,2)|numeric(10,2)|||rewrite|rewrite
numeric|numeric(10,2)|||rewrite|rewrite
varchar(10)|varchar(20)|||no|no
varchar(20)|varchar(10)|||rewrite|rewrite
varchar(10)|varchar|||no|no
varchar(10)|text|||no|no
varchar|text|||no|no
text|varchar|||no|no
text|varchar(10)|||rewrite|rewrite
citext|text|||no|no
text|citext|||no|no
varchar(10)|citext|||no|no
citext|varchar|||no|no
citext|varchar(10)|||rewrite|rewrite
char(5)|char(10)|||rewrite|rewrite
char(5)|text|||rewrite|rewrite
varbit(5)|varbit(10)|||no|no
bit(5)|varbit|||no|no
cidr|inet|||no|no
int|bigint|||rewrite|rewrite
bigint|int|||rewrite|rewrite
smallint|int|||rewrite|rewrite
int|text|||rewrite|rewrite
timestamptz|timestamp|SET TimeZone = 'UTC';||no|no
timestamp|timestamptz|SET TimeZone = 'UTC';||no|no
timestamp|timestamptz|SET TIME ZONE 'UTC';||no|no
timestamp|timestamptz|SET LOCAL TimeZone TO 'Etc/UTC';||no|no
timestamp(3)|timestamptz(6)|SET TimeZone = 'UTC';||no|no
timestamp(6)|timestamptz(3)|SET TimeZone = 'UTC';||rewrite|rewrite
timestamptz|timestamp|SET TimeZone = 'Europe/Berlin';||rewrite|rewrite
timestamp|timestamptz|SET TimeZone = 'Europe/Berlin';||rewrite|rewrite
timestamp|timestamptz|SET TimeZone = 'UTC'; RESET TimeZone;||-|maybe
timestamp|timestamptz|||-|maybe
varchar(10)|varchar(20)||USING c|no|no
varchar(10)|varchar(20)||USING c::varchar(20)|no|no
varchar(10)|varchar(20)||USING c::text|rewrite|rewrite
varchar(10)|varchar(20)||USING concat(c, '')|rewrite|rewrite
varchar(10)|text||USING lower(c)|rewrite|rewrite
int|bigint||USING c::bigint|rewrite|rewrite
P
}

# server OLD NEW SETUP USING: "no" or "rewrite" (the file of t after the ALTER)
server() {
	psql_q -c "DROP TABLE IF EXISTS t; CREATE TABLE t (c $1); INSERT INTO t SELECT NULL FROM generate_series(1, 10)" >/dev/null 2>&1
	a=$(psql_q -c "SELECT relfilenode FROM pg_class WHERE relname = 't'")
	# the session's own TimeZone is not UTC: only the migration's SET can make it so
	PGTZ=America/New_York psql_q -c "BEGIN; $3 ALTER TABLE t ALTER COLUMN c TYPE $2 $4; COMMIT;" >/dev/null 2>&1 ||
		{ echo error; return; }
	b=$(psql_q -c "SELECT relfilenode FROM pg_class WHERE relname = 't'")
	if [ "$a" = "$b" ]; then echo no; else echo rewrite; fi
}

# verdict OLD NEW SETUP USING: what `migrate lint` says with the old type from an earlier migration
verdict() {
	d="$T_WORK/tc"; rm -rf "$d"; mkdir -p "$d"
	echo "CREATE TABLE t (c $1);" >"$d/0001_create.up.sql"
	printf '%s\nALTER TABLE t ALTER COLUMN c TYPE %s %s;\n' "$3" "$2" "$4" >"$d/0002_alter.up.sql"
	"$MIGRATE" lint -f json "$d" >"$T_WORK/lint.json" 2>&1
	if grep -q '"rule": "change-column-type", "severity": "error"' "$T_WORK/lint.json"; then
		echo rewrite
	elif grep -q '"rule": "change-column-type", "severity": "warning"' "$T_WORK/lint.json"; then
		echo maybe
	elif grep -q '"rule": "parse-error"' "$T_WORK/lint.json"; then
		echo parse-error
	else
		echo no
	fi
}

pairs >"$T_WORK/pairs"
while IFS='|' read -r old new setup using want_server want_lint; do
	what="$old -> $new${setup:+ after $setup}${using:+ $using}"
	if [ "$want_server" != - ]; then
		got=$(server "$old" "$new" "$setup" "$using")
		expect_eq "$got" "$want_server" "server: $what: $want_server"
	fi
	got=$(verdict "$old" "$new" "$setup" "$using")
	expect_eq "$got" "$want_lint" "migrate lint: $what: $want_lint"
done <"$T_WORK/pairs"
t_done
