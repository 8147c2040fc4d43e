#!/usr/bin/env bash
# parbench report: every section, charts that render (PNG + SVG), findings that
# quote the fixture's numbers, escaped strings, and one-line errors for bad input.
source "$PB_SRC/tests/lib.sh"
FX=$PB_SRC/tests/fixtures
cd "$TMP"
cp -r "$FX/run-a" "$FX/synthetic" "$FX/schema1" "$FX/xss" "$FX/headline" .

# png_ok FILE: a non-empty file starting with the 8-byte PNG signature.
png_ok() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
svg_ok() { [ -s "$1" ] && grep -q '<svg' "$1"; }
# svg_inlined SVG HTML: the longest path of the chart (its data) is in the page.
svg_inlined() {
    local d; d=$(grep -o "d='[^']*'" "$1" | awk '{ print length, $0 }' | sort -rn | head -1 | cut -d' ' -f2-)
    [ -n "$d" ] && grep -qF -- "$d" "$2"
}

rc=0
"$PARBENCH" report -q run-a >out 2>err || rc=$?
check "report on a real run exits 0" test "$rc" -eq 0
check "report.md and report.html written" test -s run-a/report.md -a -s run-a/report.html
check "nothing on stderr" test ! -s err
md=run-a/report.md html=run-a/report.html
for h in "## Headline" "## Data quality" "## Findings" "## Machine" "## Method" "## Kernel primes" "## Kernel factors" "## Kernel blur"; do
    check "report.md has '$h'" grep -qxF "$h" $md
done
for id in headline quality findings machine method kernel-primes kernel-factors kernel-blur; do
    check "report.html has section #$id" grep -q "<h2 id=\"$id\">" $html
done
check "machine table names the CPU" grep -qF "| CPU | $(jq -r .system.cpu_model run-a/results.json) |" $md
check "method shows the pre-flight warnings" grep -q "^> Pre-flight warning: " $md
check "html is self-contained: no external URL" bash -c "! grep -Eq '(src|href)=\"(https?:)?//' $html"
check "html has inline CSS" grep -q '<style>' $html
check "html has no script" bash -c "! grep -qi '<script' $html"

# Every chart of every kernel: valid PNG and SVG, and the page points at the SVGs.
if command -v gnuplot >/dev/null; then
    for k in primes factors blur; do
        for c in speedup efficiency time throughput imbalance; do
            check "$k-$c.png is a PNG" png_ok run-a/plots/$k-$c.png
            check "$k-$c.svg is an SVG" svg_ok run-a/plots/$k-$c.svg
            check "report.html shows $k-$c.svg inlined" svg_inlined run-a/plots/$k-$c.svg $html
        done
    done
    check "the page stands alone: 15 charts inlined, no <img>" \
        test "$(grep -c '<figure><svg' $html)" -ge 15 -a "$(grep -c '<img' $html)" -eq 0
    check "no temporary files or render directories left" test -z "$(ls -a run-a run-a/plots | grep -e '\.tmp' -e '^\.render\.' || true)"
else
    skip_part "gnuplot is not installed: the chart checks"
fi
check "plot data written" test -s run-a/plots/primes.dat -a -s run-a/plots/primes.gpvars

# The page opens with the headline, then the data-quality box, then the rest.
line_of() { grep -nxF "$1" "$2" | head -1 | cut -d: -f1; }
check "headline comes first, data quality next, findings after" \
    test "$(line_of "## Headline" $md)" -lt "$(line_of "## Data quality" $md)" -a \
    "$(line_of "## Data quality" $md)" -lt "$(line_of "## Findings" $md)"
check "data-quality box framed in html" grep -q '<div class="box">' $html

# Findings and the headline quote the numbers of the fixture: the fastest mode at
# the largest worker count, with its speedup to 2 decimals and the speedup's CI.
for k in primes factors blur; do
    w=$(jq "[.results[] | select(.kernel==\"$k\" and .valid) | .workers] | max" run-a/results.json)
    best=$(jq -c "[.results[] | select(.kernel==\"$k\" and .valid and .workers==$w)] | min_by(.median_s)" run-a/results.json)
    mode=$(jq -r .mode <<<"$best")
    sp=$(printf '%.2f' "$(jq .speedup <<<"$best")")
    lo=$(printf '%.2f' "$(jq .speedup_ci_low <<<"$best")")
    hi=$(printf '%.2f' "$(jq .speedup_ci_high <<<"$best")")
    eff=$(printf '%.0f' "$(jq ".speedup / $w * 100" <<<"$best")")
    check "headline: $k: $mode ×$w: $sp× [$lo–$hi] over serial" \
        grep -qF -- "- $k: $mode ×$w: $sp× \\[$lo–$hi\\] over serial" $md
    check "finding: $k best is $mode, speedup $sp [$lo–$hi], efficiency $eff%" \
        grep -qE "^- $k at $w workers, the most measured: $mode is fastest with median .*, speedup $sp \\\\\[$lo–$hi\\\\\], efficiency $eff% " $md
done
# run-a's speedups at 2 workers have CIs around 1: the headline says so.
check "headline: primes speedup not significant" grep -qE -- "^- primes: .* over serial \(no significant difference, p = [0-9.]+\)\.$" $md
check "one headline line per kernel" test "$(sed -n '/^## Headline/,/^## Data quality/p' $md | grep -c '^- ')" -eq 3
# run-a's fits are over 1 and 2 workers: no Amdahl fit, no 1/f limit.
check "no Amdahl limit from 2 worker counts" bash -c "! grep -q '1/f' $md"
check "no Amdahl fit from 2 worker counts" bash -c "! grep -q 'Amdahl serial fraction' $md"
check "says why there is no fit" grep -qF "primes, threads: no Amdahl fit: 2 worker counts, the model needs 3" $md
check "speedup column with its CI" grep -qE '^\| threads \| 2 \| dynamic \| 6 \|.*\| [0-9.]+ \\\[[0-9.]+–[0-9.]+\\\] \| [0-9]+% \\\[[0-9]+–[0-9]+%\\\] \| [0-9]+% \| yes \|$' $md
check "efficiency_rel column" grep -qF "efficiency over own 1 worker" $md

# p5/p50/p95 of the runs beside the median (p50 is the median, same unit and digits).
check "percentile column" grep -qF "| p5 / p50 / p95 of the runs |" $md
check "p50 is the median" grep -qE '^\| threads \| 2 \| dynamic \| 6 \| ([0-9.]+) (µs|ms|s) \| [^|]* \| [0-9.]+ / \1 / [0-9.]+ \2 \|' $md

# Warnings of older files (raw seconds) read in the tables' units.
mkdir oldwarn
jq '.results[0].warnings = ["the first timed run is an outlier (0.703507 s, median 0.0427858 s): consider more warm-up runs"]' \
    run-a/results.json >oldwarn/results.json
"$PARBENCH" report -q --no-plots oldwarn
check "warning times in ms" grep -qF "the first timed run is an outlier (703.5 ms, median 42.79 ms): consider" oldwarn/report.md

# The topology picture is inlined only when it reaches nothing outside the page.
for kind in script href onload ok; do
    mkdir topo-$kind
    jq '.system.topology_picture = "topology.svg"' run-a/results.json >topo-$kind/results.json
done
printf '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n' >topo-script/topology.svg
printf '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="http://example.com/x.png"/></svg>\n' >topo-href/topology.svg
printf '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 20px 10px"><defs><rect id="r" width="5" height="5"/></defs><use xlink:href="#r" fill="url(#r)"/></svg>\n' >topo-ok/topology.svg
printf '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>\n' >topo-onload/topology.svg
for kind in script href onload ok; do "$PARBENCH" report -q --no-plots topo-$kind; done
check "an SVG with an event handler is not inlined" grep -qF 'it holds an event handler (onload)' topo-onload/report.html
check "an SVG with a script is not inlined, and says why" \
    grep -qF 'topology.svg: not inlined: it holds a &lt;script&gt; element)' topo-script/report.html
check "no script in the page" bash -c "! grep -qi '<script' topo-script/report.html"
check "an SVG reaching another file is not inlined" \
    grep -qF 'it holds a reference to another file (http://example.com/x.png)' topo-href/report.html
check "no reference to the URL in the page" bash -c "! grep -qE '(href|src)=.?http' topo-href/report.html"
check "a plain SVG is inlined: prolog dropped, ids prefixed, viewBox in numbers" \
    grep -qF '<figure><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 20 10"><defs><rect id="f1-r" width="5" height="5"/></defs><use xlink:href="#f1-r" fill="url(#f1-r)"/></svg>' topo-ok/report.html

# A hand-made 2-core/4-PU run: SMT, processes vs threads, Amdahl fit, a failure.
"$PARBENCH" report -q synthetic
smd=synthetic/report.md
smt=$(jq '[.results[] | select(.mode=="threads")] | ((.[] | select(.workers==2) | .median_s) / (.[] | select(.workers==4) | .median_s) - 1) * 100' synthetic/results.json)
check "finding: SMT adds $(printf '%.1f' "$smt")%" grep -qF "SMT adds $(printf '%.1f' "$smt")% throughput (p = 0.002)" $smd
cost=$(jq '[.results[] | select(.workers==2 and .valid)] | ((.[] | select(.mode=="forkpool") | .median_s) / (.[] | select(.mode=="threads") | .median_s) - 1) * 100' synthetic/results.json)
check "finding: forkpool costs $(printf '%.1f' "$cost")% over threads" \
    grep -qF "primes at 2 workers: forkpool takes $(printf '%.1f' "$cost")% longer than threads" $smd
check "finding: Amdahl serial fraction from analysis[]" grep -qF "threads: Amdahl serial fraction f = 0.040" $smd
check "failed configuration shown with its error" \
    grep -qF "| forkpool | 4 | dynamic | 0 |" $smd
check "its error is in the table" grep -qF "worker 3 killed by signal 9 (SIGKILL)" $smd
check "failed row marked in html" grep -q '<tr class="bad"><td>forkpool</td>' synthetic/report.html
check "skipped configurations listed" grep -qF "primes threads at 8 workers (dynamic): time budget of 60 s used up" $smd
check "a topology picture outside the directory is not shown" bash -c "! grep -q passwd synthetic/report.html"

# The headline fixture (tests/fixtures/make-headline.sh): threads and openmp
# overlap at 4 workers, forkpool is clearly slower; known data-quality counts.
"$PARBENCH" report -q --no-plots headline
hmd=headline/report.md
check "headline: primes, openmp indistinguishable, forkpool longer" grep -qxF -- \
    "- primes: threads ×4: 2.49× \\[2.46–2.52\\] over serial; openmp indistinguishable from it (p = 0.70); forkpool 9.7% longer (p = 0.002)." $hmd
check "headline: blur" grep -qxF -- "- blur: shm ×4: 4.39× \\[3.61–5.05\\] over serial." $hmd
check "quality: record warnings" grep -qxF -- "- Record warnings: 2, on 2 of 17 configurations (listed under each kernel)." $hmd
check "quality: short of the precision target" grep -qxF -- \
    "- Short of the precision target (±2%): 2 configurations stopped at the run or time cap with a wider CI." $hmd
check "quality: pre-flight warnings" grep -qxF -- "- Pre-flight warnings: 4 (listed under Method)." $hmd
check "quality: invalid records" grep -qxF -- \
    "- Not valid: 1 invalid (wrong result), 0 failed or interrupted, of 17 configurations." $hmd
check "overlapping CIs: threads not called fastest" bash -c "! grep -q 'threads is fastest' $hmd"
check "overlapping CIs: said indistinguishable in findings" \
    grep -qF "primes at 4 workers: openmp is indistinguishable from threads (median 406.0 ms vs 405.0 ms, p = 0.70)." $hmd
check "overlapping CIs: no openmp longer/less/faster claim" \
    bash -c "! grep -E 'openmp (takes|is)? ?[0-9.]+% (longer|less)|openmp is fastest' $hmd"
check "absolute percentages only" bash -c "! grep -E '[-+][0-9.]+% (longer|less|throughput)' $hmd synthetic/report.md run-a/report.md"
check "blur threads: 2 worker counts, no fit" grep -qF "blur, threads: no Amdahl fit: 2 worker counts" $hmd
check "negative f clamped and flagged" grep -qF "blur, shm: Amdahl serial fraction f = 0, clamped (fitted here to the median speedups over 3 worker counts): f \\< 0: super-linear or noise." $hmd
check "no negative f printed" bash -c "! grep -qE 'f ?= ?-' $hmd"
check "every Amdahl fit has >= 3 worker counts" \
    bash -c "! grep -E 'Amdahl serial fraction.* over [0-2] worker counts' $hmd"
check "fits over 3 worker counts are shown" test "$(grep -c 'Amdahl serial fraction.* over 3 worker counts' $hmd)" -eq 4

# Schema 1 (written before the schema-2 fields existed) still reports.
"$PARBENCH" report -q schema1
check "schema-1 report written" grep -qxF "## Kernel primes" schema1/report.md
check "schema 1: says there was no pre-flight check" grep -qF "has no pre-flight check" schema1/report.md

# Strings from a results file are escaped in HTML and neutralised in Markdown.
"$PARBENCH" report -q xss
check "no raw <script in report.html" bash -c "! grep -qi '<script' xss/report.html"
check "no raw <img in report.html" bash -c "! grep -qi '<img src=x' xss/report.html"
check "host name escaped in report.html" grep -qF "&lt;script&gt;alert(1)&lt;/script&gt;" xss/report.html
check "quotes escaped in report.html" grep -qF "&quot;quotes&quot; and &#39;single&#39;" xss/report.html
check "host name neutralised in report.md" grep -qF '| Host | \<script\>alert(1)\</script\> |' xss/report.md
check "| and newline in the CPU model keep the table row whole" \
    grep -qF '| CPU | Evil \| CPU with a newline & "quotes"' xss/report.md
check "error with | and newline stays in its cell" \
    grep -qE '^\| threads \| 2 \| dynamic \|.*\\\| checksum mismatch second line \|$' xss/report.md
if command -v gnuplot >/dev/null; then
    check "chart titles escaped in SVG" bash -c "! grep -qi '<script' xss/plots/*.svg"
fi

# Without gnuplot: one warning, the report without charts, exit 0.
cp -r "$FX/run-a" nogp
rc=0
env PATH=/nonexistent "$PARBENCH" report -q nogp >out 2>err || rc=$?
check "no gnuplot: exit 0" test "$rc" -eq 0
check "no gnuplot: exactly one warning line" test "$(wc -l <err)" -eq 1
check "no gnuplot: the warning says so" grep -q "warning: gnuplot is not installed" err
check "no gnuplot: report says there are no charts" grep -q "No charts: gnuplot is not installed" nogp/report.md
check "no gnuplot: no image in the report" bash -c "! grep -q '<img' nogp/report.html"
"$PARBENCH" report -q --no-plots nogp
check "--no-plots: report says so" grep -q "No charts: --no-plots was given" nogp/report.md

# Bad input: one error line, exit 2, nothing written.
cp -r "$FX/truncated" "$FX/wrongtype" "$FX/newer" "$FX/missingfield" .
mkdir empty
expect_error 2 "truncated/results.json: not valid JSON: the file ends early at line" report truncated
expect_error 2 "wrongtype/results.json: results[3].median_s: expected a number" report wrongtype
expect_error 2 "newer/results.json: schema 999 is newer than this parbench understands" report newer
expect_error 2 "missingfield/results.json: results[1].mode: missing (expected a string)" report missingfield
expect_error 2 "no-such-dir: no such results directory or file" report no-such-dir
expect_error 2 "empty: no results.json in this directory" report empty
expect_error 2 "report: name a results directory" report
expect_error 2 "--plots /nonexistent: no speedup.gp there" report --plots /nonexistent run-a
expect_error 2 "unknown option '--frob'" report --frob run-a
check "nothing written for a bad file" test ! -e wrongtype/report.md -a ! -e wrongtype/plots
check "report --help exits 0" bash -c "'$PARBENCH' report --help >/dev/null"

# --kinds each runs a mode's ladder once per core kind: each kind is a series
# of its own, named by its kind (run-a's threads records, relabelled).
mkdir -p each
jq '.results |= ([.[] | select(.mode != "threads")]
                 + [.[] | select(.mode == "threads") | .placement.kinds = "IntelCore"]
                 + [.[] | select(.mode == "threads") | .placement.kinds = "IntelAtom" | .median_s *= 2])' \
    run-a/results.json >each/results.json
"$PARBENCH" report each -q >/dev/null 2>&1 || fail "report of a --kinds each run failed"
check "--kinds each: a series per kind" \
    test "$(grep -o 'threads \[Intel[A-Za-z]*\]' each/plots/primes.gpvars | sort -u | paste -sd,)" = \
    "threads [IntelAtom],threads [IntelCore]"
finish
