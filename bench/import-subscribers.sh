#!/usr/bin/env bash
# Imports 100,000 subscribers from CSV into a fresh SQLite database, then the same file again.
# Usage: bench/import-subscribers.sh [ROWS]   (publishes a Release build to bench/out/import first)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-100000}
dll=bench/out/import/Publisher.dll
dotnet publish src/Publisher -c Release -o bench/out/import >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$rows" "$work/people.csv" <<'PY'
import random, sys
rows, path = int(sys.argv[1]), sys.argv[2]
random.seed(7)
surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
with open(path, "w", encoding="utf-8") as f:
    f.write("email,name,source\n")
    for i in range(rows):
        name = random.choice(surnames) + random.choice(given) + (random.choice(given) if i % 2 else "")
        f.write(f"reader{i:06d}@example{i % 50}.cn,{name},bench\n")
PY
args=(--Publisher:DataPath="$work/data")
dotnet "$dll" lists create bench "${args[@]}" >/dev/null
run() {
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" dotnet "$dll" subscribers import "$work/people.csv" --list bench --confirmed "${args[@]}" 2>/dev/null | tail -n 1
  end=$(date +%s.%N)
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'  {s:.1f} s, {int(sys.argv[3])/s:,.0f} rows/s, peak RSS {int(open(sys.argv[4]).read().split()[-1])/1024:.0f} MB')" "$start" "$end" "$rows" "$work/rss"
}
echo "first import of $rows rows (all new):"
run
echo "second import of the same file (all unchanged):"
run
