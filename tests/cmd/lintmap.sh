# A long file given to lint is mapped, not read into the heap (base/textmap.c), and
# its pages go as the pieces are linted (issue 11: a 200 MB file under 500 MB). The
# findings must be those of the file read whole, byte for byte: MIGRATE_TEXTMAP_MIN=1
# maps every file, a huge value maps none. The text ends with a NUL the mapping adds
# past the file's end, also when the file fills its last page exactly; a NUL byte or
# a byte order mark in a mapped-size file gets read_text_file's answer.
. "$TOP/tests/lib/t.sh"

cd "$T_WORK" || exit 1
group() { # group K: four statements, a finding
	printf 'CREATE TABLE t%d (id bigint PRIMARY KEY, name text NOT NULL);\n' "$1"
	printf 'CREATE INDEX CONCURRENTLY t%d_name ON t%d (name);\n' "$1" "$1"
	printf 'ALTER TABLE t%d ADD COLUMN note text NOT NULL;\n' "$1"
	printf "UPDATE t%d SET note = 'x;y' WHERE id < 10;\n" "$1"
}
k=0
while [ $k -lt 300 ]; do k=$((k + 1)); group $k; done >many.sql
# exactly 64 KB (16 pages): a comment pads it, the last statement has no newline
last='CREATE INDEX CONCURRENTLY tz ON t1 (name)'
size=$(wc -c <many.sql)
{ cat many.sql; printf -- '-- '; head -c $((65536 - size - 3 - 1 - ${#last})) /dev/zero | tr '\0' p
  printf '\n%s' "$last"; } >paged.sql
expect_eq "$(wc -c <paged.sql | tr -d ' ')" 65536 "the file fills 16 pages exactly"

same() { # same FILE DESC: mapped and read, the same output and exit status
	MIGRATE_TEXTMAP_MIN=1000000000000 MIGRATE_PIECE_BYTES=4096 run lint --format json "$1"
	read_out=$T_OUT read_rc=$T_RC
	MIGRATE_TEXTMAP_MIN=1 MIGRATE_PIECE_BYTES=4096 run lint --format json "$1"
	expect_eq "$T_OUT" "$read_out" "$2: mapped, the findings of the file read"
	expect_eq "$T_RC" "$read_rc" "$2: mapped, the same exit status"
}
same many.sql "1,200 statements in pieces"
expect_out '"rule": "concurrently-in-transaction' "the findings are there"
same paged.sql "a file of whole pages"
expect_out '"line": 1202' "a finding on the last line, at the end of the last page"

{ cat many.sql; printf 'SELECT 2;\000\n'; } >nul.sql
MIGRATE_TEXTMAP_MIN=1 run lint nul.sql
expect_rc 2 "a NUL byte in a mapped-size file"
expect_err 'nul.sql:1201:10: .*NUL byte' "the NUL byte's place"

{ printf '\357\273\277'; cat many.sql; } >bom.sql
MIGRATE_TEXTMAP_MIN=1 MIGRATE_PIECE_BYTES=4096 run lint --format json bom.sql
bom_out=$T_OUT
MIGRATE_TEXTMAP_MIN=1 MIGRATE_PIECE_BYTES=4096 run lint --format json many.sql
expect_eq "$(printf '%s' "$bom_out" | sed 's/bom\.sql/many.sql/g')" "$T_OUT" \
	"a byte order mark: the findings of the file without it"
t_done
