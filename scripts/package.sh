#!/usr/bin/env bash
# Builds Strata for people without Swift (Guides/Install.md):
#   dist/strata_VERSION_ARCH.deb             Debian package: /usr/bin/strata, man pages, completions
#   dist/strata-VERSION-linux-MACHINE.tar.gz the same files under bin/ and share/ (for /usr/local)
# A release build with the Swift runtime and Foundation linked statically (--static-swift-stdlib),
# so the binary needs only Debian libraries (OpenBLAS/LAPACK, ReadStat, zlib, libpq, libc); the
# .deb's Depends: names the Debian package (`dpkg -S`) of each library the binary itself asks for
# (its direct NEEDED entries, `objdump -p`), so it stays true as libraries are added; what those
# libraries need in turn is their packages' own Depends:, resolved by apt. Man pages and
# completions come from the command tree (scripts/man-pages.py, `strata --generate-completion-script`),
# never from a list of commands.
# The commit goes into `strata --version` through -Xcc -DSTRATA_BUILD_COMMIT (CStrataBuildInfo).
# Writes only dist/, .build/ (the release build) and a temporary staging folder it removes.
# Needs: swift, dpkg-deb, dpkg, ldd, objdump, python3, tar, gzip (git optional: commit "unknown"
# without it).
set -euo pipefail
cd "$(dirname "$0")/.."
umask 022

fail() { echo "package: $*" >&2; exit 1; }
for tool in swift dpkg-deb dpkg ldd objdump python3 tar gzip strip; do
  command -v "$tool" >/dev/null || fail "needs '$tool' on PATH"
done

# The commit, and "-modified" when tracked files differ from it.
commit=unknown
if command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1; then
  commit="$(git rev-parse --short=7 HEAD)"
  [ -z "$(git status --porcelain --untracked-files=no)" ] || commit="$commit-modified"
fi
# Dates inside the package (file times, man page dates): the commit's, for reproducible bytes.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$( (git log -1 --format=%ct 2>/dev/null) || date +%s)"
fi
export SOURCE_DATE_EPOCH
page_date="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)"

build_flags=(-c release --static-swift-stdlib -Xcc "-DSTRATA_BUILD_COMMIT=\"$commit\"")
echo "package: release build (commit $commit)" >&2
swift build "${build_flags[@]}" --product strata >&2
# swift-argument-parser's man page generator (the program its generate-manual plugin runs).
swift build "${build_flags[@]}" --product generate-manual >&2
bin_dir="$(swift build "${build_flags[@]}" --show-bin-path)"
strata="$bin_dir/strata"

version_line="$("$strata" --version)"
version="$(sed -n 's/^strata \([0-9][0-9.]*\) (commit .*)$/\1/p' <<<"$version_line")"
[ -n "$version" ] || fail "cannot read the version from '$version_line'"
[ "$version_line" = "strata $version (commit $commit)" ] ||
  fail "the binary says '$version_line', expected commit $commit"

# No Swift runtime or Foundation may be loaded from the system.
libs="$(ldd "$strata")"
if grep -E 'libswift|libFoundation|lib_Foundation|not found' <<<"$libs" >&2; then
  fail "$strata links the libraries above dynamically (or cannot find them)"
fi

# The Debian package owning a shared library path (usrmerge: /lib is /usr/lib).
owner_of() {
  local path="$1" real candidate owner
  real="$(readlink -f "$path")"
  for candidate in "$path" "/usr$path" "$real" "${real#/usr}"; do
    owner="$(dpkg -S "$candidate" 2>/dev/null | grep -v '^diversion' | head -n 1 | cut -d: -f1)" || true
    if [ -n "$owner" ]; then echo "$owner"; return; fi
  done
  return 1
}
# The libraries the binary names itself (NEEDED), each with the path the loader resolves it to.
needed="$(objdump -p "$strata" | awk '$1 == "NEEDED" {print $2}' | sort -u)"
[ -n "$needed" ] || fail "objdump -p $strata lists no NEEDED library"
depends=()
while read -r soname; do
  # `soname => /path (addr)`, or the loader as `/path/ld-linux-x86-64.so.2 (addr)`.
  path="$(awk -v s="$soname" '$1 == s && $2 == "=>" && $3 ~ /^\// {print $3; exit}
    $1 ~ /^\// {n = split($1, p, "/"); if (p[n] == s) {print $1; exit}}' <<<"$libs")"
  [ -n "$path" ] || fail "ldd $strata does not resolve $soname (a NEEDED library)"
  pkg="$(owner_of "$path")" || fail "no Debian package owns $path ($soname, NEEDED by $strata)"
  if [ "$pkg" = libc6 ]; then
    # The newest glibc symbol version the binary uses.
    glibc="$(objdump -T "$strata" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)"
    [ -z "$glibc" ] || pkg="libc6 (>= $glibc)"
  fi
  depends+=("$pkg")
done <<<"$needed"
depends_field="$(printf '%s\n' "${depends[@]}" | sort -u | paste -sd, - | sed 's/,/, /g')"

arch="$(dpkg --print-architecture)"
machine="$(uname -m)"
staging="$(mktemp -d "${TMPDIR:-/tmp}/strata-package.XXXXXX")"
trap 'rm -rf "$staging"' EXIT

# The installed tree, once, under usr/: the .deb takes it as is, the tarball without usr/.
root="$staging/deb"
install -d "$root/usr/bin" "$root/usr/share/man/man1" "$root/usr/share/doc/strata" \
  "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
  "$root/usr/share/fish/vendor_completions.d"
install -m 0755 "$strata" "$root/usr/bin/strata"
strip --strip-unneeded "$root/usr/bin/strata"
"$strata" --generate-completion-script bash >"$root/usr/share/bash-completion/completions/strata"
"$strata" --generate-completion-script zsh >"$root/usr/share/zsh/vendor-completions/_strata"
"$strata" --generate-completion-script fish >"$root/usr/share/fish/vendor_completions.d/strata.fish"
python3 scripts/man-pages.py "$strata" "$bin_dir/generate-manual" "$root/usr/share/man/man1" "$page_date"
gzip -9n <CHANGELOG.md >"$root/usr/share/doc/strata/changelog.gz"
find "$root" -type f ! -path "$root/usr/bin/*" -exec chmod 0644 {} +
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

install -d "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<EOF
Package: strata
Version: $version
Architecture: $arch
Maintainer: ${STRATA_MAINTAINER:-Strata developers <strata@localhost>}
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends_field
Section: science
Priority: optional
Description: survey analysis: regression with design-based, robust and cluster errors
 Strata fits OLS/WLS, GLMs, ordered and multinomial models, IV and fixed effects
 from R-style formulas with classical, robust, cluster-robust and design-based
 standard errors (strata, clusters, FPC, replicate weights, calibration), and
 computes survey means, totals, tables, margins, plots and notebooks. Numbers
 match R's survey and sandwich packages. Built from commit $commit.
EOF

mkdir -p dist
deb="dist/strata_${version}_${arch}.deb"
tarball="dist/strata-${version}-linux-${machine}.tar.gz"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
tar -C "$root/usr" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
  -cf - bin share | gzip -9n >"$tarball"

size() { du -h --apparent-size "$1" | cut -f1; }
echo "package: $version_line; binary $(size "$root/usr/bin/strata") (stripped), Depends: $depends_field" >&2
echo "$deb ($(size "$deb"))"
echo "$tarball ($(size "$tarball"))"
