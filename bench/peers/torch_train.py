#!/usr/bin/env python3
"""PyTorch peer of bench/train.mjs: the paper's network (784-1200-1200-1200-1200-10, logistic hidden
units, softmax top, keep 0.8 on the input and 0.5 on the hidden layers) trained with the same
recipe as dropout-ensemble's default (Adam 1e-3, batch 100, cross-entropy), or with `--recipe sgd`
the full reproduction's (SGD with momentum, then max-norm 15 on each unit's incoming weights after
every step), fp32, on random MNIST-shaped data, fresh dropout masks per example. Prints one JSON
object: examples/s at each thread setting tried, and the best.

Usage: torch_train.py [--seconds S] [--threads 1,2] [--recipe adam|sgd]
Thread settings: torch's intra-op threads (torch.set_num_threads); OpenBLAS, which runs the
products in Debian's build, keeps its own pool (OPENBLAS_NUM_THREADS, default all cores).
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def network():
    layers = [nn.Dropout(0.2)]  # keep 0.8 on the input
    sizes = [784, 1200, 1200, 1200, 1200]
    for i in range(4):
        layers += [nn.Linear(sizes[i], sizes[i + 1]), nn.Sigmoid(), nn.Dropout(0.5)]
    layers += [nn.Linear(1200, 10)]  # softmax is inside CrossEntropyLoss
    return nn.Sequential(*layers)


def max_norm_(net, cap):
    """Caps each unit's incoming weight norm (rows of every Linear weight) at cap, in place."""
    with torch.no_grad():
        for m in net:
            if isinstance(m, nn.Linear):
                norms = m.weight.norm(dim=1, keepdim=True)
                m.weight.mul_(torch.clamp(cap / norms, max=1.0))


def measure(threads, seconds, recipe, batch=100):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = network()
    net.train()
    if recipe == 'sgd':
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.5)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    pool = 50
    x = torch.rand(pool * batch, 784)
    y = torch.randint(0, 10, (pool * batch,))

    def step(i):
        j = (i % pool) * batch
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x[j:j + batch]), y[j:j + batch])
        loss.backward()
        opt.step()
        if recipe == 'sgd':
            max_norm_(net, 15.0)

    for i in range(5):  # warm-up
        step(i)
    done, t0, c0 = 0, time.perf_counter(), time.process_time()
    while True:
        step(done)
        done += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds and done >= 5:
            # coresUsed well under the threads in play means other processes took the CPUs
            return {'torchThreads': threads, 'examplesPerSecond': done * batch / elapsed,
                    'coresUsed': (time.process_time() - c0) / elapsed}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seconds', type=float, default=4.0)
    ap.add_argument('--threads', default='1,2')
    ap.add_argument('--recipe', default='adam', choices=['adam', 'sgd'])
    a = ap.parse_args()
    runs = [measure(t, a.seconds, a.recipe) for t in map(int, a.threads.split(','))]
    best = max(runs, key=lambda r: r['examplesPerSecond'])
    print(json.dumps({'torch': torch.__version__, 'batch': 100, 'recipe': a.recipe, 'runs': runs, 'best': best}))


if __name__ == '__main__':
    main()
