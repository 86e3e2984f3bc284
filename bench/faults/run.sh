#!/usr/bin/env bash
# The long fault runs of bench/README.md ("Delivery under faults"): publishes the service as it is deployed, then
# runs the scenarios as processes. Usage: bench/faults/run.sh [deploy|crash-loop|outage|all] [--runs N] [--minutes M]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet publish src/Publisher -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o bench/out/faults/publisher >/dev/null
dotnet run -c Release --project bench/faults -- "$@"
