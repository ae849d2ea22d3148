#!/usr/bin/env bash
# Installs what detour needs on Debian 12, and nothing that is already there.
#   scripts/setup.sh               to build and run detour (the quickstart):
#                                  the toolchain and the libraries, no server
#   scripts/setup.sh --test        that, and what the test suite needs (CI)
#   scripts/setup.sh [--test] --print
#                                  the package names, one a line; installs nothing
# Safe to run any number of times: it only calls apt-get when a package is
# missing (and then runs `apt-get update` first). It never leaves a service
# running or enabled: a package's own start is refused with Debian's
# policy-rc.d guard, and a service the install enabled (nginx-common's
# postinst enables nginx.service and its SysV links) is disabled again — the
# tests start nginx themselves, with their own configuration, on private
# ports (tests/integration/nginx.py).
set -euo pipefail

# What building detour and running `detour demo` need (the default build:
# ICU for IDNA, OpenSSL 3 for TLS; docs/cli.md "Building"). Nothing here
# ships a service; tests/integration/test_setup.py checks that, and that
# every library the configure step finds comes from these packages.
PKGS=(
  build-essential cmake pkg-config   # toolchain
  libuv1-dev libmbedtls-dev node-llhttp  # libraries (llhttp as C sources; Mbed TLS for the demo's site)
  libicu-dev                         # IDNA: ICU's UTS #46, as browsers run it (the default)
  libssl-dev                         # OpenSSL 3: the TLS backend with TLS 1.3
  libnghttp2-dev                     # HTTP/2
  zlib1g-dev libbrotli-dev libzstd-dev  # content codings: gzip/deflate, br, zstd
  libpsl-dev                         # public suffix list (audit, Sec-Fetch-Site)
  ca-certificates                    # the CAs https is checked against
)
# What only the test command needs.
TEST_PKGS=(
  python3 openssl                    # integration tests; test CA generation
  libidn2-dev libunistring-dev       # the small-device IDNA build (-DDETOUR_IDNA=libidn2)
  nginx-light                        # real-server tests (started by the tests, never as a service)
  curl                               # peer baseline for benchmarks; reads detour's cookie jar
  zstd                               # zstd bodies for the coding tests
  clang libclang-rt-14-dev           # libFuzzer targets (scripts/fuzz.sh)
  clang-format                       # the tree's formatting check (lint.tree)
  git                                # lint.tree lists the tracked files
  chromium                           # headless Chromium, the browser tests compare with
)

test_set="" print=""
for arg in "$@"; do
  case $arg in
    --test) test_set=1 ;;
    --print) print=1 ;;
    *) echo "usage: scripts/setup.sh [--test] [--print]" >&2; exit 2 ;;
  esac
done
[ -z "$test_set" ] || PKGS+=("${TEST_PKGS[@]}")
if [ -n "$print" ]; then
  printf '%s\n' "${PKGS[@]}"
  exit 0
fi

# The system's root: "" (/) but for tests/integration/test_setup.py, which
# runs this script with stand-in apt-get, dpkg-query and service tools.
root=${DETOUR_SETUP_ROOT:-}

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi

# The services enabled at boot, one a line: "systemd UNIT" for a unit a
# target wants, "sysv NAME" for an init script started in runlevels 2-5 —
# the links Debian's postinst scripts make (deb-systemd-helper enable,
# update-rc.d defaults).
enabled_services() {
  local l
  for l in "$root"/etc/systemd/system/*.wants/*; do
    [ -L "$l" ] && echo "systemd ${l##*/}"
  done
  for l in "$root"/etc/rc[2345].d/S*; do
    [ -L "$l" ] || continue
    l=${l##*/S}
    echo "sysv ${l#"${l%%[!0-9]*}"}"
  done
  return 0
}

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
before=$(enabled_services | sort -u)
# Debian starts a daemon a package installs unless policy-rc.d says no
# (exit 101): the tests run their own nginx, on their own ports.
guard=""
if [ ! -e "$root/usr/sbin/policy-rc.d" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$root/usr/sbin/policy-rc.d" >/dev/null
  $SUDO chmod 755 "$root/usr/sbin/policy-rc.d"
  guard=1
fi
status=0
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
if [ -n "$guard" ]; then $SUDO rm -f "$root/usr/sbin/policy-rc.d"; fi

# policy-rc.d stops the start, not the enabling: a service the install
# enabled would start at the next boot (nginx on port 80). Disable it as a
# user does: update-rc.d for an init script (it also disables the systemd
# unit of the same name, through systemctl when there is one), systemctl for
# a unit alone (by hand when systemd is not installed). The package's state
# then says disabled, so its next upgrade keeps it off.
new_services() { comm -13 <(printf '%s\n' "$before") <(enabled_services | sort -u); }
disabled=()
while read -r kind name; do
  if [ "$kind" = sysv ]; then
    $SUDO update-rc.d "$name" disable >/dev/null || status=$?
    disabled+=("$name")
  fi
done < <(new_services)
while read -r kind name; do
  if [ "$kind" = systemd ]; then
    if command -v systemctl >/dev/null; then
      $SUDO systemctl --root="${root:-/}" --quiet disable "$name" || status=$?
    else
      $SUDO rm -f "$root"/etc/systemd/system/*.wants/"$name"
    fi
    disabled+=("$name")
  fi
done < <(new_services)
if [ ${#disabled[@]} -gt 0 ]; then
  echo "setup: disabled again what the install enabled at boot: ${disabled[*]}"
fi
left=$(new_services)
if [ -n "$left" ]; then
  echo "setup: still enabled after the install: $left" >&2
  [ $status -ne 0 ] || status=1
fi
[ $status -eq 0 ] || { echo "setup: failed ($status)" >&2; exit $status; }
echo "setup: done"
