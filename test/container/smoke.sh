#!/usr/bin/env bash
# Container smoke test, run by hand where a Docker engine is running (it is not part of `npm test`:
# it builds the image and runs it for several minutes). From the repository's root:
#
#   test/container/smoke.sh
#
# It builds the image, then, each container on a named volume of its own making:
#   1. a one-off import and run over the sample data, and the health of a one-off container;
#   2. a root-owned host folder on /app/data, and --user 12345:0 on the volume: one clear line, exit 4;
#   3. the scheduler: started, healthy, `docker stop`ped within 3 s with exit 0;
#   4. a run over 6,000 partners `docker stop`ped mid-run: ended within 3 s, exit 0 or 143, no run left
#      `running`;
#   5. a run SIGKILLed mid-run, then the next container's run: it starts at once (no exit 3) and marks
#      the dead run `interrupted`.
# Every step prints "ok" or "FAIL" and what it measured; the exit status is the number of failures.
# Settings: IMAGE (default csp-reeval:smoke), BUILD=0 to use an image already built, KEEP=1 to keep
# the volumes and containers, DOCKER_BUILD_ARGS (default: --network host, for an engine without a
# bridge network), PARTNERS (default 6000).
set -uo pipefail
cd "$(dirname "$0")/../.."

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  echo "smoke: skipped — no Docker engine is running here (docker info failed); start one and run this again"
  exit 0
fi

IMAGE=${IMAGE:-csp-reeval:smoke}
PARTNERS=${PARTNERS:-6000}
TAG=smoke-$$-$RANDOM
VOLUME=csp-reeval-$TAG
BIG=csp-reeval-$TAG-big
KILLED=csp-reeval-$TAG-killed
failures=0
names=()
work=$(mktemp -d)

cleanup() {
  [ "${KEEP:-0}" = 1 ] && { echo "smoke: kept volumes $VOLUME $BIG $KILLED and containers ${names[*]:-}"; return; }
  for name in "${names[@]}"; do docker rm -f "$name" >/dev/null 2>&1; done
  docker volume rm -f "$VOLUME" "$BIG" "$KILLED" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "ok    — $*"; }
fail() { echo "FAIL  — $*"; failures=$((failures + 1)); }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
below() { awk -v x="$1" -v limit="$2" 'BEGIN { exit !(x < limit) }'; }
# docker run on a volume; the image's entry point is `csp-reeval`.
job() { docker run --rm --network host -v "$1:/app/data" "${@:2}"; }
# Waits up to $3 seconds for container $1's logs to contain $2.
wait_for_log() {
  local deadline=$(($(date +%s) + $3))
  until docker logs "$1" 2>&1 | grep -q -- "$2"; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ] || return 1
    sleep 0.2
  done
}
last_run() { job "$1" "$IMAGE" runs --json --limit 1 2>/dev/null | tr -d ' \n' | sed -n 's/.*"status":"\([a-z_]*\)".*/\1/p'; }

# 0. The image.
if [ "${BUILD:-1}" = 1 ]; then
  started=$(now)
  # shellcheck disable=SC2086
  if DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} docker build ${DOCKER_BUILD_ARGS:---network host} -t "$IMAGE" . >"$work/build.log" 2>&1; then
    ok "image $IMAGE built in $(since "$started") s ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
  else
    fail "docker build failed: see below"; tail -20 "$work/build.log"; exit "$failures"
  fi
fi
for volume in "$VOLUME" "$BIG" "$KILLED"; do docker volume create "$volume" >/dev/null; done

# 1. One-off import and run over the sample data.
if job "$VOLUME" "$IMAGE" import /app/sample >"$work/import.out" 2>&1; then
  ok "one-off import of the sample data: $(grep -c 'rows read' "$work/import.out") files"
else
  fail "one-off import exited $?: $(tail -3 "$work/import.out")"
fi
job "$VOLUME" -e OPS_EMAIL=csp-ops@example.com "$IMAGE" run --as-of 2026-10-15 --json >"$work/run.json" 2>"$work/run.err"
code=$?
decisions=$(grep -c '"outcome"' "$work/run.json")
emls=$(job "$VOLUME" --entrypoint sh "$IMAGE" -c 'ls /app/data/outbox | grep -c "\.eml$"')
if [ "$code" = 0 ] && [ "$decisions" -gt 0 ] && [ "$emls" -gt 0 ]; then
  ok "one-off run: exit 0, $decisions decisions, $emls .eml notices in the volume"
else
  fail "one-off run: exit $code, $decisions decisions, $emls notices: $(tail -3 "$work/run.err")"
fi
if health=$(docker run --rm --entrypoint node "$IMAGE" /app/jobs/healthcheck.mjs 2>&1); then
  ok "a one-off container's health check: $health"
else
  fail "a one-off container's health check failed: $health"
fi

# 2. A data folder the job cannot write.
host=$(mktemp -d)
chmod 755 "$host"
out=$(docker run --rm -v "$host:/app/data" "$IMAGE" run 2>&1)
code=$?
if [ "$code" = 4 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && grep -q 'uid 1000, gid 1000' <<<"$out" && grep -q 'chown 1000:1000 /app/data' <<<"$out"; then
  ok "a root-owned host folder on /app/data: exit 4, one line: $out"
else
  fail "a root-owned host folder on /app/data: exit $code: $out"
fi
rmdir "$host" 2>/dev/null
runs_out=$(job "$VOLUME" --user 12345:0 "$IMAGE" runs 2>&1)
runs_code=$?
run_out=$(job "$VOLUME" --user 12345:0 "$IMAGE" run --as-of 2026-10-16 2>&1)
run_code=$?
if [ "$runs_code" = 0 ] && [ "$run_code" = 4 ] && grep -q 'uid 12345, gid 0' <<<"$run_out"; then
  ok "--user 12345:0 on the volume: runs exit 0; run exit 4: $run_out"
else
  fail "--user 12345:0 on the volume: runs exit $runs_code ($runs_out); run exit $run_code ($run_out)"
fi

# 3. The scheduler: healthy, then stopped.
scheduler=csp-reeval-$TAG-scheduler
names+=("$scheduler")
docker run -d --name "$scheduler" --network host -v "$VOLUME:/app/data" \
  --health-interval 2s --health-timeout 5s --health-retries 2 --health-start-period 0s "$IMAGE" >/dev/null
started=$(now)
status=starting
for _ in $(seq 1 60); do
  status=$(docker inspect -f '{{.State.Health.Status}}' "$scheduler")
  [ "$status" = healthy ] && break
  sleep 1
done
if [ "$status" = healthy ]; then ok "scheduler healthy after $(since "$started") s"; else fail "scheduler not healthy after 60 s: $status"; fi
started=$(now)
docker stop "$scheduler" >/dev/null
took=$(since "$started")
code=$(docker inspect -f '{{.State.ExitCode}}' "$scheduler")
if [ "$code" = 0 ] && below "$took" 3; then
  ok "scheduler: docker stop took $took s, exit $code"
else
  fail "scheduler: docker stop took $took s, exit $code (want < 3 s, exit 0): $(docker logs "$scheduler" 2>&1 | tail -3)"
fi

# 4. A run over $PARTNERS partners, stopped mid-run.
mkdir -p "$work/big"
awk -v n="$PARTNERS" 'BEGIN { print "partner_id,partner_name,onboarded_on,notice_to"; for (i = 0; i < n; i++) printf "%d,Smoke Partner %d,2020-10-01,p%d@example.com\n", 5000000 + i, i, i }' >"$work/big/partners.csv"
awk -v n="$PARTNERS" 'BEGIN { print "partner_id,plan,term_start,term_end"; for (i = 0; i < n; i++) printf "%d,ASfP,2026-04-01,2027-03-31\n", 5000000 + i }' >"$work/big/support-plans.csv"
awk -v n="$PARTNERS" 'BEGIN { print "partner_id,as_of,admin_users,admin_users_with_mfa,security_contact,alerts_total,alerts_responded_in_time"; for (i = 0; i < n; i++) printf "%d,2026-10-01,5,4,soc@example.com,0,0\n", 5000000 + i }' >"$work/big/security.csv"
chmod -R a+rX "$work"
# Imports the $PARTNERS partners into volume $1.
import_big() {
  if job "$1" -v "$work/big:/incoming:ro" "$IMAGE" import /incoming >"$work/big-import.out" 2>&1; then
    ok "imported $PARTNERS partners into $1, each due in October 2026 and failing MFA"
  else
    fail "import of $PARTNERS partners into $1: $(tail -3 "$work/big-import.out")"
  fi
}
import_big "$BIG"
stopped=csp-reeval-$TAG-stopped
names+=("$stopped")
docker run -d --name "$stopped" --network host -v "$BIG:/app/data" "$IMAGE" run --as-of 2026-10-15 >/dev/null
if wait_for_log "$stopped" 'cycle(s) due' 60; then
  sleep 2
  running=$(docker inspect -f '{{.State.Running}}' "$stopped")
  started=$(now)
  docker stop "$stopped" >/dev/null
  took=$(since "$started")
  code=$(docker inspect -f '{{.State.ExitCode}}' "$stopped")
  status=$(last_run "$BIG")
  if [ "$running" != true ]; then
    fail "the run over $PARTNERS partners finished within 2 s of starting to decide: nothing to stop (raise PARTNERS)"
  elif below "$took" 3 && { [ "$code" = 0 ] || [ "$code" = 143 ]; } && [ "$status" != running ]; then
    ok "docker stop mid-run over $PARTNERS partners: took $took s, exit $code, run recorded as $status"
  else
    fail "docker stop mid-run over $PARTNERS partners: took $took s, exit $code (want < 3 s, 0 or 143), run recorded as '$status': $(docker logs "$stopped" 2>&1 | tail -2 | cut -c1-300)"
  fi
else
  fail "the run over $PARTNERS partners did not start deciding: $(docker logs "$stopped" 2>&1 | tail -3)"
fi

# 5. A run killed mid-run, then the next container's run, on a volume of its own.
import_big "$KILLED"
killed=csp-reeval-$TAG-killed
names+=("$killed")
docker run -d --name "$killed" --network host -v "$KILLED:/app/data" "$IMAGE" run --as-of 2026-10-15 >/dev/null
if wait_for_log "$killed" 'cycle(s) due' 60; then
  sleep 1
  docker kill -s KILL "$killed" >/dev/null
  docker wait "$killed" >/dev/null
  killed_status=$(last_run "$KILLED")
  started=$(now)
  job "$KILLED" "$IMAGE" run --as-of 2026-10-15 >"$work/next.out" 2>&1
  code=$?
  took=$(since "$started")
  statuses=$(job "$KILLED" "$IMAGE" runs --json --limit 3 2>/dev/null | tr -d ' \n' | grep -o '"status":"[a-z_]*"' | cut -d'"' -f4 | tr '\n' ' ')
  if [ "$code" != 3 ] && [ "$code" != 70 ] && grep -q interrupted <<<"$statuses"; then
    ok "after SIGKILL (run left '$killed_status'), the next container's run started at once: exit $code in $took s; latest runs: $statuses"
  else
    fail "after SIGKILL (run left '$killed_status'), the next container's run: exit $code in $took s; latest runs: $statuses: $(grep -v '"level"' "$work/next.out" | tail -2 | cut -c1-300)"
  fi
else
  fail "the run to be killed did not start deciding: $(docker logs "$killed" 2>&1 | tail -3)"
fi

echo "smoke: $failures failure(s)"
exit "$failures"
