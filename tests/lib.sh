# Shared helpers for the CLI tests (sourced, not run).
set -euo pipefail
: "${PARBENCH:?PARBENCH must name the parbench binary}"
: "${PB_SRC:?PB_SRC must name the source directory}"
TMP=$(mktemp -d /tmp/parbench-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILS=0

SKIPPED=()

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }

# skip 'reason': this test cannot run here.  Exit 77, which ctest (SKIP_RETURN_CODE)
# reports as skipped, never as passed.
skip() {
    echo "SKIP: $*"
    exit 77
}

# skip_part 'reason': a part of this test cannot run here; the rest goes on.  If
# nothing fails, finish then exits 77 with the reasons, so the summary shows the
# test as skipped rather than as a full pass.
skip_part() {
    echo "SKIP (part): $*"
    SKIPPED+=("$*")
}

# expect_error CODE 'message substring' ARGS... : parbench exits CODE, prints
# exactly one stderr line containing the substring, and nothing on stdout.
expect_error() {
    local code=$1 msg=$2; shift 2
    local rc=0
    "$PARBENCH" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
    local lines; lines=$(wc -l <"$TMP/err")
    if [ "$rc" -ne "$code" ]; then
        fail "parbench $* exited $rc, expected $code ($(head -c 300 "$TMP/err"))"
    elif ! grep -qF -- "$msg" "$TMP/err"; then
        fail "parbench $*: stderr lacks '$msg': $(cat "$TMP/err")"
    elif [ "$lines" -ne 1 ]; then
        fail "parbench $*: expected one error line, got $lines: $(cat "$TMP/err")"
    else
        pass "parbench $* -> exit $rc: $(cat "$TMP/err")"
    fi
}

# check 'what' TEST-EXPRESSION-ARGS... : like `test`, reporting the outcome.
check() {
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

finish() {
    if [ "$FAILS" -ne 0 ]; then
        echo "$FAILS failure(s)" >&2
        exit 1
    fi
    if [ ${#SKIPPED[@]} -ne 0 ]; then
        echo "all that ran passed; ${#SKIPPED[@]} part(s) skipped:"
        printf '  %s\n' "${SKIPPED[@]}"
        exit 77
    fi
    echo "all passed"
}
