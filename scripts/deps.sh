#!/bin/sh
# scripts/deps.sh - install every Debian package the build, tests, demo and
# benchmarks need. Does nothing when they are all there.
# "scripts/deps.sh fuzz" adds clang and its libFuzzer runtime (make fuzz).
set -eu

PACKAGES="gcc make pkg-config libpq-dev libyaml-dev libssl-dev libpcre2-dev check \
libsubunit-dev libpg-query-dev libprotobuf-c-dev libjansson-dev postgresql \
postgresql-client postgresql-contrib pgbouncer"
[ "${1:-}" = fuzz ] && PACKAGES="$PACKAGES clang libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# a fresh machine may never have read the package lists
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends $missing
fi
# installing the postgresql package may start a cluster; tests never use it
