# Connection failures exit 3 and never print the password; URLs in messages are redacted.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

D="$T_WORK/m"; mkdir -p "$D"
echo "SELECT 1;" >"$D/1_x.up.sql"; echo "SELECT 1;" >"$D/1_x.down.sql"
enc=$(printf '%s' "$PG_TEST_PASSWORD" | sed 's/-/%2D/g')

run --dir "$D" -d "postgresql://pwuser:wrong-$PG_TEST_PASSWORD@/postgres?host=$PGHOST&port=$PGPORT" up
expect_rc 3 "wrong password: exit 3"
expect_err "could not connect to postgresql://pwuser:\*\*\*@/postgres" "URL redacted in the message"
expect_err "password authentication failed" "says why"
expect_no "$PG_TEST_PASSWORD" "the password is not printed"

run --dir "$D" -d "postgresql://pwuser:$enc@/postgres?host=$PGHOST&port=$PGPORT" status
expect_rc 0 "right (percent-encoded) password connects"
expect_no "$PG_TEST_PASSWORD" "not printed on success either"

run --dir "$D" -d "postgresql://app:$PG_TEST_PASSWORD@127.0.0.1:1/app?connect_timeout=3" up
expect_rc 3 "unreachable host: exit 3"
expect_err "could not connect to postgresql://app:\*\*\*@127.0.0.1:1/app" "names the target, redacted"
expect_no "$PG_TEST_PASSWORD" "password not printed for an unreachable host"

run --dir "$D" -d "host=127.0.0.1 port=1 user=app password=$PG_TEST_PASSWORD connect_timeout=3" up
expect_rc 3 "key=value conninfo, unreachable: exit 3"
expect_err "password=\*\*\*" "key=value password redacted"

PGPASSWORD=$PG_TEST_PASSWORD run --dir "$D" -d "postgresql://pwuser@/nosuchdb?host=$PGHOST&port=$PGPORT" up
expect_rc 3 "missing database: exit 3"
expect_err 'database "nosuchdb" does not exist' "says which database"

DATABASE_URL="postgresql://pwuser:wrong@127.0.0.1:1/x?connect_timeout=2" run --dir "$D" status
expect_rc 3 "DATABASE_URL is used"
expect_err "127.0.0.1:1" "from DATABASE_URL"

# -d beats DATABASE_URL; the config's url is used when neither is set
DATABASE_URL="postgresql://nobody@127.0.0.1:1/x" run --dir "$D" -d "postgresql:///postgres?host=$PGHOST&port=$PGPORT" status
expect_rc 0 "--database-url wins over DATABASE_URL"
printf 'database:\n  url: postgresql://cfg@127.0.0.1:1/fromconfig?connect_timeout=2\n' >"$T_WORK/c.yml"
run -c "$T_WORK/c.yml" --dir "$D" status
expect_rc 3 "config url used"
expect_err "fromconfig" "config url named"
t_done
