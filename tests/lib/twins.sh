# twins.sh - for the expand/contract generator tests (generators_type.sh,
# generators_rename.sh): tables accounts and invoices (a foreign key to accounts.id)
# and their twins accounts_n and invoices_n, with rows; and their schema compared.
# Needs $D (migrations directory), $A (up/down options) and $db.

# The base migration with both pairs, applied.
twins_base() {
	: >"$D/1_base.up.sql"
	for s in "" _n; do cat >>"$D/1_base.up.sql" <<SQL
CREATE TABLE accounts$s (id serial PRIMARY KEY, name text NOT NULL, score int NOT NULL DEFAULT 7);
CREATE INDEX accounts${s}_score_idx ON accounts$s (score, name);
CREATE TABLE invoices$s (id bigint PRIMARY KEY, account_id int REFERENCES accounts$s (id));
INSERT INTO accounts$s (name, score) SELECT 'a' || g, g % 13 FROM generate_series(1, 400) g;
INSERT INTO invoices$s SELECT g, 1 + g % 400 FROM generate_series(1, 300) g;
SQL
	done
	echo "DROP TABLE invoices, accounts, invoices_n, accounts_n;" >"$D/1_base.down.sql"
	run $A up
	expect_rc 0 "the base migration applies"
}

# twins_dump ACCOUNTS INVOICES: their schema (and the sequence), lines sorted (a
# column the generator added comes last), the twins' names mapped to the originals'
twins_dump() {
	"$PG_BIN/pg_dump" --schema-only -t "$1" -t "$2" -t "$1_id_seq" "$db" | grep -v '^\\\(un\)\?restrict' |
		grep -v '^--' | sed 's/accounts_n/accounts/g; s/invoices_n/invoices/g; s/,$//' | sort
}

# twins_same DESC WHAT: same schema and rows (rows: the caller's rows function)
twins_same() {
	expect_eq "$(twins_dump accounts invoices)" "$(twins_dump accounts_n invoices_n)" "$1: the schema equals the naive $2's"
	expect_eq "$(rows accounts invoices)" "$(rows accounts_n invoices_n)" "$1: the rows equal the naive $2's"
}
