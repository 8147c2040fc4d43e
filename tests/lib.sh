# Shared helpers for the CLI tests (sourced, not run).
set -euo pipefail
: "${PARBENCH:?PARBENCH must name the parbench binary}"
: "${PB_SRC:?PB_SRC must name the source directory}"
TMP=$(mktemp -d /tmp/parbench-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }

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
    echo "all passed"
}
