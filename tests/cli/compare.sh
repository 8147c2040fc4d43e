#!/usr/bin/env bash
# parbench compare: ratios of a fixture against one with known factors, the
# significance test, overlay charts, refused parameter mismatches, bad input.
source "$PB_SRC/tests/lib.sh"
FX=$PB_SRC/tests/fixtures
cd "$TMP"
cp -r "$FX/run-a" "$FX/run-b" "$FX/xss" "$FX/wrongtype" .

png_ok() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

rc=0
"$PARBENCH" compare -q run-a run-b -o cmp >out 2>err || rc=$?
check "compare exits 0" test "$rc" -eq 0
check "compare.md, compare.html, compare.csv written" test -s cmp/compare.md -a -s cmp/compare.html -a -s cmp/compare.csv
csv=cmp/compare.csv
check "one CSV row per configuration (9) + header" test "$(wc -l <$csv)" -eq 10
check "same host: inputs labelled by directory" test "$(awk -F, 'NR==2 {print $(NF-10) "," $(NF-9)}' $csv)" = "run-a,run-b"

# run-b = run-a with times x1.25 (primes threads 2), x0.8 (factors), x1 (the rest).
# ratio_of KERNEL MODE WORKERS: the ratio column of that row (fields counted from
# the end: params may hold commas inside quotes).
ratio_of() { grep "^$1," $csv | awk -F, -v m="$2" -v w="$3" '$(NF-13)==m && $(NF-11)==w {print $(NF-6)}'; }
near() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a - b < 1e-6 && b - a < 1e-6) }'; }
check "primes threads 2: ratio 1.25" near "$(ratio_of primes threads 2)" 1.25
check "primes threads 1: ratio 1" near "$(ratio_of primes threads 1)" 1
check "primes serial 1: ratio 1" near "$(ratio_of primes serial 1)" 1
for m in "serial 1" "threads 1" "threads 2"; do
    check "factors $m: ratio 0.8" near "$(ratio_of factors $m)" 0.8
done
check "blur threads 2: ratio 1" near "$(ratio_of blur threads 2)" 1
check "identical samples: p = 1, not significant" \
    test "$(grep '^blur,' $csv | awk -F, '$(NF-13)=="serial" {print $(NF-5) "," $(NF-3)}')" = "1,false"
check "ratio shown with its percentage" grep -qF "| threads | dynamic | 2 |" cmp/compare.md
check "1.250 (+25.0%) in the primes table" grep -qF "1.250 (+25.0%)" cmp/compare.md
check "0.800 (-20.0%) in the factors table" grep -qF "0.800 (-20.0%)" cmp/compare.md
check "table heading names both inputs" grep -qF "| median run-a | median run-b | run-b / run-a |" cmp/compare.md
check "the test used is said" grep -qF "Mann-Whitney U test" cmp/compare.md
for h in "## Inputs" "## Summary" "## Kernel primes" "## Kernel factors" "## Kernel blur" "## Configurations in only one input"; do
    check "compare.md has '$h'" grep -qxF "$h" cmp/compare.md
done
if command -v gnuplot >/dev/null; then
    for k in primes factors blur; do
        for c in speedup throughput; do
            check "overlay $k-$c.png is a PNG" png_ok cmp/plots/$k-$c.png
            check "overlay $k-$c.svg is an SVG" grep -q '<svg' cmp/plots/$k-$c.svg
        done
    done
    check "legend names every input" grep -q "'run-a: threads'.*'run-b: threads'" cmp/plots/primes.gpvars
else
    skip_part "gnuplot is not installed: the overlay chart checks"
fi

# Configurations in only one input are listed.
jq 'del(.results[8])' run-a/results.json >tmp.json && mkdir -p run-d && mv tmp.json run-d/results.json
"$PARBENCH" compare -q run-a run-d -o cmp2
check "a configuration only in A is listed" grep -qF "only in run-a (not in run-d): blur" cmp2/compare.md

# Three inputs: two tables per kernel.
"$PARBENCH" compare -q run-a run-b run-d -o cmp3
check "three inputs: run-b and run-d each compared with run-a for 3 kernels" \
    test "$(grep -cE '^run-(b|d) compared with run-a:$' cmp3/compare.md)" -eq 6

# Different parameters for one kernel: refused without --force.
mkdir -p run-c
jq '(.results[] | select(.kernel=="primes") | .params_text) |= sub("hi=600000"; "hi=300000")' \
    run-a/results.json >run-c/results.json
expect_error 2 "run-a and run-c ran primes with different parameters (hi=600000 vs hi=300000); use --force" \
    compare run-a run-c -o refused
check "nothing written when refused" test ! -e refused
"$PARBENCH" compare -q --force run-a run-c -o forced
check "--force compares anyway and says so" grep -qF -- "--force: kernels that ran with different parameters" forced/compare.md

# Different hosts: labelled by host; strings escaped.
"$PARBENCH" compare -q run-a xss -o cmpx
check "different hosts: labelled by host name" grep -qF "| vm |" cmpx/compare.md
check "no raw <script in compare.html" bash -c "! grep -qi '<script' cmpx/compare.html"

# Default output directory: a new results/compare-* under the current directory.
mkdir -p work && (cd work && "$PARBENCH" compare -q ../run-a ../run-b)
check "default output directory results/compare-*" test -s "$(ls -d work/results/compare-*/ | head -1)compare.html"

expect_error 2 "compare: name at least two results directories" compare run-a
expect_error 2 "wrongtype/results.json: results[3].median_s: expected a number" compare run-a wrongtype
expect_error 2 "nope: no such results directory or file" compare run-a nope
finish
