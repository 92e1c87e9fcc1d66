#!/usr/bin/env bash
# `npm run demo`: interpret, compile, run and verify the paper's Counter program, then compile and
# verify Max-identifier. Each command is printed before it runs; model files go to demo-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p demo-out
A_TO_I='["a","b","c","d","e","f","g","h","i"]'
A_TO_Z='["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t","u","v","w","x","y","z"]'
step() {
  # Echo the command as one could paste it: arguments with JSON in them single-quoted.
  local shown="" a
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./=-]+$ ]]; then shown+=" $a"; else shown+=" '$a'"; fi
  done
  printf '\n$ raspc%s\n' "$shown"
  node bin/raspc.js "$@"
}
step run rasp-programs/counter.rasp --input '["a","b","a","c","a"]'
step compile rasp-programs/counter.rasp --vocab "$A_TO_I" --max-len 10 -o demo-out/counter.json
step exec demo-out/counter.json --input '["a","b","a","c","a"]'
step verify rasp-programs/counter.rasp --vocab "$A_TO_I" --max-len 10 --samples 2000
step compile rasp-programs/max_identifier.rasp --vocab "$A_TO_Z" --max-len 10 -o demo-out/max_identifier.json
step exec demo-out/max_identifier.json --input '["d","q","a","h","z","b","m"]'
step verify rasp-programs/max_identifier.rasp --vocab "$A_TO_Z" --max-len 10 --distinct --samples 2000
step experiment experiments/counter-demo.json --out demo-out --jobs 2 --force
printf '\nModels written to demo-out/, the fine-tuning runs and their tables to demo-out/counter-demo/; `node bin/raspc.js inspect demo-out/counter.json --html demo-out/counter.html` draws one.\n'
