#!/bin/bash
# fuzz-ci.sh - the fuzz smoke run of the README's test command: builds the release tarball's
# sources (sluice-*.tar.gz, left by `make distcheck`; made with `make dist` if absent) with
# clang and libFuzzer (--enable-fuzzing) in tests/scratch/fuzz-ci, then `make fuzz-smoke`
# with FUZZ_SECONDS per target (default 20 here; 60 is make fuzz-smoke's own default).
# Needs clang and libclang-rt-dev (tools/deps.sh installs them).  Exits non-zero on a crash,
# leak, timeout or sanitizer report; the reproducer is kept under tests/scratch/fuzz-ci.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-20}
tarball=$(ls -t sluice-*.tar.gz 2> /dev/null | head -n1 || true)
if [ -z "$tarball" ]; then
    make dist > /dev/null
    tarball=$(ls -t sluice-*.tar.gz | head -n1)
fi
W=$PWD/tests/scratch/fuzz-ci
rm -rf "$W"
mkdir -p "$W"
tar xzf "$tarball" -C "$W"
src=$(ls -d "$W"/sluice-*/)
cd "$src"
echo "fuzz-ci: building $tarball with clang --enable-fuzzing"
CC=clang ./configure --enable-fuzzing > "$W/configure.log" 2>&1 ||
    { tail -20 "$W/configure.log" >&2; exit 1; }
make -j2 > "$W/make.log" 2>&1 || { tail -30 "$W/make.log" >&2; exit 1; }
FUZZ_SECONDS=$secs make fuzz-smoke 2>&1 | grep -v '^make' | tee "$W/smoke.log"
exit "${PIPESTATUS[0]}"
