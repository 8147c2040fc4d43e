#!/usr/bin/env bash
# The Python modes (py-*: python/parbench/driver.py under each CPython model):
# every Python mode x primes and factors gives serial C's checksum (the C check
# validates the Python output) under static and dynamic schedules; blur says
# why it cannot run in Python; a Python worker that raises, crashes, exits or
# hangs fails its configuration naming the mode, the worker and the cause,
# with no process or /dev/shm entry left; an interpreter that cannot start is
# one error naming it.  Skipped (77) without python3.
source "$PB_SRC/tests/lib.sh"
command -v python3 >/dev/null || skip "no python3 on PATH"
case ${PB_SUITE:-normal} in
normal | asan) ;;
*) skip "the Python models run in scripts/test's normal and asan suites, not in '$PB_SUITE'" ;;
esac
cd "$TMP"

TAG="pb-python-$$"
tagged() {
    grep -lsxz "PB_TEST_TAG=$TAG" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | paste -sd' ' || true
}
shm_list() {
    ls -A /dev/shm 2>/dev/null | grep -Ev '^(vader_segment|sm_segment|ompi|open_mpi|parbench-mpi\.)' | sort || true
}
shm_before=$(shm_list)
pymodes=$("$PARBENCH" list --names modes | cut -f1 | grep "^py-" | paste -sd,)
check "parbench list shows the seven Python modes ($pymodes)" \
    test "$pymodes" = "py-serial,py-threads,py-pool,py-executor,py-shm,py-process,py-queue"

tiny=(--set primes.hi=30000 --set primes.block=1000 --set factors.count=12 --set factors.start=20000)
PB_TEST_TAG=$TAG "$PARBENCH" run -q -k primes,factors -m "serial,$pymodes" -w 1,2 \
    --schedule static,dynamic -r 2 --warmup 0 --oversubscribe --bind none "${tiny[@]}" \
    -o same >/dev/null 2>same.err || true
j=same/results.json
bad=$(jq -r '.results[] | select(.valid != true) | "\(.kernel) \(.mode) w=\(.workers): \(.error)"' $j)
check "every record valid ${bad:+($bad)}" test -z "$bad"
for m in ${pymodes//,/ }; do
    check "$m ran both kernels" test "$(jq --arg m "$m" '[.results[] | select(.mode == $m)] | length' $j)" -ge 2
done
for k in primes factors; do
    sums=$(jq -r --arg k "$k" '[.results[] | select(.kernel == $k) | .checksum] | unique | join(" ")' $j)
    check "$k: every Python mode gives serial C's checksum ($sums)" test "$(echo "$sums" | wc -w)" -eq 1
done
bad=$(jq -r '.results[] | select(.mode | startswith("py-")) | select(([.placement.workers[].tasks] | add) != .ntasks)
             | "\(.kernel) \(.mode) w=\(.workers)"' $j)
check "the Python workers' task counts add up ${bad:+($bad)}" test -z "$bad"

# blur has no Python version: the run fails saying so.
rc=0
"$PARBENCH" run -q -k blur -m py-serial -w 1 -r 1 --warmup 0 --bind none --set blur.width=97 \
    --set blur.height=61 -o blur >/dev/null 2>blur.err || rc=$?
check "blur in Python: fails (rc $rc) with the reason: $(grep error: blur.err)" \
    grep -q "py-serial: blur has no Python version yet" blur.err

fault() {
    local mode=$1 kind=$2 out="$TMP/$1-$2" rc=0 want
    PB_TEST_TAG=$TAG PARBENCH_FAULT=$kind:1:5 "$PARBENCH" run -q -k primes -m "$mode" -w 2 \
        --timeout 4 --bind none -r 1 --warmup 0 --schedule static --set primes.hi=200000 \
        --set primes.block=1000 -o "$out" >/dev/null 2>"$out.err" || rc=$?
    case $kind in
    raise) want="$mode: worker 1 (pid [0-9]*) raised RuntimeError: injected fault at task [0-9]*" ;;
    crash) want="$mode: worker 1 (pid [0-9]*) killed by signal 11 (Segmentation fault)" ;;
    exit) want="$mode: worker 1 (pid [0-9]*) exited with status 3" ;;
    hang) want="$mode: timed out after 4.0 s; worker 1 (pid [0-9]*) still running" ;;
    esac
    # Threads share one interpreter: a crash or exit ends every thread, and the
    # workers that were inside a chunk are named (worker 1 among them).
    case $mode-$kind in
    py-threads-crash) want="$mode: \(worker 1 (pid [0-9]*)\|the interpreter (pid [0-9]*)\) killed by signal 11 (Segmentation fault)\( while workers [0-9, ]*1[0-9, ]* were running\)\?" ;;
    py-threads-exit) want="$mode: \(worker 1 (pid [0-9]*)\|the interpreter (pid [0-9]*)\) exited with status 3\( while workers [0-9, ]*1[0-9, ]* were running\)\?" ;;
    esac
    check "$mode $kind: exit status 1 (got $rc)" test "$rc" -eq 1
    check "$mode $kind: error names mode, worker, cause: $(grep error: "$out.err")" \
        grep -q "^parbench: error: primes $mode .*: $want\$" "$out.err"
    sleep 0.2   # processes killed with the interpreter's group are reaped by init
    local left; left=$(tagged)
    check "$mode $kind: no process left ($left)" test -z "$left"
}
for mode in ${PB_PY_FAULT_MODES:-py-threads py-pool py-executor py-shm py-process py-queue}; do
    for kind in raise crash exit hang; do
        fault "$mode" "$kind"
    done
done

# An interpreter that cannot start: one error naming it and what it said.
mkdir fakebin
printf '#!/bin/sh\necho "this interpreter is broken" >&2\nexit 9\n' >fakebin/python3
chmod +x fakebin/python3
rc=0
PATH="$TMP/fakebin:$PATH" "$PARBENCH" run -q -k primes -m py-pool -w 2 -r 1 --warmup 0 --bind none \
    "${tiny[@]}" -o broken >/dev/null 2>broken.err || rc=$?
check "broken interpreter: fails (rc $rc), naming it: $(grep error: broken.err)" grep -q \
    "py-pool: the Python interpreter 'python3' exited with status 9: this interpreter is broken" broken.err

check "nothing new in /dev/shm" test "$shm_before" = "$(shm_list)"
finish
