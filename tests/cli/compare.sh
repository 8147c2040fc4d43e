#!/usr/bin/env bash
# parbench compare: ratios of a fixture against one with known factors, their
# CIs and geometric mean, the significance test, overlay and ratio charts, the
# "what differs" table and its warning (--varies), --label, three inputs,
# refused parameter mismatches, bad input.
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
# Fields are counted from the end (params may hold commas inside quotes):
# back NAME is how far column NAME is from the last one, by the header.
back() { head -1 $csv | tr , '\n' | awk -v n="$1" '{ c[NR] = $0 } END { for (i = 1; i <= NR; i++) if (c[i] == n) print NR - i }'; }
check "one CSV row per configuration (9) + header" test "$(wc -l <$csv)" -eq 10
LA=$(back label_a); LB=$(back label_b)
check "same host: inputs labelled by directory" test "$(awk -F, -v a=$LA -v b=$LB 'NR==2 {print $(NF-a) "," $(NF-b)}' $csv)" = "run-a,run-b"

# run-b = run-a with times x1.25 (primes threads 2), x0.8 (factors), x1 (the rest).
M=$(back mode); W=$(back workers)
# col_of KERNEL MODE WORKERS COLUMN: that row's value; ratio_of: the ratio.
col_of() { grep "^$1," $csv | awk -F, -v m="$2" -v w="$3" -v k="$(back "$4")" -v M=$M -v W=$W '$(NF-M)==m && $(NF-W)==w {print $(NF-k)}'; }
ratio_of() { col_of "$1" "$2" "$3" ratio; }
near() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a - b < 1e-6 && b - a < 1e-6) }'; }
check "primes threads 2: ratio 1.25" near "$(ratio_of primes threads 2)" 1.25
check "primes threads 1: ratio 1" near "$(ratio_of primes threads 1)" 1
check "primes serial 1: ratio 1" near "$(ratio_of primes serial 1)" 1
for m in "serial 1" "threads 1" "threads 2"; do
    check "factors $m: ratio 0.8" near "$(ratio_of factors $m)" 0.8
done
check "blur threads 2: ratio 1" near "$(ratio_of blur threads 2)" 1
check "identical samples: p = 1, not significant" \
    test "$(col_of blur serial 1 p_value),$(col_of blur serial 1 significant),$(col_of blur serial 1 real_difference)" = "1,false,false"
# The ratio's CI: around the ratio, from the medians' CIs (both scaled by 0.8 for factors).
lo=$(col_of factors threads 2 ratio_ci_low); hi=$(col_of factors threads 2 ratio_ci_high)
check "factors threads 2: ratio CI [$lo, $hi] holds 0.8" awk -v l="$lo" -v h="$hi" 'BEGIN { exit !(l < 0.8 && 0.8 < h && l > 0) }'
check "the ratio with its CI in the table" grep -qE "\| 0\.800 \(-20\.0%\) \\\[[0-9.]+, [0-9.]+\\\] \|" cmp/compare.md
# Geometric mean of 1, 1, 1.25, 0.8 x3, 1 x3 = exp((ln 1.25 + 3 ln 0.8) / 9) = 0.952.
check "summary: geometric mean 0.952 over 9 configurations, with a CI" \
    grep -qE "^\| run-b / run-a \| 9 \| 0\.952 \\\[[0-9.]+, [0-9.]+\\\] \|" cmp/compare.md
check "identical inputs: nothing differs, no warning" \
    bash -c "grep -qF 'Nothing that the results files record differs' cmp/compare.md && ! grep -q 'like-for-like' cmp/compare.md && ! grep -q 'like for like' err"
check "ratio shown with its percentage" grep -qF "| threads | dynamic | 2 |" cmp/compare.md
check "1.250 (+25.0%) in the primes table" grep -qF "1.250 (+25.0%)" cmp/compare.md
check "0.800 (-20.0%) in the factors table" grep -qF "0.800 (-20.0%)" cmp/compare.md
check "table heading names both inputs" grep -qF "| median run-a | median run-b | run-b / run-a \[95% CI\] |" cmp/compare.md
check "the test used is said" grep -qF "Mann-Whitney U test" cmp/compare.md
for h in "## Inputs" "## What differs" "### Pre-flight warnings of each input" "## Summary" "## Kernel primes" "## Kernel factors" "## Kernel blur" "## Configurations in only one input"; do
    check "compare.md has '$h'" grep -qxF "$h" cmp/compare.md
done
if command -v gnuplot >/dev/null; then
    for k in primes factors blur; do
        for c in ratio speedup throughput; do
            check "overlay $k-$c.png is a PNG" png_ok cmp/plots/$k-$c.png
            check "overlay $k-$c.svg is an SVG" grep -q '<svg' cmp/plots/$k-$c.svg
        done
    done
    check "legend names every input" grep -q "'run-a: threads'.*'run-b: threads'" cmp/plots/primes.gpvars
    # A mode has one colour and marker in every input; an input one dash pattern.
    check "overlay: threads has one colour in both inputs, a dash per input" \
        bash -c "grep -qE \"^array scolor\\[4\\] = \\['(#[0-9a-fA-F]{6})', '(#[0-9a-fA-F]{6})', '\\1', '\\2'\\]\" cmp/plots/primes.gpvars &&
                 grep -qxF 'array sdash[4] = [1, 1, 2, 2]' cmp/plots/primes.gpvars"
    check "ratio chart: the geometric mean in its legend" grep -qF "run-b: geometric mean 1.077 [" cmp/plots/primes-ratio.gpvars
    check "compare.html carries the ratio chart inline" grep -qF 'Median time ratio of each input to the first' cmp/compare.html
    check "compare.html refers to no file" bash -c "! grep -qE '<img|src=' cmp/compare.html"
else
    skip_part "gnuplot is not installed: the overlay chart checks"
fi

# A run on another machine (AMD, an idle host) at another revision, twice as fast:
# the table names what differs, the warning comes first, --varies silences it.
jq '.system.host = "epyc-box" | .system.cpu_model = "AMD EPYC 7763 64-Core Processor"
    | .system.git_revision = "0123abcd4567"
    | .preflight.loadavg = [0.05, 0.1, 0.2] | .preflight.busy_cpus = 0 | .preflight.warnings = []
    | .results |= map(.times_s |= map(. / 2) | .median_s /= 2 | .ci_low_s /= 2 | .ci_high_s /= 2)' \
    run-a/results.json >tmp.json && mkdir -p epyc && mv tmp.json epyc/results.json
rc=0
"$PARBENCH" compare -q run-a epyc -o d1 >out 2>err || rc=$?
check "different machine: exit 0" test "$rc" -eq 0
for row in "| machine | host | vm | epyc-box |" \
           "| machine | CPU model | Intel(R) Xeon(R) Processor | AMD EPYC 7763 64-Core Processor |" \
           "| revision | git revision | 8e19ba94e9c3-dirty | 0123abcd4567 |" \
           "| conditions | load average (1 min) | 5.58 | 0.05 |" \
           "| conditions | CPUs busy before the run | 2 | 0 |" \
           "| conditions | pre-flight warnings | 4: load average \\# over the last minute; \\# CPU(s) were more than half busy" \
           "running under a hypervisor (KVM) | 0 |"; do
    check "what differs: $row" grep -qF -- "$row" d1/compare.md
done
check "what differs: the build is the same, so not listed" bash -c "! grep -q '^| build |' d1/compare.md"
check "fields alike are named" grep -qF "The same in every input: cores / PUs" d1/compare.md
check "each input's pre-flight warnings" grep -qF -- "- vm: load average 5.58 over the last minute" d1/compare.md
check "epyc's pre-flight: none" grep -qxF -- "- epyc-box: none" d1/compare.md
warn_line=$(grep -n "Not a like-for-like comparison: the inputs differ in machine (host, CPU model); revision (git revision); conditions (load average (1 min), CPUs busy before the run, pre-flight warnings)" d1/compare.md | cut -d: -f1)
inputs_line=$(grep -nx "## Inputs" d1/compare.md | cut -d: -f1)
check "the warning names what differs, before the inputs" test -n "$warn_line" -a "${warn_line:-99}" -lt "${inputs_line:-0}"
check "the warning in compare.html too" grep -qF '<p class="warn">Not a like-for-like comparison' d1/compare.html
check "one warning line on stderr" grep -qF "warning: compare: not like for like: the inputs differ in machine, revision and conditions" err
check "the ratio is 0.5" test "$(grep -c ',0.5,' d1/compare.csv)" -eq 9

"$PARBENCH" compare -q --varies machine run-a epyc -o d2 2>err
check "--varies machine: still warned about revision and conditions" \
    grep -qF "revision (git revision); conditions (" d2/compare.md
check "--varies machine: the warning says beyond what was named" grep -qF "beyond the machine" d2/compare.md
check "--varies machine: stderr names what --varies does not" \
    grep -qF "differ in revision and conditions, which --varies does not name" err
"$PARBENCH" compare -q --varies machine,revision --varies conditions run-a epyc -o d3 2>err
check "--varies naming everything that differs: no warning" \
    bash -c "! grep -q 'like-for-like' d3/compare.md && test ! -s err"
check "--varies naming everything: a note says so" \
    grep -qF "The inputs differ only in what --varies names: machine, revision and conditions." d3/compare.md
"$PARBENCH" compare -q --varies build run-a run-b -o d4 2>/dev/null
check "--varies naming what does not differ: a note" grep -qF -- "--varies names build, but the inputs record the same there." d4/compare.md

# --label names inputs, in command-line order with the plain ones; the first is the baseline.
"$PARBENCH" compare --label base=run-a --label new=run-b -o l1 >out 2>/dev/null
check "summary on stdout: geometric mean with its CI" \
    grep -qE "^new / base: 9 configurations, geometric mean 0\.952 \[[0-9.]+, [0-9.]+\] \(0\.800 to 1\.250\); real differences: 0 slower, 0 faster$" out
check "--label: names in the CSV" test "$(awk -F, -v a=$LA -v b=$LB 'NR==2 {print $(NF-a) "," $(NF-b)}' l1/compare.csv)" = "base,new"
check "--label: names in the table heading" grep -qF "| median base | median new | new / base" l1/compare.md
"$PARBENCH" compare -q run-a --label run-a=run-b -o l4 2>/dev/null
check "--label taking a directory's name: the unnamed input is numbered" grep -qF "| median run-a \\#1 | median run-a |" l4/compare.md
"$PARBENCH" compare -q run-b --label A=run-a -o l2 2>/dev/null
check "--label after a plain input: run-b stays the baseline" grep -qF "| median run-b | median A |" l2/compare.md
check "--label: the name heads the what-differs table" \
    bash -c "\"$PARBENCH\" compare -q -l xeon=run-a -l epyc=epyc -o l3 2>/dev/null && grep -qF '| aspect | field | xeon | epyc |' l3/compare.md"

# Configurations in only one input are listed.
jq 'del(.results[8])' run-a/results.json >tmp.json && mkdir -p run-d && mv tmp.json run-d/results.json
"$PARBENCH" compare -q run-a run-d -o cmp2
check "a configuration only in A is listed" grep -qF "only in run-a (not in run-d): blur" cmp2/compare.md

# Three inputs: two tables per kernel, two summary rows, a column each in what differs.
"$PARBENCH" compare -q run-a run-b run-d -o cmp3
check "three inputs: run-b and run-d each compared with run-a for 3 kernels" \
    test "$(grep -cE '^run-(b|d) compared with run-a:$' cmp3/compare.md)" -eq 6
"$PARBENCH" compare -q -l a=run-a -l b=run-b -l fast=epyc -o cmp4 2>/dev/null
check "three inputs: a summary row per input after the first" \
    test "$(grep -cE '^\| (b|fast) / a \| 9 \|' cmp4/compare.md)" -eq 2
check "three inputs: a column each in what differs" grep -qF "| machine | host | vm | vm | epyc-box |" cmp4/compare.md
check "three inputs: CSV rows for both pairs" test "$(grep -c ',a,fast,' cmp4/compare.csv)" -eq 9
if command -v gnuplot >/dev/null; then
    check "three inputs: ratio chart of 2 inputs x 2 modes" grep -qxF "nseries = 4" cmp4/plots/primes-ratio.gpvars
    check "three inputs: a dash per input in the ratio chart" grep -qxF "array sdash[4] = [1, 1, 2, 2]" cmp4/plots/primes-ratio.gpvars
    check "three inputs: ratio chart drawn" png_ok cmp4/plots/primes-ratio.png
    # A kernel only the baseline ran: its overlays, no ratio chart, and no gnuplot failure.
    jq '.results |= map(select(.kernel == "primes"))' run-b/results.json >tmp.json &&
        mkdir -p only-primes && mv tmp.json only-primes/results.json
    "$PARBENCH" compare -q run-a only-primes -o cmp5 2>/dev/null
    check "kernel only in the baseline: no ratio chart for it, no failure" \
        bash -c "png_ok() { [ -s \"\$1\" ]; }; png_ok cmp5/plots/primes-ratio.png && test ! -e cmp5/plots/factors-ratio.png &&
                 png_ok cmp5/plots/factors-speedup.png && ! grep -q 'No charts' cmp5/compare.md &&
                 ! grep -qF 'plots/factors-ratio' cmp5/compare.md"
fi
check "compare.html: tables scroll in their box" \
    bash -c 'grep -qE "\.scroll\{[^}]*overflow-x:auto" "$1" && grep -q "<div class=\"scroll\"><table" "$1"' _ cmp4/compare.html

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
expect_error 2 "nope: no such results directory or file" compare run-a --label x=nope
expect_error 2 "compare: name at least two results directories" compare --label only=run-a
expect_error 2 "compare: --label wants NAME=DIR, got 'run-b'" compare run-a --label run-b
expect_error 2 "compare: --label wants NAME=DIR, got '=run-b'" compare run-a --label =run-b
expect_error 2 "compare: --label wants NAME=DIR, got 'x='" compare run-a --label x=
expect_error 2 "compare: --label: the name 'x' is given twice" compare -l x=run-a -l x=run-b
expect_error 2 "compare: --varies: 'cpu' is not one of machine, build, revision" compare --varies cpu run-a run-b
check "nothing written on bad input" test ! -e results
finish
