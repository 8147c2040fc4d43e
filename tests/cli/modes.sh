#!/usr/bin/env bash
# Every registered kernel (its tiny preset) x every available mode x {1,2,3} workers
# x {static,dynamic} gives output identical to every other mode's (one checksum per
# kernel) and passes the kernel's check.  Kernels and modes come from the registry
# (`parbench list --names`), so a new kernel or mode is covered with no edit here;
# a mode compiled out is reported as skipped, with its reason.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
mapfile -t kernels < <("$PARBENCH" list --names kernels)
modes=()
while IFS=$'\t' read -r name why; do
    if [ -n "$why" ]; then
        echo "SKIP mode $name: $why"
    else
        modes+=("$name")
    fi
done < <("$PARBENCH" list --names modes)
# Opt-in modes (the Python ones) run only some kernels and have their own test
# (python.sh): reported here as skipped, not silently left out.
mapfile -t optin < <("$PARBENCH" list |
    awk '/^modes:/{m=1;next} m && /^  [^ ]/{name=$1} m && / opt_in$/{print name}')
for o in "${optin[@]}"; do
    echo "SKIP mode $o: opt-in (runs only the kernels it implements; see its own test)"
    for i in "${!modes[@]}"; do [ "${modes[$i]}" = "$o" ] && unset 'modes[i]'; done
done
modes=("${modes[@]}")
# Single-worker modes (serial) run once per kernel: `parbench list` marks them.
mapfile -t single < <("$PARBENCH" list |
    awk '/^modes:/{m=1;next} m && /^  [^ ]/{name=$1} m && / single_worker( opt_in)?$/{print name}')
check "the registry names kernels (${kernels[*]}) and available modes (${modes[*]})" \
    test "${#kernels[@]}" -gt 0 -a "${#modes[@]}" -gt 0
klist=$(IFS=,; echo "${kernels[*]}")
mlist=$(IFS=,; echo "${modes[*]}")
echo "kernels: $klist"
echo "modes: $mlist"
"$PARBENCH" run -q -k "$klist" -m "$mlist" -s tiny -w 1,2,3 --schedule static,dynamic \
    -r 2 --warmup 0 --oversubscribe --bind none -o out >/dev/null
j=out/results.json
bad=$(jq -r '.results[] | select(.valid != true) | "\(.kernel) \(.mode) w=\(.workers): \(.error)"' $j)
check "every record valid ${bad:+($bad)}" test -z "$bad"
for k in "${kernels[@]}"; do
    for m in "${modes[@]}"; do
        want=6   # 3 worker counts x 2 schedules
        for s in "${single[@]}"; do [ "$s" = "$m" ] && want=1; done
        n=$(jq --arg k "$k" --arg m "$m" '[.results[] | select(.kernel == $k and .mode == $m)] | length' $j)
        check "$k x $m: $n record(s), expected $want" test "$n" -eq "$want"
    done
    sums=$(jq -r --arg k "$k" '[.results[] | select(.kernel == $k) | .checksum] | unique | join(" ")' $j)
    check "$k: one checksum across all modes ($sums)" test "$(echo "$sums" | wc -w)" -eq 1
done
finish
