#!/usr/bin/env bash
# A 3-node EquiGrid cluster on one machine, on loopback only: redis-server (membership, grain state, reminders),
# Azurite (blob checkpoints) and three silos on the `cluster` profile, each with a worker. Ctrl+C stops everything.
#   bash deploy/local-cluster.sh            then, in another shell:
#   EQUIGRID_TOKEN=$(cat runs/local-cluster/token) ./equigrid submit studies/default.yaml --gateway 127.0.0.1:30000
#   EQUIGRID_TOKEN=$(cat runs/local-cluster/token) ./equigrid status default --watch --gateway 127.0.0.1:30000
#   EQUIGRID_TOKEN=$(cat runs/local-cluster/token) ./equigrid pull default --blob "$(cat runs/local-cluster/blob)" --report --gateway 127.0.0.1:30000
#     (the study grain's table + the analysis folders, then the study report)
# Needs redis-server (apt-get install redis-server) and Azurite (bash scripts/test.sh installs it into .tools/).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="${EQUIGRID_LOCAL_CLUSTER_DIR:-$root/runs/local-cluster}"
redis_port="${REDIS_PORT:-6390}"
blob_port="${BLOB_PORT:-10000}"
# Three silos share this machine's cores: each worker's trial gets a third of them (at least one), so that three
# trials at once do not oversubscribe the CPU (a worker alone would take them all).
threads="${EQUIGRID_WORKER_THREADS:-$(( $(nproc) / 3 > 0 ? $(nproc) / 3 : 1 ))}"
azurite="${EQUIGRID_AZURITE:-$root/.tools/node_modules/.bin/azurite-blob}"
command -v redis-server >/dev/null || { echo "local-cluster: redis-server not found (apt-get install redis-server)" >&2; exit 1; }
[ -x "$azurite" ] || { echo "local-cluster: azurite-blob not found at $azurite (run: bash scripts/test.sh, or npm install azurite)" >&2; exit 1; }

mkdir -p "$state/redis" "$state/azurite"
[ -f "$state/token" ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$state/token"
export EQUIGRID_TOKEN="$(cat "$state/token")"

"$root/equigrid" version >/dev/null            # builds the CLI and the trial runner into .equigrid/cli
dotnet build "$root/src/Silo/EquiGrid.Silo.csproj" -c Release -o "$root/.equigrid/silo" --nologo -v q -clp:ErrorsOnly

servers=(); silos=()
# Silos first (a graceful stop writes to Redis: it must still be there), then the servers; a silo that has not
# stopped within 30 s is killed, which loses nothing: its trials resume from their checkpoints next time.
cleanup() {
  trap - EXIT INT TERM
  kill "${silos[@]}" 2>/dev/null || true
  for _ in $(seq 30); do
    alive=0; for p in "${silos[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break; sleep 1
  done
  kill -9 "${silos[@]}" 2>/dev/null || true
  kill "${servers[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

redis-server --bind 127.0.0.1 --port "$redis_port" --appendonly yes --dir "$state/redis" --save "" >"$state/redis.log" 2>&1 &
servers+=($!)
"$azurite" --silent --skipApiVersionCheck --blobHost 127.0.0.1 --blobPort "$blob_port" --location "$state/azurite" >"$state/azurite.log" 2>&1 &
servers+=($!)
sleep 2
blob="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;"
echo "$blob" > "$state/blob"   # for: equigrid pull STUDY --blob "$(cat runs/local-cluster/blob)"
for i in 0 1 2; do
  dotnet "$root/.equigrid/silo/EquiGrid.Silo.dll" \
    --EquiGrid:Profile=cluster --EquiGrid:Redis="127.0.0.1:$redis_port" --EquiGrid:BlobConnectionString="$blob" \
    --EquiGrid:SiloPort=$((11111 + i)) --EquiGrid:GatewayPort=$((30000 + i)) \
    --EquiGrid:DataDir="$state/silo$i" --EquiGrid:Worker:WorkDir="$state/silo$i/work" \
    --EquiGrid:Worker:ResultsDir="$state/results" --EquiGrid:Worker:Threads="$threads" \
    --EquiGrid:Worker:RunnerPath="$root/.equigrid/cli/EquiGrid.TrialRunner.dll" \
    --EquiGrid:Telemetry:PrometheusPort=$((9464 + i)) >"$state/silo$i.log" 2>&1 &
  silos+=($!)
done
echo "local-cluster: redis 127.0.0.1:$redis_port, azurite 127.0.0.1:$blob_port, gateways 127.0.0.1:30000-30002,"
echo "  metrics http://127.0.0.1:9464-9466/metrics; logs and results in $state; token in $state/token. Ctrl+C stops."
wait
