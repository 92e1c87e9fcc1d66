# Writes test/fixtures/torch-gpt-step.json: two training steps of a 2-layer minGPT in PyTorch, for
# test/autodiff/gptTorch.test.ts to check the autodiff engine against (the test needs no Python).
# The model is a transcription of karpathy/minGPT's model.py (pre-LN blocks, fused c_attn with bias,
# masked_fill(-inf) causal mask, NewGELU, learned positions, ln_f, bias-free untied lm_head, minGPT's
# init) and the optimiser is configure_optimizers' AdamW (decay on Linear weights only, betas
# (0.9, 0.95)) after clip_grad_norm_(1.0), as minGPT's trainer does. Dropout 0.
# Stored: the config, the initial weights, the batch, then per step the loss, the norm clip_grad_norm_
# returned, the gradients (before clipping), and the parameters and AdamW moments after the step
# (so each step can be checked from PyTorch's own state: AdamW's first steps are g/(|g| + ε), which
# turns rounding noise in a near-zero gradient into a whole step). Weights use our
# layout (x·W: a Linear weight is stored transposed) and every tensor is little-endian float32 in
# base64, so the numbers are exactly PyTorch's.
# Usage: /usr/bin/python3 bench/torch_gpt_fixture.py [OUT.json]
import base64, json, math, sys
import torch
from torch_mingpt import GPT

torch.manual_seed(1234)
torch.set_num_threads(1)
CFG = dict(vocabSize=11, blockSize=8, nLayer=2, nHead=2, nEmbd=16)
B, T = 4, 8
LR, WD, BETAS, CLIP = 1e-3, 0.1, (0.9, 0.95), 1.0


def our_name(n):
    return n.replace("transformer.", "").replace("mlp.c_", "mlp.c_")


def ours(n, t):
    """Our layout: Linear weights transposed (x·W)."""
    t = t.detach()
    if n.endswith(".weight") and t.dim() == 2 and "wte" not in n and "wpe" not in n:
        t = t.t()
    return t.contiguous()


def b64(t):
    return base64.b64encode(t.detach().numpy().astype("<f4").tobytes()).decode()


def snapshot(model, grads=False):
    return {our_name(n): b64(ours(n, p.grad if grads else p)) for n, p in model.named_parameters()}


def moments(model, opt, key):
    return {our_name(n): b64(ours(n, opt.state[p][key])) for n, p in model.named_parameters()}


model = GPT(CFG)
opt = model.configure_optimizers(LR, BETAS, WD)
ids = torch.randint(0, CFG["vocabSize"], (B, T))
targets = torch.cat([ids[:, 1:], torch.randint(0, CFG["vocabSize"], (B, 1))], dim=1)
targets[0, 3] = -1
targets[2, 0] = -1
targets[:, -1] = -1
out = {"torch": torch.__version__, "config": CFG, "batch": B, "seqLen": T, "lr": LR, "weightDecay": WD, "betas": BETAS, "clip": CLIP,
       "ids": ids.flatten().tolist(), "targets": targets.flatten().tolist(), "initial": snapshot(model), "steps": []}
for step in range(2):
    opt.zero_grad()
    loss = model(ids, targets)
    loss.backward()
    grads = snapshot(model, grads=True)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
    opt.step()
    out["steps"].append({"loss": loss.item(), "gradNorm": norm.item(), "grads": grads, "params": snapshot(model),
                         "m": moments(model, opt, "exp_avg"), "v": moments(model, opt, "exp_avg_sq")})
path = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/torch-gpt-step.json"
with open(path + ".tmp", "w") as f:
    json.dump(out, f)
import os
os.replace(path + ".tmp", path)
print(f"wrote {path}: losses {[s['loss'] for s in out['steps']]}, grad norms {[s['gradNorm'] for s in out['steps']]}")
