# init writes a commented config and the directory; new writes timestamped pairs.
. "$TOP/tests/lib/t.sh"

cd "$T_WORK" || exit 1
run init
expect_rc 0 "init"
[ -f migrate.yml ] && [ -d migrations ] && t_ok "migrate.yml and migrations/ exist" || t_not_ok "init files"
grep -q "lock_timeout: 500ms" migrate.yml && t_ok "config is commented with defaults" || t_not_ok "config content"
run init
expect_rc 2 "init refuses to overwrite"
expect_err "already there" "says why"
DATABASE_URL= run status --help
expect_rc 0 "the written config loads (help)"
run new "Add users table"
expect_rc 0 "new"
expect_out "^migrations/[0-9]{14}_add_users_table\.up\.sql$" "prints the up path"
expect_out "migrations/[0-9]{14}_add_users_table\.down\.sql$" "prints the down path"
run new "add users table"
expect_rc 0 "new again in the same second"
[ "$(ls migrations/*.up.sql | wc -l)" = 2 ] && t_ok "two distinct versions" || t_not_ok "versions collided" "$(ls migrations)"
run new '!!!'
expect_rc 2 "a name without letters"
run new
expect_rc 2 "missing name"
t_done
