#!/usr/bin/env bash
# The core-to-core heatmap of a many-core machine, drawn from a committed
# probe.json (tests/fixtures/probe-2s32c: a modelled 2-socket, 32-core,
# 64-CPU machine; its README says how it was made) with `parbench probe
# --from`: the SVG and PNG are written, name the axes and the colour scale,
# label the CPUs, and the data file holds the 64 x 64 matrix.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
FIX="$PB_SRC/tests/fixtures/probe-2s32c/probe.json"

if ! command -v gnuplot >/dev/null; then
    echo "SKIP: gnuplot is not installed"
    exit 77
fi

rc=0
"$PARBENCH" probe --from "$FIX" -o h >out 2>err || rc=$?
check "probe --from the fixture exits 0 ($(head -c 300 err))" test "$rc" -eq 0
check "no warning" test ! -s err
check "heatmap SVG written" test -s h/c2c-heatmap.svg
check "heatmap PNG written" test -s h/c2c-heatmap.png
check "the PNG is a PNG" test "$(head -c 8 h/c2c-heatmap.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a
svg=h/c2c-heatmap.svg
for label in 'responding CPU (OS index)' 'initiating CPU (OS index)' 'one-way latency (ns)' \
             'core-to-core cache-line latency' 'model-2s32c' '64 CPUs'; do
    grep -qF "$label" "$svg" || fail "the SVG names '$label'"
done
# 64 CPUs get every second one labelled (32 per axis): CPU 62 is, 63 is not.
grep -q '>62<' "$svg" || fail "the SVG labels CPU 62"
grep -q '>63<' "$svg" && fail "the SVG labels every CPU (expected every second one)"
check "data: 64 rows" test "$(wc -l <h/c2c.dat)" = 64
check "data: 64 columns in every row" test "$(awk '{print NF}' h/c2c.dat | sort -u)" = 64
check "data: the diagonal is NaN, nothing else is" \
    test "$(awk '{for (i = 1; i <= NF; i++) if (($i == "NaN") != (i == NR)) bad++} END {print bad + 0}' h/c2c.dat)" = 0
check "data: SMT siblings 0 and 32 at the model's 15 ns (+-3%)" \
    test "$(awk 'NR == 1 {print ($33 >= 14.5 && $33 <= 15.5)}' h/c2c.dat)" = 1
grep -q "64 CPUs: min 14.5" out || fail "the table summarises the matrix: $(cat out)"
check "the fixture directory is left as it was" test ! -e "$(dirname "$FIX")/c2c.dat"
finish
