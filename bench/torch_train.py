# PyTorch peer for bench/train-bench.ts (a benchmark peer, never a dependency of raspc): reads a
# geometry, parameters and one batch as JSON on stdin, builds the same model as runtime/train/params.ts
# (per-head softmax attention without scaling, uniform heads, ReLU MLP, logits at the answer
# position), and times forward + backward + torch.optim.SGD(momentum) steps. Prints one JSON line:
# the first step's loss (so the bench can check both sides trained the same model) and the median
# milliseconds per step for each thread setting, plus the machine's float32 matmul rate.
import json, sys, time
import torch

req = json.load(sys.stdin)
g = req["geometry"]
B, T, ans = req["batch"], req["seqLen"], req["answerPosition"]
d, V = g["dModel"], g["vocabRows"]
specs = req["specs"]

def params():
    return {s["name"]: torch.tensor(p, dtype=torch.float32).reshape(s["shape"]).requires_grad_(True) for s, p in zip(specs, req["params"])}

ids = torch.tensor(req["ids"], dtype=torch.long)
onehot = torch.nn.functional.one_hot(ids, V).float()
labels = torch.tensor(req["labels"], dtype=torch.long)

def forward(P):
    x = (onehot @ P["tok"]).view(B, T, d) + P["pos"][:T]
    for l, layer in enumerate(g["layers"]):
        heads = layer["heads"]
        if heads:
            sh = sum(h["dHead"] for h in heads)
            Q = x @ P[f"l{l}.wq"] if sh > 0 else None
            K = x @ P[f"l{l}.wk"] if sh > 0 else None
            Vv = x @ P[f"l{l}.wv"]
            zs, qo, vo = [], 0, 0
            for h in heads:
                v = Vv[..., vo:vo + h["dValue"]]
                if h["dHead"] > 0:
                    a = torch.softmax(Q[..., qo:qo + h["dHead"]] @ K[..., qo:qo + h["dHead"]].transpose(1, 2), dim=-1)
                else:
                    a = torch.full((1, T, T), 1.0 / T)
                zs.append(a @ v)
                qo += h["dHead"]; vo += h["dValue"]
            x = x + torch.cat(zs, dim=-1) @ P[f"l{l}.wo"]
        if layer["mlp"]:
            if layer["hidden"] > 0:
                x = x + torch.relu(x @ P[f"l{l}.w1"] + P[f"l{l}.b1"]) @ P[f"l{l}.w2"]
            x = x + P[f"l{l}.b2"]
    return x[:, ans] @ P["unembed"]

def run(threads):
    torch.set_num_threads(threads)
    P = params()
    opt = torch.optim.SGD(P.values(), lr=req["lr"], momentum=0.9)
    first = None
    times = []
    for i in range(req["warmup"] + req["steps"]):
        t = time.perf_counter()
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(forward(P), labels)
        loss.backward()
        opt.step()
        value = loss.item()
        if first is None:
            first = value
        if i >= req["warmup"]:
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return first, times[len(times) // 2]

def peak():
    torch.set_num_threads(2)
    n = 2048
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(2):
        a @ b
    ts = []
    for _ in range(5):
        t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)
    ts.sort()
    return 2 * n ** 3 / ts[len(ts) // 2] / 1e9

out = {"torch": torch.__version__}
for threads in (1, 2):
    loss, ms = run(threads)
    out[f"threads{threads}"] = ms
    out["loss"] = loss
if req.get("peak"):
    out["peakGflops"] = peak()
print(json.dumps(out))
