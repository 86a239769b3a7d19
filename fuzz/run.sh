#!/usr/bin/env bash
# Runs each fuzz target for a bounded time: ./fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# (default 60 s, both targets). Needs cargo-fuzz (installed when missing) and a nightly
# toolchain (libFuzzer's sanitizer flags are nightly-only). A crash stops the run and leaves
# the input in fuzz/artifacts/TARGET/; replay it with `cargo +nightly fuzz run TARGET FILE`.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(seed request)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "cargo fuzz needs a nightly toolchain: rustup toolchain install nightly" >&2
  exit 1
fi

for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  extra=()
  [ "$target" = request ] && extra=(-dict=graphql.dict)
  echo "== $target: ${seconds} s"
  # The first folder collects what the fuzzer finds; seeds/ is the committed starting point.
  cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 "${extra[@]}"
done
