# PyTorch peer of the gpt rows of bench/train-bench.ts and bench/gpu-check.ts (a benchmark peer,
# never a dependency of raspc): reads a gpt config, its weights (our layout, base64 float32) and
# batches of ids and next-token targets as JSON on stdin, and runs minGPT training steps (forward,
# cross-entropy with ignore_index -1, backward, clip_grad_norm_(1.0), AdamW as configure_optimizers
# makes it). Prints one JSON line.
# - train-bench.ts sends one batch ("ids", "targets": lists) and gets the first step's loss (to check
#   both sides trained the same model) and the median milliseconds per step at 1 and 2 threads.
# - gpu-check.ts sends "batches" (one {ids, targets} per step, base64 little-endian int32) and a
#   "device" ("cpu" or "cuda"), and gets every step's loss and milliseconds on that device. On CUDA, float32 matmuls stay float32 (TF32 off), so the losses
#   can be held to the same tolerance as onnxruntime's.
import base64, json, sys, time
import numpy as np
import torch
from torch_mingpt import GPT

req = json.load(sys.stdin)
cfg = req["config"]
B, T = req["batch"], req["seqLen"]


def load(model):
    with torch.no_grad():
        for n, p in model.named_parameters():
            ours = n.replace("transformer.", "")
            t = torch.from_numpy(np.frombuffer(base64.b64decode(req["params"][ours]), dtype="<f4").copy())
            if n.endswith(".weight") and p.dim() == 2 and "wte" not in n and "wpe" not in n:
                t = t.view(p.shape[1], p.shape[0]).t()
            p.copy_(t.view(p.shape))


def train(batches, device):
    """Each step's loss and milliseconds."""
    model = GPT(cfg).to(device)
    load(model)
    opt = model.configure_optimizers(req["lr"], (0.9, 0.95), 0.1)
    batches = [(ids.to(device), targets.to(device)) for ids, targets in batches]
    losses, times = [], []
    for ids, targets in batches:
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model(ids, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())  # .item() waits for the device, so the time covers the whole step
        times.append((time.perf_counter() - t) * 1000)
    return losses, times


def ints(b64):
    return torch.from_numpy(np.frombuffer(base64.b64decode(b64), dtype="<i4").astype(np.int64)).view(B, T)


out = {"torch": torch.__version__}
if "batches" in req:
    device = req.get("device", "cpu")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if device == "cuda":
        out["deviceName"] = torch.cuda.get_device_name(0)
    losses, times = train([(ints(b["ids"]), ints(b["targets"])) for b in req["batches"]], device)
    out.update(losses=losses, stepMs=times)
else:
    ids = torch.tensor(req["ids"], dtype=torch.long).view(B, T)
    targets = torch.tensor(req["targets"], dtype=torch.long).view(B, T)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        losses, times = train([(ids, targets)] * (req["warmup"] + req["steps"]), "cpu")
        timed = sorted(times[req["warmup"]:])
        out[f"threads{threads}"] = timed[len(timed) // 2]
        out["loss"] = losses[0]
print(json.dumps(out))
