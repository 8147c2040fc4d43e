#!/usr/bin/env bash
# report.html as a reader sees it, in headless Chromium: at 420 px (a phone) and
# 1280 px, no console error, no broken image, no horizontal page overflow
# (tables scroll inside their own box, charts take the width there is), the
# charts inlined (the page alone, copied into an empty directory, still shows
# them), and the page prints to PDF.  Exit 77 where Chromium is not installed.
source "$PB_SRC/tests/lib.sh"
FX=$PB_SRC/tests/fixtures

browser=
for b in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$b" >/dev/null; then browser=$(command -v "$b"); break; fi
done
[ -n "$browser" ] || skip "no Chromium (chromium, chromium-browser or google-chrome) in PATH"
# As root, Chromium refuses to start without --no-sandbox.
flags=(--headless --disable-gpu --no-first-run --no-default-browser-check --disable-extensions
       --user-data-dir="$TMP/profile" --enable-logging=stderr --v=0)
[ "$(id -u)" -ne 0 ] || flags+=(--no-sandbox)
if ! timeout 120 "$browser" "${flags[@]}" --dump-dom about:blank >/dev/null 2>"$TMP/probe.err"; then
    skip "$browser does not start headless here: $(grep -v '^\s*$' "$TMP/probe.err" | tail -1)"
fi
charts=true
command -v gnuplot >/dev/null || { charts=false; skip_part "gnuplot is not installed: pages without charts"; }

cd "$TMP"
# A real run (tiny: its timings do not matter, its files do: topology.svg,
# run_id, the current schema), a fixture, and one with hostile strings.
"$PARBENCH" run -q -k primes,blur -m serial,threads -w 1,2 -s tiny -r 3 --warmup 0 --bind none \
    -o tiny >/dev/null 2>run.err || fail "tiny run failed: $(tail -1 run.err)"
cp -r "$FX/run-a" "$FX/xss" .
for d in tiny run-a xss; do
    "$PARBENCH" report -q "$d" 2>"$d.err" || fail "report $d failed: $(tail -1 "$d.err")"
done
mkdir alone
cp tiny/report.html alone/report.html

# The page refers to nothing outside itself: no src, no link but #anchors.
no_src() { ! grep -qiE '<[a-z]+[^>]* src=' "$1"; }
anchors_only() { ! grep -qiE " (xlink:)?href=[\"'][^\"'#]" "$1"; }
no_script() { ! grep -qi '<script' "$1"; }
for d in tiny run-a xss alone; do
    check "$d: no src= attribute (charts inlined)" no_src $d/report.html
    check "$d: every href is an #anchor" anchors_only $d/report.html
    check "$d: no script" no_script $d/report.html
done
if $charts; then
    # 5 charts a kernel, and the topology picture where lstopo drew one.
    want=$((10 + $([ -s tiny/topology.svg ] && echo 1 || echo 0)))
    check "tiny: its charts and the topology picture inlined" \
        test "$(grep -c '<figure><svg' tiny/report.html)" -ge "$want"
    check "no figure left out" bash -c "! grep -q 'figure class=\"missing\"' tiny/report.html run-a/report.html xss/report.html"
    check "PNGs stay beside the page for documents" test -s tiny/plots/primes-speedup.png
    check "report.md shows the PNGs" grep -qF '(<plots/primes-speedup.png>)' tiny/report.md
fi

# One page holds each report in frames 420 and 1280 px wide, measures them when
# loaded, and writes what it found as JSON into <pre id="result">.
frames=
for d in tiny run-a xss alone; do
    for w in 420 1280; do
        frames+="<iframe data-name=\"$d@$w\" src=\"$TMP/$d/report.html\" style=\"width:${w}px;height:700px\"></iframe>"
    done
done
cat >probe.html <<EOF
<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
$frames
<pre id="result"></pre>
<script>
var frames = document.querySelectorAll('iframe'), out = {};
function measure(f) {
  var d = f.contentDocument, w = f.contentWindow, r = {};
  r.width = w.innerWidth;
  r.scrollWidth = d.documentElement.scrollWidth;
  r.images = d.images.length;
  r.broken = [];
  for (var i = 0; i < d.images.length; i++)
    if (!d.images[i].complete || d.images[i].naturalWidth === 0) r.broken.push(d.images[i].getAttribute('src'));
  r.svgs = d.querySelectorAll('figure > svg').length;
  r.svgTooWide = 0; r.svgFlat = 0;
  d.querySelectorAll('figure > svg').forEach(function (s) {
    var b = s.getBoundingClientRect();
    if (b.right > w.innerWidth + 0.5) r.svgTooWide++;
    if (b.height < 50) r.svgFlat++;
  });
  r.unresolved = 0;
  d.querySelectorAll('use').forEach(function (u) {
    var h = u.getAttribute('href') || u.getAttributeNS('http://www.w3.org/1999/xlink', 'href') || '';
    if (h[0] !== '#' || !d.getElementById(h.slice(1))) r.unresolved++;
  });
  r.tables = d.querySelectorAll('table').length;
  r.tablesOutsideBox = d.querySelectorAll('table:not(.scroll > table)').length;
  r.scrolling = 0;
  d.querySelectorAll('.scroll').forEach(function (s) { if (s.scrollWidth > s.clientWidth) r.scrolling++; });
  r.wide = [];
  d.querySelectorAll('body *').forEach(function (e) {
    if (e.closest('.scroll') || e.closest('svg')) return;
    if (e.getBoundingClientRect().right > w.innerWidth + 0.5 && r.wide.length < 5)
      r.wide.push(e.tagName + (typeof e.className === 'string' && e.className ? '.' + e.className : ''));
  });
  return r;
}
// The page's load waits for every frame's (a frame's own load event may come
// before this script runs).
window.addEventListener('load', function () {
  frames.forEach(function (f) {
    try { out[f.dataset.name] = measure(f); } catch (e) { out[f.dataset.name] = {error: String(e)}; }
  });
  document.getElementById('result').textContent = JSON.stringify(out);
});
</script></body></html>
EOF
timeout 300 "$browser" "${flags[@]}" --allow-file-access-from-files --window-size=1400,1000 \
    --virtual-time-budget=15000 --dump-dom "file://$TMP/probe.html" >dom.html 2>chrome.err || true
sed -n 's:.*<pre id="result">\(.*\)</pre>.*:\1:p' dom.html | sed -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g' >result.json
if ! [ -s result.json ] || ! jq -e 'type == "object" and length == 8' result.json >/dev/null 2>&1; then
    fail "Chromium measured no page: $(head -c 300 result.json) $(grep -v '^\s*$' chrome.err | tail -3)"
    finish
fi
# Console messages of the reports (CSP violations, bad SVG attributes, failed loads).
console=$(grep -F ':CONSOLE' chrome.err | grep -F "$TMP/" || true)
check "no console message from any page${console:+: $(head -c 600 <<<"$console")}" test -z "$console"
for d in tiny run-a xss alone; do
    for w in 420 1280; do
        r=$(jq -c ".[\"$d@$w\"]" result.json)
        n="$d at $w px"
        if ! jq -e '.width' <<<"$r" >/dev/null 2>&1; then
            fail "$n: not measured: $(head -c 300 <<<"$r")"
            continue
        fi
        check "$n: measured in a frame $w px wide" test "$(jq .width <<<"$r")" -eq "$w"
        check "$n: no horizontal overflow (page $(jq .scrollWidth <<<"$r") px wide; $(jq -c .wide <<<"$r"))" \
            test "$(jq .scrollWidth <<<"$r")" -le "$w"
        check "$n: no broken image" test "$(jq '.broken | length' <<<"$r")" -eq 0
        check "$n: every table in a scroll box" test "$(jq .tablesOutsideBox <<<"$r")" -eq 0
        check "$n: every SVG reference resolves" test "$(jq .unresolved <<<"$r")" -eq 0
        if $charts; then
            check "$n: charts shown ($(jq .svgs <<<"$r"))" test "$(jq .svgs <<<"$r")" -ge 10
            check "$n: charts within the width, not flattened" \
                test "$(jq '.svgTooWide + .svgFlat' <<<"$r")" -eq 0
        fi
    done
    check "$d at 420 px: the wide tables scroll in their box" \
        test "$(jq ".[\"$d@420\"].scrolling" result.json)" -ge 1
done

# Print to PDF (the print style sheet: no scroll boxes, page breaks).
timeout 300 "$browser" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$TMP/report.pdf" \
    "file://$TMP/tiny/report.html" >/dev/null 2>print.err || true
check "prints to a PDF" bash -c "[ \"\$(head -c 5 report.pdf 2>/dev/null)\" = '%PDF-' ]"
pages=$(grep -ao '/Count [0-9]*' report.pdf 2>/dev/null | awk '$2 > n { n = $2 } END { print n + 0 }')
check "the PDF has several pages ($pages; a kernel starts a page)" test "$pages" -ge 3
finish
