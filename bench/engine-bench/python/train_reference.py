#!/usr/bin/python3
"""PyTorch reference for the engine benchmarks: LoRA SFT training throughput.

The same model and loop as the engine's (dev.anneal.bench.TrainingBench), written the way a
PyTorch user would write them: a LLaMA decoder (RMSNorm, rotate-half RoPE, grouped-query
attention, SwiGLU MLP, tied output head) of nn.Linear projections, PEFT-style LoRA wrappers
(lora_A, lora_B, dropout, alpha / r) on the target modules, the base frozen,
torch.optim.AdamW, clip_grad_norm_ and a mean cross-entropy over every token.

Weights come from a fixed seed (normal, std 0.02; LoRA A Kaiming-uniform, B zero, as PEFT),
the batches are random token ids (a fixed seed too), every position counted in the loss.
After --warmup untimed steps, each of --runs runs times --steps steps; one JSON object on
standard output, e.g. {"torch": "1.13.0", "threads": 2, "params": 25.8e6,
"tokens_per_s": [1250.1, 1261.7, 1249.0]}.

  apt-get install -y python3-torch python3-numpy libopenblas0-openmp
  OMP_NUM_THREADS=2 /usr/bin/python3 bench/engine-bench/python/train_reference.py \
      --hidden 512 --layers 8 --heads 8 --kv-heads 8 --intermediate 1376 --vocab 1024 \
      --seq 256 --batch 4 --threads 2 --steps 10 --runs 3

Thread count: torch.set_num_threads, and OMP_NUM_THREADS for OpenBLAS (set it in the
environment too: OpenMP reads it when the library loads).
"""

import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class LoraLinear(nn.Module):
    """PEFT's LoRA layer: base(x) + lora_B(lora_A(dropout(x))) * alpha / r."""

    def __init__(self, base, r, alpha, dropout):
        super().__init__()
        self.base = base
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.scaling = alpha / r

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(self.dropout(x))) * self.scaling


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, hidden, heads, kv_heads):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, hidden // heads
        self.q_proj = nn.Linear(hidden, heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(heads * self.head_dim, hidden, bias=False)

    def forward(self, x, cos, sin, mask):
        """x: [batch, seq, hidden]; cos, sin: [seq, head_dim]; mask: [seq, seq] additive."""
        batch, seq, _ = x.shape
        q = self.q_proj(x).view(batch, seq, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(batch, seq, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(batch, seq, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if self.kv_heads != self.heads:
            k = k.repeat_interleave(self.heads // self.kv_heads, dim=1)
            v = v.repeat_interleave(self.heads // self.kv_heads, dim=1)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim) + mask
        context = torch.matmul(F.softmax(scores, dim=-1), v)
        return self.o_proj(context.transpose(1, 2).reshape(batch, seq, -1))


class Mlp(nn.Module):
    def __init__(self, hidden, intermediate):
        super().__init__()
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.self_attn = Attention(args.hidden, args.heads, args.kv_heads)
        self.mlp = Mlp(args.hidden, args.intermediate)
        self.input_layernorm = RMSNorm(args.hidden, 1e-5)
        self.post_attention_layernorm = RMSNorm(args.hidden, 1e-5)

    def forward(self, x, cos, sin, mask):
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return h + self.mlp(self.post_attention_layernorm(h))


class Llama(nn.Module):
    """A LLaMA decoder with the output head tied to the embeddings."""

    def __init__(self, args):
        super().__init__()
        self.embed_tokens = nn.Embedding(args.vocab, args.hidden)
        self.layers = nn.ModuleList(DecoderLayer(args) for _ in range(args.layers))
        self.norm = RMSNorm(args.hidden, 1e-5)
        head_dim = args.hidden // args.heads
        inv_freq = 1.0 / (10000.0 ** (torch.arange(0, head_dim, 2).float() / head_dim))
        freqs = torch.outer(torch.arange(args.seq).float(), inv_freq)
        angles = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", angles.cos(), persistent=False)
        self.register_buffer("sin", angles.sin(), persistent=False)
        mask = torch.full((args.seq, args.seq), float("-inf")).triu(1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, ids):
        """ids: [batch, seq] -> logits [batch, seq, vocab]."""
        seq = ids.shape[1]
        cos, sin, mask = self.cos[:seq], self.sin[:seq], self.mask[:seq, :seq]
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return F.linear(self.norm(x), self.embed_tokens.weight)


def add_lora(model, targets, r, alpha, dropout):
    for layer in model.layers:
        for parent in (layer.self_attn, layer.mlp):
            for name, child in list(parent.named_children()):
                if name in targets:
                    setattr(parent, name, LoraLinear(child, r, alpha, dropout))


def optimizer_step(trainable, args):
    """What a training step does after the forward pass, as a function of the loss: backward,
    clip_grad_norm_ at args.max_grad_norm, torch.optim.AdamW (args.lr, args.weight_decay) on
    trainable, zeroed gradients; it returns the loss's value."""
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=args.weight_decay)

    def apply(loss):
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, args.max_grad_norm)
        optimizer.step()
        optimizer.zero_grad()
        return loss.item()

    return apply


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--kv-heads", type=int, default=4)
    parser.add_argument("--intermediate", type=int, default=384)
    parser.add_argument("--vocab", type=int, default=1024)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--targets", default="q_proj,k_proj,v_proj,o_proj")
    parser.add_argument("--r", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16)
    parser.add_argument("--dropout", type=float, default=0.05)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--max-grad-norm", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = Llama(args)
    for p in model.parameters():
        if p.dim() >= 2:
            nn.init.normal_(p, std=0.02)
    params = sum(p.numel() for p in model.parameters())
    model.requires_grad_(False)
    add_lora(model, set(args.targets.split(",")), args.r, args.alpha, args.dropout)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    apply = optimizer_step(trainable, args)

    data = torch.Generator().manual_seed(args.seed + 1)

    def step():
        tokens = torch.randint(args.vocab, (args.batch, args.seq + 1), generator=data)
        logits = model(tokens[:, :-1])
        return apply(F.cross_entropy(logits.reshape(-1, args.vocab), tokens[:, 1:].reshape(-1)))

    for _ in range(args.warmup):
        step()
    speeds = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for _ in range(args.steps):
            loss = step()
        speeds.append(args.steps * args.batch * args.seq / (time.perf_counter() - start))
    json.dump(
        {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "params": params,
            "trainable": sum(p.numel() for p in trainable),
            "loss": loss,
            "tokens_per_s": speeds,
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
