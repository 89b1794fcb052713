#!/usr/bin/python3
"""PyTorch reference for the packing benchmark: useful tokens/s of LoRA SFT on mixed lengths.

The model, LoRA and optimizer of train_reference.py (LLaMA with RMSNorm, rotate-half RoPE,
SwiGLU, tied head; PEFT-style LoRA; torch.optim.AdamW; clip_grad_norm_), trained on the
examples that dev.anneal.bench.PackingBench wrote (--data: the engine's own token ids and
assistant targets, and the engine's packed rows), in one of two ways:

  * padded: what a plain Hugging Face trainer does: the examples in a seeded shuffled order,
    --batch of them per step, each batch right-padded to its longest example, the 4-D mask
    causal and blind to padding keys, positions 0..L-1, labels -100 on padding and prompts;
  * packed: the engine's rows (several examples per row), --batch rows per step, right-padded
    to the longest row, a block-diagonal causal mask from the segment ids (a token sees only the
    earlier tokens of its own example), positions restarting at 0 in each example.

The loss is the mean cross-entropy over the assistant (completion) targets. After --warmup
untimed steps, each of --runs runs times one pass over all the batches; useful tokens are the
input positions that are not padding. One JSON object on standard output, e.g.
{"torch": "1.13.0", "mode": "padded", "useful_tokens_per_s": [210.3], "padded_fraction": 0.52}.

  OMP_NUM_THREADS=1 /usr/bin/python3 bench/engine-bench/python/packing_reference.py \
      --data /tmp/packing.json --mode padded --batch 4 --threads 1 \
      --hidden 512 --layers 8 --heads 8 --kv-heads 8 --intermediate 1376 --vocab 1024
"""

import argparse
import json
import os
import random
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_reference import Llama, add_lora, optimizer_step  # noqa: E402  (the same model as the training bench)

MASK_FILL = torch.finfo(torch.float32).min


def padded_batches(examples, batch, seed):
    """HF-style batches: (ids, labels, positions, mask, useful) of --batch examples each."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    batches = []
    for start in range(0, len(order), batch):
        chosen = [examples[i] for i in order[start:start + batch]]
        length = max(len(e["ids"]) - 1 for e in chosen)
        ids = torch.zeros(len(chosen), length, dtype=torch.int64)
        labels = torch.full((len(chosen), length), -100, dtype=torch.int64)
        keep = torch.zeros(len(chosen), length, dtype=torch.bool)
        for r, example in enumerate(chosen):
            n = len(example["ids"]) - 1
            ids[r, :n] = torch.tensor(example["ids"][:-1])
            targets = torch.tensor(example["ids"][1:])
            counted = torch.tensor(example["targets"][1:], dtype=torch.bool)
            labels[r, :n] = torch.where(counted, targets, torch.tensor(-100))
            keep[r, :n] = True
        causal = torch.ones(length, length, dtype=torch.bool).tril()
        visible = causal[None, None, :, :] & keep[:, None, None, :]
        mask = torch.zeros(visible.shape).masked_fill(~visible, MASK_FILL)
        positions = torch.arange(length).expand(len(chosen), length)
        batches.append((ids, labels, positions, mask, int(keep.sum())))
    return batches


def packed_batches(rows, batch, seed):
    """The engine's rows, --batch per step: block-diagonal causal masks, restarting positions."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    batches = []
    for start in range(0, len(order), batch):
        chosen = [rows[i] for i in order[start:start + batch]]
        length = max(len(r["input_ids"]) for r in chosen)
        ids = torch.zeros(len(chosen), length, dtype=torch.int64)
        labels = torch.full((len(chosen), length), -100, dtype=torch.int64)
        positions = torch.zeros(len(chosen), length, dtype=torch.int64)
        segments = torch.full((len(chosen), length), -1, dtype=torch.int64)
        for r, row in enumerate(chosen):
            n = len(row["input_ids"])
            ids[r, :n] = torch.tensor(row["input_ids"])
            counted = torch.tensor(row["counted"], dtype=torch.bool)
            labels[r, :n] = torch.where(counted, torch.tensor(row["labels"]), torch.tensor(-100))
            positions[r, :n] = torch.tensor(row["positions"])
            positions[r, n:] = torch.arange(n, length)
            segments[r, :n] = torch.tensor(row["segments"])
        causal = torch.ones(length, length, dtype=torch.bool).tril()
        same = segments[:, :, None] == segments[:, None, :]
        visible = (same & causal[None, :, :])[:, None, :, :]
        mask = torch.zeros(visible.shape).masked_fill(~visible, MASK_FILL)
        useful = sum(len(r["input_ids"]) for r in chosen)
        batches.append((ids, labels, positions, mask, useful))
    return batches


def forward(model, ids, positions, mask):
    """ids, positions: [batch, seq]; mask: [batch, 1, seq, seq] additive -> [batch, seq, vocab]."""
    cos = model.cos[positions][:, None, :, :]
    sin = model.sin[positions][:, None, :, :]
    x = model.embed_tokens(ids)
    for layer in model.layers:
        x = layer(x, cos, sin, mask)
    return F.linear(model.norm(x), model.embed_tokens.weight)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--mode", choices=("padded", "packed"), required=True)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--kv-heads", type=int, default=8)
    parser.add_argument("--intermediate", type=int, default=1376)
    parser.add_argument("--vocab", type=int, default=1024)
    parser.add_argument("--seq", type=int, default=1024)
    parser.add_argument("--targets", default="q_proj,k_proj,v_proj,o_proj")
    parser.add_argument("--r", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--max-grad-norm", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    with open(args.data) as f:
        data = json.load(f)
    model = Llama(args)
    for p in model.parameters():
        if p.dim() >= 2:
            nn.init.normal_(p, std=0.02)
    model.requires_grad_(False)
    add_lora(model, set(args.targets.split(",")), args.r, args.alpha, 0.0)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    apply = optimizer_step(trainable, args)

    if args.mode == "padded":
        batches = padded_batches(data["examples"], args.batch, args.seed)
    else:
        batches = packed_batches(data["rows"], args.batch, args.seed)

    def step(batch):
        ids, labels, positions, mask, _ = batch
        logits = forward(model, ids, positions, mask)
        return apply(F.cross_entropy(logits.reshape(-1, args.vocab), labels.reshape(-1)))

    for i in range(args.warmup):
        step(batches[i % len(batches)])
    useful = sum(b[4] for b in batches)
    positions = sum(b[0].numel() for b in batches)
    speeds = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for batch in batches:
            loss = step(batch)
        speeds.append(useful / (time.perf_counter() - start))
    json.dump(
        {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "mode": args.mode,
            "steps": len(batches),
            "useful_tokens": useful,
            "padded_fraction": 1 - useful / positions,
            "loss": loss,
            "useful_tokens_per_s": speeds,
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
