# PyTorch peer of bench/train-bench.ts's gpt rows (a benchmark peer, never a dependency of raspc):
# reads a gpt config, its weights (our layout, base64 float32), one batch of ids and next-token
# targets as JSON on stdin, and times minGPT training steps (forward, cross-entropy with
# ignore_index -1, backward, clip_grad_norm_(1.0), AdamW as configure_optimizers makes it) at 1 and
# 2 threads. Prints one JSON line: the first step's loss (to check both sides trained the same
# model) and the median milliseconds per step of each thread setting.
import base64, json, sys, time
import numpy as np
import torch
from torch_mingpt import GPT

req = json.load(sys.stdin)
cfg = req["config"]
B, T = req["batch"], req["seqLen"]
ids = torch.tensor(req["ids"], dtype=torch.long).view(B, T)
targets = torch.tensor(req["targets"], dtype=torch.long).view(B, T)


def load(model):
    with torch.no_grad():
        for n, p in model.named_parameters():
            ours = n.replace("transformer.", "")
            t = torch.from_numpy(np.frombuffer(base64.b64decode(req["params"][ours]), dtype="<f4").copy())
            if n.endswith(".weight") and p.dim() == 2 and "wte" not in n and "wpe" not in n:
                t = t.view(p.shape[1], p.shape[0]).t()
            p.copy_(t.view(p.shape))


def run(threads):
    torch.set_num_threads(threads)
    model = GPT(cfg)
    load(model)
    opt = model.configure_optimizers(req["lr"], (0.9, 0.95), 0.1)
    first, times = None, []
    for i in range(req["warmup"] + req["steps"]):
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model(ids, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        value = loss.item()
        if first is None:
            first = value
        if i >= req["warmup"]:
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return first, times[len(times) // 2]


out = {"torch": torch.__version__}
for threads in (1, 2):
    loss, ms = run(threads)
    out[f"threads{threads}"] = ms
    out["loss"] = loss
print(json.dumps(out))
