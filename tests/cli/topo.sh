#!/usr/bin/env bash
# `parbench topo`: placement plans on synthetic machines checked line by line
# against tests/golden/placement/*.txt, the acceptance cases checked by meaning,
# bad input (one error line, exit 2), and this machine (XML round trip, drawing).
#
# PB_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing; review
# the diff before committing it.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
GOLDEN="$PB_SRC/tests/golden/placement"

# Name of a topology's golden file: "pack:2 numa:2 core:8 pu:2" -> pack2-numa2-core8-pu2.txt
golden_name() { echo "$1" | tr -d ':' | tr ' ' '-'; }

# One command of the transcript: the command line, then its plan (or, without
# -w, the whole machine summary), then stderr and the exit status if not 0.
transcript_case() {
    local rc=0
    local arg line='$ parbench topo'
    for arg in "$@"; do
        case $arg in
            *[!A-Za-z0-9_.,:/=-]*) line+=" '$arg'" ;;
            *) line+=" $arg" ;;
        esac
    done
    echo "$line"
    "$PARBENCH" topo "$@" >"$TMP/case.out" 2>"$TMP/case.err" || rc=$?
    if [[ " $* " == *" -w "* ]]; then
        sed -n '/^plan:/,$p' "$TMP/case.out"
    else
        cat "$TMP/case.out"
    fi
    cat "$TMP/case.err"
    if [ "$rc" -ne 0 ]; then
        echo "[exit $rc]"
    fi
}

# Every plan the golden file of a topology holds ($1: the file's name, then
# the --synthetic or --xml arguments): compact and scatter x core and pu x 1,
# 2, 3, 4, 8, the counts in $EXTRA_COUNTS and the full count, plus an unbound
# and an oversubscribed plan, then the cases extra_cases adds for that file.
transcript() {
    local name=$1 cores pus
    shift
    "$PARBENCH" topo "$@" >"$TMP/summary"
    cores=$(sed -n 's/^cores: //p' "$TMP/summary")
    pus=$(sed -n 's/^pus: //p' "$TMP/summary")
    transcript_case "$@"
    for bind in core pu; do
        local full=$cores
        [ "$bind" = pu ] && full=$pus
        for policy in compact scatter; do
            for n in $(printf '%s\n' 1 2 3 4 8 ${EXTRA_COUNTS:-} "$full" |
                       awk '!seen[$0]++'); do
                transcript_case "$@" -w "$n" --bind "$bind" --policy "$policy"
            done
        done
    done
    transcript_case "$@" -w 3 --bind none
    transcript_case "$@" -w $((cores + 2)) --policy scatter --oversubscribe
    extra_cases "$name" "$@"
}

# Cases only some topologies have: SMT yield pairs, NUMA memory, CPU kinds.
extra_cases() {
    local name=$1
    shift
    case $name in
    pack1-core4-pu2)
        transcript_case "$@" -w 2 --smt-pair
        transcript_case "$@" -w 4 --smt-pair
        transcript_case "$@" -w 4 --smt-pair --policy scatter
        transcript_case "$@" -w 3 --smt-pair
        transcript_case "$@" -w 6 --smt-pair ;;
    pack1-core2-pu1)
        transcript_case "$@" -w 2 --smt-pair ;;
    pack2-numa2-core8-pu2)
        transcript_case "$@" -w 4 --policy scatter --membind local
        transcript_case "$@" -w 8 --bind pu --policy scatter --membind local
        transcript_case "$@" -w 12 --membind local
        transcript_case "$@" -w 4 --policy scatter --membind interleave
        transcript_case "$@" -w 2 --membind interleave
        transcript_case "$@" -w 3 --cpus 0,16,63 --membind local
        transcript_case "$@" -w 4 --membind none
        transcript_case "$@" -w 2 --bind none --membind local
        transcript_case "$@" -w 2 --kinds each --policy scatter --membind local ;;
    hybrid-8p16e)
        transcript_case "$@" -w 4 --kinds fastest
        transcript_case "$@" -w 8 --kinds fastest --bind pu --policy scatter
        transcript_case "$@" -w 9 --kinds fastest
        transcript_case "$@" -w 4 --kinds slowest --policy scatter
        transcript_case "$@" -w 4 --kinds IntelAtom
        transcript_case "$@" -w 12 --kinds IntelAtom,IntelCore --policy scatter
        transcript_case "$@" -w 4 --kinds any --policy scatter
        transcript_case "$@" -w 4 --kinds IntelCore --bind none
        transcript_case "$@" -w 2 --kinds Zen4
        transcript_case "$@" -w 8 --smt-pair
        transcript_case "$@" -w 8 --smt-pair --policy scatter
        transcript_case "$@" -w 4 --smt-pair --kinds IntelAtom
        transcript_case "$@" -w 10 --smt-pair
        transcript_case "$@" -w 4 --kinds each
        transcript_case "$@" -w 8 --kinds each --bind pu --policy scatter
        transcript_case "$@" -w 12 --kinds each
        transcript_case "$@" -w 2 --kinds each,IntelCore ;;
    arm-1p3b4l)
        transcript_case "$@" -w 3 --kinds kind1
        transcript_case "$@" -w 5 --kinds kind0,kind2
        transcript_case "$@" -w 2 --kinds fastest
        transcript_case "$@" -w 4 --kinds slowest --bind pu
        transcript_case "$@" -w 2 --smt-pair
        transcript_case "$@" -w 1 --kinds each
        transcript_case "$@" -w 3 --kinds each ;;
    esac
}

# Golden file name, then the arguments that load the topology.
cases=()
for topo in "pack:1 core:2 pu:1" "pack:1 core:4 pu:2" "pack:2 core:8 pu:2" \
            "pack:2 numa:2 core:8 pu:2" "pack:2 l3:2 core:4 pu:2" "pack:2 core:64 pu:2"; do
    cases+=("$(golden_name "$topo")|--synthetic|$topo")
done
# hwloc XML machines with CPU kinds (tests/fixtures/topology/make-cpukinds.sh),
# copied here so that the transcript shows a path that does not depend on the checkout.
for xml in hybrid-8p16e arm-1p3b4l; do
    cp "$PB_SRC/tests/fixtures/topology/$xml.xml" "$TMP/$xml.xml"
    cases+=("$xml|--xml|$xml.xml")
done

for c in "${cases[@]}"; do
    IFS='|' read -r name how what <<<"$c"
    EXTRA_COUNTS=
    case $name in hybrid-*) EXTRA_COUNTS="12 16" ;; arm-*) EXTRA_COUNTS="5" ;; esac
    transcript "$name" "$how" "$what" >"$TMP/$name.txt"
    if [ "${PB_UPDATE_GOLDEN:-0}" = 1 ]; then
        mkdir -p "$GOLDEN"
        cp "$TMP/$name.txt" "$GOLDEN/$name.txt"
        echo "updated: $GOLDEN/$name.txt"
        continue
    fi
    echo "comparing: parbench topo $how '$what' plans ($(wc -l <"$TMP/$name.txt") lines)" \
         "with tests/golden/placement/$name.txt"
    if [ ! -f "$GOLDEN/$name.txt" ]; then
        fail "$name: golden file missing"
    elif diff -u "$GOLDEN/$name.txt" "$TMP/$name.txt"; then
        pass "$name: plans match the golden file line by line"
    else
        fail "$name: plans differ from the golden file (diff above)"
    fi
done

# The acceptance cases, by meaning rather than by text: worker lines look like
# "worker 0: cpuset 0-1 (package 0, numa 0, core 0)".
plan_fields() {   # prints "package core" per worker
    sed -n 's/^worker [0-9]*: cpuset [0-9,-]* (package \([0-9]*\), .*core \([0-9]*\))$/\1 \2/p'
}
"$PARBENCH" topo --synthetic "pack:2 core:8 pu:2" -w 4 --bind core --policy scatter | tee scatter.txt
plan_fields <scatter.txt >scatter.fields
check "scatter: 4 worker lines" test "$(wc -l <scatter.fields)" -eq 4
check "scatter: 4 different cores ($(cut -d' ' -f2 scatter.fields | paste -sd,))" \
    test "$(cut -d' ' -f2 scatter.fields | sort -u | wc -l)" -eq 4
check "scatter: 2 workers on package 0" test "$(grep -c '^0 ' scatter.fields)" -eq 2
check "scatter: 2 workers on package 1" test "$(grep -c '^1 ' scatter.fields)" -eq 2
"$PARBENCH" topo --synthetic "pack:2 core:8 pu:2" -w 4 --bind core --policy compact | tee compact.txt
plan_fields <compact.txt >compact.fields
check "compact: cores 0-3 of package 0 ($(paste -sd, compact.fields))" \
    test "$(paste -sd, compact.fields)" = "0 0,0 1,0 2,0 3"
check "compact: whole cores (both SMT siblings)" grep -q '^worker 0: cpuset 0-1 ' compact.txt

# Bad input: one error line, exit 2, nothing on stdout.
S1=(--synthetic "pack:1 core:2 pu:1")
topo_error() {
    expect_error "$@"
    check "  ... and nothing on stdout" test ! -s "$TMP/out"
}
topo_error 2 "--bind: unknown binding 'socket' (none, core, pu)" topo "${S1[@]}" -w 1 --bind socket
topo_error 2 "--policy: unknown policy 'random' (compact, scatter)" topo "${S1[@]}" -w 1 --policy random
topo_error 2 "8 workers but only 2 cores to bind to (use --bind none, --bind pu, or --oversubscribe)" \
    topo "${S1[@]}" -w 8
topo_error 2 "3 workers but only 2 PUs to bind to (use --bind none or --oversubscribe)" \
    topo "${S1[@]}" -w 3 --bind pu
topo_error 2 "--cpus: CPU 9 is not in this machine (0-1)" topo "${S1[@]}" -w 1 --cpus 9
topo_error 2 "--cpus: CPU 99999999999 is not in this machine (0-1)" topo "${S1[@]}" -w 1 --cpus 99999999999
for bad in "1,,2" "a" "-1" "1-" "0,1," "0 1"; do
    topo_error 2 "--cpus: malformed CPU list '$bad' (expected e.g. 0,2,4-7)" topo "${S1[@]}" -w 1 --cpus "$bad"
done
topo_error 2 "--cpus: range 1-0 is reversed" topo "${S1[@]}" -w 1 --cpus 1-0
topo_error 2 "--cpus: CPU 1 is listed twice" topo "${S1[@]}" -w 2 --cpus 1,0-1
topo_error 2 "3 workers but --cpus lists only 2 CPUs (list more or use --oversubscribe)" \
    topo "${S1[@]}" -w 3 --cpus 0-1
topo_error 2 "--cpus cannot be used with --bind none" topo "${S1[@]}" -w 1 --cpus 0 --bind none
topo_error 2 "--workers: 0 is out of range [1, 1024]" topo "${S1[@]}" -w 0
topo_error 2 "--workers: 'x' is not a whole number" topo "${S1[@]}" -w x
topo_error 2 "option '-w' needs a value" topo -w
topo_error 2 "unknown option '--frob'" topo --frob
topo_error 2 "topo: unexpected argument 'extra'" topo extra
topo_error 2 "topo: --bind, --policy, --cpus, --oversubscribe, --kinds, --membind and --smt-pair need -w N" \
    topo --bind core
topo_error 2 "--kinds: empty" topo "${S1[@]}" -w 1 --kinds ""
topo_error 2 "--kinds: all, fastest, slowest, any and each stand alone, not in a list ('all,fastest')" \
    topo "${S1[@]}" -w 1 --kinds all,fastest
topo_error 2 "--kinds: malformed choice 'a,,b'" topo "${S1[@]}" -w 1 --kinds a,,b
topo_error 2 "--kinds: x is listed twice" topo "${S1[@]}" -w 1 --kinds x,x
topo_error 2 "--kinds: no CPU kind 'IntelCore' here: hwloc reports no kinds" \
    topo "${S1[@]}" -w 1 --kinds IntelCore
topo_error 2 "--membind: unknown choice 'near' (none, local, interleave)" topo "${S1[@]}" -w 1 --membind near
topo_error 2 "--synthetic: hwloc rejected 'pack:x'" topo --synthetic pack:x
topo_error 2 "--xml: cannot read $TMP/none.xml: No such file or directory" topo --xml "$TMP/none.xml"
topo_error 2 "--synthetic and --xml cannot be used together" topo "${S1[@]}" --xml "$TMP/none.xml"

# Explicit lists keep their order; oversubscription wraps and says so.
"$PARBENCH" topo "${S1[@]}" -w 3 --cpus 1,0 --oversubscribe | sed -n '/^plan:/,$p' >cpus.txt
cat cpus.txt
check "--cpus 1,0 with 3 workers: 1, 0, 1, oversubscribed" test "$(cat cpus.txt)" = "$(printf '%s\n' \
    'plan: 3 workers, cpus 1,0, oversubscribed' \
    'worker 0: cpuset 1 (package 0, numa 0, core 1)' \
    'worker 1: cpuset 0 (package 0, numa 0, core 0)' \
    'worker 2: cpuset 1 (package 0, numa 0, core 1)')"

# --help: usage on stdout, exit 0.
rc=0
"$PARBENCH" topo --help >help.txt 2>help.err || rc=$?
check "topo --help exits 0" test "$rc" -eq 0
check "topo --help prints usage" grep -q '^usage: parbench topo' help.txt
check "topo --help documents --policy scatter" grep -q -- '--policy P' help.txt
check "topo --help writes nothing on stderr" test ! -s help.err

# This machine: the summary, a plan, an XML round trip that describes the same machine.
"$PARBENCH" topo -w 1 --export-xml this.xml | tee this.txt
check "this machine is 'this system'" grep -qx 'machine: this system' this.txt
check "this machine has at least one core" grep -qE '^cores: [1-9]' this.txt
check "worker 0 of this machine has a cpuset" grep -qE '^worker 0: cpuset [0-9]' this.txt
check "--export-xml wrote hwloc XML" grep -q '<topology' this.xml
"$PARBENCH" topo --xml this.xml -w 1 >again.txt
check "--xml names its source" grep -qx "machine: xml this.xml" again.txt
check "the XML describes the same machine and plan" \
    diff <(grep -v '^machine:' this.txt) <(grep -v '^machine:' again.txt)

# Drawing: with lstopo a picture; without one, exit 4 (resource missing).
pb_abs=$(realpath "$(command -v "$PARBENCH")")
if command -v lstopo-no-graphics >/dev/null || command -v lstopo >/dev/null; then
    "$PARBENCH" topo --synthetic "pack:2 core:4 pu:2" --draw pic.svg >/dev/null
    check "--draw pic.svg wrote an SVG" grep -q '<svg' pic.svg
else
    skip_part "no lstopo installed: --draw not drawn"
fi
rc=0
env PATH="$TMP/empty-path" "$pb_abs" topo "${S1[@]}" --draw pic2.svg >/dev/null 2>draw.err || rc=$?
cat draw.err
check "--draw without lstopo in PATH exits 4" test "$rc" -eq 4
check "--draw without lstopo says so" grep -q 'no lstopo' draw.err
topo_error 2 "unknown picture format" topo "${S1[@]}" --draw pic.bmp

finish
