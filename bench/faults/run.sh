#!/usr/bin/env bash
# The long fault runs of bench/README.md ("Delivery under faults"): publishes the service as it is deployed, then
# runs the scenarios as processes. Usage: bench/faults/run.sh [deploy|crash-loop|outage|all] [--runs N] [--minutes M]
# Several hosts on PostgreSQL: bench/faults/run.sh scale-kill --runs 10 (3 hosts, one SIGKILLed at a random point of a
# 5,000-subscriber digest), bench/faults/run.sh scale-time (20,000 subscribers with 1, 2 and 3 hosts); a private
# PostgreSQL cluster is started for them and stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet publish src/Publisher -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o bench/out/faults/publisher >/dev/null
if [[ ${1:-} == scale* ]]; then
  pgdir=$(mktemp -d /tmp/publisher-bench-pg.XXXXXX)
  trap 'tests/postgres/cluster.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
  PUBLISHER_BENCH_POSTGRES=$(tests/postgres/cluster.sh start "$pgdir")
  export PUBLISHER_BENCH_POSTGRES
fi
dotnet run -c Release --project bench/faults -- "$@"
