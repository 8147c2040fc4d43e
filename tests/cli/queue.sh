#!/usr/bin/env bash
# The queue mode (one shared task pipe, one shared result pipe): every kernel
# gives serial's checksum under every schedule; the workers' task counts add
# up; a worker that crashes, exits or hangs fails its configuration naming the
# mode, the worker and the cause within the timeout, with no process, zombie
# or /dev/shm entry left; SIGINT mid-run stops it promptly.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"

TAG="pb-queue-$$"
tagged() {
    grep -lsxz "PB_TEST_TAG=$TAG" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | paste -sd' ' || true
}
shm_list() {
    ls -A /dev/shm 2>/dev/null | grep -Ev '^(vader_segment|sm_segment|ompi|open_mpi|parbench-mpi\.)' | sort || true
}
shm_before=$(shm_list)

tiny=(--set primes.hi=30000 --set primes.block=1000 --set factors.count=12 --set factors.start=20000
      --set blur.width=97 --set blur.height=61 --set blur.images=2 --set blur.band=8)
PB_TEST_TAG=$TAG "$PARBENCH" run -q -k primes,factors,blur -m serial,queue -w 1,3 \
    --schedule static,dynamic,guided -r 2 --warmup 0 --oversubscribe --bind none "${tiny[@]}" \
    -o same >/dev/null 2>same.err
j=same/results.json
check "records: 3 kernels x (serial + 2 worker counts x 3 schedules)" test "$(jq '.results | length' $j)" -eq 21
bad=$(jq -r '.results[] | select(.valid != true) | "\(.kernel) \(.mode) w=\(.workers): \(.error)"' $j)
check "every record valid ${bad:+($bad)}" test -z "$bad"
for k in primes factors blur; do
    sums=$(jq -r --arg k "$k" '[.results[] | select(.kernel == $k) | .checksum] | unique | join(" ")' $j)
    check "$k: queue's checksum is serial's ($sums)" test "$(echo "$sums" | wc -w)" -eq 1
done
bad=$(jq -r '.results[] | select(.mode == "queue") | select(([.placement.workers[].tasks] | add) != .ntasks)
             | "\(.kernel) w=\(.workers) \(.schedule)"' $j)
check "queue: the workers' task counts add up to the tasks ${bad:+($bad)}" test -z "$bad"

fault() {
    local kind=$1 out="$TMP/$1" rc=0 t0 t1 want
    t0=$(date +%s.%N)
    PB_TEST_TAG=$TAG PARBENCH_FAULT=$kind:1:5 "$PARBENCH" run -q -k primes -m serial,queue -w 2 \
        --timeout 2 --order sequential --bind none -r 1 --warmup 0 --set primes.hi=200000 \
        --set primes.block=1000 -o "$out" >/dev/null 2>"$out.err" || rc=$?
    t1=$(date +%s.%N)
    case $kind in
    crash) want="queue: worker 1 (pid [0-9]*) killed by signal 11 (Segmentation fault)" ;;
    exit) want="queue: worker 1 (pid [0-9]*) exited with status 3" ;;
    hang) want="queue: timed out after 2.0 s; worker 1 (pid [0-9]*) still running" ;;
    esac
    check "$kind: exit status 1 (got $rc)" test "$rc" -eq 1
    check "$kind: error names mode, worker, cause: $(cat "$out.err")" \
        grep -q "^parbench: error: primes queue .*: $want\$" "$out.err"
    check "$kind: over within timeout + 3 s" test "$(echo "$t1 - $t0 < 5" | bc)" -eq 1
    local left; left=$(tagged)
    check "$kind: no process left ($left)" test -z "$left"
    check "$kind: serial record intact" \
        test "$(jq '.results[] | select(.mode == "serial") | .valid' "$out/results.json")" = true
}
for kind in crash exit hang; do
    fault "$kind"
done

# SIGINT inside the queue configuration: exit 130 within a second, nothing left.
out="$TMP/sigint"
PB_TEST_TAG=$TAG "$PARBENCH" run -q --order sequential -k primes -m serial,queue -w 2 --bind none -r 100 \
    --warmup 0 --set primes.hi=300000 --set primes.block=1000 -o "$out" >/dev/null 2>"$out.err" &
pid=$!
for _ in $(seq 1000); do
    [ "$(jq '.results | length' "$out/results.json" 2>/dev/null || echo 0)" -ge 1 ] && break
    sleep 0.02
done
sleep 0.2
rc=0
t0=$(date +%s.%N)
kill -INT "$pid"
wait "$pid" || rc=$?
t1=$(date +%s.%N)
check "SIGINT during queue: exit status 130 (got $rc)" test "$rc" -eq 130
check "SIGINT during queue: stopped within 1 s" test "$(echo "$t1 - $t0 < 1" | bc)" -eq 1
left=$(tagged)
check "SIGINT during queue: no process left ($left)" test -z "$left"

check "nothing new in /dev/shm" test "$shm_before" = "$(shm_list)"
finish
