# migrate new --change-type at its limits (docs/recipes.md): an identity primary key
# (int -> bigint: the identity and its sequence move to the new column, continuing where
# they were), a type without an assignment cast (text -> int: refused without --using,
# generated with it), and what is refused (exit 2, the limit named, nothing written).
# The generated files lint clean, rehearse, apply, go down all the way and up again, and
# leave the same table, sequence and rows as the naive ALTER COLUMN TYPE on a twin.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
A="--dir $D --no-backup"
U="--database-url dbname=$db"

# dump TABLE: its schema and its identity sequence, lines sorted, the twin's name as the table's
dump() {
	"$PG_BIN/pg_dump" --schema-only -t "$1" -t "$1_id_seq" "$db" | grep -v '^\\\(un\)\?restrict' |
		grep -v '^--' | sed "s/\b$1\b/T/g; s/\b$1_/T_/g; s/\bident_n\b/ident/g; s/,$//" | sort
}
rows() { # TABLE: its rows, the columns in the base's order (a generated column is last)
	case $1 in
	ident*) psql_q -c "SELECT id, v FROM $1 ORDER BY 1" ;;
	codes*) psql_q -c "SELECT id, code FROM $1 ORDER BY 1" ;;
	refs*) psql_q -c "SELECT id, p FROM $1 ORDER BY 1" ;;
	*) psql_q -c "SELECT id, a, b, c, d, e FROM $1 ORDER BY 1" ;;
	esac
}
seqval() { psql_q -c "SELECT last_value || ' ' || is_called FROM ${1}_id_seq"; }
same() { # TABLE TWIN DESC
	expect_eq "$(dump "$1")" "$(dump "$2")" "$3: the schema equals the naive ALTER's"
	expect_eq "$(rows "$1")" "$(rows "$2")" "$3: the rows equal the naive ALTER's"
}
written() { ls "$D" | wc -l; }

: >"$D/1_base.up.sql"
for s in "" _n; do cat >>"$D/1_base.up.sql" <<SQL
-- migrate:allow prefer-bigint the key the test widens
CREATE TABLE ident$s (id int GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 2 CACHE 5) PRIMARY KEY, v text);
INSERT INTO ident$s (v) SELECT 'v' || g FROM generate_series(1, 300) g;
CREATE TABLE refs$s (id bigint PRIMARY KEY, p int REFERENCES ident$s (id) ON DELETE CASCADE);
INSERT INTO refs$s SELECT g, 10 + 2 * (g % 300) FROM generate_series(1, 200) g;
-- migrate:allow prefer-bigint a test table
CREATE TABLE codes$s (id int PRIMARY KEY, code text NOT NULL);
CREATE INDEX codes${s}_code_idx ON codes$s (code);
INSERT INTO codes$s SELECT g, (g * 7)::text FROM generate_series(1, 300) g;
-- migrate:allow prefer-bigint a test table
CREATE TABLE lim$s (id int PRIMARY KEY, a int UNIQUE, b int, c int CHECK (c > 0), d int REFERENCES lim$s (id), e int);
CREATE INDEX lim${s}_expr ON lim$s ((a + 1));
CREATE INDEX lim${s}_part ON lim$s (b) INCLUDE (a) WHERE b > 0 AND a IS NOT NULL;
CREATE UNIQUE INDEX lim${s}_lower ON lim$s (lower(b::text), "c") WHERE "b" <> 7;
ALTER TABLE lim$s ADD CONSTRAINT lim${s}_e_excl EXCLUDE USING btree (e WITH =);
INSERT INTO lim$s SELECT g, g, g % 5 - 2, g, nullif(g - 1, 0), g FROM generate_series(1, 300) g;
SQL
done
echo "CREATE TABLE keyinc (id bigint PRIMARY KEY, f int, g int, UNIQUE (f) INCLUDE (g));" >>"$D/1_base.up.sql"
echo "DROP TABLE refs, refs_n, ident, ident_n, codes, codes_n, lim, lim_n, keyinc;" >"$D/1_base.down.sql"
run $A up
expect_rc 0 "the base migration applies"

# --- refused: the limit named, exit 2, nothing written -----------------------------------
n=$(written)
run --dir $D new $U --change-type codes.code integer
expect_rc 2 "text -> integer without --using is refused"
expect_err "--change-type: text has no assignment cast to integer" "it names the missing cast"
expect_err "give the conversion with --using EXPR .*--using 'code::integer'" "and says what to give"
run --dir $D new $U --change-type codes.code nosuchtype
expect_rc 2 "an unknown type is refused"
expect_err "type \"nosuchtype\" does not exist" "it says so"
run --dir $D new $U --rename-column codes.code x --using 'code'
expect_rc 2 "--using goes with --change-type only"
run --dir $D new $U --change-type lim.e bigint
expect_rc 2 "an exclusion constraint on the column is refused"
expect_err "lim.e is in exclusion constraint lim_e_excl: not generated" "it names the constraint and the limit"
run --dir $D new $U --change-type keyinc.f bigint
expect_rc 2 "a UNIQUE constraint with INCLUDE on the column is refused"
expect_err "index keyinc_f_g_key on keyinc backs a constraint and is not a plain btree on columns" "it names the index and the limit"
expect_eq "$(written)" "$n" "nothing was written by the refused runs"

# --- generated: identity, --using ----------------------------------------------------
run --dir $D new $U --change-type ident.id bigint
expect_rc 0 "--change-type of an identity primary key"
swap=$(ls "$D"/*_swap_ident_id.up.sql)
expect_eq "$(grep -c 'ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME public.ident_id_seq_new START WITH 10 INCREMENT BY 2 CACHE 5)' "$swap")" 1 \
	"the swap gives the new column the identity, with the old one's options"
run --dir $D new $U --change-type refs.p bigint
expect_rc 0 "--change-type of a column with a foreign key to another table"
expect_eq "$(grep '^LOCK' "$D"/*_swap_refs_p.up.sql)" "LOCK TABLE refs, ident IN ACCESS EXCLUSIVE MODE;" \
	"its swap locks the referenced table too, first (dropping the key locks it)"
run --dir $D new $U --change-type codes.code integer --using 'trim(code)::integer'
expect_rc 0 "--change-type text -> integer with --using"
expect_eq "$(grep -c 'UPDATE codes SET code_new = (trim(code)::integer)' "$D"/*_backfill_codes_code_new.up.sql)" 1 "the backfill converts with the expression"
# a UNIQUE constraint, an index on an expression, a partial one with INCLUDE, a unique one on an expression
# with a predicate, a CHECK and a foreign key of the table: rebuilt on the new column
for c in a b c d; do
	run --dir $D new $U --change-type lim.$c bigint
	expect_rc 0 "--change-type lim.$c (indexes on expressions or with a predicate, CHECK, FOREIGN KEY)"
done
expect_eq "$(cat "$D"/*_index_lim_expr_new.up.sql | grep -v '^--')" \
	"CREATE INDEX CONCURRENTLY IF NOT EXISTS lim_expr_new ON public.lim USING btree (((a_new + 1)));" \
	"the expression index is rebuilt on the new column"
expect_eq "$(cat "$D"/*_index_lim_part_new.up.sql | grep -v '^--')" \
	"CREATE INDEX CONCURRENTLY IF NOT EXISTS lim_part_new ON public.lim USING btree (b) INCLUDE (a_new) WHERE ((b > 0) AND (a_new IS NOT NULL));
CREATE INDEX CONCURRENTLY IF NOT EXISTS lim_part_new ON public.lim USING btree (b_new) INCLUDE (a) WHERE ((b_new > 0) AND (a IS NOT NULL));" \
	"the partial index keeps its predicate and INCLUDE, on the new column (a's, then b's)"
expect_eq "$(grep -c 'ADD CONSTRAINT lim_c_check_new CHECK ((c_new > 0)) NOT VALID' "$D"/*_constraint_lim_c_check_new.up.sql)" 1 \
	"the CHECK is added again on the new column, NOT VALID"
expect_eq "$(grep -c 'ADD CONSTRAINT lim_d_fkey_new FOREIGN KEY (d_new) REFERENCES lim(id) NOT VALID' "$D"/*_constraint_lim_d_fkey_new.up.sql)" 1 \
	"the foreign key too, its referenced column unchanged"
run --dir $D lint
expect_rc 0 "every generated migration lints clean"
expect_no "error\[" "no error-level finding"

psql_q -c "ALTER TABLE ident_n ALTER COLUMN id TYPE bigint; ALTER TABLE refs_n ALTER COLUMN p TYPE bigint; ALTER TABLE codes_n ALTER COLUMN code TYPE integer USING trim(code)::integer"
psql_q -c "ALTER TABLE lim_n ALTER COLUMN a TYPE bigint, ALTER COLUMN b TYPE bigint, ALTER COLUMN c TYPE bigint, ALTER COLUMN d TYPE bigint"
run --dir $D rehearse
expect_rc 0 "rehearse passes"
run --dir $D rehearse --with-data 500
expect_rc 0 "rehearse --with-data passes"
psql_q -c "INSERT INTO ident (v) VALUES ('before'); INSERT INTO ident_n (v) VALUES ('before')"
psql_q -c "INSERT INTO codes VALUES (301, ' 5'); INSERT INTO codes_n VALUES (301, 5)"
run $A up
expect_rc 0 "up applies the generated sequences"
same ident ident_n "identity, after up"
same refs refs_n "a foreign key to another table, and the identity it references, after up"
same codes codes_n "--using, after up"
same lim lim_n "indexes on expressions and with predicates, CHECK and FOREIGN KEY, after up"
expect_eq "$(seqval ident)" "$(seqval ident_n)" "the identity's sequence is where the naive ALTER leaves it"
psql_q -c "INSERT INTO ident (v) VALUES ('after'); INSERT INTO ident_n (v) VALUES ('after')"
same ident ident_n "an insert after up takes the moved identity"
run $A down --to 1
expect_rc 0 "down all the way to the base"
expect_eq "$(psql_q -c "SELECT format_type(atttypid, atttypmod) || ' ' || attidentity::text FROM pg_attribute WHERE attrelid = 'ident'::regclass AND attname = 'id'")" \
	"integer a" "after down the key is an integer identity again"
expect_eq "$(psql_q -c "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'codes'::regclass AND attname = 'code'")" \
	text "after down the code is text again"
psql_q -c "INSERT INTO ident (v) VALUES ('down'); INSERT INTO ident_n (v) VALUES ('down')"
run $A up
expect_rc 0 "up again"
same ident ident_n "identity, after down, an insert and up"
same refs refs_n "a foreign key to another table, after down and up"
same codes codes_n "--using, after down and up"
same lim lim_n "indexes, CHECK and FOREIGN KEY, after down and up"

# --rename-column of a column in a CHECK and in a unique index on an expression with a predicate
run --dir $D new $U --rename-column lim.c c2
expect_rc 0 "--rename-column lim.c c2"
psql_q -c "ALTER TABLE lim_n RENAME COLUMN c TO c2"
run $A up
expect_rc 0 "up"
expect_eq "$(dump lim)" "$(dump lim_n)" "--rename-column: the schema equals the naive RENAME's (CHECK, the index on lower(b::text), c2)"
expect_eq "$(psql_q -c "SELECT id, c2 FROM lim ORDER BY 1")" "$(psql_q -c "SELECT id, c2 FROM lim_n ORDER BY 1")" "--rename-column: the rows too"
t_done
