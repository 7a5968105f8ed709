#!/usr/bin/env bash
# Scale benchmark (issue 12): N generated villages on indicators/village.yaml, the whole
# `kaohe assess -q` run (read the CSV, score, rank, write everything it writes by default for
# that size), its wall time and peak memory (the child's max RSS, /usr/bin/time) against the
# CSV's size; in the same run, when python3 has polars, polars' bare read of the same CSV and,
# with pandas, the same rubric vectorised (benches/village_pandas.py), and the ratios.
#
#   benches/scale.sh                    # 10,000, 100,000 and 1,000,000 villages
#   benches/scale.sh 100000             # one size
#   KAOHE_SCALE_ARGS='--no-html' benches/scale.sh 100000   # extra assess arguments
#   KAOHE_SCALE_DIR=/tmp/x benches/scale.sh                # where files go (default /tmp/kaohe-scale)
#   KAOHE_BIN=/tmp/old/kaohe benches/scale.sh              # another binary, not built here
#
# Prints figures; asserts nothing. Speed claims in ARCHITECTURE.md#speed come from here.
set -euo pipefail
cd "$(dirname "$0")/.."
# KAOHE_BIN=path: time that binary instead of building this tree.
if [ -z "${KAOHE_BIN:-}" ]; then cargo build --release --quiet; fi
K=${KAOHE_BIN:-target/release/kaohe}
DIR=${KAOHE_SCALE_DIR:-/tmp/kaohe-scale}
mkdir -p "$DIR"
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10000 100000 1000000)
have_polars=0; python3 -c "import polars" 2>/dev/null && have_polars=1
have_pandas=0; python3 -c "import pandas" 2>/dev/null && have_pandas=1
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
# run NAME CMD...: wall seconds and max RSS KiB of CMD into $wall and $rss
run() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$DIR/time.$name" "$@" >"$DIR/log.$name" 2>&1 || {
    echo "$name failed:"; tail -5 "$DIR/log.$name"; return 1; }
  read -r wall rss <"$DIR/time.$name"
}
echo "kaohe $($K --version | cut -d' ' -f2) · $(nproc) cores · $(date -u +%FT%TZ) · polars=$have_polars pandas=$have_pandas"
printf '%10s %9s %8s %9s %9s %8s %9s %8s %9s %8s\n' villages csv_MiB kaohe_s kaohe_MiB mem/csv polars_s kaohe/pl pandas_s pandas/k outputs
for n in "${SIZES[@]}"; do
  csv="$DIR/villages-$n.csv"
  [ -s "$csv" ] || $K generate villages "$n" --seed 1 -o "$csv"
  size=$(stat -c %s "$csv")
  rm -rf "$DIR/out-$n"
  # shellcheck disable=SC2086
  run kaohe $K assess -q -s indicators/village.yaml "$csv" -o "$DIR/out-$n" ${KAOHE_SCALE_ARGS:-}
  k_wall=$wall; k_rss=$rss
  outs=$(du -sh "$DIR/out-$n" | cut -f1)
  p_wall=-; p_ratio=-; d_wall=-; d_ratio=-
  if [ $have_polars = 1 ]; then
    run polars python3 -c "import polars, sys; polars.read_csv(sys.argv[1])" "$csv"
    p_wall=$wall; p_ratio=$(awk -v a="$k_wall" -v b="$wall" 'BEGIN { printf "%.2f", a / b }')
  fi
  if [ $have_pandas = 1 ]; then
    run pandas python3 benches/village_pandas.py "$csv" "$DIR/pandas-$n.csv"
    d_wall=$wall; d_ratio=$(awk -v a="$wall" -v b="$k_wall" 'BEGIN { printf "%.2f", a / b }')
  fi
  printf '%10s %9s %8s %9s %9s %8s %9s %8s %9s %8s\n' "$n" "$(mib $((size / 1024)))" "$k_wall" "$(mib "$k_rss")" \
    "$(awk -v r="$k_rss" -v s="$size" 'BEGIN { printf "%.2f", r * 1024 / s }')" "$p_wall" "$p_ratio" "$d_wall" "$d_ratio" "$outs"
done
