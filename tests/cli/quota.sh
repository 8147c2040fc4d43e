#!/usr/bin/env bash
# Container CPU limits, for real: a cgroup with a CPU quota (v2 cpu.max or v1
# cpu.cfs_quota_us, whichever this machine mounts) is made, parbench runs inside
# it, and the pre-flight must report the effective CPU count, warn, stop `-w all`
# at its ceiling (unless --oversubscribe), and every record must carry the
# throttling counters, with a warning where the quota throttled a run.
# Exit 77 where no cgroup with a cpu controller can be made here (not root, a
# read-only /sys/fs/cgroup, a container without cgroup delegation).
source "$PB_SRC/tests/lib.sh"
cd "$TMP"

ncpus=$(nproc)
if [ "$ncpus" -lt 2 ]; then
    echo "SKIP: $ncpus CPU allowed here; a 1-CPU quota would not shorten the ladder"
    exit 77
fi

# The hierarchy with the cpu controller: v2 (cgroup2fs at /sys/fs/cgroup) or the v1
# mount whose options include cpu.
base="" version=0
if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
    base=/sys/fs/cgroup version=2
    if ! grep -qw cpu "$base/cgroup.subtree_control" 2>/dev/null; then
        echo +cpu >"$base/cgroup.subtree_control" 2>/dev/null || true
    fi
else
    base=$(awk '$9 == "cgroup" && $NF ~ /(^|,)cpu(,|$)/ { print $5; exit }' /proc/self/mountinfo)
    [ -n "$base" ] && version=1
fi
if [ "$version" = 0 ]; then
    echo "SKIP: no cgroup hierarchy with the cpu controller is mounted"
    exit 77
fi
CG="$base/parbench-quota-test.$$"
cleanup() {
    # Every process we put there has exited by now; an empty cgroup is removed with rmdir.
    [ -d "$CG" ] && rmdir "$CG" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
if ! mkdir "$CG" 2>/dev/null; then
    echo "SKIP: cannot create a cgroup under $base (v$version): not writable here"
    exit 77
fi

# set_quota US_PER_100MS: the cgroup's quota in microseconds per 100 ms period.
set_quota() {
    if [ "$version" = 2 ]; then
        echo "$1 100000" >"$CG/cpu.max"
    else
        echo 100000 >"$CG/cpu.cfs_period_us" && echo "$1" >"$CG/cpu.cfs_quota_us"
    fi
}
# in_cgroup COMMAND...: run COMMAND as a process of the test cgroup.
in_cgroup() {
    sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" "$@"
}
if ! set_quota 100000 2>/dev/null || ! in_cgroup true 2>/dev/null; then
    echo "SKIP: the cgroup $CG (v$version) takes no quota or no process here"
    exit 77
fi
echo "cgroup v$version: $CG"
name=${CG#"$base"}
q=(-k primes -m threads -r 1 --warmup 0 --set primes.hi=20000)

# jqr DIR FILTER: jq on DIR/results.json.
jqr() { jq -r "$2" "$1/results.json"; }

# 1 CPU: the ladder stops at 1 worker; the pre-flight says why.
set_quota 100000
rc=0
in_cgroup "$PARBENCH" run -w all "${q[@]}" -o "$TMP/one" >"$TMP/one.out" 2>"$TMP/one.err" || rc=$?
[ "$rc" = 0 ] || cat "$TMP/one.err" >&2
check "1-CPU quota: run exits 0 (got $rc)" [ "$rc" = 0 ]
check "1-CPU quota: pre-flight warns about the quota" \
    grep -q "pre-flight: the cgroup CPU quota (100000 us per 100000 us) allows 1 CPU(s) of the $ncpus" "$TMP/one.err"
check "1-CPU quota: says the ladder stops at 1" grep -q -- "-w all stops at 1 worker(s)" "$TMP/one.err"
check "1-CPU quota: results hold only 1 worker ($(jqr "$TMP/one" '[.results[].workers] | unique | join(",")'))" \
    [ "$(jqr "$TMP/one" '[.results[].workers] | unique | join(",")')" = 1 ]
check "1-CPU quota: preflight.cpu_quota = 1" [ "$(jqr "$TMP/one" .preflight.cpu_quota)" = 1 ]
check "1-CPU quota: preflight.cgroup_quota_cpus = 1" [ "$(jqr "$TMP/one" .preflight.cgroup_quota_cpus)" = 1 ]
check "1-CPU quota: preflight.cpus_allowed = $ncpus" [ "$(jqr "$TMP/one" .preflight.cpus_allowed)" = "$ncpus" ]
check "1-CPU quota: preflight.cgroup names the test cgroup ($(jqr "$TMP/one" .preflight.cgroup))" \
    [ "$(jqr "$TMP/one" .preflight.cgroup)" = "v$version $name" ]
check "1-CPU quota: the record carries throttling counters" \
    [ "$(jqr "$TMP/one" '.results[0].throttled | (.nr_throttled >= 0 and .throttled_s >= 0)')" = true ]

# --oversubscribe goes past the quota to the whole ladder.
rc=0
in_cgroup "$PARBENCH" run -w all --oversubscribe "${q[@]}" -q -o "$TMP/over" >/dev/null 2>"$TMP/over.err" || rc=$?
[ "$rc" = 0 ] || cat "$TMP/over.err" >&2
check "--oversubscribe: run exits 0 (got $rc)" [ "$rc" = 0 ]
check "--oversubscribe: the ladder goes past 1 ($(jqr "$TMP/over" '[.results[].workers] | max'))" \
    [ "$(jqr "$TMP/over" '[.results[].workers] | max')" -gt 1 ]
expected_all=$(jqr "$TMP/over" '[.results[].workers] | max')

# 1.5 CPUs: reported as 1.5, and the ladder stops at ceil(1.5) = 2 (or below, on a
# machine whose ladder ends below 2).
set_quota 150000
rc=0
in_cgroup "$PARBENCH" run -w all "${q[@]}" -o "$TMP/half" >/dev/null 2>"$TMP/half.err" || rc=$?
[ "$rc" = 0 ] || cat "$TMP/half.err" >&2
check "1.5-CPU quota: run exits 0 (got $rc)" [ "$rc" = 0 ]
check "1.5-CPU quota: preflight.cpu_quota = 1.5" [ "$(jqr "$TMP/half" .preflight.cpu_quota)" = 1.5 ]
check "1.5-CPU quota: pre-flight warns with 1.5 CPUs" \
    grep -q "pre-flight: the cgroup CPU quota (150000 us per 100000 us) allows 1.5 CPU(s)" "$TMP/half.err"
top=$((expected_all < 2 ? expected_all : 2))
check "1.5-CPU quota: the ladder ends at $top ($(jqr "$TMP/half" '[.results[].workers] | max'))" \
    [ "$(jqr "$TMP/half" '[.results[].workers] | max')" = "$top" ]
if [ "$expected_all" -gt 2 ]; then
    check "1.5-CPU quota: says the ladder stops at 2" grep -q -- "-w all stops at 2 worker(s)" "$TMP/half.err"
fi

# A quota far below the work: 0.1 CPU for 2 workers of tens of ms of CPU each is
# throttled in every period; the records say so and warn.
set_quota 10000
rc=0
in_cgroup "$PARBENCH" run -k primes -m threads -w 2 -r 2 --warmup 0 --set primes.hi=1000000 \
    -o "$TMP/thr" >/dev/null 2>"$TMP/thr.err" || rc=$?
[ "$rc" = 0 ] || cat "$TMP/thr.err" >&2
check "0.1-CPU quota: run exits 0 (got $rc)" [ "$rc" = 0 ]
nr=$(jqr "$TMP/thr" '.results[0].throttled.nr_throttled')
ts=$(jqr "$TMP/thr" '.results[0].throttled.throttled_s')
check "0.1-CPU quota: nr_throttled > 0 ($nr)" [ "$nr" -gt 0 ]
check "0.1-CPU quota: throttled_s > 0 ($ts)" [ "$(jq -n "$ts > 0")" = true ]
check "0.1-CPU quota: the record warns about throttling" \
    [ "$(jqr "$TMP/thr" '[.results[0].warnings[] | select(test("CPU quota throttled"))] | length')" = 1 ]
check "0.1-CPU quota: the warning is printed" grep -q "the cgroup CPU quota throttled the workers" "$TMP/thr.err"

finish
