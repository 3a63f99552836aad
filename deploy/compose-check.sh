#!/usr/bin/env bash
# `make compose-check`: compose.yaml for real — PostgreSQL, a one-shot migrate, two troly processes
# behind nginx — plus the tests' fake Telegram Bot API. Shows: migrations and demo guides once, a
# question answered by each process, a Telegram reminder sent exactly once although both processes
# plan, the sender lease held by one, a guide added through one process answered by the other, and
# a clean `docker compose stop`. Removes everything it made. Needs a Docker engine; not part of CI.
# Where Docker Hub cannot be reached, PostgreSQL and nginx images are built from Debian packages
# (deploy/standin/) on the base made by ../shared/tools/docker-standin-base.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

export TROLY_IMAGE=${TROLY_IMAGE:-troly:check}
export TROLY_PORT=${TROLY_CHECK_PORT:-18081}
export POSTGRES_PASSWORD=check-password
export TROLY_TELEGRAM_TOKEN=123456:CHECK-token
export TROLY_TELEGRAM_API_URL=http://fake-telegram:8081
export TROLY_TELEGRAM_WEBHOOK_URL=https://troly.invalid/telegram/webhook
export TROLY_TELEGRAM_WEBHOOK_SECRET=check-secret
CHAT=555001
UP_LOG=$(mktemp)

if docker compose version >/dev/null 2>&1; then DC=(docker compose); else DC=(docker-compose); fi
DC+=(-p troly-check -f compose.yaml -f deploy/check/compose.check.yaml)
say() { echo "compose-check: $*"; }
fail() { echo "compose-check: FAILED: $*" >&2; "${DC[@]}" logs --tail 20 >&2 || true; exit 1; }
cleanup() { "${DC[@]}" down -v --remove-orphans >/dev/null 2>&1 || true; }
trap cleanup EXIT

standin() {  # VAR OFFICIAL-IMAGE DOCKERFILE TAG: use the official image if it is here or pullable
    local var=$1 official=$2 file=$3 tag=$4
    if [ -n "${!var:-}" ]; then return; fi
    if docker image inspect "$official" >/dev/null 2>&1 || timeout 60 docker pull -q "$official" >/dev/null 2>&1; then
        export "$var=$official"
    else
        say "no $official here: building $tag from Debian packages ($file)"
        docker build -q -t "$tag" -f "$file" deploy/standin >/dev/null
        export "$var=$tag"
    fi
}
standin TROLY_POSTGRES_IMAGE postgres:16-bookworm deploy/standin/postgres.Dockerfile troly-standin/postgres:15
standin TROLY_PROXY_IMAGE nginx:1.27-bookworm deploy/standin/nginx.Dockerfile troly-standin/nginx:1.22
say "images: troly=$TROLY_IMAGE postgres=$TROLY_POSTGRES_IMAGE proxy=$TROLY_PROXY_IMAGE"
docker build -q -t "$TROLY_IMAGE" . >/dev/null

psql() { "${DC[@]}" exec -T postgres psql -U troly -d troly -tA -c "$1"; }
troly() { local which=$1; shift; "${DC[@]}" exec -T "$which" troly "$@"; }
ask() {  # SERVICE QUESTION → first reply, asked of that process directly (not through the proxy)
    "${DC[@]}" exec -T "$1" python -c '
import json, sys, urllib.request
body = json.dumps({"session": "compose-check-" + sys.argv[1], "text": sys.argv[2]}).encode()
request = urllib.request.Request("http://127.0.0.1:8080/api/chat", body, {"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(request, timeout=30))["replies"][0]["text"].splitlines()[0])' "$1" "$2"
}
sent_to_chat() {  # how many messages the fake Bot API accepted for CHAT containing TEXT
    "${DC[@]}" exec -T fake-telegram python -c '
import json, sys, urllib.request
sent = json.load(urllib.request.urlopen("http://127.0.0.1:8081/_check/sent"))
print(sum(1 for m in sent if str(m.get("chat_id")) == sys.argv[1] and sys.argv[2] in m.get("text", "")))' "$CHAT" "$1"
}

cleanup
start=$SECONDS
"${DC[@]}" up -d fake-telegram >/dev/null 2>&1
"${DC[@]}" up -d >"$UP_LOG" 2>&1 || { cat "$UP_LOG" >&2; fail "docker compose up"; }
say "up in $((SECONDS - start)) s: $("${DC[@]}" ps --services | sort | tr '\n' ' ')"
"${DC[@]}" ps
say "migrate: the one-shot service exited $(docker inspect -f '{{.State.ExitCode}}' "$("${DC[@]}" ps -q migrate)"), schema at $(psql "SELECT version_num FROM alembic_version")"
say "demo guides: $(psql "SELECT count(*) FROM guides") guides (loaded once, by migrate)"

for service in troly-1 troly-2; do
    say "$service answers: $(ask "$service" "mật khẩu cần bao nhiêu ký tự")"
done
answer=$(python3 - "$TROLY_PORT" <<'PY'
import json, sys, urllib.request
body = json.dumps({"session": "via-proxy", "text": "chữ ký số là gì"}).encode()
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/api/chat", body, {"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(request, timeout=30))["replies"][0]["text"].splitlines()[0])
PY
)
say "through the proxy (one port, $TROLY_PORT): $answer"

# people and a plan, then bind official CB006 to a Telegram chat through the webhook (any process)
troly troly-1 units import /app/docs/examples/don-vi.csv >/dev/null
troly troly-2 officials import /app/docs/examples/can-bo.csv >/dev/null
troly troly-1 tasks import /app/docs/examples/nhiem-vu.xlsx >/dev/null
code=$(troly troly-2 invite --unit STTTT-HN --official CB006 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])')
python3 - "$TROLY_PORT" "$CHAT" "$code" <<'PY'
import json, sys, time, urllib.request
port, chat, code = sys.argv[1], int(sys.argv[2]), sys.argv[3]
update = {"update_id": 1, "message": {"message_id": 1, "date": int(time.time()), "text": f"/start {code}",
          "chat": {"id": chat, "type": "private", "first_name": "Giang"},
          "from": {"id": chat, "is_bot": False, "first_name": "Giang"}}}
request = urllib.request.Request(f"http://127.0.0.1:{port}/telegram/webhook", json.dumps(update).encode(),
                                 {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "check-secret"})
urllib.request.urlopen(request, timeout=30).read()
PY
bound=$(psql "SELECT count(*) FROM chat_accounts WHERE channel = 'telegram' AND chat_id = '$CHAT'")
[ "$bound" = 1 ] || fail "the Telegram chat was not bound"
say "Telegram chat $CHAT bound to CB006 (Đỗ Thị Giang) through the webhook"

# NV03 is overdue: its daily overdue notice goes out at reminder_time. Set it two minutes ahead
# (local time), quiet hours away from now, today a working day.
read -r at quiet_start quiet_end today weekend < <(python3 -c '
from datetime import datetime, timedelta; from zoneinfo import ZoneInfo
now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
f = lambda d: (now + d).strftime("%H:%M")
print(f(timedelta(minutes=2)), f(timedelta(hours=3)), f(timedelta(hours=4)), now.date(), int(now.weekday() >= 5))')
troly troly-1 schedule set "reminder_time=$at" "quiet_start=$quiet_start" "quiet_end=$quiet_end" >/dev/null
[ "$weekend" = 0 ] || troly troly-1 calendar add "$today" workday --note compose-check >/dev/null
say "reminder_time=$at (local); waiting for the overdue notice of NV03"
deadline=$((SECONDS + 240))
until [ "$(sent_to_chat NV03)" -ge 1 ]; do
    [ $SECONDS -lt $deadline ] || fail "no reminder within 4 minutes"
    sleep 5
done
say "reminder delivered; waiting 70 s more (every process plans again, the sender sends again)"
sleep 70
count=$(sent_to_chat NV03)
say "messages about NV03 received by the fake Bot API for chat $CHAT: $count"
psql "SELECT idem_key || '  ' || status || '  attempts=' || attempts FROM outbox WHERE channel = 'telegram' AND address = '$CHAT' AND kind <> 'reply'" | sed 's/^/    outbox: /'
psql "SELECT name || ' held by ' || coalesce(owner, '-') FROM worker_leases ORDER BY name" | sed 's/^/    lease: /'
[ "$count" = 1 ] || fail "the reminder was sent $count times"

# a guide added through one process (its CLI), asked of the other running process
printf '# Hướng dẫn kiểm tra triển khai\n\n## Mã kiểm tra\n\nMã kiểm tra của đợt triển khai compose là HOA-SEN-4729.\n' > /tmp/compose-check-guide.md
"${DC[@]}" cp /tmp/compose-check-guide.md troly-1:/data/kiem-tra.md 2>/dev/null \
    || docker cp /tmp/compose-check-guide.md "$("${DC[@]}" ps -q troly-1)":/data/kiem-tra.md
rm -f /tmp/compose-check-guide.md
troly troly-1 guides add /data/kiem-tra.md >/dev/null
sleep 5
for service in troly-1 troly-2; do
    reply=$(ask "$service" "mã kiểm tra của đợt triển khai compose là gì")
    if echo "$reply" | grep -q "HOA-SEN-4729\|kiểm tra triển khai"; then verdict=answered; else verdict="NOT answered (stale index)"; fi
    say "new guide asked of $service: $verdict — $reply"
done

start=$(date +%s%N)
"${DC[@]}" stop troly-1 troly-2 >/dev/null 2>&1
say "docker compose stop troly-1 troly-2: $((($(date +%s%N) - start) / 1000000)) ms, exit codes $(docker inspect -f '{{.State.ExitCode}}' "$("${DC[@]}" ps -q troly-1)") $(docker inspect -f '{{.State.ExitCode}}' "$("${DC[@]}" ps -q troly-2)")"
psql "SELECT name || ' held by ' || coalesce(owner, '-') FROM worker_leases ORDER BY name" | sed 's/^/    lease after stop: /'
for service in troly-1 troly-2; do
    "${DC[@]}" logs --no-color "$service" 2>&1 | grep -E "stopping:|given back|stopped in|cancelled" | sed "s/^/    /"
done
say "OK"
