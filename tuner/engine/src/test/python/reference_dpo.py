#!/usr/bin/python3
"""Reference DPO loss and gradients for one step on stories260K, computed by PyTorch.

The sigmoid DPO loss (Rafailov et al. 2023, https://arxiv.org/abs/2305.18290, eq. 7),
evaluated in float64 with the plain LLaMA forward of reference_gradients.py, on 3 fixed
preference pairs given as token ids (prompt + completion per side; a side's log-probability
is the sum of log p(token) over its completion tokens, as TRL computes it), beta = 0.5:

  loss = mean_i -log sigmoid(beta * ((pi_c - ref_c) - (pi_r - ref_r)))

The reference model is stories260K itself. Two cases, chosen so that the margins are not zero:
  * "full": every base parameter trainable; the policy is stories260K with model.norm.weight
    multiplied by 1.1 (in float32, as the Java test does);
  * "lora": base frozen, LoRA r=4, alpha=8 on q,k,v,o,gate,up,down of every layer with
    reference_gradients.py's deterministic A and B (B not zero, so the policy differs from the
    reference).
Each side is run through the model on its own (no padding, no packing); the Java engine runs
both sides of a pair as two segments of one packed row, so the comparison also checks that.

Run from the repository root (Debian's python3-torch):

    /usr/bin/python3 tuner/engine/src/test/python/reference_dpo.py \
        tuner/engine/models/stories260K tuner/engine/src/test/resources/fixtures/reference-dpo

Before writing it checks its gradients with five-point central differences on sampled entries
of every trainable tensor, and exits non-zero if a check fails.
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_gradients as rg  # noqa: E402  (the shared model, safetensors and LoRA init)

BETA = 0.5
NORM_SCALE = 1.1
# (prompt length, chosen completion length, rejected completion length), BOS included in prompts
SHAPES = [(6, 5, 7), (4, 8, 3), (8, 4, 6)]


def make_pairs():
    """[(chosen ids, chosen targets, rejected ids, rejected targets)] with int64 tensors."""
    pairs = []
    for i, (prompt_len, chosen_len, rejected_len) in enumerate(SHAPES):
        prompt = [1] + [(41 * i + 13 * t * t + 7) % 509 + 3 for t in range(1, prompt_len)]
        sides = []
        for side, length in ((0, chosen_len), (1, rejected_len)):
            completion = [(29 * i + 17 * side + 11 * t * t + 5 * t + 2) % 509 + 3 for t in range(length)]
            ids = torch.tensor(prompt + completion, dtype=torch.int64)
            targets = torch.tensor([0] * prompt_len + [1] * length, dtype=torch.int64)
            sides += [ids, targets]
        pairs.append(tuple(sides))
    return pairs


def sequence_logp(params, ids, targets, cfg, lora=None, scaling=0.0):
    """Sum over completion tokens t >= 1 of log softmax(logits[t - 1])[ids[t]]."""
    logits = rg.forward(params, ids.unsqueeze(0), cfg, lora, scaling)[0]     # [T, vocab]
    logp = torch.log_softmax(logits[:-1], dim=-1).gather(-1, ids[1:].unsqueeze(-1)).squeeze(-1)
    return (logp * targets[1:].to(logp.dtype)).sum()


def all_logps(params, pairs, cfg, lora=None, scaling=0.0):
    """[pairs, 2]: column 0 chosen, column 1 rejected."""
    return torch.stack([torch.stack([sequence_logp(params, c, ct, cfg, lora, scaling),
                                     sequence_logp(params, r, rt, cfg, lora, scaling)])
                        for c, ct, r, rt in pairs])


def dpo(policy, reference):
    """Mean loss and the rewards [pairs, 2]."""
    rewards = BETA * (policy - reference)
    loss = -torch.nn.functional.logsigmoid(rewards[:, 0] - rewards[:, 1]).mean()
    return loss, rewards


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model_dir, out_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = rg.Config(json.load(f))
    params32 = rg.read_safetensors(os.path.join(model_dir, "model.safetensors"))
    params64 = {k: v.double() for k, v in params32.items()}
    pairs = make_pairs()
    scaling = rg.LORA_ALPHA / rg.LORA_R
    print(f"python {sys.version.split()[0]}, torch {torch.__version__}")
    with torch.no_grad():
        reference = all_logps(params64, pairs, cfg)
    print("reference log-probs", reference.tolist())

    # ---- case "full" ----
    norm32 = params32["model.norm.weight"] * torch.tensor(NORM_SCALE, dtype=torch.float32)
    start = dict(params64)
    start["model.norm.weight"] = norm32.double()
    full = {k: v.clone().requires_grad_(True) for k, v in start.items()}
    full_loss, full_rewards = dpo(all_logps(full, pairs, cfg), reference)
    full_loss.backward()
    full_grads = {k: v.grad.detach() for k, v in full.items()}
    print(f"full loss = {full_loss.item():.10f}, rewards {full_rewards.tolist()}")

    # ---- case "lora" ----
    lora32 = rg.make_lora_init(cfg, params32)
    lora64 = {k: (a.double().requires_grad_(True), b.double().requires_grad_(True))
              for k, (a, b) in lora32.items()}
    lora_loss, lora_rewards = dpo(all_logps(params64, pairs, cfg, lora64, scaling), reference)
    lora_loss.backward()
    lora_grads = {k: (a.grad.detach(), b.grad.detach()) for k, (a, b) in lora64.items()}
    print(f"lora loss = {lora_loss.item():.10f}, rewards {lora_rewards.tolist()}")

    # ---- self-checks: central differences on every trainable tensor ----
    ok = True
    fd_params = {k: v.clone() for k, v in start.items()}
    ok &= rg.check_finite_differences(
        lambda: dpo(all_logps(fd_params, pairs, cfg), reference)[0], fd_params, full_grads,
        "full (every tensor)", per_tensor=1)
    fd_lora = {k: (a.detach().clone(), b.detach().clone()) for k, (a, b) in lora64.items()}
    fd_tensors, fd_grads = {}, {}
    for k, (a, b) in fd_lora.items():
        fd_tensors[k + ".A"], fd_tensors[k + ".B"] = a, b
        fd_grads[k + ".A"], fd_grads[k + ".B"] = lora_grads[k]
    ok &= rg.check_finite_differences(
        lambda: dpo(all_logps(params64, pairs, cfg, fd_lora, scaling), reference)[0],
        fd_tensors, fd_grads, "lora (every A and B)", per_tensor=1)
    margins_ok = (full_rewards[:, 0] - full_rewards[:, 1]).abs().min() > 1e-3 \
        and (lora_rewards[:, 0] - lora_rewards[:, 1]).abs().min() > 1e-3
    print(f"margins away from zero: {'PASS' if margins_ok else 'FAIL'}")
    ok &= bool(margins_ok)
    if not ok:
        sys.exit("self-check FAILED; nothing written")

    # ---- write fixtures ----
    os.makedirs(out_dir, exist_ok=True)
    meta = {"generator": "tuner/engine/src/test/python/reference_dpo.py", "torch": torch.__version__,
            "model": "stories260K", "beta": BETA, "computed_in": "float64, stored as float32"}
    tensors = {}
    for i, (c, ct, r, rt) in enumerate(pairs):
        tensors[f"pair{i}.chosen.ids"] = c
        tensors[f"pair{i}.chosen.targets"] = ct
        tensors[f"pair{i}.rejected.ids"] = r
        tensors[f"pair{i}.rejected.targets"] = rt
    rg.write_safetensors(os.path.join(out_dir, "pairs.safetensors"), tensors, meta)
    tensors = {"loss": full_loss.detach().reshape(1).float(), "rewards": full_rewards.detach().float(),
               "policy.model.norm.weight": norm32}
    for name in params32:
        tensors[name + ".grad"] = full_grads[name].float()
    rg.write_safetensors(os.path.join(out_dir, "full.safetensors"), tensors, meta)
    tensors = {"loss": lora_loss.detach().reshape(1).float(), "rewards": lora_rewards.detach().float()}
    for prefix, (a, b) in lora32.items():
        tensors[rg.peft_name(prefix, "A")] = a
        tensors[rg.peft_name(prefix, "B")] = b
    for prefix in lora32:
        ga, gb = lora_grads[prefix]
        tensors[rg.peft_name(prefix, "A") + ".grad"] = ga.float()
        tensors[rg.peft_name(prefix, "B") + ".grad"] = gb.float()
    rg.write_safetensors(os.path.join(out_dir, "lora.safetensors"), tensors, meta)
    print(f"wrote pairs, full and lora .safetensors to {out_dir}")


if __name__ == "__main__":
    main()
