#!/usr/bin/env bash
# The short fault soak of the default suite: scripts/soak with a fixed seed and
# a fixed number of iterations (the 30-minute one is `scripts/soak` itself).
# It runs alone (RUN_SERIAL in tests/CMakeLists.txt), so that the load of other
# tests cannot push a healthy run past the soak's short --timeout.
source "$PB_SRC/tests/lib.sh"
if "$PB_SRC/scripts/soak" --iterations "${PB_SOAK_ITERATIONS:-24}" --seed "${PB_SOAK_SEED:-20261201}" \
    --parbench "$PARBENCH" >"$TMP/log" 2>&1; then
    pass "$(tail -1 "$TMP/log")"
else
    cat "$TMP/log" >&2
    fail "scripts/soak: $(grep -c '^FAIL' "$TMP/log") iteration(s) failed"
fi
grep '^soak:' "$TMP/log"
finish
