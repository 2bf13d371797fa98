"""The CUDA benchmark's workloads in PyTorch, for the ratio printed by bench/device-check.sh.

Same shapes and the same work as native/tools/bench_cuda.cpp: a masked product with a fresh keep-0.5
unit mask per call (fp32, then TF32), one epoch of the paper's network (784-1200-1200-1200-1200-10,
logistic hidden units, softmax top, keep 0.8 / 0.5, per-example masks, no inverted scaling, Adam 1e-3,
batch 100) on 60,000 random MNIST-shaped examples held on the GPU, and 10,000 Monte Carlo samples of one
input with every per-neuron statistic in float64 (mean, M2, M3, sum log O, sum log(1-O), min, max,
64-bin histogram). Prints "RESULT <name> <ms> ms" lines.
"""
import time

import torch
import torch.nn.functional as F

dev = torch.device("cuda")
torch.manual_seed(0)


def timed(fn, reps):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    best = float("inf")
    for _ in range(3):
        start.record()
        for _ in range(reps):
            fn()
        end.record()
        torch.cuda.synchronize()
        best = min(best, start.elapsed_time(end) / reps)
    return best


def product(m, k, n, tf32):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    a = torch.rand(m, k, device=dev)
    w = (torch.rand(n, k, device=dev) - 0.5) * 0.1
    b = torch.rand(n, device=dev) - 0.5

    def step():
        mask = torch.rand(m, k, device=dev) < 0.5
        return torch.addmm(b, a * mask, w.t())

    for _ in range(3):
        step()
    torch.cuda.synchronize()
    ms = timed(step, 30 if m >= 10000 else 300)
    name = f"product_m{m}_{'tf32' if tf32 else 'fp32'}"
    print(f"torch masked product {m}x{k}->{n} {'tf32' if tf32 else 'fp32'}: {ms:.3f} ms, "
          f"{2 * m * n * k / ms / 1e9:.1f} TFLOP/s")
    print(f"RESULT {name} {ms:.4f} ms")
    torch.backends.cuda.matmul.allow_tf32 = False


def paper_layers():
    sizes = [784, 1200, 1200, 1200, 1200, 10]
    layers = []
    for i in range(5):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1]).to(dev)
        a = 4.0 * (6.0 / (sizes[i] + sizes[i + 1])) ** 0.5 if i < 4 else (3.0 / sizes[i]) ** 0.5
        torch.nn.init.uniform_(lin.weight, -a, a)
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
    return layers


def forward(layers, x, keeps):
    y = x * (torch.rand_like(x) < keeps[0])
    for i, lin in enumerate(layers):
        s = lin(y)
        if i < 4:
            y = torch.sigmoid(s)
            y = y * (torch.rand_like(y) < keeps[i + 1])
        else:
            return s


def epoch():
    layers = paper_layers()
    params = [p for lin in layers for p in lin.parameters()]
    opt = torch.optim.Adam(params, lr=1e-3)
    x = torch.rand(60000, 784, device=dev)
    t = torch.randint(0, 10, (60000,), device=dev)
    keeps = [0.8, 0.5, 0.5, 0.5, 0.5]

    def run(n):
        order = torch.randperm(60000, device=dev)[:n]
        for i in range(0, n, 100):
            idx = order[i:i + 100]
            loss = F.cross_entropy(forward(layers, x[idx], keeps), t[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        torch.cuda.synchronize()

    run(2000)
    t0 = time.perf_counter()
    run(60000)
    ms = (time.perf_counter() - t0) * 1e3
    print(f"torch training epoch 60000x784 batch 100 (Adam): {ms:.1f} ms, {60000 / ms * 1e3:.0f} examples/s")
    print(f"RESULT epoch {ms:.3f} ms")


@torch.no_grad()
def monte_carlo():
    layers = paper_layers()
    x = torch.rand(1, 784, device=dev).expand(10000, 784)
    keeps = [0.8, 0.5, 0.5, 0.5, 0.5]
    bins = 64

    def stats(o, log_o, log1m_o):
        o64 = o.double()
        n = o64.shape[0]
        mean = o64.mean(0)
        d = o64 - mean
        m2 = (d * d).sum(0)
        m3 = (d * d * d).sum(0)
        sl = log_o.double().sum(0)
        sl1 = log1m_o.double().sum(0)
        mn, mx = o64.amin(0), o64.amax(0)
        b = (o64 * bins).floor().clamp(0, bins - 1).long()
        idx = b + torch.arange(o.shape[1], device=dev) * bins
        hist = torch.bincount(idx.flatten(), minlength=o.shape[1] * bins)
        return mean, m2, m3, sl, sl1, mn, mx, hist, n

    def run():
        y = x * (torch.rand_like(x) < keeps[0])
        out = []
        for i, lin in enumerate(layers):
            s = lin(y)
            if i < 4:
                o = torch.sigmoid(s)
                out.append(stats(o, F.logsigmoid(s), F.logsigmoid(-s)))
                y = o * (torch.rand_like(o) < keeps[i + 1])
            else:
                o = torch.softmax(s, 1)
                out.append(stats(o, torch.log_softmax(s, 1), torch.log1p(-o)))
        torch.cuda.synchronize()
        return out

    run()
    t0 = time.perf_counter()
    run()
    ms = (time.perf_counter() - t0) * 1e3
    print(f"torch monte carlo 10000 samples, 4810 neurons, all statistics: {ms:.2f} ms")
    print(f"RESULT mc {ms:.3f} ms")


if __name__ == "__main__":
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}")
    for tf32 in (False, True):
        product(10000, 1200, 1200, tf32)
        product(100, 1200, 1200, tf32)
    epoch()
    monte_carlo()
