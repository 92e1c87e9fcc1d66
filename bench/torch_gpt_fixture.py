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
import torch.nn as nn
from torch.nn import functional as F

torch.manual_seed(1234)
torch.set_num_threads(1)
CFG = dict(vocabSize=11, blockSize=8, nLayer=2, nHead=2, nEmbd=16)
B, T = 4, 8
LR, WD, BETAS, CLIP = 1e-3, 0.1, (0.9, 0.95), 1.0


class NewGELU(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class CausalSelfAttention(nn.Module):
    def __init__(self, d, h, block):
        super().__init__()
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.n_head, self.n_embd = h, d
        self.register_buffer("bias", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def forward(self, x):
        Bb, Tt, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(Bb, Tt, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(Bb, Tt, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(Bb, Tt, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :Tt, :Tt] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(Bb, Tt, C)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self, d, h, block):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, h, block)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(d, 4 * d), c_proj=nn.Linear(4 * d, d), act=NewGELU()))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        m = self.mlp
        return x + m.c_proj(m.act(m.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["nEmbd"]
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocabSize"], d), wpe=nn.Embedding(c["blockSize"], d),
            h=nn.ModuleList([Block(d, c["nHead"], c["blockSize"]) for _ in range(c["nLayer"])]), ln_f=nn.LayerNorm(d)))
        self.lm_head = nn.Linear(d, c["vocabSize"], bias=False)
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * c["nLayer"]))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
        elif isinstance(module, nn.LayerNorm):
            torch.nn.init.zeros_(module.bias)
            torch.nn.init.ones_(module.weight)

    def forward(self, idx, targets):
        t = idx.size(1)
        pos = torch.arange(0, t, dtype=torch.long).unsqueeze(0)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)

    def configure_optimizers(self):
        decay, no_decay = set(), set()
        for mn, m in self.named_modules():
            for pn, _ in m.named_parameters(recurse=False):
                fpn = f"{mn}.{pn}" if mn else pn
                if pn.endswith("bias"):
                    no_decay.add(fpn)
                elif pn.endswith("weight") and isinstance(m, nn.Linear):
                    decay.add(fpn)
                else:
                    no_decay.add(fpn)
        params = dict(self.named_parameters())
        groups = [{"params": [params[n] for n in sorted(decay)], "weight_decay": WD},
                  {"params": [params[n] for n in sorted(no_decay)], "weight_decay": 0.0}]
        return torch.optim.AdamW(groups, lr=LR, betas=BETAS)


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
opt = model.configure_optimizers()
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
