#!/usr/bin/env bash
# Installs what the tests need (Redis, Azurite, Chromium, promtool) and runs every test project.
# Long soak tests and benchmarks run only with EQUIGRID_SOAK=1. The last line is "N passed, N failed, N skipped".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v xz >/dev/null 2>&1 || need_apt+=(xz-utils)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)   # promtool validates deploy/prometheus/alerts.yml
# npm installs Azurite below; without it every Azurite and cluster test would be skipped on a fresh machine.
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test.sh: installing ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}") >/tmp/equigrid-apt.log 2>&1 \
    || { echo "test.sh: apt-get install failed, see /tmp/equigrid-apt.log" >&2; tail -20 /tmp/equigrid-apt.log >&2; }
fi
# Azurite (Azure Blob Storage emulator) from npm, kept inside the repo's ignored .tools folder.
if [ ! -x "$root/.tools/node_modules/.bin/azurite-blob" ]; then
  echo "test.sh: installing azurite" >&2
  mkdir -p "$root/.tools"
  (cd "$root/.tools" && npm install --no-audit --no-fund --silent azurite@3 >/tmp/equigrid-npm.log 2>&1) \
    || { echo "test.sh: npm install azurite failed, see /tmp/equigrid-npm.log" >&2; tail -20 /tmp/equigrid-npm.log >&2; }
fi
export EQUIGRID_AZURITE="$root/.tools/node_modules/.bin/azurite-blob"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

filter="Category!=Soak"
[ "${EQUIGRID_SOAK:-0}" = "1" ] && filter=""

echo "test.sh: building" >&2
if ! dotnet build EquiGrid.sln -c Release --nologo -v q -clp:ErrorsOnly; then
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

passed=0; failed=0; skipped=0; rc=0
for proj in tests/*.Tests/*.csproj; do
  log="$(mktemp)"
  args=(test "$proj" -c Release --no-build --nologo)
  [ -n "$filter" ] && args+=(--filter "$filter")
  dotnet "${args[@]}" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  line="$(grep -E '(Passed|Failed)!  - Failed:' "$log" | tail -1)"
  if [ -n "$line" ]; then
    f=$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$line")
    p=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$line")
    s=$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  elif [ "$status" -ne 0 ]; then
    echo "test.sh: $proj did not report results (exit $status)" >&2
    failed=$((failed + 1))
  fi
  [ "$status" -ne 0 ] && rc=1
  rm -f "$log"
done
echo "$passed passed, $failed failed, $skipped skipped"
exit $rc
