#!/usr/bin/env bash
# The report's charts on a many-core machine: the modelled 2-socket 64-core run
# (tests/fixtures/epyc2s64c: serial + 7 modes, 1..128 workers) and the small
# headline fixture.  Asserts on the data and variables parbench hands gnuplot
# and on the order gnuplot drew things in the SVG, not on pixels: every series
# present, short titles with the full parameters in the caption, the ideal drawn
# last, the serial point over the modes, Amdahl only where fitted from >= 3
# worker counts, axes fitted to the data, the distribution chart from times_s.
source "$PB_SRC/tests/lib.sh"
FX=$PB_SRC/tests/fixtures
cd "$TMP"
mkdir e && cp "$FX/epyc2s64c/results.json" e/
cp -r "$FX/headline" .

png_ok() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
svg_ok() { [ -s "$1" ] && grep -q '<svg' "$1"; }
# var FILE NAME: the value of a scalar gnuplot assignment in a .gpvars file.
var() { sed -n "s/^$2 = //p" "$1" | head -1; }
# arr FILE NAME: the elements of a gnuplot array, one a line, quotes removed.
arr() { sed -n "s/^array $2\[[0-9]*\] = \[\(.*\)\]$/\1/p" "$1" | sed "s/', '/\n/g; s/, /\n/g; s/'//g"; }
# num_le A B: A <= B as numbers.
num_le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }
# svg_rgb '#rrggbb': the colour as gnuplot's SVG terminal writes it.
svg_rgb() { printf "rgb(%3d, %3d, %3d)" "0x${1:1:2}" "0x${1:3:2}" "0x${1:5:2}"; }
# last_line FILE STRING: the number of the last line holding STRING (0 when none).
last_line() { grep -nF -- "$2" "$1" | tail -1 | cut -d: -f1 || true; }
# last_drawn SVG COLOUR: the last line that draws in COLOUR (a stroked path or a
# point), not a group's default attributes.
last_drawn() { grep -nF -e "stroke='$2'" -e "color='$2'" "$1" | tail -1 | cut -d: -f1 || true; }

# The fixture is what its generator writes (deterministic).
if command -v python3 >/dev/null; then
    python3 "$FX/make-epyc2s64c.py" "$TMP/regen.json"
    check "make-epyc2s64c.py writes the committed fixture" cmp -s "$TMP/regen.json" "$FX/epyc2s64c/results.json"
else
    skip_part "python3 is not installed: the fixture's generator was not rerun"
fi

rc=0
"$PARBENCH" report -q e >out 2>err || rc=$?
check "report on the 64-core fixture exits 0" test "$rc" -eq 0
check "nothing on stderr" test ! -s err
P=e/plots
declare -A SUBJECT=([primes]='primes (medium preset, hi=100000000)' [factors]='factors (medium preset, count=3000)'
                    [blur]='blur (medium preset, images=16)')
for k in primes factors blur; do
    v=$P/$k.gpvars
    modes=$(jq -r --arg k $k '[.results[] | select(.kernel == $k) | .mode] | unique | length' e/results.json)
    check "$k: every mode is a series ($modes)" test "$(var $v nseries)" = "$modes"
    check "$k: one data block per series" test "$(grep -c '^# series ' $P/$k.dat)" = "$modes"
    for m in serial threads openmp shm forkpool spawn queue mpi; do
        check "$k: series $m present" grep -qxF "$m" <(arr $v stitle)
    done
    # Short title: the kernel, the preset and what differs; the rest in the caption.
    check "$k: title is '${SUBJECT[$k]}'" test "$(var $v subject)" = "'${SUBJECT[$k]}'"
    full=$(jq -r --arg k $k '[.results[] | select(.kernel == $k)][0].params_text' e/results.json)
    check "$k: the caption under the charts gives every parameter" \
        grep -qF "Charts of $k at $full (size preset medium)" e/report.md
    check "$k: a ladder of 1..128 gets a log2 worker axis" test "$(var $v xlog)" = 1
    # Sideways offsets: every multi-point series its own, the serial point none.
    check "$k: the 7 parallel series have distinct offsets" \
        test "$(arr $v sdodge | tail -n +2 | sort -u | wc -l)" = 7
    check "$k: the serial point is not offset" test "$(arr $v sdodge | head -1)" = 0.0
    check "$k: the serial series is the single-worker one" test "$(arr $v ssingle | tr -d '\n')" = 10000000
    # Axes fitted to the data, their reference lines in view.
    effmin=$(var $v effmin) effmax=$(var $v effmax)
    lowest=$(jq --arg k $k '[.results[] | select(.kernel == $k and .valid) | .speedup_ci_low / .workers * 100] | min' e/results.json)
    check "$k: efficiency axis starts under the lowest CI ($effmin <= $lowest)" num_le "$effmin" "$lowest"
    check "$k: efficiency axis is fitted, not from 0 ($effmin > $lowest - 15)" num_le "$lowest" "$(( ${effmin%.*} + 15 ))"
    check "$k: efficiency axis shows 100 % with room ($effmax >= 105)" num_le 105 "$effmax"
    imax=$(jq --arg k $k '[.results[] | select(.kernel == $k and .valid) | .imbalance] | max' e/results.json)
    check "$k: imbalance axis from just under 1" bash -c "awk -v a=$(var $v imbmin) 'BEGIN { exit !(a < 1 && a > 0.95) }'"
    check "$k: imbalance axis holds the worst ($imax)" num_le "$imax" "$(var $v imbmax)"
    # The distribution chart's data: every timed run of every valid configuration.
    runs=$(jq --arg k $k '[.results[] | select(.kernel == $k and .valid) | .times_s | length] | add' e/results.json)
    check "$k: $runs runs in $k-runs.dat" test "$(grep -vc '^#' $P/$k-runs.dat)" = "$runs"
    check "$k: nruns = $runs" test "$(var $v nruns)" = "$runs"
    check "$k: a group per worker count" test "$(var $v ngroups)" = 14
done
# Amdahl: a fit only where 3 or more worker counts support it (factors' queue has 2).
check "factors: queue has no Amdahl fit" test "$(arr $P/factors.gpvars samdahl | sed -n 7p)" = NaN
check "factors: queue's legend entry has no f" test "$(arr $P/factors.gpvars sfit | sed -n 7p)" = queue
check "blur: threads' legend entry has its f" grep -q '^threads (f=0\.0' <(arr $P/blur.gpvars sfit)
check "blur: the serial point has no f" test "$(arr $P/blur.gpvars sfit | head -1)" = serial
# The outlier of forkpool at 48 workers (+35 %) is shown at the edge, not allowed to flatten the rest.
check "blur: distribution axis not stretched by one outlier" num_le "$(var $P/blur.gpvars runsylim)" 10
check "blur: the outlier is drawn at the edge with its value" \
    bash -c "awk '!/^#/ && \$7 == 2 && \$8 > 30 { found = 1 } END { exit !found }' $P/blur-runs.dat"

if command -v gnuplot >/dev/null; then
    for k in primes factors blur; do
        for c in speedup efficiency time throughput imbalance distribution; do
            check "$k-$c: PNG and SVG" bash -c "$(declare -f png_ok svg_ok); png_ok $P/$k-$c.png && svg_ok $P/$k-$c.svg"
        done
        check "$k: the report shows the distribution chart" grep -qF "$k-distribution" e/report.md
        svg=$P/$k-speedup.svg
        ideal=$(last_line $svg "<path stroke='rgb( 51,  51,  51)'")
        mapfile -t colors < <(arr $P/$k.gpvars scolor)
        serial=$(last_line $svg "color='$(svg_rgb "${colors[0]}")'")
        for ((i = 1; i < ${#colors[@]}; i++)); do
            c=$(svg_rgb "${colors[$i]}")
            last=$(last_drawn $svg "$c")
            check "$k speedup: series $((i + 1)) drawn ($c)" test "${last:-0}" -gt 0
            check "$k speedup: the serial point over series $((i + 1))" test "${serial:-0}" -gt "${last:-0}"
            check "$k speedup: the ideal over series $((i + 1))" test "${ideal:-0}" -gt "${last:-0}"
        done
        check "$k speedup: one legend entry for the Amdahl fits" test "$(grep -c '>Amdahl fit (dotted)<' $svg)" = 1
        check "$k: the title in the SVG is the short one" grep -qF "${SUBJECT[$k]}: speedup versus workers" $svg
    done
    check "factors speedup: queue's legend entry without a fit" grep -q '>queue<' $P/factors-speedup.svg
else
    skip_part "gnuplot is not installed: the chart checks"
fi

# A small ladder: linear worker axis; blur's threads (2 worker counts) gets no fit.
"$PARBENCH" report -q headline >out 2>err || true
check "headline: 1..4 workers keep a linear axis" test "$(var headline/plots/primes.gpvars xlog)" = 0
check "headline: blur threads (1 and 2 workers) has no Amdahl fit" \
    test "$(arr headline/plots/blur.gpvars sfit | grep '^threads')" = threads
check "headline: params not from this build's presets are listed" \
    test "$(var headline/plots/primes.gpvars subject)" = "'primes (n=1000)'"

check "headline: blur shm's negative fit is flagged, not printed as a number" \
    test "$(arr headline/plots/blur.gpvars sfit | grep '^shm')" = 'shm (f<0)'
# Two worker counts everywhere (run-a): no Amdahl curve, no Amdahl legend entry.
cp -r "$FX/run-a" .
"$PARBENCH" report -q run-a >out 2>err || true
for k in primes factors blur; do
    check "run-a $k: no Amdahl fit from 2 worker counts" test "$(var run-a/plots/$k.gpvars nfits)" = 0
    if command -v gnuplot >/dev/null; then
        check "run-a $k: no Amdahl legend entry" bash -c "! grep -q 'Amdahl' run-a/plots/$k-speedup.svg"
    fi
done

# A kernel this build does not know: its non-empty parameters, cut short; empty ones left out.
jq '.results |= map(if .kernel == "blur" then .kernel = "oldblur" else . end)' e/results.json >old.json && mkdir old && mv old.json old/results.json
"$PARBENCH" report -q --no-plots old >out 2>err || true
s=$(var old/plots/oldblur.gpvars subject)
check "unknown kernel: title lists the non-empty parameters" grep -q "^'oldblur (sigma=10, width=4096, height=3072" <<<"$s"
check "unknown kernel: empty parameters left out" bash -c "! grep -q 'files=' <<<\"$s\""
check "unknown kernel: title cut with an ellipsis" grep -q "…)'$" <<<"$s"
finish
