# Every command answers -h/--help with exit 0 (loops over the command table).
. "$TOP/tests/lib/t.sh"

for cmd in $("$MIGRATE" --list-commands); do
	run "$cmd" --help
	expect_rc 0 "migrate $cmd --help"
	expect_out "^usage: migrate $cmd" "migrate $cmd --help prints its usage"
	run "$cmd" -h
	expect_rc 0 "migrate $cmd -h"
done
[ "$("$MIGRATE" --list-commands | wc -l)" -ge 8 ] && t_ok "the command table lists every command" || t_not_ok "command table too short"
run --help
expect_rc 0 "migrate --help"
expect_out "Exit codes:" "migrate --help documents exit codes"
expect_out "3  cannot connect" "exit code 3 is documented"
run --version
expect_out "^migrate [0-9]+\.[0-9]+\.[0-9]+" "migrate --version"
run frobnicate
expect_rc 2 "unknown command"
expect_err 'unknown command "frobnicate"' "unknown command is named"
run up --frobnicate
expect_rc 2 "unknown option"
expect_err 'unknown option "--frobnicate"' "unknown option is named"
# another command's option before the command's name: named, with the commands that have it
run --no-backup status
expect_rc 2 "another command's option before status"
expect_err 'hint: "--no-backup" is an option of "migrate up", "migrate down"' "says whose option it is"
expect_err 'not of "migrate status"' "and that status has none"
run up --lock-timeout soon
expect_rc 2 "bad duration"
expect_err 'invalid --lock-timeout "soon"' "bad duration is named"
run down --steps 0
expect_rc 2 "bad --steps"
run down --steps 2 --all
expect_rc 2 "conflicting down options"
run
expect_rc 2 "no command"
t_done
