#!/usr/bin/env bash
# Installs what detour needs on Debian 12, and nothing that is already there.
#   scripts/setup.sh          to build and run detour (the quickstart)
#   scripts/setup.sh --test   that, and what the test suite needs (CI)
# Safe to run any number of times: it only calls apt-get when a package is
# missing (and then runs `apt-get update` first). It never leaves a service
# running: nginx (a test server the tests start themselves) is installed
# with Debian's policy-rc.d guard, so the package does not start its own.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config   # toolchain
  libuv1-dev libmbedtls-dev node-llhttp  # libraries (llhttp as C sources)
  libicu-dev                         # IDNA: ICU's UTS #46, as browsers run it (the default)
  libidn2-dev                        # IDNA for small devices (-DDETOUR_IDNA=libidn2)
  libssl-dev                         # OpenSSL 3: the TLS backend with TLS 1.3
  libnghttp2-dev                     # HTTP/2
  zlib1g-dev libbrotli-dev libzstd-dev  # content codings: gzip/deflate, br, zstd
  libunistring-dev                   # libidn2's own dependency, for static linking
  libpsl-dev                         # public suffix list (audit, Sec-Fetch-Site)
  ca-certificates                    # the CAs https is checked against
)
TEST_PKGS=(
  python3 openssl                    # integration tests; test CA generation
  nginx-light                        # real-server tests (started by the tests)
  curl                               # peer baseline for benchmarks
  zstd                               # zstd bodies for the coding tests
  clang libclang-rt-14-dev           # libFuzzer targets (optional build)
  clang-format                       # the tree's formatting check (lint.tree)
  git                                # lint.tree lists the tracked files
)
if [ "${1:-}" = "--test" ]; then
  PKGS+=("${TEST_PKGS[@]}")
elif [ -n "${1:-}" ]; then
  echo "usage: scripts/setup.sh [--test]" >&2
  exit 2
fi

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
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian starts a daemon a package installs unless policy-rc.d says no
# (exit 101): the tests run their own nginx, on their own ports.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  guard=1
fi
status=0
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
if [ -n "$guard" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
[ $status -eq 0 ] || { echo "setup: apt-get failed ($status)" >&2; exit $status; }
echo "setup: done"
