#!/bin/sh
# scripts/deps.sh - install every Debian package the build, tests, demo and
# benchmarks need. Does nothing when they are all there.
# "scripts/deps.sh fuzz" adds clang and its libFuzzer runtime (make fuzz).
set -eu

PACKAGES="gcc make pkg-config libpq-dev libyaml-dev libssl-dev libpcre2-dev check \
libsubunit-dev libpg-query-dev libprotobuf-c-dev libjansson-dev postgresql \
postgresql-client postgresql-contrib pgbouncer python3-jsonschema python3-rfc3987"
[ "${1:-}" = fuzz ] && PACKAGES="$PACKAGES clang libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
apt_install() {
	echo "installing: $*" >&2
	# a fresh machine may never have read the package lists
	if ! $SUDO apt-get install -y --no-install-recommends "$@"; then
		$SUDO apt-get update
		$SUDO apt-get install -y --no-install-recommends "$@"
	fi
}
[ -z "$missing" ] || apt_install $missing

# The SARIF 2.1.0 JSON schema, for tests/cmd/sarif.sh (validated with python3-jsonschema,
# uri formats by python3-rfc3987): npm's @microsoft/jest-sarif ships it.
SARIF_SCHEMA=${XDG_CACHE_HOME:-$HOME/.cache}/migrate/sarif-2.1.0-rtm.5.json
if [ ! -s "$SARIF_SCHEMA" ] && [ "${1:-}" != fuzz ]; then
	command -v npm >/dev/null 2>&1 || apt_install npm
	tmp=$(mktemp -d)
	if (cd "$tmp" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null &&
	    tar xzf microsoft-jest-sarif-1.0.0-beta.0.tgz package/lib/schemas/sarif-2.1.0-rtm.5.json); then
		mkdir -p "$(dirname "$SARIF_SCHEMA")"
		cp "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$SARIF_SCHEMA"
	else
		echo "deps.sh: could not fetch the SARIF schema (npm); tests/cmd/sarif.sh checks the structure only" >&2
	fi
	rm -rf "$tmp"
fi
# installing the postgresql package may start a cluster; tests never use it
