#!/bin/sh
# tests/layers.sh - the source tree's layers (docs/architecture.md), checked:
# a file may include headers of its own folder and of the folders below it,
# never of one above; and no two modules include each other, directly or
# through others (a module is a .c file with its .h).
set -u
cd "$(dirname "$0")/.."

# lowest first
LAYERS="base sql config pg lint plan report run trace fleet cmd app"

rank() {
	i=0
	for l in $LAYERS; do
		[ "$l" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
	echo -1
}

fail=0
pass=0
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

for f in src/*/*.c src/*/*.h; do
	dir=${f#src/}
	dir=${dir%%/*}
	me=$(rank "$dir")
	if [ "$me" -lt 0 ]; then
		echo "not ok: $f is in no layer (src/$dir is not one of: $LAYERS)"
		fail=$((fail + 1))
		continue
	fi
	mod=${f%.*}
	bad=0
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		case "$inc" in
		*/*) ;;
		*) continue ;; # generated or local (rules_embed.h is build/)
		esac
		d=${inc%%/*}
		r=$(rank "$d")
		[ "$r" -lt 0 ] && continue
		if [ "$r" -gt "$me" ]; then
			echo "not ok: $f (layer $dir) includes $inc from the higher layer $d"
			bad=1
		fi
		dep=src/${inc%.h}
		[ "$dep" != "$mod" ] && echo "$mod $dep" >>"$edges"
	done
	[ $bad = 0 ] && pass=$((pass + 1)) || fail=$((fail + 1))
done
# every module must also be a node, so tsort sees the lone ones
for f in src/*/*.c; do echo "${f%.c} ${f%.c}"; done >>"$edges"
if loops=$(sort -u "$edges" | tsort 2>&1 >/dev/null) && [ -z "$loops" ]; then
	pass=$((pass + 1))
else
	echo "not ok: include circle:"
	printf '%s\n' "$loops" | sed 's/^tsort: /  /'
	fail=$((fail + 1))
fi
echo "layers: $pass passed, $fail failed"
[ $fail = 0 ]
