#!/usr/bin/env bash
# The Python modes (py-*: python/parbench/driver.py under each CPython model):
# every Python mode x primes, factors and blur (NumPy) gives serial C's checksum
# (the C check validates the Python output) under static and dynamic
# schedules, blur byte for byte on every SIMD path at several shapes; without
# NumPy blur is left out with the reason and the others run; `parbench list`
# says what each runs; --python twice runs every Python mode per interpreter,
# the records naming each, the speedups over each one's own py-serial, and the
# report's findings compare Python with C; a Python worker that raises,
# crashes, exits or hangs fails its configuration naming the mode, the worker
# and the cause, with no process or /dev/shm entry left; an interpreter that
# cannot start is one error naming it.  Skipped (77) without python3.
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

# What each Python mode runs, in `parbench list`.
"$PARBENCH" list >list.txt
check "list: py-pool runs primes, factors, blur" grep -q "^ *runs primes, factors, blur$" list.txt
check "list: py-pool cannot run noop, with the reason" \
    grep -q "^ *cannot run noop: noop has no Python version" list.txt

# blur in NumPy, with an interpreter that has it: every Python mode, serial C's bytes.
numpy_py=""
for cand in python3 /usr/bin/python3; do
    if "$cand" -c 'import numpy' 2>/dev/null; then numpy_py=$(command -v "$cand"); break; fi
done
if [ -n "$numpy_py" ]; then
    # Two workers, static blocks: the schedules' chunking is primes' and factors' to test.
    PB_TEST_TAG=$TAG "$PARBENCH" run -q -k blur -s tiny -m "serial,$pymodes" -w 2 \
        --schedule static -r 1 --warmup 0 --oversubscribe --bind none \
        --python "$numpy_py" -o blur >/dev/null 2>blur.err || true
    j=blur/results.json
    bad=$(jq -r '.results[] | select(.valid != true) | "\(.mode) w=\(.workers): \(.error)"' $j)
    check "blur: every record valid ${bad:+($bad)}" test -z "$bad"
    check "blur: every Python mode ran it" \
        test "$(jq '[.results[] | select(.mode | startswith("py-")) | .mode] | unique | length' $j)" -eq 7
    sums=$(jq -r '[.results[] | .checksum] | unique | join(" ")' $j)
    check "blur: every Python mode gives serial C's checksum ($sums)" test "$(echo "$sums" | wc -w)" -eq 1
    # Byte for byte on the generic path and the one this CPU picks (on x86-64 with AVX2
    # the first adds and multiplies apart, the second fuses them) and at awkward shapes:
    # tiny images, short bands, a radius wider than the image, sigma at both ends.
    for simd in generic auto; do
        for shape in "sigma=0.1" "sigma=2.3 --set blur.width=7 --set blur.height=5" \
            "sigma=13 --set blur.width=301 --set blur.band=3 --set blur.images=3"; do
            rm -rf shape
            # shellcheck disable=SC2086
            "$PARBENCH" run -q -k blur -s tiny -m serial,py-serial -w 1 -r 1 --warmup 0 --bind none \
                --python "$numpy_py" --set blur.simd=$simd --set blur.$shape -o shape >/dev/null 2>&1 || true
            sums=$(jq -r '[.results[] | select(.valid) | .checksum] | join(" ")' shape/results.json 2>/dev/null)
            set -- $sums
            check "blur simd=$simd $shape: py-serial's bytes are serial C's ($sums)" \
                test "$#" -eq 2 -a "${1:-a}" = "${2:-b}"
        done
    done
else
    skip_part "no interpreter with NumPy (python3-numpy): blur in Python"
fi

# Without NumPy (a numpy that fails to import first on the path): blur is left out
# with the reason, primes still runs.
mkdir -p nonumpy/numpy
echo 'raise ImportError("no NumPy in this test")' >nonumpy/numpy/__init__.py
rc=0
PYTHONPATH=$TMP/nonumpy "$PARBENCH" run -q -k primes,blur -s tiny -m serial,py-serial -w 1 -r 1 \
    --warmup 0 --bind none "${tiny[@]}" -o nonumpy-out >/dev/null 2>nonumpy.err || rc=$?
check "no NumPy: the run succeeds (rc $rc)" test "$rc" -eq 0
check "no NumPy: blur left out of py-serial, saying why ($(grep warning: nonumpy.err | grep -v pre-flight))" \
    grep -q "warning: py-serial cannot run blur, left out: blur in Python needs NumPy, which .* lacks" nonumpy.err
check "no NumPy: py-serial ran primes, serial ran both" test "$(jq -r '[.results[] | "\(.kernel)/\(.mode)"] | sort | join(" ")' nonumpy-out/results.json)" = "blur/serial primes/py-serial primes/serial"
rc=0
PYTHONPATH=$TMP/nonumpy "$PARBENCH" run -q -k blur -s tiny -m py-serial -w 1 -r 1 --warmup 0 \
    --bind none -o nonumpy-only >/dev/null 2>nonumpy.err || rc=$?
check "no NumPy, only blur in Python: nothing to run, exit 4 (got $rc)" test "$rc" -eq 4
check "no NumPy, only blur in Python: one error saying why" grep -q "error: nothing to run: blur in Python needs NumPy" nonumpy.err

# Two interpreters in one run (here python3 named twice, once through a wrapper: the same
# version, so the names tell them apart by position).
printf '#!/bin/sh\nexec python3 "$@"\n' >py-twin
chmod +x py-twin
two="python3,$TMP/py-twin"
PB_TEST_TAG=$TAG "$PARBENCH" run -q -k primes -m serial,threads,py-serial,py-threads,py-pool -w 1,2 \
    -r 3 --warmup 0 --oversubscribe --bind none "${tiny[@]}" --python "$two" -o two >/dev/null 2>two.err || true
j=two/results.json
ver=$(python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
modes=$(jq -r '[.results[] | .mode] | unique | join(" ")' $j)
check "two interpreters: each Python mode once per interpreter ($modes)" test "$modes" = \
    "py-pool@$ver-1 py-pool@$ver-2 py-serial@$ver-1 py-serial@$ver-2 py-threads@$ver-1 py-threads@$ver-2 serial threads"
check "two interpreters: every record valid" test "$(jq '[.results[] | .valid] | all' $j)" = true
check "two interpreters: the records carry the interpreter's version and build" test "$(jq -r '[.results[] | select(.mode | startswith("py-")) | "\(.mode_facts.python_version) \(.mode_facts.python_free_threaded)"] | unique | join(",")' $j)" = "cpython $ver $(python3 -c 'import sysconfig; print("yes" if sysconfig.get_config_var("Py_GIL_DISABLED") else "no")')"
check "two interpreters: each py-serial is its own baseline (speedup 1)" \
    test "$(jq '[.results[] | select(.mode | startswith("py-serial")) | .speedup] | unique' -c $j)" = "[1]"
"$PARBENCH" report -q two >/dev/null 2>two-report.err || true
check "report: a finding on Python threads against py-serial, with its test" \
    grep -qE "primes, Python py-threads@$ver-1: .* at 2 workers over py-serial@$ver-1 \(.*(p [=<] |too few runs: least p )" two/report.md
check "report: a finding on C against Python at the same worker count" \
    grep -q "primes at 2 workers: C .* Python py-.*@$ver-[12]" two/report.md
check "report: a finding comparing the two interpreters" \
    grep -q "py-threads@$ver-1 .*py-threads@$ver-2\|py-threads@$ver-2 .*py-threads@$ver-1" two/report.md
rc=0
"$PARBENCH" run -q -k primes -m py-serial --python /nonexistent/python3 -o none >/dev/null 2>none.err || rc=$?
check "--python with a missing interpreter: exit 2 (got $rc), one line naming it" \
    test "$rc" -eq 2 -a "$(wc -l <none.err)" -eq 1
check "--python with a missing interpreter: the message names it" grep -q "error: --python /nonexistent/python3: " none.err
rc=0
"$PARBENCH" run -q -k primes -m serial --python python3 -o none >/dev/null 2>none.err || rc=$?
check "--python without a Python mode: exit 2 (got $rc)" test "$rc" -eq 2

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
