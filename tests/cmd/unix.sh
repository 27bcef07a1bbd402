# What a Unix user expects: options before or after the command, "did you mean",
# --help naming the installed docs, a man page and bash completion generated from
# the option tables, and "make install" putting them where man and bash look.
. "$TOP/tests/lib/t.sh"

# a command option given before the command is the command's
run --lock-timeout soon up
expect_rc 2 "a command option before the command"
expect_err 'invalid --lock-timeout "soon"' "is read by the command"
run --wait 2s frobnicate
expect_err 'unknown command "frobnicate"' "its value is not taken for the command"
run --bogus up
expect_err 'unknown option "--bogus"' "an unknown option before the command is named"
expect_err "usage: migrate up" "with the command's usage"
run -x
expect_rc 2 "a command's option without a command"
expect_err '"-x" needs a command: it is one of "migrate lint"' "names the command it belongs to"
run --bogus
expect_err 'unknown option "--bogus"' "an unknown option without a command is named"
# did you mean
run stauts
expect_rc 2 "a mistyped command"
expect_err 'did you mean "migrate status"' "suggests the command"
run xyzzy
expect_no "did you mean" "no suggestion for a word far from every command"
run up --lock-timout 1s
expect_err 'did you mean "--lock-timeout"' "suggests the option"
run up --dri-run
expect_err 'did you mean "--dry-run"' "--dry-run is one of up's options"
run down --help
expect_out "--dry-run" "down --help lists --dry-run"
run plan --formt json
expect_err 'did you mean "--format"' "suggests the option of plan"

# --help names every docs page by its installed path
run --help
docdir=$(printf '%s\n' "$T_OUT" | sed -n 's/^Documentation (\(.*\)\/):$/\1/p')
[ -n "$docdir" ] && t_ok "--help names the docs directory" || t_not_ok "--help docs directory"
missing=""
for p in "$TOP"/docs/*.md; do
	printf '%s\n' "$T_OUT" | grep -qx "  $docdir/$(basename "$p")" || missing="$missing $(basename "$p")"
done
expect_eq "$missing" "" "--help lists every docs page"

# the man page: every command and every option of every table
run --generate man
expect_rc 0 "--generate man"
printf '%s\n' "$T_OUT" >"$T_WORK/migrate.1"
missing=""
for c in $("$MIGRATE" --list-commands); do
	grep -q "^\.SS \"migrate $c" "$T_WORK/migrate.1" || missing="$missing $c"
done
"$MIGRATE" --generate options >"$T_WORK/options"
while read -r cmd opt arg; do
	o=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
	grep -q "fB$o\\\\fR" "$T_WORK/migrate.1" || missing="$missing $cmd:$opt"
done <"$T_WORK/options"
expect_eq "$missing" "" "the man page has every command and option"
if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man -l "$T_WORK/migrate.1" >"$T_WORK/man.txt" 2>"$T_WORK/man.err"
	grep -q "lock_timeout per migration" "$T_WORK/man.txt" && ! grep -q . "$T_WORK/man.err" &&
		t_ok "man renders the page without warnings" ||
		t_not_ok "man -l" "$(head -5 "$T_WORK/man.err")"
fi

# bash completion from the same tables
run --generate bash
printf '%s\n' "$T_OUT" >"$T_WORK/migrate.bash"
complete_words() { # complete_words WORD... : what TAB offers after them
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _migrate; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$T_WORK/migrate.bash" "$@" 2>&1 | sort | tr '\n' ' '
}
expect_eq "$(complete_words migrate st)" "status " "bash completes a command"
expect_eq "$(complete_words migrate up --lock)" "--lock-timeout " "bash completes an option of the command"
expect_eq "$(complete_words migrate --wait 2s up --unsa)" "--unsafe " "the value of an option before the command is skipped"
expect_eq "$(complete_words migrate down --all-t)" "--all-targets " "bash completes down's options"
expect_eq "$(complete_words migrate --con)" "--config " "bash completes a common option before the command"
run --generate zsh
expect_out "^#compdef migrate" "--generate zsh writes a zsh completion"
run --generate nroff
expect_rc 2 "--generate of something unknown"

# make install: binary, man page, completions, docs, licence
dest=$T_WORK/dest
build=$(dirname "$MIGRATE")
if make -s -C "$TOP" BUILD="$build" DESTDIR="$dest" install >"$T_WORK/install.log" 2>&1; then
	prefix=$(find "$dest" -path '*/bin/migrate' | sed 's,/bin/migrate$,,')
	for f in bin/migrate share/man/man1/migrate.1 share/bash-completion/completions/migrate \
		share/zsh/vendor-completions/_migrate share/doc/migrate/usage.md \
		share/doc/migrate/LICENSE share/doc/migrate/rules/drop-table.md; do
		[ -f "$prefix/$f" ] && t_ok "make install: $f" || t_not_ok "make install: $f"
	done
	"$prefix/bin/migrate" --help | grep -q "share/doc/migrate/usage.md" && [ -f "$docdir/usage.md" -o -f "$dest$docdir/usage.md" ] &&
		t_ok "--help names where make install put the docs" || t_not_ok "installed docs path"
else
	t_not_ok "make install" "$(tail -5 "$T_WORK/install.log")"
fi
grep -q "PostgreSQL License" "$TOP/README.md" && grep -q "Permission to use, copy, modify" "$TOP/LICENSE" &&
	t_ok "LICENSE (the PostgreSQL License) is named in README" || t_not_ok "LICENSE"
t_done
