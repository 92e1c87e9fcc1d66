#!/usr/bin/env bash
# The paper's picture for two fine-tuned Counter runs side by side (issue 16's "done when"): a
# small-rate (eta_VS = 1e-4) and a large-rate (eta_L = 0.1) FT run at C_Tr = 1, against the compiled
# model. Runs every instrument on a finished quick Counter sweep, saves each figure into the sweep
# folder, and draws one HTML page:  scripts/fine-tuning-study.sh [SWEEP_DIR]  (default runs/counter-quick,
# made by `raspc experiment experiments/counter-quick.json`).
set -euo pipefail
S=${1:-runs/counter-quick}
R="node bin/raspc.js"
PT=$S/models/pt.json
SMALL=$S/runs/FT-lr1e-4-c1-s0
LARGE=$S/runs/FT-lr0.1-c1-s0
for m in "$PT" "$SMALL/final-model.json" "$LARGE/final-model.json"; do
  [ -f "$m" ] || { echo "fine-tuning-study: $m is missing; run raspc experiment experiments/counter-quick.json first" >&2; exit 1; }
done
echo "## where the attention goes"; $R attn "$PT" "$SMALL" "$LARGE" --sample 0 --save "$S"
echo "## probes: count_a and count_b per block"; $R probe "$PT" "$SMALL" "$LARGE" --target count_a,count_b --save "$S"
echo "## pruning (Algorithm 3), small rate"; $R prune "$SMALL" --save "$S"
echo "## pruning (Algorithm 3), large rate"; $R prune "$LARGE" --save "$S"
echo "## s-op read-back"; $R readback "$PT" "$SMALL" "$LARGE" --position 1 --save "$S"
echo "## CMAP against the compiled model"; $R patch "$PT" --from "$SMALL" --from "$LARGE" --save "$S"
echo "## weight change"; $R diff "$PT" "$SMALL" "$LARGE" --save "$S"
$R report "$S"
