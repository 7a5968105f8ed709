#!/bin/sh
# Seed each target's corpus from the repository's fixtures (run from the repository root).
set -e
seed() { mkdir -p "fuzz/corpus/$1"; shift_target=$1; shift; for f in "$@"; do cp "$f" "fuzz/corpus/$shift_target/"; done; }
seed set_yaml indicators/*.yaml indicators/examples/*.yaml fixtures/invalid/set-*.yaml fixtures/invalid/base/set.yaml
seed evidence_csv fixtures/shenzhen/csv/*.csv fixtures/excel/*.csv fixtures/excel/*.tsv fixtures/excel/unicode.txt fixtures/invalid/ev-*.csv
seed evidence_yaml fixtures/shenzhen/*.yaml fixtures/invalid/ev-*.yaml
seed workbook fixtures/excel/shenzhen.xlsx fixtures/excel/shenzhen.xls fixtures/excel/shenzhen.ods
seed registry fixtures/titles/registry.yaml fixtures/titles/base.yaml
seed policy indicators/sz-policy.yaml
mkdir -p fuzz/corpus/expression
printf 'policy_births / births * 100' > fuzz/corpus/expression/ratio
printf 'if(has_plan, rate, 0)' > fuzz/corpus/expression/if
printf 'min(rate, 100) - max(0, births - policy_births) * 0.1' > fuzz/corpus/expression/minmax
