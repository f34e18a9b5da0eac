#!/usr/bin/env bash
# The GPU figures of the README (issue 13): run on the GPU machine in a checkout that carries .gpu (../shared/gpu/pack),
# e.g. `OUT=/tmp/out bash scripts/gpu-bench.sh part1|part2|part3|part4`; every figure goes to $OUT/bench.log. Each part takes
# 4-6 minutes on an H200 (one device command has at most 10).
set -u
mkdir -p "$OUT"
L=$OUT/bench.log
source .gpu/device-env.sh > $OUT/env.log 2>&1
M=/tmp/models
python3 .gpu/mkmodels.py $M small-125m,base-1b 2>&1 | tail -2 | tee -a $L
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee -a $L
python3 -c 'import torch,transformers,peft;print("torch",torch.__version__,"transformers",transformers.__version__,"peft",peft.__version__)' | tee -a $L
run() { local n=$1 t=$2; shift 2; echo "## $n: $*" >>$L; gpumem_start $n; timeout $t "$@" 2>&1 | grep -E '^\{|rror|xception|Killed' | head -20 | tee -a $L; gpumem_stop $n | tee -a $L; }
case "${1:-part1}" in
part1)
run hl-125m-fp32 90 heterolora bench model --model $M/small-125m --device gpu --dtype fp32 --batch 8 --seq 512 --steps 10 --json
run pe-125m-fp32 80 python3 .gpu/peer.py bench --model $M/small-125m --device cuda --dtype fp32 --batch 8 --seq 512 --steps 10
run pe-125m-fp32-eager 80 python3 .gpu/peer.py bench --model $M/small-125m --device cuda --dtype fp32 --batch 8 --seq 512 --steps 10 --attn eager
run hl-125m-fp16 90 heterolora bench model --model $M/small-125m --device gpu --dtype fp16 --batch 8 --seq 512 --steps 10 --json
run pe-125m-fp16 80 python3 .gpu/peer.py bench --model $M/small-125m --device cuda --dtype fp16 --batch 8 --seq 512 --steps 10
run hlp 90 heterolora bench proxies --model $M/small-125m --device gpu --batches 4 --batch-size 8 --seq 64 --naive 1 --candidates 2000 --passes 6 --json
run hlp-proj 80 heterolora bench proxies --model $M/small-125m --device gpu --batches 4 --batch-size 8 --seq 64 --naive 1 --candidates 2000 --passes 6 --no-shortcuts --json
run pep 60 python3 .gpu/peer.py proxy --model $M/small-125m --device cuda --batches 4 --batch-size 8 --seq 64
run hl-1b-fp16 100 heterolora bench model --model $M/base-1b --device gpu --dtype fp16 --batch 8 --seq 512 --steps 10 --json
run pe-1b-fp16 80 python3 .gpu/peer.py bench --model $M/base-1b --device cuda --dtype fp16 --batch 8 --seq 512 --steps 10
;;
part2)
run hlg 80 heterolora bench generate --model $M/small-125m --device gpu --dtype fp16 --batch 64 --prompt-len 128 --new 128 --json
run peg 80 python3 .gpu/peer.py gen --model $M/small-125m --device cuda --dtype fp16 --batch 64 --prompt-len 128 --new 128
run peg-nolora 80 python3 .gpu/peer.py gen --model $M/small-125m --device cuda --dtype fp16 --batch 64 --prompt-len 128 --new 128 --no-lora
run hlg-1b 100 heterolora bench generate --model $M/base-1b --device gpu --dtype fp16 --batch 64 --prompt-len 128 --new 128 --json
run peg-1b 60 python3 .gpu/peer.py gen --model $M/base-1b --device cuda --dtype fp16 --batch 64 --prompt-len 128 --new 128
run peg-1b-nolora 50 python3 .gpu/peer.py gen --model $M/base-1b --device cuda --dtype fp16 --batch 64 --prompt-len 128 --new 128 --no-lora
;;
part3)
run ppo-lora-125m 100 heterolora bench ppo --model $M/small-125m --device gpu --dtype fp32 --batch 8 --prompt-len 128 --new 128 --steps 3 --json
run ppo-full-125m 120 heterolora bench ppo --model $M/small-125m --device gpu --dtype fp32 --batch 8 --prompt-len 128 --new 128 --steps 3 --full-finetune --json
run ppo-lora-1b 140 heterolora bench ppo --model $M/base-1b --device gpu --dtype fp16 --batch 8 --prompt-len 128 --new 128 --steps 3 --json
run ppo-full-1b 170 heterolora bench ppo --model $M/base-1b --device gpu --dtype fp16 --batch 8 --prompt-len 128 --new 128 --steps 3 --full-finetune --json
;;
part4)
# decode at 1.1B with the order controlled: the peer first on the machine's cold GPU, then heterolora, then both again
G="--model $M/base-1b --dtype fp16 --batch 64 --prompt-len 128 --new 128"
for i in 1 2; do
run peg-nolora-$i 90 python3 .gpu/peer.py gen $G --device cuda --no-lora
run peg-lora-$i 90 python3 .gpu/peer.py gen $G --device cuda
run hlg-$i 150 heterolora bench generate $G --device gpu --json
done
;;
esac
echo "## end $(date -u +%FT%TZ)" >>$L
