#!/usr/bin/env bash
# Issue 9's full-disk and read-only check on a real filesystem: the data folder is a small tmpfs (so this needs root),
# the published service runs on it with the outbox (no SMTP), and the script fills the disk, then makes it read-only,
# printing what each request answers. Expected: no bare 500, an import that says how far it got and finishes when run
# again, no list that exists after a 5xx, no .tmp left in the outbox, reads working on a read-only disk.
# Usage: sudo bench/attack/diskfull.sh [SIZE]   (SIZE of the tmpfs, default 24m)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
SIZE=${1:-24m}
[ "$(id -u)" -eq 0 ] || { echo "needs root (mounts a tmpfs)" >&2; exit 2; }
OUT=$ROOT/bench/out/diskfull; PUB=$ROOT/bench/out/attack-publisher; DATA=$OUT/data
KEY=disk-full-admin-key-0123456789abcdef
rm -rf "$OUT"; mkdir -p "$DATA" "$OUT/articles"
cp "$ROOT"/seeds/*.txt "$OUT/articles/" 2>/dev/null || cp "$ROOT"/../shared/seeds/*.txt "$OUT/articles/"
dotnet publish "$ROOT/src/Publisher" -c Release -o "$PUB" >/dev/null
mount -t tmpfs -o size="$SIZE",mode=0700 tmpfs "$DATA"
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP=$(port); BASE=http://127.0.0.1:$HTTP
settings=(--Publisher:DataPath="$DATA" --Publisher:ArticlesPath="$OUT/articles" --Publisher:Site:BaseUrl=$BASE --Publisher:AdminApiKey=$KEY)
start() { (cd "$OUT" && exec dotnet "$PUB/Publisher.dll" --urls $BASE "${settings[@]}" >> "$OUT/service.log" 2>&1) & SVC=$!
          for _ in $(seq 150); do curl -sf "$BASE/healthz" >/dev/null && return; sleep 0.2; done; echo "service did not start" >&2; exit 1; }
stop() { kill $SVC 2>/dev/null || true; wait $SVC 2>/dev/null || true; }
trap 'stop; umount "$OUT/ro" "$DATA/outbox" 2>/dev/null; umount "$DATA" 2>/dev/null || true' EXIT
api() { local method=$1 path=$2; shift 2; curl -s -o "$OUT/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $KEY" "$@" "$BASE$path"; }
show() { printf '%-44s %s  %s\n' "$1" "$2" "$(head -c 400 "$OUT/body" | tr '\n' ' ')"; }
members() { /usr/bin/python3 -c "import json,sys; print(json.load(open('$OUT/body'))['counts']['confirmed'])"; }

start
show "create list news" "$(api POST /api/lists -H 'Content-Type: application/json' -d '{"name":"news","optIn":"single"}')"
/usr/bin/python3 -c "
print('email,name')
for i in range(1, 50001): print(f'reader{i:05d}@example.org,读者{i}')" > "$OUT/50k.csv"
df -h "$DATA" | tail -1
# Fill the disk but for a little room, so that the import runs out of space part way.
fill() { local keep_kb=$1; local avail; avail=$(df --output=avail -k "$DATA" | tail -1); 
         [ "$avail" -gt "$keep_kb" ] && dd if=/dev/zero of="$DATA/ballast.$RANDOM" bs=1K count=$((avail - keep_kb)) status=none 2>/dev/null || true; }
fill 2048
show "import 50,000 rows, 2 MB free" "$(api POST '/api/lists/news/subscribers/import?confirmed=true' --data-binary @"$OUT/50k.csv")"
show "members stored (GET /api/lists/news)" "$(api GET /api/lists/news)"; echo "  confirmed members: $(members)"
fill 0
# Small writes may still fit in the database's free pages; lists with long descriptions until one does not.
n=0; while :; do n=$((n+1)); code=$(api POST /api/lists -H 'Content-Type: application/json' -d "{\"name\":\"list-$n\",\"description\":\"$(printf '长%.0s' $(seq 1000))\"}"); [ "$code" = 201 ] && [ $n -lt 2000 ] || break; done
show "create lists until full: list-$n" "$code"
show "  then GET /api/lists/list-$n" "$(api GET /api/lists/list-$n)"
show "POST /subscribe (double opt-in), disk full" "$(curl -s -o "$OUT/body" -w '%{http_code}' -d 'list=list-1&email=new@example.org' "$BASE/subscribe")"
show "GET /feeds/rss.xml, disk full" "$(curl -s -o "$OUT/body" -w '%{http_code}' "$BASE/feeds/rss.xml")"
sleep 3; echo "outbox .tmp files: $(find "$DATA" -name '*.tmp' | wc -l); mail errors logged: $(grep -c 'outbox cannot be written' "$OUT/service.log" || true)"

rm -f "$DATA"/ballast.*
show "import again with room" "$(api POST '/api/lists/news/subscribers/import?confirmed=true' --data-binary @"$OUT/50k.csv")"
show "members stored" "$(api GET /api/lists/news)"; echo "  confirmed members: $(members)"

# The outbox alone full (its own 64 KB tmpfs, filled): mail waits and is tried again, nothing is marked sent or Unknown.
mkdir -p "$DATA/outbox"; mount -t tmpfs -o size=64k,mode=0700 tmpfs "$DATA/outbox"; dd if=/dev/zero of="$DATA/outbox/ballast" bs=1K count=64 status=none 2>/dev/null || true
show "create list small (single opt-in)" "$(api POST /api/lists -H 'Content-Type: application/json' -d '{"name":"small","optIn":"single"}')"
printf 'email\na@example.org\nb@example.org\nc@example.org\n' > "$OUT/3.csv"
show "import 3 confirmed" "$(api POST '/api/lists/small/subscribers/import?confirmed=true' --data-binary @"$OUT/3.csv")"
show "send the digest now, outbox full" "$(api POST /api/lists/small/digests -D "$OUT/headers")"
DIGEST=$(grep -i '^location:' "$OUT/headers" | tr -d '\r' | awk '{print $2}')
sleep 5; show "  the digest after 5 s" "$(api GET "$DIGEST")"
echo "  log: $(grep -o 'outbox cannot be written[^;]*' "$OUT/service.log" | head -1); .tmp files: $(find "$DATA" -name '*.tmp' | wc -l)"
rm -f "$DATA/outbox/ballast"
for _ in $(seq 90); do api GET "$DIGEST" >/dev/null; grep -q '"sent":3' "$OUT/body" && break; sleep 2; done
show "  the digest once the outbox has room" "$(api GET "$DIGEST")"
echo "  .eml files in the outbox: $(find "$DATA/outbox" -name '*.eml' | wc -l)"
umount "$DATA/outbox"

stop
# A read-only data folder (a read-only bind mount of the same files): the start must refuse in one line, exit 2.
mkdir -p "$OUT/ro"; mount --bind -o ro "$DATA" "$OUT/ro"
echo "start on a read-only data folder:"; set +e
(cd "$OUT" && timeout 60 dotnet "$PUB/Publisher.dll" --urls $BASE --Publisher:DataPath="$OUT/ro" --Publisher:ArticlesPath="$OUT/articles" \
   --Publisher:Site:BaseUrl=$BASE --Publisher:AdminApiKey=$KEY > "$OUT/ro.log" 2>&1); echo "  exit $?: $(grep -v '^\s*$' "$OUT/ro.log" | tail -1)"
umount "$OUT/ro"
echo "bare 500s in the service log: $(grep -c 'status code 500\|StatusCode: 500\|An unhandled exception has occurred' "$OUT/service.log" || true)"
