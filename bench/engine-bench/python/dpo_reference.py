#!/usr/bin/python3
"""PyTorch reference for the DPO benchmark: optimizer steps/s of the reference DPO step.

The step is that of tuner/engine/src/test/python/reference_dpo.py, the script the engine's DPO
gradient fixtures come from (its model, pairs and loss are imported, not copied): stories260K,
its 3 fixed preference pairs, each side run through the model on its own, the sigmoid DPO loss
(Rafailov et al. 2023, eq. 7) with beta 0.5 against reference log-probabilities computed once,
LoRA r 4, alpha 8 on q,k,v,o,gate,up,down (reference_gradients.py's deterministic A and B). Here
in float32, the precision the engine trains in (the fixture script computes in float64 to check
gradients), followed by what a training step adds: clip_grad_norm_ at 1 and torch.optim.AdamW
(lr 1e-3, weight decay 0.01) on the adapters.

After --warmup untimed steps, each of --runs runs times --steps steps; one JSON object on
standard output, e.g. {"torch": "1.13.0", "threads": 1, "steps_per_s": [41.7], "loss": 0.69}.

  OMP_NUM_THREADS=1 /usr/bin/python3 bench/engine-bench/python/dpo_reference.py \
      --model tuner/engine/models/stories260K --threads 1 --steps 50
"""

import argparse
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tuner", "engine", "src", "test", "python"))
import reference_dpo as rd  # noqa: E402
import reference_gradients as rg  # noqa: E402

sys.path.insert(0, HERE)
from train_reference import optimizer_step  # noqa: E402  (the training bench's optimizer step)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="tuner/engine/models/stories260K")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--max-grad-norm", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    with open(os.path.join(args.model, "config.json")) as f:
        cfg = rg.Config(json.load(f))
    params = rg.read_safetensors(os.path.join(args.model, "model.safetensors"))
    pairs = rd.make_pairs()
    scaling = rg.LORA_ALPHA / rg.LORA_R
    with torch.no_grad():
        reference = rd.all_logps(params, pairs, cfg)
    lora = {k: (a.clone().requires_grad_(True), b.clone().requires_grad_(True))
            for k, (a, b) in rg.make_lora_init(cfg, params).items()}
    trainable = [t for pair in lora.values() for t in pair]
    apply = optimizer_step(trainable, args)

    def step():
        loss, _ = rd.dpo(rd.all_logps(params, pairs, cfg, lora, scaling), reference)
        return apply(loss)

    for _ in range(args.warmup):
        step()
    speeds = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for _ in range(args.steps):
            loss = step()
        speeds.append(args.steps / (time.perf_counter() - start))
    json.dump(
        {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "pairs": len(pairs),
            "beta": rd.BETA,
            "loss": loss,
            "steps_per_s": speeds,
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
