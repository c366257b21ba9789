#!/usr/bin/env bash
# Round 17 (issue 13): the user-style specs' cells, one command each, timed.
# Usage: benchmarks/engine/user_styles.sh [late|found|all]   (run from the repository root)
# Each line: the command, then "wall user sys" seconds and the load average.
set -u
TIMEOUT=${TIMEOUT:-60}
cell() {  # ENV... -- solvent ARGS
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    echo "\$ ${envs[*]} solvent $*"
    env "${envs[@]}" /usr/bin/time -f "%e %U %S (wall user sys, s)" -o /tmp/user_styles_time.$$ \
        python -m solvent "$@" 2>&1 | head -1 | cut -c1-400
    tail -1 /tmp/user_styles_time.$$
    uptime
}
what=${1:-all}
if [ "$what" = late ] || [ "$what" = all ]; then
    for bug in 1 0; do
        for n in 1 3 10 100; do
            cell BUG=$bug ACCOUNTS=$n -- bmc tests/check/specs/late_keeper.py --depth 5 \
                --timeout "$TIMEOUT"
            cell BUG=$bug ACCOUNTS=$n -- prove tests/check/specs/late_keeper.py --no-slack \
                --timeout "$TIMEOUT"
        done
    done
fi
if [ "$what" = found ] || [ "$what" = all ]; then
    for n in 1 3; do
        cell BUG=1 ACCOUNTS=$n -- bmc tests/check/specs/cross_margin.py --depth 5 \
            --timeout "$TIMEOUT"
    done
    cell BUG=1 ACCOUNTS=3 -- prove tests/check/specs/tiered_hl.py --no-slack --timeout "$TIMEOUT"
    cell ACCOUNTS=3 MMR=0.04 FUND=0 -- bmc tests/check/specs/drift_user.py --depth 5 \
        --timeout "$TIMEOUT"
    cell X=1 -- bmc tests/check/specs/funding_index.py --accounts 3 --depth 5 --timeout "$TIMEOUT"
fi
rm -f /tmp/user_styles_time.$$
