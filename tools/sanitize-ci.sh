#!/bin/bash
# sanitize-ci.sh - the sanitizer runs of the README's test command, from the release
# tarball (sluice-*.tar.gz, left by `make distcheck`; `make dist` if absent), each in its own
# build under tests/scratch/:
#   asan-ci: --enable-sanitizers (ASan + UBSan, errors fatal) and the whole test suite;
#   tsan-ci: --enable-sanitizers=thread and the tests of the threaded core (queues, message
#            references, workers, deferred acknowledgement, the spool) plus TCP floods
#            through the whole daemon (imtcp on two threads: imtcp-threads.sh).
# Any sanitizer report fails the test that triggered it, and so this script.
# SANITIZE_CI=asan or tsan runs only that part.
set -euo pipefail
cd "$(dirname "$0")/.."
tarball=$(ls -t sluice-*.tar.gz 2> /dev/null | head -n1 || true)
if [ -z "$tarball" ]; then
    make dist > /dev/null
    tarball=$(ls -t sluice-*.tar.gz | head -n1)
fi
top=$PWD
# build NAME CONFIGURE-ARGS...: unpack and build in tests/scratch/NAME; prints the source dir
build()
{
    local name=$1 W
    shift
    W=$top/tests/scratch/$name
    rm -rf "$W"
    mkdir -p "$W"
    tar xzf "$top/$tarball" -C "$W"
    cd "$W"/sluice-*/
    ./configure --enable-werror "$@" > "$W/configure.log" 2>&1 ||
        { tail -20 "$W/configure.log" >&2; exit 1; }
    make -j2 > "$W/make.log" 2>&1 || { tail -30 "$W/make.log" >&2; exit 1; }
}
rc=0
if [ "${SANITIZE_CI:-asan}" != tsan ]; then
    echo "sanitize-ci: the whole suite under ASan + UBSan"
    (build asan-ci --enable-sanitizers
     ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 make -j2 check 2>&1 |
        grep -E '^(PASS|FAIL|ERROR|XPASS|# )' ; exit "${PIPESTATUS[0]}") || rc=1
fi
if [ "${SANITIZE_CI:-tsan}" != asan ]; then
    echo "sanitize-ci: the threaded core under ThreadSanitizer"
    (build tsan-ci --enable-sanitizers=thread
     TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 make -j2 check TESTS="
        tests/unit/test_core tests/unit/test_flight tests/unit/test_ack_engine
        tests/unit/test_spool tests/unit/test_msg tests/unit/test_msg_fields
        tests/integration/flood-tcp.sh tests/integration/ack-outage.sh
        tests/integration/udp-threads.sh tests/integration/imtcp-threads.sh" 2>&1 |
        grep -E '^(PASS|FAIL|ERROR|XPASS|# )'; exit "${PIPESTATUS[0]}") || rc=1
fi
exit $rc
