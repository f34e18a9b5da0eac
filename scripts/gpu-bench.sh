#!/usr/bin/env bash
# The GPU figures of the README (issue 13): run on the GPU machine in a checkout that carries .gpu (../shared/gpu/pack),
# e.g. `OUT=/tmp/out bash scripts/gpu-bench.sh`; every figure goes to $OUT/bench.log. Takes about 4 minutes on an H200.
set -u
mkdir -p "$OUT"
L=$OUT/bench.log
source .gpu/device-env.sh > $OUT/env.log 2>&1
M=/tmp/models
python3 .gpu/mkmodels.py $M small-125m,base-1b 2>&1 | tail -2 | tee -a $L
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee -a $L
python3 -c 'import torch,transformers,peft;print("torch",torch.__version__,"transformers",transformers.__version__,"peft",peft.__version__)' | tee -a $L
run() { local n=$1 t=$2; shift 2; echo "## $n: $*" >>$L; gpumem_start $n; timeout $t "$@" 2>&1 | grep -E '^\{|rror|xception|Killed' | head -20 | tee -a $L; gpumem_stop $n | tee -a $L; }
run hl-125m-fp32 90 heterolora bench model --model $M/small-125m --device gpu --dtype fp32 --batch 8 --seq 512 --steps 10 --json
run pe-125m-fp32 80 python3 .gpu/peer.py bench --model $M/small-125m --device cuda --dtype fp32 --batch 8 --seq 512 --steps 10
run pe-125m-fp32-eager 80 python3 .gpu/peer.py bench --model $M/small-125m --device cuda --dtype fp32 --batch 8 --seq 512 --steps 10 --attn eager
run hl-125m-fp16 90 heterolora bench model --model $M/small-125m --device gpu --dtype fp16 --batch 8 --seq 512 --steps 10 --json
run pe-125m-fp16 80 python3 .gpu/peer.py bench --model $M/small-125m --device cuda --dtype fp16 --batch 8 --seq 512 --steps 10
run hlp 100 heterolora bench proxies --model $M/small-125m --device gpu --batches 4 --batch-size 8 --seq 64 --naive 3 --passes 4 --json
run pep 60 python3 .gpu/peer.py proxy --model $M/small-125m --device cuda --batches 4 --batch-size 8 --seq 64
run ppo-lora-125m 100 heterolora bench ppo --model $M/small-125m --device gpu --dtype fp32 --batch 8 --prompt-len 128 --new 128 --steps 3 --json
run ppo-full-125m 120 heterolora bench ppo --model $M/small-125m --device gpu --dtype fp32 --batch 8 --prompt-len 128 --new 128 --steps 3 --full-finetune --json
run hlg 80 heterolora bench generate --model $M/small-125m --device gpu --dtype fp16 --batch 64 --prompt-len 128 --new 128 --json
run ppo-lora-1b 150 heterolora bench ppo --model $M/base-1b --device gpu --dtype fp16 --batch 8 --prompt-len 128 --new 128 --steps 3 --json
run ppo-full-1b 180 heterolora bench ppo --model $M/base-1b --device gpu --dtype fp16 --batch 8 --prompt-len 128 --new 128 --steps 3 --full-finetune --json
run peg 80 python3 .gpu/peer.py gen --model $M/small-125m --device cuda --dtype fp16 --batch 64 --prompt-len 128 --new 128
run peg-nolora 80 python3 .gpu/peer.py gen --model $M/small-125m --device cuda --dtype fp16 --batch 64 --prompt-len 128 --new 128 --no-lora
echo "## end $(date -u +%FT%TZ)" >>$L
