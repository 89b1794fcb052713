#!/usr/bin/python3
"""Reference loss and gradients for one training step on stories260K, computed by PyTorch.

An implementation independent of the Java engine: a plain LLaMA forward (Hugging Face
LlamaForCausalLM semantics) written out below in torch, evaluated in float64, for
  * case "full": every base parameter trainable, and
  * case "lora": base frozen, LoRA (r=4, alpha=8, dropout 0, no bias) on q,k,v,o,gate,up,down
    of every layer,
on one fixed batch.  It writes the batch, the loss and the gradient of every trainable
tensor (rounded to float32) as safetensors files that the Java tests read with the same
reader they use for models, so those tests need no Python.  See README.md next to the
fixtures for the exact formulas.

Run from the repository root (Debian's python3-torch; no other packages needed):

    /usr/bin/python3 tuner/engine/src/test/python/reference_gradients.py \
        tuner/engine/models/stories260K tuner/engine/src/test/resources/fixtures/reference-gradients

Before writing it checks itself: (a) greedy decoding with this forward from the prompt
[1, 403, 407, 261, 378] must reproduce expected-greedy-once-upon-a-time.ids from the model
folder; (b) torch.autograd.gradcheck on a few small tensors and central finite differences
on sampled entries of every gradient.  It exits non-zero if a check fails.
"""

import json
import math
import os
import struct
import sys

import torch

# --------------------------------------------------------------------------------------------
# safetensors, by hand (8-byte little-endian header length, JSON header, raw little-endian data)
# --------------------------------------------------------------------------------------------

_DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "I64": (torch.int64, 8)}


def read_safetensors(path):
    """Returns {name: tensor} for a safetensors file (F32/F64/I64 tensors)."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_len].decode("utf-8"))
    data = blob[8 + header_len:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, width = _DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        shape = info["shape"]
        count = math.prod(shape)
        assert end - begin == count * width, name
        # bytearray: a writable copy, so torch.frombuffer does not warn.
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if count else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(shape).clone()
    return tensors


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} (float32 or int64) in header (insertion) order, header padded to 8 bytes."""
    header = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype == torch.float32:
            code = "F32"
        elif t.dtype == torch.int64:
            code = "I64"
        else:
            raise ValueError(f"{name}: unsupported dtype {t.dtype}")
        raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in chunks:
            f.write(raw)


# --------------------------------------------------------------------------------------------
# The model: Hugging Face LlamaForCausalLM semantics, written out plainly
# --------------------------------------------------------------------------------------------

PROJECTIONS = [  # LoRA module order within a layer; its index m enters the init offset L = 7*layer + m
    ("self_attn", "q_proj"),
    ("self_attn", "k_proj"),
    ("self_attn", "v_proj"),
    ("self_attn", "o_proj"),
    ("mlp", "gate_proj"),
    ("mlp", "up_proj"),
    ("mlp", "down_proj"),
]


class Config:
    def __init__(self, cfg):
        self.hidden = cfg["hidden_size"]
        self.intermediate = cfg["intermediate_size"]
        self.layers = cfg["num_hidden_layers"]
        self.heads = cfg["num_attention_heads"]
        self.kv_heads = cfg["num_key_value_heads"]
        self.head_dim = cfg.get("head_dim", self.hidden // self.heads)
        self.vocab = cfg["vocab_size"]
        self.theta = cfg["rope_theta"]
        self.eps = cfg["rms_norm_eps"]
        assert cfg.get("tie_word_embeddings", False), "this script assumes tied embeddings"
        assert cfg.get("hidden_act", "silu") == "silu"


def rms_norm(x, weight, eps):
    # HF LlamaRMSNorm: x * rsqrt(mean(x^2) + eps) * w
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_cos_sin(seq_len, cfg, dtype):
    # inv_freq[i] = 1 / theta^(2i / head_dim), i = 0 .. head_dim/2 - 1; angle = position * inv_freq
    inv_freq = 1.0 / (cfg.theta ** (torch.arange(0, cfg.head_dim, 2, dtype=torch.float64) / cfg.head_dim))
    positions = torch.arange(seq_len, dtype=torch.float64)
    freqs = torch.outer(positions, inv_freq)            # [T, head_dim/2]
    emb = torch.cat((freqs, freqs), dim=-1)             # [T, head_dim]
    return emb.cos().to(dtype), emb.sin().to(dtype)


def linear(x, params, prefix, lora, scaling):
    """y = x W^T (+ scaling * (x A^T) B^T when prefix has LoRA); W [out, in], A [r, in], B [out, r]."""
    y = x @ params[prefix + ".weight"].T
    if lora is not None and prefix in lora:
        a, b = lora[prefix]
        y = y + scaling * ((x @ a.T) @ b.T)
    return y


def forward(params, ids, cfg, lora=None, scaling=0.0):
    """Logits [B, T, vocab] for input ids [B, T] (positions 0..T-1, causal, no padding)."""
    bsz, seq = ids.shape
    embed = params["model.embed_tokens.weight"]
    x = embed[ids]                                      # [B, T, hidden]
    cos, sin = rope_cos_sin(seq, cfg, x.dtype)
    causal = torch.ones(seq, seq, dtype=torch.bool).tril()
    group = cfg.heads // cfg.kv_heads
    for layer in range(cfg.layers):
        p = f"model.layers.{layer}."
        # --- attention ---
        h = rms_norm(x, params[p + "input_layernorm.weight"], cfg.eps)
        q = linear(h, params, p + "self_attn.q_proj", lora, scaling)
        k = linear(h, params, p + "self_attn.k_proj", lora, scaling)
        v = linear(h, params, p + "self_attn.v_proj", lora, scaling)
        q = q.view(bsz, seq, cfg.heads, cfg.head_dim).transpose(1, 2)     # [B, H, T, D]
        k = k.view(bsz, seq, cfg.kv_heads, cfg.head_dim).transpose(1, 2)  # [B, KV, T, D]
        v = v.view(bsz, seq, cfg.kv_heads, cfg.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # GQA (HF repeat_kv): query head j uses kv head j // (heads / kv_heads)
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(cfg.head_dim)     # [B, H, T, T]
        scores = scores.masked_fill(~causal, float("-inf"))
        attn = torch.softmax(scores, dim=-1) @ v                          # [B, H, T, D]
        attn = attn.transpose(1, 2).reshape(bsz, seq, cfg.heads * cfg.head_dim)
        x = x + linear(attn, params, p + "self_attn.o_proj", lora, scaling)
        # --- SwiGLU MLP ---
        h = rms_norm(x, params[p + "post_attention_layernorm.weight"], cfg.eps)
        gate = linear(h, params, p + "mlp.gate_proj", lora, scaling)
        up = linear(h, params, p + "mlp.up_proj", lora, scaling)
        x = x + linear(torch.nn.functional.silu(gate) * up, params, p + "mlp.down_proj", lora, scaling)
    x = rms_norm(x, params["model.norm.weight"], cfg.eps)
    return x @ embed.T                                   # tied lm_head


def masked_loss(logits, ids, mask):
    """Mean natural-log cross-entropy over positions where mask == 1; position t predicts ids[:, t+1]."""
    pred = logits[:, :-1, :]                             # [B, T-1, vocab]
    labels = ids[:, 1:]                                  # [B, T-1]
    logp = torch.log_softmax(pred, dim=-1)
    nll = -logp.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    return (nll * mask).sum() / mask.sum()


# --------------------------------------------------------------------------------------------
# The batch and the LoRA init (documented in README.md)
# --------------------------------------------------------------------------------------------

BATCH, SEQ = 2, 16
MASKED_PREFIX = 4          # row 0: the first 4 predicted positions are left out of the loss
LORA_R, LORA_ALPHA = 4, 8


def make_batch():
    ids = torch.empty(BATCH, SEQ, dtype=torch.int64)
    for i in range(BATCH):
        for t in range(SEQ):
            ids[i, t] = (37 * i + 11 * t * t + 5) % 509 + 3   # in [3, 512)
    ids[0, 0] = 1                                            # BOS on row 0 only
    mask = torch.ones(BATCH, SEQ - 1, dtype=torch.float32)
    mask[0, :MASKED_PREFIX] = 0.0
    return ids, mask


def make_lora_init(cfg, params):
    """{module prefix: (A, B)} as float32, keyed 'model.layers.N.self_attn.q_proj' etc."""
    r = LORA_R
    init = {}
    for layer in range(cfg.layers):
        for m, (block, proj) in enumerate(PROJECTIONS):
            prefix = f"model.layers.{layer}.{block}.{proj}"
            out_f, in_f = params[prefix + ".weight"].shape
            offset = layer * 7 + m
            i = torch.arange(r, dtype=torch.float64).unsqueeze(1)
            j = torch.arange(in_f, dtype=torch.float64).unsqueeze(0)
            a = 0.02 * torch.sin(0.7 * (i * in_f + j) + offset)              # [r, in]
            i = torch.arange(out_f, dtype=torch.float64).unsqueeze(1)
            j = torch.arange(r, dtype=torch.float64).unsqueeze(0)
            b = 0.02 * torch.cos(0.3 * (i * r + j) + offset)                 # [out, r]
            init[prefix] = (a.float(), b.float())
    return init


def peft_name(prefix, which):
    return f"base_model.model.{prefix}.lora_{which}.weight"


# --------------------------------------------------------------------------------------------
# Self-checks
# --------------------------------------------------------------------------------------------

def check_greedy(params, cfg, model_dir, dtype):
    expected_path = os.path.join(model_dir, "expected-greedy-once-upon-a-time.ids")
    with open(expected_path) as f:
        expected = [int(tok) for tok in f.read().split()]
    p = {k: v.to(dtype) for k, v in params.items()}
    seq = [1, 403, 407, 261, 378]
    with torch.no_grad():
        while len(seq) < len(expected):
            logits = forward(p, torch.tensor([seq]), cfg)          # full recomputation each step
            seq.append(int(logits[0, -1].argmax()))
    ok = seq == expected
    print(f"(a) greedy {len(expected)} ids, {str(dtype).replace('torch.', '')}: {'PASS' if ok else 'FAIL'}")
    if not ok:
        print("    got     ", seq)
        print("    expected", expected)
    return ok


def check_gradcheck(params64, lora64, cfg, ids, mask, scaling):
    """torch.autograd.gradcheck w.r.t. a few small tensors (others held fixed), float64."""
    ok = True
    targets = [("full", "model.norm.weight"), ("full", "model.layers.2.input_layernorm.weight"),
               ("full", "model.layers.4.post_attention_layernorm.weight"),
               ("lora", ("model.layers.0.self_attn.k_proj", 0)),   # A [4, 64]
               ("lora", ("model.layers.3.mlp.down_proj", 1))]      # B [64, 4]
    for case, target in targets:
        if case == "full":
            def fn(t, name=target):
                p = dict(params64)
                p[name] = t
                return masked_loss(forward(p, ids, cfg), ids, mask)
            x0 = params64[target]
            label = target
        else:
            prefix, idx = target
            def fn(t, prefix=prefix, idx=idx):
                lo = dict(lora64)
                pair = list(lo[prefix])
                pair[idx] = t
                lo[prefix] = tuple(pair)
                return masked_loss(forward(params64, ids, cfg, lo, scaling), ids, mask)
            x0 = lora64[prefix][idx]
            label = peft_name(prefix, "AB"[idx])
        good = torch.autograd.gradcheck(fn, (x0.clone().requires_grad_(True),), eps=1e-6, atol=1e-8,
                                        rtol=1e-5, raise_exception=False)
        print(f"(b) gradcheck {label} {list(x0.shape)}: {'PASS' if good else 'FAIL'}")
        ok &= good
    return ok


def check_finite_differences(loss_fn, tensors, grads, label, per_tensor=3, seed=0):
    """Five-point central differences (error O(h^4)) on `per_tensor` sampled entries of every tensor
    plus its largest-gradient entry."""
    gen = torch.Generator().manual_seed(seed)
    worst = 0.0
    count = 0
    h = 1e-4

    def at(flat, idx, value):
        flat[idx] = value
        return loss_fn().item()

    with torch.no_grad():
        for name, t in tensors.items():
            g = grads[name].reshape(-1)
            flat = t.view(-1)
            picks = torch.randint(0, flat.numel(), (per_tensor,), generator=gen).tolist()
            picks.append(int(g.abs().argmax()))
            for idx in picks:
                x = flat[idx].item()
                numeric = (8 * (at(flat, idx, x + h) - at(flat, idx, x - h))
                           - (at(flat, idx, x + 2 * h) - at(flat, idx, x - 2 * h))) / (12 * h)
                flat[idx] = x
                err = abs(numeric - g[idx].item()) / max(1e-3, abs(numeric), abs(g[idx].item()))
                worst = max(worst, err)
                count += 1
    ok = worst < 1e-6
    print(f"(b) finite differences {label}: {count} entries, worst relative error {worst:.2e}: "
          f"{'PASS' if ok else 'FAIL'}")
    return ok


def check_lora_vs_merged(params64, lora64, lora_grads, cfg, ids, mask, scaling):
    """Chain rule: with G = dL/dW at the merged weights W + s*B*A, dL/dA = s*B^T G and dL/dB = s*G A^T."""
    merged = dict(params64)
    for prefix, (a, b) in lora64.items():
        merged[prefix + ".weight"] = params64[prefix + ".weight"] + scaling * (b @ a)
    merged = {k: v.detach().clone().requires_grad_(True) for k, v in merged.items()}
    loss = masked_loss(forward(merged, ids, cfg), ids, mask)
    loss.backward()
    worst = 0.0
    for prefix, (a, b) in lora64.items():
        g = merged[prefix + ".weight"].grad
        ga, gb = lora_grads[prefix]
        worst = max(worst, ((scaling * b.T @ g) - ga).abs().max().item() / ga.abs().max().item(),
                    ((scaling * g @ a.T) - gb).abs().max().item() / gb.abs().max().item())
    ok = worst < 1e-10
    print(f"(b) LoRA grads vs chain rule through merged W + s*B*A: worst relative error {worst:.2e}: "
          f"{'PASS' if ok else 'FAIL'}")
    return ok, loss.item()


# --------------------------------------------------------------------------------------------

def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model_dir, out_dir = sys.argv[1], sys.argv[2]
    torch.manual_seed(0)
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = Config(json.load(f))
    params32 = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    assert all(v.dtype == torch.float32 for v in params32.values())
    params64 = {k: v.double() for k, v in params32.items()}
    ids, mask = make_batch()
    mask64 = mask.double()
    scaling = LORA_ALPHA / LORA_R
    print(f"python {sys.version.split()[0]}, torch {torch.__version__}")
    print(f"{sum(v.numel() for v in params32.values())} parameters in {len(params32)} tensors")

    ok = True
    ok &= check_greedy(params32, cfg, model_dir, torch.float32)
    ok &= check_greedy(params32, cfg, model_dir, torch.float64)

    # ---- case "full": every base parameter trainable ----
    full = {k: v.clone().requires_grad_(True) for k, v in params64.items()}
    logits = forward(full, ids, cfg)
    full_loss = masked_loss(logits, ids, mask64)
    full_loss.backward()
    full_grads = {k: v.grad.detach() for k, v in full.items()}
    print(f"full loss = {full_loss.item():.10f}")

    # ---- case "lora": base frozen, LoRA on q,k,v,o,gate,up,down ----
    lora32 = make_lora_init(cfg, params32)
    lora64 = {k: (a.double().requires_grad_(True), b.double().requires_grad_(True)) for k, (a, b) in lora32.items()}
    lora_loss = masked_loss(forward(params64, ids, cfg, lora64, scaling), ids, mask64)
    lora_loss.backward()
    lora_grads = {k: (a.grad.detach(), b.grad.detach()) for k, (a, b) in lora64.items()}
    print(f"lora loss = {lora_loss.item():.10f}")

    # ---- self-checks (b) ----
    frozen64 = dict(params64)
    plain_lora64 = {k: (a.detach(), b.detach()) for k, (a, b) in lora64.items()}
    ok &= check_gradcheck(frozen64, plain_lora64, cfg, ids, mask64, scaling)
    fd_params = {k: v.clone() for k, v in params64.items()}
    ok &= check_finite_differences(lambda: masked_loss(forward(fd_params, ids, cfg), ids, mask64),
                                   fd_params, full_grads, "full (every tensor)")
    fd_lora = {k: (a.clone(), b.clone()) for k, (a, b) in plain_lora64.items()}
    fd_tensors, fd_grads = {}, {}
    for k, (a, b) in fd_lora.items():
        fd_tensors[k + ".A"], fd_tensors[k + ".B"] = a, b
        fd_grads[k + ".A"], fd_grads[k + ".B"] = lora_grads[k]
    ok &= check_finite_differences(
        lambda: masked_loss(forward(params64, ids, cfg, fd_lora, scaling), ids, mask64),
        fd_tensors, fd_grads, "lora (every A and B)")
    merged_ok, merged_loss = check_lora_vs_merged(params64, plain_lora64, lora_grads, cfg, ids, mask64, scaling)
    ok &= merged_ok
    ok &= abs(merged_loss - lora_loss.item()) < 1e-12
    with torch.no_grad():
        loss32 = masked_loss(forward(params32, ids, cfg), ids, mask).item()
    print(f"full loss recomputed in float32: {loss32:.8f} (float64 {full_loss.item():.8f})")

    if not ok:
        sys.exit("self-check FAILED; nothing written")

    # ---- write fixtures ----
    os.makedirs(out_dir, exist_ok=True)
    meta = {"generator": "tuner/engine/src/test/python/reference_gradients.py", "torch": torch.__version__,
            "model": "stories260K", "computed_in": "float64, stored as float32"}
    write_safetensors(os.path.join(out_dir, "batch.safetensors"),
                      {"input_ids": ids, "loss_mask": mask}, meta)
    tensors = {"loss": full_loss.detach().reshape(1).float()}
    for name in params32:                                    # model file order
        tensors[name + ".grad"] = full_grads[name].float()
    write_safetensors(os.path.join(out_dir, "full.safetensors"), tensors, meta)
    tensors = {"loss": lora_loss.detach().reshape(1).float()}
    for prefix, (a, b) in lora32.items():
        tensors[peft_name(prefix, "A")] = a
        tensors[peft_name(prefix, "B")] = b
    for prefix in lora32:
        ga, gb = lora_grads[prefix]
        tensors[peft_name(prefix, "A") + ".grad"] = ga.float()
        tensors[peft_name(prefix, "B") + ".grad"] = gb.float()
    write_safetensors(os.path.join(out_dir, "lora.safetensors"), tensors, meta)
    write_safetensors(os.path.join(out_dir, "logits.safetensors"),
                      {"logits": logits.detach().float()}, meta)

    # round trip through the reader
    back = read_safetensors(os.path.join(out_dir, "full.safetensors"))
    assert torch.equal(back["model.embed_tokens.weight.grad"], full_grads["model.embed_tokens.weight"].float())
    back = read_safetensors(os.path.join(out_dir, "batch.safetensors"))
    assert torch.equal(back["input_ids"], ids) and torch.equal(back["loss_mask"], mask)
    print(f"wrote batch, full, lora and logits .safetensors to {out_dir}")


if __name__ == "__main__":
    main()
