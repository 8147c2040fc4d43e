#!/usr/bin/env bash
# The mpi mode on this machine: every kernel x 1..3 ranks (oversubscribed) x
# every schedule gives output identical to serial and valid; a rank that
# crashes, exits or hangs fails its configuration with a clear message within
# --timeout, the sweep goes on, and no mpirun or rank is left behind; a missing
# mpirun or a bad hostfile (--set mpi.mpirun=, mpi.hosts=) is one error line
# (exit 2) before any work; each record carries the mpirun mapping and every
# rank's host.  Skipped (exit 77) when the mode or mpirun is missing.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
# The harness side of mpi is one thread talking TCP to processes: ThreadSanitizer
# has nothing to look at there, and the test is among the longest.
case ${PB_SUITE:-normal} in
tsan) skip "the mpi mode's test runs in scripts/test's normal, asan and clang suites, not in tsan" ;;
esac
if "$PARBENCH" list | grep -qE '^  mpi +unavailable:'; then
    skip "mpi mode unavailable: $("$PARBENCH" list | sed -n 's/^  mpi *unavailable: //p')"
fi
if ! command -v mpirun >/dev/null; then
    skip "mpi mode built, but no mpirun in PATH (install openmpi-bin)"
fi
# A private copy of both programs: the leftover checks then see this test's
# ranks only, even when other runs use the mpi mode at the same time.
mkdir bin
cp "$PARBENCH" "$(dirname "$PARBENCH")/parbench-mpi-rank" bin/
PARBENCH=$TMP/bin/parbench
RANK=$TMP/bin/parbench-mpi-rank

# no_leftovers 'what': no mpirun, orted or rank of ours is alive (they may take a moment to go).
no_leftovers() {
    local left=""
    for _ in $(seq 50); do
        left=$(pgrep -af "$RANK" || true)
        [ -z "$left" ] && break
        sleep 0.1
    done
    check "$1: no mpirun or rank left${left:+ ($left)}" test -z "$left"
}

tiny=(--set primes.hi=30000 --set primes.block=1000 --set factors.count=12 --set factors.start=20000
      --set blur.width=97 --set blur.height=61 --set blur.images=2 --set blur.band=8
      --set noop.tasks=500)

# 1. Same bytes as serial, every kernel x 1..3 ranks x every schedule (2 cores: oversubscribed).
"$PARBENCH" run -q -k primes,factors,blur,noop -m serial,mpi -w 1,2,3 \
    --schedule static,dynamic,guided -r 2 --warmup 0 --oversubscribe --bind none "${tiny[@]}" \
    -o r-sweep >/dev/null 2>sweep.log
n=$(jq '.results | length' r-sweep/results.json)
check "record count: $n = 4 kernels x (1 serial + 3 ranks x 3 schedules)" test "$n" -eq 40
bad=$(jq -r '.results[] | select(.valid != true) | "\(.kernel) \(.mode) w=\(.workers) \(.schedule): \(.error)"' r-sweep/results.json)
check "every record valid ${bad:+($bad)}" test -z "$bad"
for k in primes factors blur noop; do
    sums=$(jq -r --arg k "$k" '[.results[] | select(.kernel == $k) | .checksum] | unique | join(" ")' r-sweep/results.json)
    check "$k: mpi output identical to serial ($sums)" test "$(echo "$sums" | wc -w)" -eq 1
done
odd=$(jq -r '.results[] | select(.mode == "mpi") | select((.startup_s > 0) != true
        or ([.placement.workers[].tasks] | add) != .ntasks
        or ([.placement.workers[] | select(.cpu_start < 0)] | length) > 0)
      | "\(.kernel) w=\(.workers) \(.schedule)"' r-sweep/results.json)
check "mpi records: launch time, every task counted once, every rank's CPU seen ${odd:+($odd)}" test -z "$odd"
# Where each rank ran and how mpirun placed them reach the records.
here=$(hostname)
odd=$(jq -r --arg h "$here" '.results[] | select(.mode == "mpi") | select(
        ([.placement.workers[] | select(.host != $h)] | length) > 0
        or .mode_facts.mapping != "--bind-to none --oversubscribe"
        or .mode_facts.hosts != $h) | "\(.kernel) w=\(.workers) \(.schedule): \(.mode_facts)"' r-sweep/results.json)
check "mpi records: every rank's host ($here) and the mapping ${odd:+($odd)}" test -z "$odd"
no_leftovers "after the sweep"

# Round-robin static chunks (gathered into a staging buffer and unpacked) and
# chunks of several tasks under dynamic and guided.
"$PARBENCH" run -q -k primes,blur -m serial,mpi -w 2,3 --schedule static,dynamic,guided --chunk 3 \
    -r 1 --warmup 0 --oversubscribe --bind none "${tiny[@]}" -o chunks >/dev/null 2>chunks.log
bad=$(jq -r '.results[] | select(.valid != true) | "\(.kernel) w=\(.workers) \(.schedule)"' chunks/results.json)
check "--chunk 3: every record valid ${bad:+($bad)}" test -z "$bad"
for k in primes blur; do
    sums=$(jq -r --arg k "$k" '[.results[] | select(.kernel == $k) | .checksum] | unique | join(" ")' chunks/results.json)
    check "--chunk 3, $k: one checksum ($sums)" test "$(echo "$sums" | wc -w)" -eq 1
done

# The session's token is in the ranks' environment, never on a command line
# (which every user can read in /proc); and Open MPI's files are in the
# session's private directory, gone with the session.
"$PARBENCH" run -q -k primes -m mpi -w 2 -r 400 --warmup 0 --bind none "${tiny[@]}" \
    -o token >/dev/null 2>token.log &
pid=$!
ranks=""
for _ in $(seq 100); do
    ranks=$(pgrep -f "^$RANK" | paste -sd' ' || true)   # the ranks, not mpirun
    [ "$(wc -w <<<"$ranks")" -ge 2 ] && break
    sleep 0.1
done
# Open MPI's shared-memory transport makes its segments once the ranks are up,
# which on a loaded machine can take seconds: wait for them (up to 20 s)
# rather than for a fixed time.
first=${ranks%% *}
dir="" segs=0
for _ in $(seq 200); do
    dir=$(tr '\0' '\n' </proc/"$first"/environ 2>/dev/null | sed -n 's/^OMPI_MCA_btl_vader_backing_directory=//p')
    segs=$(ls "$dir" 2>/dev/null | grep -c '^vader_segment' || true)
    [ "$segs" -ge 2 ] && break
    sleep 0.1
done
cmdlines=$(for p in $ranks; do tr '\0' ' ' </proc/"$p"/cmdline; echo; done 2>/dev/null)
envs=$(for p in $ranks; do tr '\0' '\n' </proc/"$p"/environ | grep -c '^PB_MPI_TOKEN=[0-9a-f]\{32\}$'; done 2>/dev/null | paste -sd' ')
mode=$(stat -c %a "$dir" 2>/dev/null || echo none)
kill -INT "$pid"
wait "$pid" || true
check "two ranks seen while running ($ranks)" test "$(wc -w <<<"$ranks")" -ge 2
check "no token on a rank's command line" bash -c "! grep -qE -- '--token|[0-9a-f]{32}' <<<\"\$1\"" _ "$cmdlines"
check "the token in each rank's environment ($envs)" test "$envs" = "1 1"
check "Open MPI's files in a private directory ($dir, mode $mode)" \
    bash -c '[[ $1 == /dev/shm/parbench-mpi.* && $2 == 700 ]]' _ "$dir" "$mode"
check "the ranks' vader segments inside it ($segs)" test "$segs" -ge 2
no_leftovers "after SIGINT"
check "the private directory removed with the session" test ! -e "$dir"

# 2. Binding follows parbench's plan: --bind core puts rank i on core i, as planned.
"$PARBENCH" run -q -k primes -m mpi -w 1,2 --bind core --schedule static -r 1 --warmup 0 \
    "${tiny[@]}" -o bound >/dev/null 2>bound.log
off=$(jq -r '.results[] | select(.placement.on_plan != true) | "w=\(.workers): \([.placement.workers[] | "\(.planned)->\(.cpu_start)"] | join(","))"' bound/results.json)
check "--bind core: every rank observed on its planned core ${off:+($off)}" test -z "$off"
maps=$(jq -r '[.results[].mode_facts.mapping] | unique | join(";")' bound/results.json)
check "--bind core: the records say '--map-by core --bind-to core' ($maps)" \
    test "$maps" = "--map-by core --bind-to core"

# 3. Faults: rank 1 crashes, exits or hangs at its second task.  Its configuration
# fails with a message naming what happened; the 1-rank one (no rank 1) still runs.
for f in "crash:exited on signal 11" "exit:rank 1 exited with status 3" "hang:timed out after 4.0 s"; do
    kind=${f%%:*} want=${f#*:}
    start=$(date +%s)
    rc=0
    PARBENCH_FAULT=$kind:1:2 "$PARBENCH" run -q -k primes -m mpi -w 1,2 --schedule static,dynamic \
        -r 1 --warmup 0 --timeout 4 "${tiny[@]}" -o "f-$kind" >o.txt 2>e.txt || rc=$?
    took=$(($(date +%s) - start))
    check "$kind: exit status 1 (got $rc)" test "$rc" -eq 1
    lines=$(grep -c 'error: primes mpi workers=2' e.txt || true)
    check "$kind: one error line per failed configuration ($lines)" test "$lines" -eq 2
    check "$kind: the message says '$want' ($(grep -m1 error: e.txt))" grep -qF -- "$want" e.txt
    states=$(jq -r '[.results[] | "w\(.workers)=\(.valid)"] | sort | join(" ")' "f-$kind/results.json")
    check "$kind: the sweep went on ($states)" test "$states" = "w1=true w1=true w2=false w2=false"
    check "$kind: done in ${took}s (2 configurations, --timeout 4)" test "$took" -le 30
    no_leftovers "$kind"
done

# 4. Interrupted in the middle of a run: exit 130, nothing left behind.
"$PARBENCH" run -q -k primes -m mpi -w 2 -r 50 --warmup 0 --set primes.hi=3000000 \
    -o intr >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do pgrep -f "$RANK" >/dev/null && break; sleep 0.1; done
sleep 1
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
check "SIGINT: exit status 130 (got $rc)" test "$rc" -eq 130
no_leftovers "SIGINT"

# 5. Bad mpi settings: one error line, exit 2, before any work.
echo "host-without-slots slots" >badhosts
: >emptyhosts
expect_error 2 "mpi.mpirun /nonexistent: cannot run it" run -k primes -m mpi --set mpi.mpirun=/nonexistent
expect_error 2 "mpi.hosts $TMP/nohosts: cannot read" run -k primes -m mpi --set mpi.hosts="$TMP/nohosts"
expect_error 2 "badhosts:1: 'slots' is not KEY=VALUE" run -k primes -m mpi --set mpi.hosts=badhosts
expect_error 2 "mpi.hosts emptyhosts: names no hosts" run -k primes -m mpi --set mpi.hosts=emptyhosts
expect_error 2 "mode mpi has no option 'hostfile'" run -k primes -m mpi --set mpi.hostfile=x
mkdir lonely && cp "$PARBENCH" lonely/
PARBENCH=$TMP/lonely/parbench expect_error 2 "lonely/parbench-mpi-rank" run -k primes -m mpi -o never
check "nothing written after a refused run" test ! -e never

# 6. mpi.args reach mpirun: a bad one fails the configuration with mpirun's own words.
rc=0
"$PARBENCH" run -q -k primes -m mpi -w 1 -r 1 --warmup 0 "${tiny[@]}" --set mpi.args="--no-such-flag" \
    -o badargs >o.txt 2>e.txt || rc=$?
check "mpi.args=--no-such-flag: exit 1 (got $rc)" test "$rc" -eq 1
check "mpi.args=--no-such-flag: mpirun's complaint is quoted ($(cat e.txt))" \
    grep -q "no-such-flag" e.txt
"$PARBENCH" run -q -k primes -m mpi -w 2 -r 1 --warmup 0 "${tiny[@]}" --bind none \
    --set mpi.args="--mca btl self,tcp" -o tcp >/dev/null 2>tcp.log
check "mpi.args='--mca btl self,tcp': valid" test "$(jq '.results[0].valid' tcp/results.json)" = true
# 7. A stand-in mpirun that fails at once: the configuration fails with its
# exit status and its own words.
printf '#!/bin/sh\necho "fake mpirun: cannot launch" >&2\nexit 5\n' >fake-mpirun
chmod +x fake-mpirun
rc=0
"$PARBENCH" run -q -k primes -m mpi -w 1 -r 1 --warmup 0 "${tiny[@]}" --set mpi.mpirun=./fake-mpirun \
    -o fake >o.txt 2>e.txt || rc=$?
check "a failing mpirun: exit 1 (got $rc)" test "$rc" -eq 1
check "a failing mpirun: its status and words are quoted ($(grep -m1 error: e.txt))" \
    grep -qF "mpirun exited with status 5: fake mpirun: cannot launch" e.txt
no_leftovers "at the end"
finish
