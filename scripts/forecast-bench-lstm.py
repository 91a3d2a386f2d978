#!/usr/bin/env python3
"""Trains the same LSTM as `kairos forecast bench-lstm --export FILE` in PyTorch on one CPU
thread: same data, same initial weights, same mini-batch order, Adam at the same rate, MSE.
Prints both timings, losses and single-step inference times.

Usage: forecast-bench-lstm.py EXPORT.json
       forecast-bench-lstm.py --summary EXPORT1.json EXPORT2.json ...   (float32 only: best loss
       per seed on both sides, and how many runs got below the target loss)
"""
import json
import sys
import time

import torch


class Net(torch.nn.Module):
    def __init__(self, d, dtype):
        super().__init__()
        self.lstm = torch.nn.LSTM(d["inputSize"], d["hidden"], d["layers"], batch_first=True)
        self.head = torch.nn.Linear(d["hidden"], d["outputs"])
        self.to(dtype)
        g, h = 4 * d["hidden"], d["hidden"]
        with torch.no_grad():
            for l in range(d["layers"]):
                n_in = d["inputSize"] if l == 0 else h
                t = d["initialTensors"]
                getattr(self.lstm, f"weight_ih_l{l}").copy_(torch.tensor(t[f"weight_ih_l{l}"]).reshape(g, n_in))
                getattr(self.lstm, f"weight_hh_l{l}").copy_(torch.tensor(t[f"weight_hh_l{l}"]).reshape(g, h))
                getattr(self.lstm, f"bias_ih_l{l}").copy_(torch.tensor(t[f"bias_ih_l{l}"]))
                getattr(self.lstm, f"bias_hh_l{l}").copy_(torch.tensor(t[f"bias_hh_l{l}"]))
            self.head.weight.copy_(torch.tensor(d["initialTensors"]["head.weight"]).reshape(d["outputs"], h))
            self.head.bias.copy_(torch.tensor(d["initialTensors"]["head.bias"]))

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1, :])


def train(d, dtype):
    torch.manual_seed(0)
    net = Net(d, dtype)
    x = torch.tensor(d["windows"], dtype=dtype).reshape(-1, d["steps"], d["inputSize"])
    y = torch.tensor(d["targets"], dtype=dtype).reshape(-1, d["outputs"])
    opt = torch.optim.Adam(net.parameters(), lr=d["learningRate"])
    loss_fn = torch.nn.MSELoss()
    orders = [torch.tensor(o) for o in d["epochOrders"]]
    b = d["batchSize"]
    losses = []
    start = time.perf_counter()
    for order in orders:
        total, batches = 0.0, 0
        for s in range(0, len(order), b):
            idx = order[s:s + b]
            opt.zero_grad()
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            if d.get("clipNorm"):
                torch.nn.utils.clip_grad_norm_(net.parameters(), d["clipNorm"])
            opt.step()
            total += loss.item()
            batches += 1
        losses.append(total / batches)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        final = loss_fn(net(x), y).item()
        window = x[:1]
        for _ in range(100):
            net(window)
        reps = 5000
        t0 = time.perf_counter()
        for _ in range(reps):
            net(window)
        micros = (time.perf_counter() - t0) * 1e6 / reps
    return seconds, losses, final, micros


TARGET_LOSS = 0.01


def to_target(losses, seconds):
    """Epoch at which the mean epoch loss first falls below TARGET_LOSS, and the time it took."""
    for i, loss in enumerate(losses):
        if loss < TARGET_LOSS:
            return i + 1, seconds * (i + 1) / len(losses)
    return None, None


def describe(losses, seconds):
    epoch, t = to_target(losses, seconds)
    reach = f"loss < {TARGET_LOSS} at epoch {epoch} ({t:.3f} s)" if epoch else f"never below {TARGET_LOSS}"
    return f"min epoch loss {min(losses):.6f}; {reach}"


def summary(paths) -> None:
    reached_swift = reached_torch = 0
    print("| seed | Kairos min epoch loss | Kairos last | PyTorch float32 min epoch loss | PyTorch last | Kairos s | PyTorch s |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    total_swift = total_torch = 0.0
    for i, path in enumerate(paths, 1):
        d = json.load(open(path))
        seconds, losses, _, _ = train(d, torch.float32)
        sw = d["swiftLosses"]
        reached_swift += min(sw) < TARGET_LOSS
        reached_torch += min(losses) < TARGET_LOSS
        total_swift += d["swiftSeconds"]
        total_torch += seconds
        print(f"| {i} | {min(sw):.6f} | {sw[-1]:.6f} | {min(losses):.6f} | {losses[-1]:.6f} | {d['swiftSeconds']:.3f} | {seconds:.3f} |")
    print(f"\nbelow {TARGET_LOSS}: Kairos {reached_swift} of {len(paths)}, PyTorch {reached_torch} of {len(paths)}; "
          f"total time Kairos {total_swift:.2f} s, PyTorch {total_torch:.2f} s ({total_torch / total_swift:.1f}x)")


def main() -> None:
    torch.set_num_threads(1)
    if sys.argv[1] == "--summary":
        summary(sys.argv[2:])
        return
    d = json.load(open(sys.argv[1]))
    n = len(d["targets"])
    print(f"problem: {d['layers']} layers x {d['hidden']} units, {d['inputSize']} features, lookback {d['steps']}, "
          f"{n} samples, batch {d['batchSize']}, Adam lr {d['learningRate']}, {d['epochs']} epochs, "
          f"gradient clipping {d.get('clipNorm') or 'none'}")
    print(f"swift ({d['precision']}):         {d['swiftSeconds']:8.3f} s  last-epoch loss {d['swiftLosses'][-1]:.6f}  "
          f"full-data MSE {d['swiftFinalLoss']:.6f}  inference {d['swiftInferenceMicros']:.2f} us/step")
    print(f"    {describe(d['swiftLosses'], d['swiftSeconds'])}")
    _, swift_t = to_target(d["swiftLosses"], d["swiftSeconds"])
    for dtype, name in [(torch.float32, "float32"), (torch.float64, "float64")]:
        seconds, losses, final, micros = train(d, dtype)
        print(f"torch {torch.__version__} {name} 1 thread: {seconds:8.3f} s  last-epoch loss {losses[-1]:.6f}  "
              f"full-data MSE {final:.6f}  inference {micros:.2f} us/step  -> swift is {seconds / d['swiftSeconds']:.1f}x faster")
        _, torch_t = to_target(losses, seconds)
        speedup = f"; to loss < {TARGET_LOSS} swift is {torch_t / swift_t:.1f}x faster" if swift_t and torch_t else ""
        print(f"    {describe(losses, seconds)}{speedup}")
        gap = max(abs(a - b) for a, b in zip(losses[:20], d["swiftLosses"][:20]))
        print(f"    max |loss difference| over the first 20 epochs (same weights, same batches): {gap:.2e}")


if __name__ == "__main__":
    main()
