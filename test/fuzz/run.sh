#!/usr/bin/env bash
# test/fuzz/run.sh [SECONDS]: builds the libFuzzer target test/fuzz/fuzz_rules.c
# (clang-14, ASan and UBSan, UBSan fatal) over the pure C code in a temp dir,
# fuzzes it for SECONDS (default 20) from a copy of test/fuzz/corpus (the
# committed corpus is never written), prints a summary and, last,
# "1 passed, 0 failed" when there is no finding (crash, leak, timeout, UBSan,
# out of memory, broken invariant) or "0 passed, 1 failed" with the finding.
#
#   bash test/fuzz/run.sh            # 20 s
#   bash test/fuzz/run.sh 60
#   TS_FUZZ_KEEP=1 bash test/fuzz/run.sh   # keep the temp dir (corpus grown, log)
#
# Works from any directory, as root or not. TS_FUZZ_CC names the compiler
# (default clang-14); TS_FUZZ_ARTIFACTS, when set, is a directory that receives
# a copy of any crashing input.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUDGET=${1:-20}
CC=${TS_FUZZ_CC:-clang-14}

case "$BUDGET" in
	'' | *[!0-9]*)
		echo "usage: $0 [SECONDS]" >&2
		echo "0 passed, 1 failed"
		exit 2
		;;
esac

WORK=$(mktemp -d /tmp/tenant_scaling_fuzz.XXXXXX)
if [ "${TS_FUZZ_KEEP:-0}" = 1 ]; then
	echo "keeping $WORK (fuzz_rules, corpus/, artifacts/, fuzz.log)"
else
	trap 'rm -rf "$WORK"' EXIT
fi

fail() {
	echo "$*"
	echo "0 passed, 1 failed"
	exit 1
}

command -v "$CC" >/dev/null 2>&1 || fail "$CC not found (Debian packages clang-14 libclang-rt-14-dev)"

# the pure sources only: no PostgreSQL headers; Debian's libcjson is not instrumented
"$CC" -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers \
	-I"$ROOT/src/core" $(pkg-config --cflags libcjson) \
	"$HERE/fuzz_rules.c" "$ROOT"/src/core/*.c \
	-o "$WORK/fuzz_rules" $(pkg-config --libs libcjson) -lm >"$WORK/build.log" 2>&1 ||
	{ cat "$WORK/build.log"; fail "build of the fuzz target failed"; }

mkdir -p "$WORK/corpus" "$WORK/artifacts"
cp "$HERE"/corpus/* "$WORK/corpus/"
seeds=$(ls "$WORK/corpus" | wc -l)

# UBSan aborts at the first report; ASan reports leaks at the end of each input that leaks
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0:detect_stack_use_after_return=1
echo "fuzzing for ${BUDGET}s from $seeds seeds ($("$CC" --version | head -n 1))"
(cd "$WORK" && "$WORK/fuzz_rules" \
	-max_total_time="$BUDGET" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
	-max_len=8192 -dict="$HERE/rules.dict" -artifact_prefix="$WORK/artifacts/" \
	-print_final_stats=1 -detect_leaks=1 "$WORK/corpus" >"$WORK/fuzz.log" 2>&1)
status=$?

# summary: the last coverage line, the final stats
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$WORK/fuzz.log" | tail -n 2
grep -E '^stat::' "$WORK/fuzz.log"
echo "corpus: $seeds seeds, $(ls "$WORK/corpus" | wc -l) after the run"

findings=$(ls "$WORK/artifacts" | wc -l)
if [ "$status" = 0 ] && [ "$findings" = 0 ] &&
	! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant broken' "$WORK/fuzz.log"; then
	echo "no findings"
	echo "1 passed, 0 failed"
	exit 0
fi

echo "finding (libFuzzer exit $status):"
# the report: from the first sanitizer or libFuzzer error line, the stack and summary
awk '/==[0-9]+==|runtime error:|invariant broken|ERROR: libFuzzer|SUMMARY:|^MS:|Test unit written/ {on=1} on' \
	"$WORK/fuzz.log" | head -n 80
for f in "$WORK"/artifacts/*; do
	[ -f "$f" ] || continue
	echo "input $(basename "$f") ($(wc -c <"$f") bytes), base64:"
	base64 -w 76 "$f" | head -n 40
	echo "as text (non-printable bytes escaped):"
	head -c 600 "$f" | od -An -c | head -n 20
	if [ -n "${TS_FUZZ_ARTIFACTS:-}" ]; then
		mkdir -p "$TS_FUZZ_ARTIFACTS" && cp "$f" "$TS_FUZZ_ARTIFACTS/"
		echo "copied to $TS_FUZZ_ARTIFACTS/$(basename "$f")"
	fi
done
echo "reproduce: TS_FUZZ_KEEP=1 bash $0 keeps the binary; run it on the input file: fuzz_rules INPUT"
echo "0 passed, 1 failed"
exit 1
