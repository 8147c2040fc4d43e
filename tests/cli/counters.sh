#!/usr/bin/env bash
# Software counters with every run (issue 17): each record carries the
# workers' page faults and context switches, and shm's timed region no longer
# faults its output in page by page (its children pre-fault their view of the
# MAP_SHARED output before the clock starts); forkpool and spawn state their
# pipe size and what a fork copies, which no longer grows with other kernels'
# inputs.  Counts, never times.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
W=2000 H=2000
"$PARBENCH" run -k blur -m serial,threads,shm,forkpool,spawn -w 1,2 -r 2 --warmup 0 --bind none \
    --set blur.width=$W --set blur.height=$H --set blur.sigma=1 -o res -q >"$TMP/stdout" 2>"$TMP/stderr" ||
    { fail "parbench run: $(head -c 300 "$TMP/stderr")"; finish; }
j=res/results.json

for f in minor_faults major_faults vol_ctx_switches invol_ctx_switches; do
    check "$f is a count in every C-mode record" \
        test "$(jq "[.results[] | .$f | select(type == \"number\" and . >= 0)] | length" "$j")" = \
        "$(jq '.results | length' "$j")"
done
check "hw_counters is null with a reason" \
    test "$(jq '[.results[] | select(.hw_counters == null and (.hw_counters_why | length) > 0)] | length' "$j")" = \
    "$(jq '.results | length' "$j")"
check "results.csv has the counter columns" grep -q 'minor_faults,major_faults,vol_ctx_switches,invol_ctx_switches' \
    <(head -1 res/results.csv)

# forkpool states the result-pipe capacity it was granted: a page at least, at
# most fs/pipe-max-size (1 MiB asked for).
max=$(cat /proc/sys/fs/pipe-max-size 2>/dev/null || echo 1048576)
pb=$(jq -r '[.results[] | select(.mode == "forkpool") | .mode_facts.pipe_bytes // "none"] | unique | join(" ")' "$j")
check "forkpool's pipe_bytes fact ($pb) is a size in [4096, $max]" \
    awk -v b="$pb" -v m="$max" 'BEGIN { exit !(b ~ /^[0-9]+$/ && b >= 4096 && b <= m) }'

# spawn states the page-table entries a fork of the harness copies.
pte=$(jq -r '[.results[] | select(.mode == "spawn") | .mode_facts.fork_ptes // "none"] | unique | join(" ")' "$j")
check "spawn's fork_ptes fact ($pte) is a positive count" \
    awk -v b="$pte" 'BEGIN { exit !(b ~ /^[0-9]+( [0-9]+)*$/ && b + 0 > 0) }'

# The output is at least one byte per pixel: at least W*H/4096 pages.  Before the
# pre-fault, every shm child faulted each page it wrote while the clock ran.
# A sanitizer's shadow memory is faulted in and copied by fork like the
# harness's own, so these counts are about the plain build only.
pages=$((W * H / 4096))
if [ -n "${PB_SANITIZE:-}" ]; then
    skip_part "shm's timed page faults in the $PB_SANITIZE sanitizer build (its shadow memory faults too)"
else
    for nw in 1 2; do
        mf=$(jq "[.results[] | select(.mode == \"shm\" and .workers == $nw) | .minor_faults][0]" "$j")
        check "shm at $nw workers: $mf minor faults in the timed region < 10% of $pages output pages" \
            awk -v m="$mf" -v p="$pages" 'BEGIN { exit !(m != "null" && m < p / 10) }'
    done
fi

# What a fork copies must not grow with other kernels' inputs (issue 17): spawn on
# primes, alone and with blur prepared in the same sweep.  blur's input and its
# reference (2 x 4000x3000 RGB) are ~17600 4 KiB pages; in 2 MiB pages, ~36 entries.
if [ -n "${PB_SANITIZE:-}" ]; then
    skip_part "fork copies of blur's inputs in the $PB_SANITIZE sanitizer build (fork copies its shadow memory too)"
elif grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
    skip_part "fork copies of blur's inputs: transparent huge pages are off here"
else
    "$PARBENCH" run -k primes -m spawn -w 1 -r 1 --warmup 0 --bind none -o alone -q \
        >/dev/null 2>"$TMP/stderr" || fail "spawn on primes: $(head -c 300 "$TMP/stderr")"
    "$PARBENCH" run -k primes,blur -m spawn -w 1 -r 1 --warmup 0 --bind none --set blur.sigma=1 -o both -q \
        >/dev/null 2>"$TMP/stderr" || fail "spawn on primes and blur: $(head -c 300 "$TMP/stderr")"
    a=$(jq -r '.results[] | select(.kernel == "primes") | .mode_facts.fork_ptes // "none"' alone/results.json)
    b=$(jq -r '.results[] | select(.kernel == "primes") | .mode_facts.fork_ptes // "none"' both/results.json)
    pages=$((4000 * 3000 * 3 * 2 / 4096))
    check "a fork for primes copies $a entries alone, $b with blur prepared: fewer than 256 more (blur in 4 KiB pages: $pages)" \
        awk -v a="$a" -v b="$b" 'BEGIN { exit !(a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/ && b - a < 256) }'
fi
finish
