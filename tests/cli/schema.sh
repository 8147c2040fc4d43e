#!/usr/bin/env bash
# What a real `parbench run` writes against results/README.md: every key of
# every record (placement and placement.workers[] included) is documented, every
# documented field is written, and results.csv's header is the documented column
# list.  test_schema checks schema.def against the README; this checks the files.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
"$PARBENCH" run -k primes -m serial,threads -w 1,2 -r 1 --warmup 0 --bind none \
    --set primes.hi=20000 -o res -q >"$TMP/stdout" 2>"$TMP/stderr" ||
    fail "parbench run: $(head -c 300 "$TMP/stderr")"
j=res/results.json
readme="$PB_SRC/results/README.md"

# Key paths of the records: arrays as [], the free-form objects (params, mode_facts) and
# breakdown (its own section, checked by tests/cli/breakdown.sh) as themselves.
jq -r '[.results[] | paths | select(.[-1] | type == "string")
        | select((.[0] != "params" and .[0] != "mode_facts" and .[0] != "breakdown") or length == 1)
        | map(if type == "number" then "[]" else . end) | join(".") | gsub("\\.\\[\\]"; "[]")]
       | unique[]' "$j" >written

# The names in the first column of the README table under a heading, with a prefix.
doc_table() {
    awk -v h="$1" -v p="$2" '
        $0 == h { on = 1; next }
        on && /^#/ { exit }
        on && /^\| `/ { split($0, c, "|"); s = c[2]
                       while (match(s, /`[^`]*`/)) { print p substr(s, RSTART + 1, RLENGTH - 2)
                                                     s = substr(s, RSTART + RLENGTH) } }' "$readme"
}
{ doc_table '## Record (`results[]`)' ''
  doc_table '### `results[].placement`' 'placement.'
  doc_table '### `results[].placement.workers[]`' 'placement.workers[].'
  doc_table '### `results[].throttled`' 'throttled.'; } | sort -u >documented

undocumented=$(comm -23 written documented | tr '\n' ' ')
check "every key written is documented${undocumented:+ (not: $undocumented)}" test -z "$undocumented"
# placement.cpus is written only with --cpus.
# throttled's fields only where the cgroup counters can be read (else it is null).
skip_re='placement\.cpus'
[ "$(jq '[.results[] | select(.throttled == null)] | length' "$j")" -gt 0 ] && skip_re="$skip_re|throttled\..*"
unwritten=$(comm -13 written documented | grep -vxE "$skip_re" | tr '\n' ' ' || true)
check "every documented field is written${unwritten:+ (not: $unwritten)}" test -z "$unwritten"

doc_cols=$(awk '$0 == "## `results.csv`" { on = 1; next } on && /^#/ { exit }
                on && /^\| `/ { split($0, c, "|"); s = c[2]; gsub(/[` ]/, "", s); printf "%s%s", n++ ? "," : "", s }' "$readme")
check "results.csv header is the documented column list" test "$(head -1 res/results.csv)" = "$doc_cols"
# csv_field ROW NAME: field NAME of data row ROW (quoted fields read as Q: none of the ones checked is).
csv_field() {
    local i; i=$(head -1 res/results.csv | tr ',' '\n' | grep -nx "$2" | cut -d: -f1)
    sed -n "$(($1 + 1))p" res/results.csv | sed 's/"[^"]*"/Q/g' | cut -d, -f"$i"
}
# "" hosts (every worker here) are written as this host's name.
check "hosts column names this host" test "$(csv_field 1 hosts)" = "$(jq -r .system.host "$j")"
# The run's identity on every row, so CSVs of several machines concatenate (issue 14).
rows=$(jq '.results | length' "$j")
for n in $(seq 1 "$rows"); do
    for c in host cpu_model run_id; do
        check "row $n: $c is system.$c" test "$(csv_field "$n" $c)" = "$(jq -r ".system.$c" "$j")"
    done
    check "row $n: p50_s is median_s" test "$(csv_field "$n" p50_s)" = "$(csv_field "$n" median_s)"
done
check "p5_s <= p50_s = median_s <= p95_s, within min and max" jq -e 'all(.results[];
    .p5_s >= .min_s and .p5_s <= .p50_s and .p50_s == .median_s and .p95_s >= .p50_s
    and .p95_s <= (.times_s | max))' "$j"
check "run_id is 12 hex digits" grep -qxE '[0-9a-f]{12}' <<<"$(csv_field 1 run_id)"
check "traits recorded" test "$(jq -c '[.results[] | [.mode, .worker_kind, .single_worker, .runtime]] | unique' "$j")" = \
    '[["serial","caller",true,"c"],["threads","thread",false,"c"]]'
finish
