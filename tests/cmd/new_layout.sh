# new writes the next migration in the layout of the directory's newest one: its tool's
# file names and markers, and the next number where the directory counts (000042 ->
# 000043) instead of timestamps; what it writes loads, lints and applies.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

cd "$T_WORK" || exit 1
mk() { # mk DIR FILE TEXT
	mkdir -p "$(dirname "$1/$2")"
	printf '%b' "$3" >"$1/$2"
}
mk golang 000042_a.up.sql 'CREATE TABLE a (id int);\n'
mk golang 000042_a.down.sql 'DROP TABLE a;\n'
mkdir -p dbmate goose sqlm
printf -- '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n' >dbmate/20240101000000_a.sql
printf -- '-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n' >goose/00007_a.sql
printf -- '-- +migrate Up\nCREATE TABLE a (id int);\n-- +migrate Down\nDROP TABLE a;\n' >sqlm/3-a.sql
mk flyway V3__a.sql 'CREATE TABLE a (id int);\n'
mk diesel 2019-02-26-002946_a/up.sql 'CREATE TABLE a (id int);\n'
mk diesel 2019-02-26-002946_a/down.sql 'DROP TABLE a;\n'
mk prisma 20210101000000_a/migration.sql 'CREATE TABLE a (id int);\n'

# new_in DIR EXPECTED-REGEX... : new add_b there prints exactly these paths
new_in() {
	d=$1; shift
	run --dir "$d" new add_b
	expect_rc 0 "$d: new"
	for re in "$@"; do
		expect_out "^$d/$re\$" "$d: writes $re"
	done
	[ "$(echo "$T_OUT" | wc -l)" = $# ] && t_ok "$d: $# file(s), nothing else" || t_not_ok "$d: files" "$(cat "$T_OUT")"
}
new_in golang '000043_add_b\.up\.sql' '000043_add_b\.down\.sql'
new_in dbmate '[0-9]{14}_add_b\.sql'
new_in goose '00008_add_b\.sql'
new_in sqlm '4-add_b\.sql'
new_in flyway 'V4__add_b\.sql' 'U4__add_b\.sql'
new_in diesel '[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{6}_add_b/up\.sql' '[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{6}_add_b/down\.sql'
new_in prisma '[0-9]{14}_add_b/migration\.sql'
grep -q '^-- migrate:down' dbmate/2*_add_b.sql && t_ok "dbmate: its markers" || t_not_ok "dbmate markers" "$(cat dbmate/2*_add_b.sql)"
grep -q '^-- +goose Down' goose/00008_add_b.sql && t_ok "goose: its markers" || t_not_ok "goose markers"
grep -q '^-- +migrate Down' sqlm/4-add_b.sql && t_ok "sql-migrate: its markers" || t_not_ok "sql-migrate markers"

# each new migration holds a table of its own: every directory applies whole, both
# migrations recorded, and the new one reverts
for d in golang dbmate goose sqlm flyway diesel prisma; do
	for f in $(find "$d" -newer "$d/../golang/000042_a.up.sql" -name '*.sql' ! -name 'U*' ! -name 'down.sql' -path '*add_b*'); do
		case $f in
		*.up.sql | */up.sql | */migration.sql | */V*) printf 'CREATE TABLE b (id int);\n' >>"$f" ;;
		*) sed -i 's/^\(-- \(migrate:down\|+goose Down\|+migrate Down\)\)$/CREATE TABLE b (id int);\n\1\nDROP TABLE b;/' "$f" ;;
		esac
	done
	for f in $(find "$d" -path '*add_b*' \( -name '*.down.sql' -o -name 'down.sql' -o -name 'U*' \)); do
		printf 'DROP TABLE b;\n' >>"$f"
	done
	run --dir "$d" lint
	expect_rc 0 "$d: lints clean"
	db=$(pg_fresh_db)
	PGDATABASE=$db run --dir "$d" up --no-backup
	expect_rc 0 "$d: up applies both"
	expect_eq "$(psql_q -d "$db" -c "SELECT count(*) FROM pg_class WHERE relname IN ('a', 'b') AND relkind = 'r'")" 2 "$d: both tables"
	[ "$d" = prisma ] && continue # no down in Prisma's layout
	PGDATABASE=$db run --dir "$d" down
	expect_rc 0 "$d: down reverts the new one"
	expect_eq "$(psql_q -d "$db" -c "SELECT to_regclass('b') IS NULL")" t "$d: its table gone"
done

# a generator writes its steps in the layout too, numbered on
run --dir goose new --add-unique 'a(id)'
expect_rc 0 "goose: a generator"
expect_out '^goose/00009_' "its first step numbered on"
expect_no '\.up\.sql' "no golang-migrate pairs in a goose directory"
run --dir prisma new --add-unique 'a(id)'
expect_rc 0 "prisma: a generator"
expect_err "Prisma's layout, which keeps no down" "says the downs are not written"

# a step that cannot be written leaves nothing behind: the Diesel directory exists already
v=$(date -u +%Y-%m-%d-%H%M%S)
mkdir -p "diesel/${v}_add_c" "diesel/$(date -u -d '+1 second' +%Y-%m-%d-%H%M%S)_add_c"
before=$(find diesel | sort)
run --dir diesel new add_c
expect_err "could not create .*File exists" "says which file it could not create"
if [ "$(find diesel | sort)" = "$before" ]; then t_ok "a failed new leaves the directory as it was"; else t_not_ok "leftovers" "$(find diesel | sort)"; fi

# by name (migrations.order: name) the next name sorts after the newest: a number on
# from the newest name's own ("4-" after "3-"; a timestamp would sort before it)
mkdir -p byname/m
printf -- '-- +migrate Up\nCREATE TABLE a (id int);\n-- +migrate Down\nDROP TABLE a;\n' >byname/m/3-a.sql
printf 'migrations:\n  dir: m\n  order: name\n' >byname/migrate.yml
(cd byname && "$MIGRATE" new add_b >../out 2>../err); T_RC=$?
expect_rc 0 "by name: new"
expect_eq "$(cat out)" "m/4-add_b.sql" "by name: 4- after 3-"
t_done
