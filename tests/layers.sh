#!/bin/sh
# tests/layers.sh [BUILD] - the source tree's layers (docs/architecture.md), checked:
# a file may include headers of its own folder and of the folders below it,
# never of one above; and no two files depend on each other, directly or
# through others. A file depends on another when its object uses a symbol the
# other's object defines (nm on BUILD/obj, default build/): what the includes
# say and what the linker sees.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}

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
	done
	[ $bad = 0 ] && pass=$((pass + 1)) || fail=$((fail + 1))
done
# what the objects use from each other (the real dependencies), by layer too
defs=$(mktemp)
uses=$(mktemp)
trap 'rm -f "$edges" "$defs" "$uses"' EXIT
for o in $(find "$BUILD/obj" -name '*.o' ! -name rules_embed.o | sort); do
	m=src/${o#"$BUILD"/obj/}
	m=${m%.o}
	nm -g --defined-only "$o" | awk -v m="$m" 'NF == 3 { print $3, m }' >>"$defs"
	nm -u "$o" | awk -v m="$m" '{ print $2, m }' >>"$uses"
done
if [ ! -s "$defs" ]; then
	echo "not ok: no objects in $BUILD/obj (build first)"
	fail=$((fail + 1))
fi
sort -k1,1 "$defs" -o "$defs"
sort -k1,1 "$uses" -o "$uses"
: >"$edges"
join "$uses" "$defs" | awk '$2 != $3 { print $2, $3 }' | sort -u >"$edges"
while read -r from to; do
	a=${from#src/}
	b=${to#src/}
	if [ "$(rank "${b%%/*}")" -gt "$(rank "${a%%/*}")" ]; then
		echo "not ok: $from uses $to of the higher layer ${b%%/*}"
		fail=$((fail + 1))
	fi
done <"$edges"
for f in src/*/*.c; do echo "${f%.c} ${f%.c}"; done >>"$edges"
if loops=$(tsort "$edges" 2>&1 >/dev/null) && [ -z "$loops" ]; then
	pass=$((pass + 1))
else
	echo "not ok: circles (each block is one loop):"
	printf '%s\n' "$loops" | sed 's/^tsort: //; s/^[^ ]*: input contains a loop:/  --/; s/^[^ ]/    &/'
	fail=$((fail + 1))
fi
echo "layers: $pass passed, $fail failed"
[ $fail = 0 ]
