#!/usr/bin/env bash
# Supervision of the process modes: a worker that crashes, exits or hangs fails
# its configuration with a message naming the mode, the worker and the cause,
# within the timeout, leaving no process, zombie, pipe or /dev/shm file behind,
# and keeping the results of the other configurations.  Also SIGINT/SIGTERM
# mid-run, --fail-fast and --keep-going.  Faults come from PARBENCH_FAULT
# (harness/modes/fault.h).
source "$PB_SRC/tests/lib.sh"
cd "$TMP"

# Every parbench started here carries this tag in its environment, and so do
# its forked workers: leftovers are found by it, whatever other tests run.
TAG="pb-faults-$$"
# Sequential order, so "the configuration after the failure" means something;
# a static schedule, so worker 1's block is fixed and the fault injected into
# it always fires (dynamic lets worker 0 take every chunk on a loaded machine).
tiny=(--order sequential --schedule static --bind none -r 1 --warmup 0 --set primes.hi=200000 --set primes.block=1000)

# Live processes carrying the tag (a zombie's environment reads empty, which
# is why zombies are looked for separately, while parbench still runs).
tagged() {
    grep -lsxz "PB_TEST_TAG=$TAG" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | paste -sd' ' || true
}

# Children of process $1 (any state, zombies included), from the kernel's own
# list: one read, so a loaded machine cannot stretch it past the run it inspects.
children_of() {
    cat /proc/"$1"/task/*/children 2>/dev/null | tr -s ' \n' ' ' | sed 's/ *$//' || true
}

# Pipes among process $1's descriptors above stderr that it did not inherit
# from this shell (a test runner may pass pipes of its own down).
pipes_of() {
    local fd inherited
    inherited=$(for fd in /proc/$$/fd/*; do readlink "$fd"; done 2>/dev/null | grep '^pipe:' || true)
    for fd in /proc/"$1"/fd/*; do
        [ "${fd##*/}" -gt 2 ] || continue
        fd=$(readlink "$fd") || continue
        case $fd in pipe:*) grep -qxF "$fd" <<<"$inherited" || echo "$fd" ;; esac
    done | paste -sd' ' || true
}

# /dev/shm entries, leaving out Open MPI's own segments and the mpi mode's private directories: its tests
# may run at the same time and create and remove them.
shm_list() {
    ls -A /dev/shm 2>/dev/null | grep -Ev '^(vader_segment|sm_segment|ompi|open_mpi|parbench-mpi\.)' | sort || true
}
shm_before=$(shm_list)

# run_fault MODE KIND: a serial configuration, then MODE with worker 1 faulty.
run_fault() {
    local mode=$1 kind=$2 out="$TMP/$1-$2" rc=0 t0 t1
    t0=$(date +%s.%N)
    PB_TEST_TAG=$TAG PARBENCH_FAULT=$kind:1:5 "$PARBENCH" run -q -k primes -m serial,"$mode" -w 2 \
        --timeout 2 "${tiny[@]}" -o "$out" >"$out.stdout" 2>"$out.err" || rc=$?
    t1=$(date +%s.%N)
    local want
    case $kind in
    crash) want="$mode: worker 1 (pid [0-9]*) killed by signal 11 (Segmentation fault)" ;;
    exit) want="$mode: worker 1 (pid [0-9]*) exited with status 3" ;;
    hang) want="$mode: timed out after 2.0 s; worker 1 (pid [0-9]*) still running" ;;
    esac
    check "$mode $kind: exit status 1 (got $rc)" test "$rc" -eq 1
    check "$mode $kind: error names mode, worker, cause: $(cat "$out.err")" \
        grep -q "^parbench: error: primes $mode .*: $want\$" "$out.err"
    check "$mode $kind: over within timeout + 8 s ($(echo "$t1 - $t0" | bc) s)" \
        test "$(echo "$t1 - $t0 < 10" | bc)" -eq 1
    local left; left=$(tagged)
    check "$mode $kind: no process left ($left)" test -z "$left"
    local j="$out/results.json"
    check "$mode $kind: results.json holds both configurations" test "$(jq '.results | length' "$j")" -eq 2
    check "$mode $kind: serial record intact and valid" \
        test "$(jq '.results[] | select(.mode == "serial") | .valid == true and (.times_s | length) == 1' "$j")" = true
    check "$mode $kind: failed record has valid false and the error" \
        test "$(jq --arg m "$mode" '.results[] | select(.mode == $m) | .valid == false and (.error | startswith($m + ": worker 1") or startswith($m + ": timed out"))' "$j")" = true
}

for mode in forkpool shm spawn; do
    for kind in crash exit hang; do
        run_fault "$mode" "$kind"
    done
done

# Keep going (the default): every configuration is tried.  While the serial one
# runs after three failures, parbench has no child (no zombie) and no pipe open.
# The serial run is made long (many reps) and parbench is stopped to look.
out="$TMP/keep"
PB_TEST_TAG=$TAG PARBENCH_FAULT=crash:1:5 "$PARBENCH" run -q -k primes -m forkpool,shm,spawn,serial -w 2 \
    --order sequential --schedule static --bind none -r 400 --warmup 0 --set primes.hi=200000 --set primes.block=1000 \
    -o "$out" >/dev/null 2>"$out.err" &
pid=$!
for _ in $(seq 500); do
    [ "$(jq '.results | length' "$out/results.json" 2>/dev/null || echo 0)" -ge 3 ] && break
    sleep 0.02
done
kill -STOP "$pid" 2>/dev/null || true
if [ -d "/proc/$pid" ]; then
    kids=$(children_of "$pid")
    pipes=$(pipes_of "$pid")
    check "after three failed configurations: no child process or zombie ($kids)" test -z "$kids"
    check "after three failed configurations: no pipe left open ($pipes)" test -z "$pipes"
else
    fail "parbench finished before its serial configuration could be inspected"
fi
kill -CONT "$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
check "keep-going: exit status 1 (got $rc)" test "$rc" -eq 1
check "keep-going: all 4 configurations recorded" test "$(jq '.results | length' "$out/results.json")" -eq 4
check "keep-going: serial valid after the failures" \
    test "$(jq '.results[] | select(.mode == "serial") | .valid' "$out/results.json")" = true
check "keep-going: three error lines" test "$(grep -c 'error:' "$out.err")" -eq 3

# --fail-fast: nothing after the first failure.
out="$TMP/fast"
rc=0
PB_TEST_TAG=$TAG PARBENCH_FAULT=exit:0:0 "$PARBENCH" run -q -k primes -m forkpool,shm,serial -w 2 \
    --fail-fast "${tiny[@]}" -o "$out" >/dev/null 2>"$out.err" || rc=$?
check "fail-fast: exit status 1 (got $rc)" test "$rc" -eq 1
check "fail-fast: only the failed configuration recorded" \
    test "$(jq '[.results[] | .mode] == ["forkpool"]' "$out/results.json")" = true
check "fail-fast: the later ones listed as skipped" \
    test "$(jq '[.skipped[] | .mode] == ["shm", "serial"]' "$out/results.json")" = true

# A malformed PARBENCH_FAULT is ignored with one warning.
out="$TMP/malformed"
rc=0
PB_TEST_TAG=$TAG PARBENCH_FAULT=explode:1 "$PARBENCH" run -q -k primes -m shm,forkpool -w 2 "${tiny[@]}" \
    -o "$out" >/dev/null 2>"$out.err" || rc=$?
check "malformed fault: run succeeds (got $rc)" test "$rc" -eq 0
check "malformed fault: one warning: $(cat "$out.err")" \
    test "$(grep -c "PARBENCH_FAULT='explode:1' ignored" "$out.err")" -eq 1

# SIGINT / SIGTERM after the first configuration: exit 130 / 143 promptly, the
# finished configuration kept, no process left.
interrupt() {
    local sig=$1 code=$2 mode=$3 out="$TMP/sig-$1-$3" rc=0 t0 t1
    PB_TEST_TAG=$TAG "$PARBENCH" run -q --order sequential -k primes -m serial,"$mode" -w 2 --bind none -r 400 \
        --warmup 0 --set primes.hi=300000 --set primes.block=1000 -o "$out" >/dev/null 2>"$out.err" &
    local pid=$!
    # The serial configuration first (up to 2 minutes: a sanitizer build on a
    # loaded machine is slow), then the signal well inside the second one's runs.
    for _ in $(seq 6000); do
        [ "$(jq '.results | length' "$out/results.json" 2>/dev/null || echo 0)" -ge 1 ] && break
        sleep 0.02
    done
    sleep 0.2
    local named kid
    named=$(for kid in "$pid" $(children_of "$pid"); do grep -h ' /dev/shm/' /proc/"$kid"/maps 2>/dev/null; done || true)
    check "$mode: no named shared memory mapped while it runs ($named)" test -z "$named"
    t0=$(date +%s.%N)
    kill -"$sig" "$pid"
    wait "$pid" || rc=$?
    t1=$(date +%s.%N)
    check "SIG$sig during $mode: exit status $code (got $rc)" test "$rc" -eq "$code"
    # 400 runs take many seconds; stopping must not wait for them.  5 s, not
    # less: a sanitizer build on a loaded machine is slow to exit.
    check "SIG$sig during $mode: stopped within 5 s ($(echo "$t1 - $t0" | bc) s)" \
        test "$(echo "$t1 - $t0 < 5" | bc)" -eq 1
    local left; left=$(tagged)
    check "SIG$sig during $mode: no process left ($left)" test -z "$left"
    check "SIG$sig during $mode: serial results kept" \
        test "$(jq '.results[] | select(.mode == "serial") | .valid' "$out/results.json")" = true
}
interrupt INT 130 shm
interrupt TERM 143 forkpool
interrupt INT 130 spawn

shm_after=$(shm_list)
check "nothing new in /dev/shm" test "$shm_before" = "$shm_after"
finish
