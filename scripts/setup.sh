#!/usr/bin/env bash
# Installs what detour needs on Debian 12, and nothing that is already there.
# Safe to run any number of times: it only calls apt-get when a package is
# missing (and then runs `apt-get update` first).
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config   # toolchain
  libuv1-dev libmbedtls-dev libidn2-dev node-llhttp  # libraries (llhttp as C sources)
  libssl-dev                         # OpenSSL 3: the TLS backend with TLS 1.3
  libnghttp2-dev                     # HTTP/2
  libunistring-dev                   # libidn2's own dependency, for static linking
  libpsl-dev                         # public suffix list (audit)
  python3 openssl ca-certificates    # integration tests; test CA generation
  nginx-light                        # real-server audit tests
  curl                               # peer baseline for benchmarks
  clang libclang-rt-14-dev           # libFuzzer targets (optional build)
  clang-format                       # the tree's formatting check (lint.tree)
  git                                # lint.tree lists the tracked files
)

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
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
