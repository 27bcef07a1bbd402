# Peer linters' cases: the dangerous and safe migrations of squawk, strong_migrations and
# eugene (tests/cmd/peers/*.cases, restated as SQL migrations), each linted as a user would:
# NNN_case.up.sql in a migrations directory, after the earlier migrations that create its
# tables. A dangerous case must exit 1 with the expected rule reported as an error; a safe
# case must exit 0 (warnings allowed). Where we disagree with the peer the case says why
# ("peer:"). Then, on the real server, the facts behind the verdicts the peers do not all
# share: a json column breaks DISTINCT/UNION/GROUP BY; which type changes rebuild an index.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

CASES=$TOP/tests/cmd/peers

# split FILE DIR: one directory per case, with its name, expect, pg, eol, schema, setup, migration
split_cases() {
	awk -v out="$2" '
	/^=== / { n++; d = out "/" n; system("mkdir -p \"" d "\""); print substr($0, 5) > (d "/name");
		  part = ""; next }
	n == 0 { next }
	/^--- setup$/ { part = "setup"; next }
	/^--- migration$/ { part = "migration"; next }
	part == "" && /^(expect|pg|eol|schema|peer): / {
		k = substr($0, 1, index($0, ":") - 1); print substr($0, length(k) + 3) > (d "/" k); next }
	part != "" { print > (d "/" part ".sql") }
	' "$1"
}

# lint_case DIR: lint the case; prints "EXIT RULE:SEVERITY ..."
lint_case() {
	m="$1/m"; rm -rf "$m"; mkdir -p "$m/migrations"
	: >"$m/migrations/001_setup.up.sql"
	[ -f "$1/schema" ] && cat "$CASES/$(cat "$1/schema")" >>"$m/migrations/001_setup.up.sql"
	[ -f "$1/setup.sql" ] && cat "$1/setup.sql" >>"$m/migrations/001_setup.up.sql"
	if [ "$(cat "$1/eol" 2>/dev/null)" = cr ]; then
		tr '\n' '\r' <"$1/migration.sql" >"$m/migrations/002_case.up.sql"
	else
		cp "$1/migration.sql" "$m/migrations/002_case.up.sql"
	fi
	set -- lint -f json
	[ -f "$m/../pg" ] && set -- "$@" --pg-version "$(cat "$m/../pg")"
	(cd "$m" && "$MIGRATE" "$@" migrations/002_case.up.sql >out.json 2>err.txt)
	rc=$?
	findings=$(grep -o '"rule": "[a-z-]*", "severity": "[a-z]*"' "$m/out.json" |
		sed 's/"rule": "\([a-z-]*\)", "severity": "\([a-z]*\)"/\1:\2/' | sort -u | tr '\n' ' ')
	echo "$rc $findings"
}

for peer in squawk strong_migrations eugene variants; do
	dir="$T_WORK/$peer"; mkdir -p "$dir"
	split_cases "$CASES/$peer.cases" "$dir"
	n=0 dangerous=0 safe=0 bad=0
	for d in $(ls "$dir" | sort -n); do
		d="$dir/$d"; n=$((n + 1))
		name="$peer/$(cat "$d/name")"
		want=$(cat "$d/expect")
		got=$(lint_case "$d")
		rc=${got%% *}
		case "$want" in
		"error "*)
			dangerous=$((dangerous + 1))
			rule=${want#error }
			if [ "$rc" = 1 ] && printf '%s\n' "$got" | grep -q " $rule:error"; then
				t_ok "$name: $rule"
			else
				bad=$((bad + 1))
				t_not_ok "$name: a miss" "want exit 1 and $rule as an error" "got: $got" \
					"$(cat "$d/m/err.txt")"
			fi ;;
		ok)
			safe=$((safe + 1))
			if [ "$rc" = 0 ]; then
				t_ok "$name: safe"
			else
				bad=$((bad + 1))
				t_not_ok "$name: a false alarm" "want exit 0" "got: $got" "$(cat "$d/m/err.txt")"
			fi ;;
		*) t_not_ok "$name: bad expect line: $want" ;;
		esac
	done
	echo "# $peer: $n cases, $dangerous dangerous, $safe safe, $bad wrong"
	expect_eq "$([ "$n" -gt 30 ] && echo many)" many "$peer: the cases file was read ($n cases)"
done

# ---- the facts on the real server ----
db=$(pg_fresh_db); export PGDATABASE=$db
q() { psql_q -c "$1" 2>&1; }
q "CREATE EXTENSION citext" >/dev/null
q "CREATE TABLE j (id bigint PRIMARY KEY, a text); INSERT INTO j VALUES (1, 'x'), (2, 'y');" >/dev/null
q "ALTER TABLE j ADD COLUMN p json" >/dev/null
for stmt in "SELECT DISTINCT * FROM j" "SELECT * FROM j UNION SELECT * FROM j" "SELECT count(*) FROM j GROUP BY j.*"; do
	out=$(q "$stmt")
	expect_eq "$(printf '%s' "$out" | grep -c 'could not identify an equality operator')" 1 \
		"server: after ADD COLUMN json, a running \"$stmt\" fails (add-column-json)"
done
q "ALTER TABLE j ALTER COLUMN p TYPE jsonb USING p::jsonb" >/dev/null
expect_eq "$(q "SELECT count(*) FROM (SELECT DISTINCT * FROM j) s")" 2 "server: the same query works on jsonb"

# A type change without a rewrite still re-checks the CHECK constraints on the column, row by
# row (a function in the CHECK counts the rows), and not those on other columns.
q "CREATE FUNCTION seen(text) RETURNS bool LANGUAGE plpgsql IMMUTABLE AS \$\$BEGIN RAISE NOTICE 'seen %', \$1; RETURN true; END\$\$;
   CREATE TABLE ck (c varchar(10) CHECK (seen(c)), d text CHECK (seen(d)));
   INSERT INTO ck SELECT 'v' || g, 'w' FROM generate_series(1, 3) g;" >/dev/null
expect_eq "$(q "ALTER TABLE ck ALTER COLUMN c TYPE text" | grep -c 'NOTICE:  seen v')" 3 \
	"server: varchar(10) -> text re-checks the column's CHECK on every row (change-column-type)"
expect_eq "$(q "ALTER TABLE ck ALTER COLUMN c TYPE varchar(20)" | grep -c 'NOTICE:  seen w')" 0 \
	"server: ... and not the CHECK of another column"

# relfilenode IX: a new one after the ALTER is a rebuild
rel() { q "SELECT relfilenode FROM pg_class WHERE relname = '$1'"; }
# index_rebuilt COLTYPE INDEX-DEFINITION NEWTYPE: "rebuilt" or "kept" (the table is never rewritten)
index_rebuilt() {
	q "DROP TABLE IF EXISTS ix; CREATE TABLE ix (c $1, d text); INSERT INTO ix SELECT 'v' || g, 'w' FROM generate_series(1, 20) g;
	   CREATE INDEX ix_i ON ix $2" >/dev/null
	t0=$(rel ix); i0=$(rel ix_i)
	q "ALTER TABLE ix ALTER COLUMN c TYPE $3" >/dev/null
	[ "$(rel ix)" = "$t0" ] || { echo "table rewritten"; return; }
	if [ "$(rel ix_i)" = "$i0" ]; then echo kept; else echo rebuilt; fi
}
# lint_change COLTYPE INDEX-DEFINITION NEWTYPE: what the linter says, the table and index from earlier migrations
lint_change() {
	m="$T_WORK/ixlint"; rm -rf "$m"; mkdir -p "$m/migrations"
	printf 'CREATE TABLE ix (c %s, d text);\nCREATE INDEX ix_i ON ix %s;\n' "$1" "$2" >"$m/migrations/001_t.up.sql"
	printf 'ALTER TABLE ix ALTER COLUMN c TYPE %s;\n' "$3" >"$m/migrations/002_c.up.sql"
	(cd "$m" && "$MIGRATE" lint -f json migrations/002_c.up.sql >out.json 2>&1)
	if grep -q '"rule": "change-column-type", "severity": "error"' "$m/out.json"; then echo rebuilt; else echo kept; fi
}
while IFS='|' read -r old idx new want; do
	expect_eq "$(index_rebuilt "$old" "$idx" "$new")" "$want" "server: $old -> $new, index $idx: $want"
	expect_eq "$(lint_change "$old" "$idx" "$new")" "$want" "migrate lint: $old -> $new, index $idx: $want"
done <<'P'
text|(c)|citext|rebuilt
citext|(c)|text|rebuilt
citext|(c)|varchar|rebuilt
varchar(10)|(c)|text|kept
varchar(10)|(c)|varchar(20)|kept
varchar(10)|(lower(c))|text|rebuilt
varchar(10)|(d) WHERE c <> ''|varchar(20)|rebuilt
varchar(10)|(lower(d)) WHERE d <> 'c'|varchar(20)|kept
P
t_done
