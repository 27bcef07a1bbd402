#!/bin/sh
# scripts/deb.sh BUILD VERSION - the Debian package of BUILD/migrate (make deb):
# binary, man page, bash and zsh completion, docs, in BUILD/migrate_VERSION_ARCH.deb.
# Depends: the packages holding the libraries the binary links directly, and
# postgresql-client (pg_dump, pg_restore for backups).
set -eu
BUILD=$1
VERSION=$2
root=$BUILD/deb-root
rm -rf "$root"
make -s BUILD="$BUILD" PREFIX=/usr DESTDIR="$root" install >/dev/null
gzip -9n "$root/usr/share/man/man1/migrate.1"
# Debian keeps the licence as copyright; docs stay where --help says they are
cp LICENSE "$root/usr/share/doc/migrate/copyright"

depends=""
for soname in $(objdump -p "$BUILD/migrate" | awk '$1 == "NEEDED" { print $2 }'); do
	path=$(ldd "$BUILD/migrate" | awk -v s="$soname" '$1 == s { print $3 }')
	[ -n "$path" ] || continue
	pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "/usr$path" 2>/dev/null || true)
	pkg=${pkg%%:*}
	[ -n "$pkg" ] || { echo "deb.sh: no package holds $path" >&2; exit 1; }
	case " $depends " in *" $pkg,"*) ;; *) depends="$depends $pkg," ;; esac
done
arch=$(dpkg --print-architecture)
size=$(du -sk "$root" | cut -f1)
mkdir -p "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<CONTROL
Package: migrate
Version: $VERSION
Architecture: $arch
Maintainer: migrate authors <migrate@localhost>
Installed-Size: $size
Depends:$depends postgresql-client
Section: database
Priority: optional
Description: zero-downtime PostgreSQL migration runner and linter
 Versioned up/down SQL migrations applied with lock_timeout and retries,
 history in the database, a linter and a planner that say what each
 statement locks, rewrites and scans before it runs.
CONTROL
deb="$BUILD/migrate_${VERSION}_$arch.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
