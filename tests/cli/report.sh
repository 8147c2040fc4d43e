#!/usr/bin/env bash
# parbench report: every section, charts that render (PNG + SVG), findings that
# quote the fixture's numbers, escaped strings, and one-line errors for bad input.
source "$PB_SRC/tests/lib.sh"
FX=$PB_SRC/tests/fixtures
cd "$TMP"
cp -r "$FX/run-a" "$FX/synthetic" "$FX/schema1" "$FX/xss" .

# png_ok FILE: a non-empty file starting with the 8-byte PNG signature.
png_ok() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
svg_ok() { [ -s "$1" ] && grep -q '<svg' "$1"; }

rc=0
"$PARBENCH" report -q run-a >out 2>err || rc=$?
check "report on a real run exits 0" test "$rc" -eq 0
check "report.md and report.html written" test -s run-a/report.md -a -s run-a/report.html
check "nothing on stderr" test ! -s err
md=run-a/report.md html=run-a/report.html
for h in "## Findings" "## Machine" "## Method" "## Kernel primes" "## Kernel factors" "## Kernel blur"; do
    check "report.md has '$h'" grep -qxF "$h" $md
done
for id in findings machine method kernel-primes kernel-factors kernel-blur; do
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
            check "report.html shows $k-$c.svg" grep -q "src=\"plots/$k-$c.svg\"" $html
        done
    done
    check "no temporary files or render directories left" test -z "$(ls -a run-a run-a/plots | grep -e '\.tmp' -e '^\.render\.' || true)"
else
    skip_part "gnuplot is not installed: the chart checks"
fi
check "plot data written" test -s run-a/plots/primes.dat -a -s run-a/plots/primes.gpvars

# Findings quote the numbers of the fixture: the fastest mode at the largest
# worker count, with its speedup to 2 decimals.
for k in primes factors blur; do
    w=$(jq "[.results[] | select(.kernel==\"$k\" and .valid) | .workers] | max" run-a/results.json)
    best=$(jq -c "[.results[] | select(.kernel==\"$k\" and .valid and .workers==$w)] | min_by(.median_s)" run-a/results.json)
    mode=$(jq -r .mode <<<"$best")
    sp=$(printf '%.2f' "$(jq .speedup <<<"$best")")
    eff=$(printf '%.0f' "$(jq ".speedup / $w * 100" <<<"$best")")
    check "finding: $k best is $mode, speedup $sp, efficiency $eff%" \
        grep -qE "^- $k at $w workers, the most measured: $mode is fastest with median .*, speedup $sp, efficiency $eff%" $md
done

# A hand-made 2-core/4-PU run: SMT, processes vs threads, Amdahl fit, a failure.
"$PARBENCH" report -q synthetic
smd=synthetic/report.md
smt=$(jq '[.results[] | select(.mode=="threads")] | ((.[] | select(.workers==2) | .median_s) / (.[] | select(.workers==4) | .median_s) - 1) * 100' synthetic/results.json)
check "finding: SMT adds $(printf '%+.1f' "$smt")%" grep -qF "SMT adds $(printf '%+.1f' "$smt")% throughput" $smd
cost=$(jq '[.results[] | select(.workers==2 and .valid)] | ((.[] | select(.mode=="forkpool") | .median_s) / (.[] | select(.mode=="threads") | .median_s) - 1) * 100' synthetic/results.json)
check "finding: forkpool costs $(printf '%+.1f' "$cost")% over threads" \
    grep -qF "primes at 2 workers: forkpool takes $(printf '%+.1f' "$cost")% longer than threads" $smd
check "finding: Amdahl serial fraction from analysis[]" grep -qF "threads: Amdahl serial fraction f = 0.040" $smd
check "failed configuration shown with its error" \
    grep -qF "| forkpool | 4 | dynamic | 0 |" $smd
check "its error is in the table" grep -qF "worker 3 killed by signal 9 (SIGKILL)" $smd
check "failed row marked in html" grep -q '<tr class="bad"><td>forkpool</td>' synthetic/report.html
check "skipped configurations listed" grep -qF "primes threads at 8 workers (dynamic): time budget of 60 s used up" $smd
check "a topology picture outside the directory is not shown" bash -c "! grep -q passwd synthetic/report.html"

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
finish
