#!/usr/bin/python3
"""PyTorch reference for the engine benchmarks: greedy generation with a KV cache.

A plain LLaMA-family forward pass in torch (RMSNorm, rotate-half RoPE, grouped-query
attention, SiLU-gated MLP, tied or separate output head), written out here so that it
depends on nothing but torch and numpy: the weights are read from model.safetensors by
hand (the safetensors package is not available), F32, F16 and BF16 converted to float32.

Two modes, both printing one JSON object on standard output:

  speed (default): generate --new-tokens greedily from --prompt-ids, --runs times after
    --warmup untimed generations; report, per timed run, tokens/s over the whole generation,
    the time to the first new token (the prompt's pass and the first choice) and the decode
    tokens/s (the tokens after the first over the time from the first to the last), and the
    generated ids.
  memory (--memory-steps N): repeat a generation of --new-tokens tokens N times and sample
    the resident set size (VmRSS of /proc/self/status) every --every steps.

The Java harness (dev.anneal.bench.GenerationBench, MemoryBench, and bench/serve-bench's
SingleStreamBench) runs it; by hand:

  apt-get install -y python3-torch python3-numpy libopenblas0-openmp
  /usr/bin/python3 bench/engine-bench/python/generate_reference.py \
      --model tuner/engine/models/stories260K --prompt-ids 1,403,407,261,378 \
      --new-tokens 200 --threads 1 --runs 3

Thread count: torch.set_num_threads, and OMP_NUM_THREADS for OpenBLAS (set it in the
environment too: OpenMP reads it when the library loads).
"""

import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load_safetensors(path):
    """Every tensor of a safetensors file, as float32 torch tensors, by name."""
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = data[base + start : base + end]
        dtype = info["dtype"]
        if dtype == "F32":
            array = np.frombuffer(raw, dtype="<f4")
        elif dtype == "F16":
            array = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif dtype == "BF16":
            array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(f"tensor {name}: unsupported dtype {dtype}")
        tensors[name] = torch.from_numpy(array.copy()).reshape(info["shape"])
    return tensors


def load_weights(model_dir):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    weights = {}
    for file in files:
        weights.update(load_safetensors(os.path.join(model_dir, file)))
    return weights


def rms_norm(x, weight, eps):
    """x: [..., hidden] -> [..., hidden]"""
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class KvCache:
    """Keys and values per layer, [1, kv_heads, capacity, head_dim], written in place."""

    def __init__(self, layers, kv_heads, capacity, head_dim):
        self.keys = [torch.zeros(1, kv_heads, capacity, head_dim) for _ in range(layers)]
        self.values = [torch.zeros(1, kv_heads, capacity, head_dim) for _ in range(layers)]
        self.length = 0


class Llama:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "config.json")) as f:
            cfg = json.load(f)
        self.hidden = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.kv_heads = cfg.get("num_key_value_heads", self.heads)
        self.head_dim = cfg.get("head_dim") or self.hidden // self.heads
        self.layers = cfg["num_hidden_layers"]
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.max_positions = cfg.get("max_position_embeddings", 2048)
        w = load_weights(model_dir)
        self.embed = w["model.embed_tokens.weight"]
        self.lm_head = (
            self.embed if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]
        )
        self.norm = w["model.norm.weight"]
        self.blocks = []
        for i in range(self.layers):
            p = f"model.layers.{i}."
            self.blocks.append(
                {
                    name: w.get(p + key)
                    for name, key in {
                        "ln1": "input_layernorm.weight",
                        "ln2": "post_attention_layernorm.weight",
                        "q": "self_attn.q_proj.weight",
                        "k": "self_attn.k_proj.weight",
                        "v": "self_attn.v_proj.weight",
                        "o": "self_attn.o_proj.weight",
                        "q_bias": "self_attn.q_proj.bias",
                        "k_bias": "self_attn.k_proj.bias",
                        "v_bias": "self_attn.v_proj.bias",
                        "gate": "mlp.gate_proj.weight",
                        "up": "mlp.up_proj.weight",
                        "down": "mlp.down_proj.weight",
                    }.items()
                }
            )
        theta = cfg.get("rope_theta", 10000.0)
        inv_freq = 1.0 / (
            theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim)
        )
        freqs = torch.outer(torch.arange(self.max_positions, dtype=torch.float32), inv_freq)
        angles = torch.cat((freqs, freqs), dim=-1)  # [positions, head_dim]
        self.cos, self.sin = angles.cos(), angles.sin()
        self.scale = 1.0 / math.sqrt(self.head_dim)

    def new_cache(self, capacity):
        return KvCache(self.layers, self.kv_heads, capacity, self.head_dim)

    def last_logits(self, ids, cache):
        """ids: [1, seq] after the cache's tokens -> logits of the last position [1, vocab]."""
        seq = ids.shape[1]
        start, end = cache.length, cache.length + seq
        cos, sin = self.cos[start:end], self.sin[start:end]  # [seq, head_dim]
        mask = None
        if seq > 1:
            query_pos = torch.arange(start, end).unsqueeze(1)
            key_pos = torch.arange(end).unsqueeze(0)
            mask = torch.zeros(seq, end).masked_fill(key_pos > query_pos, float("-inf"))
        repeats = self.heads // self.kv_heads
        x = F.embedding(ids, self.embed)  # [1, seq, hidden]
        for layer, b in enumerate(self.blocks):
            h = rms_norm(x, b["ln1"], self.eps)
            q = F.linear(h, b["q"], b["q_bias"]).view(1, seq, self.heads, self.head_dim)
            k = F.linear(h, b["k"], b["k_bias"]).view(1, seq, self.kv_heads, self.head_dim)
            v = F.linear(h, b["v"], b["v_bias"]).view(1, seq, self.kv_heads, self.head_dim)
            q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            cache.keys[layer][:, :, start:end] = k
            cache.values[layer][:, :, start:end] = v
            keys = cache.keys[layer][:, :, :end]
            values = cache.values[layer][:, :, :end]
            if repeats > 1:
                keys = keys.repeat_interleave(repeats, dim=1)
                values = values.repeat_interleave(repeats, dim=1)
            scores = torch.matmul(q, keys.transpose(2, 3)) * self.scale  # [1, heads, seq, end]
            if mask is not None:
                scores = scores + mask
            attention = torch.matmul(F.softmax(scores, dim=-1), values)  # [1, heads, seq, hd]
            attention = attention.transpose(1, 2).reshape(1, seq, self.heads * self.head_dim)
            x = x + F.linear(attention, b["o"])
            h = rms_norm(x, b["ln2"], self.eps)
            x = x + F.linear(F.silu(F.linear(h, b["gate"])) * F.linear(h, b["up"]), b["down"])
        cache.length = end
        return F.linear(rms_norm(x[:, -1], self.norm, self.eps), self.lm_head)


def generate(model, prompt_ids, new_tokens, times=None):
    """Greedy decoding with the KV cache: the prompt in one pass, then one token per pass.

    times: a list that receives time.perf_counter() as each token is chosen, or None.
    """
    cache = model.new_cache(len(prompt_ids) + new_tokens)
    logits = model.last_logits(torch.tensor([prompt_ids]), cache)
    generated = []
    while True:
        token = int(torch.argmax(logits, dim=-1).item())
        generated.append(token)
        if times is not None:
            times.append(time.perf_counter())
        if len(generated) == new_tokens:
            return generated
        logits = model.last_logits(torch.tensor([[token]]), cache)


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--prompt-ids", required=True, help="comma-separated token ids")
    parser.add_argument("--new-tokens", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--memory-steps", type=int, default=0)
    parser.add_argument("--every", type=int, default=100)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    prompt_ids = [int(t) for t in args.prompt_ids.split(",")]
    model = Llama(args.model)
    report = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    with torch.inference_mode():
        if args.memory_steps > 0:
            samples = [[0, rss_kib()]]
            for step in range(1, args.memory_steps + 1):
                generate(model, prompt_ids, args.new_tokens)
                if step % args.every == 0:
                    samples.append([step, rss_kib()])
            report["rss_kib"] = samples
        else:
            for _ in range(args.warmup):
                generate(model, prompt_ids, args.new_tokens)
            speeds, first_token, decode = [], [], []
            for _ in range(args.runs):
                times = []
                start = time.perf_counter()
                ids = generate(model, prompt_ids, args.new_tokens, times)
                speeds.append(args.new_tokens / (times[-1] - start))
                first_token.append(times[0] - start)
                if len(times) > 1:
                    decode.append((len(times) - 1) / (times[-1] - times[0]))
            report["tokens_per_s"] = speeds
            report["ttft_s"] = first_token
            report["decode_tokens_per_s"] = decode
            report["ids"] = ids
    json.dump(report, sys.stdout)
    print()


if __name__ == "__main__":
    main()
