#!/usr/bin/env bash
# Builds the package (scripts/package.sh) and checks it as a user would receive it:
# - `dpkg-deb --info/--contents`: control fields, Depends: naming exactly the packages of the
#   libraries the binary asks for itself (its NEEDED entries: OpenBLAS/LAPACK, ReadStat, zlib,
#   libpq, libc...; what they need in turn is left to apt), and the files (/usr/bin/strata, man
#   pages, completions); the tarball holds the same files under bin/ and share/;
# - installs it: with CI=true as root, `dpkg -i` on the (throwaway) CI machine, removed again at
#   the end; otherwise `dpkg-deb -x` into a temporary prefix, never touching the system. The
#   tarball is unpacked into another temporary prefix;
# - the installed `strata` (and the tarball's) print byte for byte what the built binary prints for
#   a survey mean and a design-based logit on datasets/apistrat.csv, and the same --version;
# - `ldd` of the installed binary lists no libswift*/libFoundation* (and nothing "not found");
# - `man -l strata-fit.1.gz` shows the options of `strata fit` (groff if man is missing);
# - sourcing the bash completion sets `complete -p strata`; zsh/fish scripts parse (when installed).
# Called from .ci/run after the tests; takes one release build (about 6 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

failures=0
check() { # check DESCRIPTION COMMAND...: runs COMMAND, records a failure if it fails
  local what="$1"; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; failures=$((failures + 1)); fi
}

listing="$(bash scripts/package.sh)"
echo "$listing"
deb="$(grep -o '^dist/[^ ]*\.deb' <<<"$listing")"
tarball="$(grep -o '^dist/[^ ]*\.tar\.gz' <<<"$listing")"
[ -f "$deb" ] && [ -f "$tarball" ] || { echo "test-package: package.sh made no .deb/.tar.gz" >&2; exit 1; }
built="$(swift build -c release --show-bin-path)/strata"

work="$(mktemp -d "${TMPDIR:-/tmp}/strata-test-package.XXXXXX")"
installed_by_dpkg=""
cleanup() {
  if [ -n "$installed_by_dpkg" ]; then dpkg -r strata >/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The package's metadata and files.
info="$(dpkg-deb --info "$deb")"
echo "$info" | sed -n '/Package:/,/Description:/p'
version="$("$built" --version | sed -n 's/^strata \([0-9][0-9.]*\) .*/\1/p')"
check "control: Package: strata" grep -qx ' *Package: strata' <<<"$info"
check "control: Version: $version" grep -qx " *Version: $version" <<<"$info"
depends="$(sed -n 's/^ *Depends: //p' <<<"$info")"
owner() { # the Debian package owning a library path (usrmerge: /lib is /usr/lib; alternatives links)
  local real candidate found
  real="$(readlink -f "$1")"
  for candidate in "$1" "/usr$1" "$real" "${real#/usr}"; do
    found="$(dpkg -S "$candidate" 2>/dev/null | grep -v '^diversion' | head -n 1 | cut -d: -f1)" || true
    if [ -n "$found" ]; then echo "$found"; return; fi
  done
}
# Depends: names the owning package of each library the built binary asks for itself (NEEDED)
# and nothing else: a library those need in turn (libgfortran for OpenBLAS, libssl for libpq) comes
# through its own package's Depends:. OpenBLAS (which carries LAPACK here; a separate
# liblapack.so.3 when the linker keeps one), ReadStat, zlib and libpq must be among them.
needed="$(objdump -p "$built" | awk '$1 == "NEEDED" {print $2}' | sort -u)"
for soname in libopenblas.so.0 libreadstat.so.1 libz.so.1 libpq.so.5; do
  check "the built strata asks for $soname (NEEDED)" grep -qx "$soname" <<<"$needed"
done
# soname and path of each library (the loader is listed by its path alone).
libraries="$(ldd "$built" | awk '$2 == "=>" && $3 ~ /^\// {print $1 " " $3}
  $1 ~ /^\// {n = split($1, p, "/"); print p[n] " " $1}')"
expected_packages=""
while read -r soname; do
  path="$(awk -v s="$soname" '$1 == s {print $2; exit}' <<<"$libraries")"
  package="$(owner "${path:-/nonexistent/$soname}")"
  check "Depends names ${package:-?} (for $soname)" grep -qw -- "${package:-no owner of $soname}" <<<"$depends"
  expected_packages+="${package}"$'\n'
done <<<"$needed"
depends_packages="$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//' | sort -u)"
check "Depends names no package beyond those of the NEEDED libraries ($depends)" \
  test "$depends_packages" = "$(grep -v '^$' <<<"$expected_packages" | sort -u)"
contents="$(dpkg-deb --contents "$deb" | awk '{print $NF}' | sed 's|^\./||' | grep -v '/$' | sort)"
for f in usr/bin/strata usr/share/man/man1/strata.1.gz usr/share/man/man1/strata-fit.1.gz \
  usr/share/man/man1/strata-fit-ols.1.gz usr/share/bash-completion/completions/strata \
  usr/share/zsh/vendor-completions/_strata usr/share/fish/vendor_completions.d/strata.fish; do
  check "the .deb installs /$f" grep -qx "$f" <<<"$contents"
done
# One man page per command of the built binary's command tree.
pages="$("$built" --experimental-dump-help | python3 -c '
import json, sys
def walk(n):
    yield "-".join((n.get("superCommands") or []) + [n["commandName"]])
    for c in n.get("subcommands") or []:
        yield from walk(c)
print("\n".join(sorted(walk(json.load(sys.stdin)["command"]))))')"
check "a man page for each of the $(wc -l <<<"$pages") commands" \
  test "$(sed -n 's|^usr/share/man/man1/\(.*\)\.1\.gz$|\1|p' <<<"$contents" | sort)" = "$(sort <<<"$pages")"
tar_contents="$(tar -tzf "$tarball" | grep -v '/$' | sed 's|^\./||' | sort)"
check "the tarball holds the same files under bin/ and share/" \
  test "$tar_contents" = "$(grep '^usr/' <<<"$contents" | sed 's|^usr/||' | sort)"

# Install.
if [ "${CI:-}" = true ] && [ "$(id -u)" -eq 0 ]; then
  dpkg -i "$deb"
  installed_by_dpkg=yes
  prefix=""
  check "dpkg -i installed strata $version" test "$(dpkg-query -W -f='${Version}' strata)" = "$version"
else
  prefix="$work/deb"
  dpkg-deb -x "$deb" "$prefix"
fi
strata="$prefix/usr/bin/strata"
mkdir "$work/tar"
tar -xzf "$tarball" -C "$work/tar"

# The installed binaries give the built binary's output, byte for byte.
design=(--data datasets/apistrat.csv --weights pw --strata stype --fpc fpc)
run_cases() { # run_cases BINARY OUT_DIR
  mkdir -p "$2"
  "$1" --version >"$2/version.txt"
  "$1" mean api00 "${design[@]}" --by stype >"$2/mean.txt"
  "$1" fit logit 'sch.wide ~ ell + mobility' "${design[@]}" >"$2/logit.txt"
  "$1" fit logit 'sch.wide ~ ell + mobility' "${design[@]}" --format json >"$2/logit.json"
}
run_cases "$built" "$work/out-built"
run_cases "$strata" "$work/out-deb"
run_cases "$work/tar/bin/strata" "$work/out-tar"
check "the built strata's mean has a result" grep -q api00 "$work/out-built/mean.txt"
check "the built strata's logit has a result" grep -q mobility "$work/out-built/logit.txt"
check "the installed strata prints what the built one prints" diff -r "$work/out-built" "$work/out-deb"
check "the tarball's strata prints what the built one prints" diff -r "$work/out-built" "$work/out-tar"

# Self-contained: no Swift runtime or Foundation from the system.
check "ldd of the installed strata: no libswift*/libFoundation*, nothing missing" \
  bash -c '! ldd "$1" | grep -E "libswift|libFoundation|lib_Foundation|not found"' _ "$strata"

# Man pages and completions.
share="$prefix/usr/share"
if command -v man >/dev/null; then
  fit_page="$(MANWIDTH=100 man -l "$share/man/man1/strata-fit.1.gz" 2>/dev/null)"
else
  fit_page="$(gzip -dc "$share/man/man1/strata-fit.1.gz" | groff -mandoc -Tutf8 2>/dev/null | sed 's/.\x08//g')"
fi
for option in --data --weights --vce --cluster --strata --psu --fpc --margins --format; do
  check "man strata-fit shows $option" grep -q -- "$option" <<<"$fit_page"
done
check "man strata-fit names the fit models" grep -qE '^ +logit ' <<<"$fit_page"
check "sourcing the bash completion sets complete -p strata" \
  bash -c 'source "$1" && complete -p strata' _ "$share/bash-completion/completions/strata"
if command -v zsh >/dev/null; then check "zsh completion parses" zsh -n "$share/zsh/vendor-completions/_strata"; fi
if command -v fish >/dev/null; then check "fish completion parses" fish -n "$share/fish/vendor_completions.d/strata.fish"; fi

if [ "$failures" -ne 0 ]; then
  echo "test-package: $failures check(s) failed" >&2
  exit 1
fi
echo "test-package: all checks passed ($deb, $tarball)"
