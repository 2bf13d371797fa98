#!/usr/bin/env python3
"""PyTorch peer of bench/ensemble.mjs: 10,000 Monte Carlo subnetworks of the paper's network
(784-1200-1200-1200-1200-10, logistic hidden units, keep 0.8 on the input and 0.5 on the hidden
layers) for one input, in train mode (dropout on), batched forward, and the mean and variance of
every unit (accumulated in float64 per batch). No inverted-dropout rescaling matters for the
timing. Prints one JSON object: seconds at each thread setting tried, and the best.

Usage: torch_ensemble.py [--samples N] [--batch B] [--threads 1,2]
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def network():
    sizes = [784, 1200, 1200, 1200, 1200, 10]
    return nn.ModuleList([nn.Linear(sizes[i], sizes[i + 1]) for i in range(5)])


def run(net, x, samples, batch):
    drop_in, drop_hidden = nn.Dropout(0.2), nn.Dropout(0.5)
    drop_in.train()
    drop_hidden.train()
    sums = [torch.zeros(l.out_features, dtype=torch.float64) for l in net]
    sq = [torch.zeros(l.out_features, dtype=torch.float64) for l in net]
    done = 0
    with torch.no_grad():
        while done < samples:
            rows = min(batch, samples - done)
            a = drop_in(x.expand(rows, -1))
            for i, layer in enumerate(net):
                s = layer(a)
                o = torch.softmax(s, dim=1) if i == len(net) - 1 else torch.sigmoid(s)
                o64 = o.double()
                sums[i] += o64.sum(0)
                sq[i] += (o64 * o64).sum(0)
                a = drop_hidden(o) if i < len(net) - 1 else o
            done += rows
    means = [s / samples for s in sums]
    return [q / samples - m * m for q, m in zip(sq, means)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--samples', type=int, default=10000)
    p.add_argument('--batch', type=int, default=500)
    p.add_argument('--threads', default='1,2')
    a = p.parse_args()
    torch.manual_seed(1)
    net = network()
    x = torch.rand(1, 784)
    runs = []
    for t in [int(v) for v in a.threads.split(',')]:
        torch.set_num_threads(t)
        run(net, x, min(a.samples, 1000), a.batch)  # warm up
        best = float('inf')
        for _ in range(2):
            t0 = time.perf_counter()
            run(net, x, a.samples, a.batch)
            best = min(best, time.perf_counter() - t0)
        runs.append({'torchThreads': t, 'seconds': best})
    print(json.dumps({'torch': torch.__version__, 'samples': a.samples, 'batch': a.batch, 'runs': runs,
                      'best': min(runs, key=lambda r: r['seconds'])}))


if __name__ == '__main__':
    main()
