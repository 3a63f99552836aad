#!/usr/bin/env bash
# `make docker-check`: build the image, run it, wait for health, ask one question through the web
# chat API, use the CLI inside (quiet, writes to /data), `docker stop` within 5 s with exit 0,
# a --read-only run, a /data mount the troly user cannot write (one clear line), then remove
# everything it made. Needs a Docker engine; not part of CI. Prints what it measured.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${TROLY_IMAGE:-troly:check}
PORT=${TROLY_CHECK_PORT:-18080}
NAME=troly-check-$$
VOLUME=$NAME-data
WORK=$(mktemp -d)
cleanup() {
    docker rm -f "$NAME" "$NAME-ro" "$NAME-denied" >/dev/null 2>&1 || true
    docker volume rm -f "$VOLUME" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "docker-check: FAILED: $*" >&2; docker logs "$NAME" 2>&1 | tail -20 >&2 || true; exit 1; }
say() { echo "docker-check: $*"; }

wait_healthy() {  # NAME: until the HEALTHCHECK says healthy (at most 120 s)
    local started=$SECONDS status
    while :; do
        status=$(docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null || echo gone)
        [ "$status" = healthy ] && break
        [ "$status" = gone ] || [ "$(docker inspect -f '{{.State.Running}}' "$1")" = true ] \
            || fail "$1 exited: $(docker logs "$1" 2>&1 | tail -5)"
        [ $((SECONDS - started)) -lt 120 ] || fail "$1 not healthy after 120 s ($status)"
        sleep 1
    done
    echo $((SECONDS - started))
}

ask() {  # PORT QUESTION: the web chat's first reply text
    python3 - "$1" "$2" <<'PY'
import json, sys, urllib.request
port, question = sys.argv[1], sys.argv[2]
body = json.dumps({"session": "docker-check", "text": question}).encode()
request = urllib.request.Request(f"http://127.0.0.1:{port}/api/chat", body,
                                 {"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=30) as response:
    print(json.load(response)["replies"][0]["text"])
PY
}

say "building $IMAGE"
docker build -q -t "$IMAGE" . >/dev/null
say "image size: $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"

docker run -d --name "$NAME" -p "127.0.0.1:$PORT:8080" -v "$VOLUME:/data" "$IMAGE" >/dev/null
say "healthy after $(wait_healthy "$NAME") s"

answer=$(ask "$PORT" "mật khẩu cần bao nhiêu ký tự")
echo "$answer" | head -3 | sed 's/^/    /'
echo "$answer" | grep -qi "mật khẩu" || fail "the answer does not mention the question's subject"

# the CLI inside the container: quiet, working directory /data, the bundled examples
err=$(docker exec "$NAME" troly guides list 2>&1 >/dev/null)
[ -z "$err" ] || fail "troly guides list printed on stderr: $err"
docker exec "$NAME" troly units import /app/docs/examples/don-vi.csv >/dev/null
docker exec "$NAME" troly report weekly --unit BTTTT --week 2026-W48 --xlsx tien-do.xlsx >/dev/null
docker cp "$NAME:/data/tien-do.xlsx" "$WORK/" && say "report written in /data and copied out: $(stat -c %s "$WORK/tien-do.xlsx") bytes"
line=$(docker exec "$NAME" troly report weekly --unit BTTTT --week 2026-W48 --xlsx /nowhere/x.xlsx 2>&1 >/dev/null || true)
[ "$(echo "$line" | wc -l)" = 1 ] || fail "a bad --xlsx path printed more than one line: $line"
say "bad path: $line"

start=$(date +%s%N)
docker stop -t 10 "$NAME" >/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
code=$(docker inspect -f '{{.State.ExitCode}}' "$NAME")
say "docker stop took $ms ms, exit code $code"
[ "$code" = 0 ] || fail "exit code $code after docker stop"
[ "$ms" -lt 5000 ] || fail "docker stop took $ms ms (limit 5 s)"
docker logs "$NAME" 2>&1 | grep -q Traceback && fail "traceback in the logs"
docker rm "$NAME" >/dev/null

# read-only root file system: only the /data volume is writable, no --tmpfs /tmp needed
docker run -d --name "$NAME-ro" --read-only -p "127.0.0.1:$PORT:8080" -v "$VOLUME:/data" "$IMAGE" >/dev/null
say "--read-only: healthy after $(wait_healthy "$NAME-ro") s"
ask "$PORT" "mật khẩu" >/dev/null
chart=$(docker exec "$NAME-ro" python -c "
import time; t = time.monotonic()
from scheduler.chart import bar_chart
png = bar_chart('Tiến độ nhiệm vụ (%) — Xã An Bình', ['NV01', 'NV02'], [100, 40])
print(f'digest chart ({len(png)} bytes) drawn in {time.monotonic() - t:.2f} s')" 2>&1)
echo "$chart" | grep -q "digest chart" || fail "no chart in a read-only container: $chart"
docker exec "$NAME-ro" troly report weekly --unit BTTTT --week 2026-W48 --xlsx ro.xlsx >/dev/null \
    || fail "a report in a read-only container"
say "--read-only: $chart"
docker stop -t 10 "$NAME-ro" >/dev/null
[ "$(docker inspect -f '{{.State.ExitCode}}' "$NAME-ro")" = 0 ] || fail "read-only run did not stop cleanly"

# a host folder the troly user (uid 10001) cannot write, mounted at /data: one clear line
mkdir "$WORK/denied" && chmod 755 "$WORK/denied"
docker run --name "$NAME-denied" -v "$WORK/denied:/data" "$IMAGE" >/dev/null 2>"$WORK/denied.log" || true
lines=$(grep -vc "^$" "$WORK/denied.log" || true)
say "unwritable /data: exit $(docker inspect -f '{{.State.ExitCode}}' "$NAME-denied"), $lines line(s):"
sed 's/^/    /' "$WORK/denied.log"
grep -q "chown -R 10001:10001 /data" "$WORK/denied.log" || fail "no chown advice"
[ "$lines" -le 3 ] || fail "$lines lines for an unwritable /data"

say "OK"
