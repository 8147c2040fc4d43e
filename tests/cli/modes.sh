#!/usr/bin/env bash
# Every kernel x every available mode x {1,2,3} workers x {static,dynamic} gives
# output identical to serial (same checksum) and passes the kernel's check.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
# The Python modes run primes and factors only (no Python blur or noop): tests/cli/python.sh covers them.
modes=$("$PARBENCH" list | awk '/^modes:/{m=1;next} m && NF && $2 != "unavailable:" && $1 !~ /^py-/ {print $1}' | paste -sd,)
echo "modes: $modes"
tiny=(--set primes.hi=30000 --set primes.block=1000 --set factors.count=12 --set factors.start=20000
      --set blur.width=97 --set blur.height=61 --set blur.images=2 --set blur.band=8
      --set noop.tasks=500)
"$PARBENCH" run -q -k primes,factors,blur,noop -m "$modes" -w 1,2,3 --schedule static,dynamic \
    -r 2 --warmup 0 --oversubscribe --bind none "${tiny[@]}" -o out >/dev/null
n=$(jq '.results | length' out/results.json)
nmodes=$(echo "$modes" | tr ',' '\n' | grep -vc '^serial$' || true)
check "record count: $n = 4 kernels x (1 serial + $nmodes modes x 3 workers x 2 schedules)" \
    test "$n" -eq $((4 * (1 + nmodes * 6)))
bad=$(jq -r '.results[] | select(.valid != true) | "\(.kernel) \(.mode) w=\(.workers): \(.error)"' out/results.json)
check "every record valid ${bad:+($bad)}" test -z "$bad"
for k in primes factors blur noop; do
    sums=$(jq -r --arg k "$k" '[.results[] | select(.kernel == $k) | .checksum] | unique | join(" ")' out/results.json)
    check "$k: one checksum across all modes ($sums)" test "$(echo "$sums" | wc -w)" -eq 1
done
finish
