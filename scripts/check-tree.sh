#!/usr/bin/env bash
# The tree's own rules, checked (the suite runs this as lint.tree):
#   1. cli/ is a user of include/detour.h only: no header of engine/ or
#      hsts/ (its own cli.h and demo_site.h, and system headers, are fine);
#   1b. the layers point one way (hsts/ < engine/url < engine/net,
#      engine/hsts and engine/cookie < engine/nav < engine/audit;
#      engine/out reads chains);
#   2. nothing cites a file that does not ship with detour (the notes
#      detour's rules were first gathered in live outside the repository;
#      docs/ carries them now);
#   3. every public function in include/detour.h is DT_EXTERN (exported
#      with hidden visibility everywhere else);
#   4. every C file is formatted by the repository's .clang-format.
# Prints what is wrong and exits 1; 0 when all hold.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
say() { echo "check-tree: $*" >&2; fail=1; }

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files() { git ls-files "$@"; }
else
  files() { find . -type f \( -name "${1#\*}" -o -name "${2:-x}" \) | sed 's|^\./||'; }
fi

# 1. cli/ includes
bad=$(grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' cli/*.c cli/*.h |
      grep -v -E '#[[:space:]]*include[[:space:]]*"(detour|cli|demo_site)\.h"')
[ -n "$bad" ] && say "cli/ includes something besides detour.h and its own headers:
$bad"
bad=$(grep -Hn -E '#[[:space:]]*include[[:space:]]*[<"](engine|hsts)/' cli/*.c cli/*.h)
[ -n "$bad" ] && say "cli/ reaches into the library's internals:
$bad"

# 1b. layers point one way (docs/ARCHITECTURE.md): a folder includes its own
# headers, lower layers and the engine's hubs (ctx.h, chain.h, profile.h),
# never a layer above or a sibling.
layer_rule() { # FOLDER FORBIDDEN-INCLUDE-REGEX
  local hits
  hits=$(grep -Hn -E "#[[:space:]]*include[[:space:]]*\"($2)" "$1"/*.c "$1"/*.h 2>/dev/null)
  [ -n "$hits" ] && say "$1 includes a layer above it or a sibling:
$hits"
}
layer_rule hsts/base 'engine/|hsts/[a-z_]+\.h'
layer_rule hsts 'engine/'
layer_rule engine/url 'engine/(net|hsts|cookie|nav|out|audit|ctx|chain)'
layer_rule engine/hsts 'engine/(net|cookie|nav|out|audit|ctx|chain)'
layer_rule engine/cookie 'engine/(net|hsts|nav|out|audit|ctx|chain|profile)'
layer_rule engine/net 'engine/(hsts|cookie|nav|out|audit)/'
layer_rule engine/nav 'engine/(out|audit)/'
layer_rule engine/out 'engine/(net|hsts|cookie|nav|audit|ctx)'
for hub in engine/chain.h engine/profile.h; do
  hits=$(grep -Hn -E '#[[:space:]]*include[[:space:]]*"engine/' "$hub")
  [ -n "$hits" ] && say "$hub is a hub every layer reads: it includes no engine/ header:
$hits"
done

# 2. references to files outside the repository
pattern='\.\./shared/|shared/reference|[/]work[/]|hsts-rules\.md|redirect-rules\.md|DECISIONS\.md|browser-wire\.md'
bad=$(files | grep -v -E '^(scripts/check-tree\.sh|fixtures/preload/)' |
      xargs grep -I -n -E "$pattern" 2>/dev/null)
[ -n "$bad" ] && say "references to files that do not ship with detour:
$bad"

# 3. DT_EXTERN on every public function
bad=$(grep -n -E '^[a-z_].*\bdt_[a-z0-9_]+\(' include/detour.h | grep -v -E '^[0-9]+:(DT_EXTERN|typedef)')
[ -n "$bad" ] && say "public functions without DT_EXTERN in include/detour.h:
$bad"

# 4. formatting
if ! command -v clang-format >/dev/null; then
  say "clang-format is not installed (scripts/setup.sh --test installs it)"
else
  out=$(files '*.c' '*.h' | xargs clang-format --dry-run --Werror 2>&1 | grep -E 'error:' | head -20)
  [ -n "$out" ] && say "files not formatted by .clang-format (run clang-format -i):
$out"
fi

[ $fail -eq 0 ] && echo "check-tree: cli includes, references, exports and formatting hold"
exit $fail
