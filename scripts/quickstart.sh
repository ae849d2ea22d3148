#!/usr/bin/env bash
# Quickstart: install what is missing, build, and show detour's main job on a
# built-in site: the loopback fixture server plays a.test (http → 301 →
# https with an HSTS header), and detour navigates to http://a.test/ twice
# with a throw-away HSTS store:
#   1st visit: goes out over http, follows the 301, notes the STS header;
#   2nd visit: a synthetic "307 Internal Redirect" — nothing sent to port 80.
# Everything stays on 127.0.0.1; --connect-to maps a.test's ports 80/443 to
# the fixture's ports and --cacert trusts its TEST-ONLY CA.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
DETOUR_BUILD_DIR=build ./scripts/build.sh -DDETOUR_BUILD_TESTS=ON

tmp=$(mktemp -d)
cleanup() {
  exec {fx_in}>&- 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# The fixture prints its ports on one line, and exits when its stdin closes.
mkfifo "$tmp/in"
build/tests/fixture/detour-fixture --scenario fixtures/quickstart/site.scn \
  --log "$tmp/fixture.log" <"$tmp/in" >"$tmp/ports" &
exec {fx_in}>"$tmp/in"
for _ in $(seq 100); do [ -s "$tmp/ports" ] && break; sleep 0.05; done
ports=$(head -n1 "$tmp/ports")
http=$(sed -E 's/.*"http":([0-9]+).*/\1/' <<<"$ports")
https=$(sed -E 's/.*"https":([0-9]+).*/\1/' <<<"$ports")

run() {
  echo
  echo "\$ detour fetch http://a.test/   # $1"
  build/detour fetch http://a.test/ --hsts-store "$tmp/hsts.txt" \
    --connect-to "a.test:80:127.0.0.1:$http" \
    --connect-to "a.test:443:127.0.0.1:$https" \
    --cacert build/test-ca/ca.crt
}
plain() { grep '"event":"accept"' "$tmp/fixture.log" | grep -c '"listener":"http"' || true; }
run "first visit: nothing known about a.test yet"
before=$(plain)
run "second visit: a.test is now a Known HSTS Host"
echo
echo "connections to the plain-http port: first visit $before, second visit $(( $(plain) - before ))"
echo
echo "\$ detour hsts list   # the throw-away store"
build/detour hsts list --hsts-store "$tmp/hsts.txt"
