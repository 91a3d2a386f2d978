#!/usr/bin/env python3
"""Checks the Swift LSTM forward pass against torch.nn.LSTM on shared weights.

Usage: forecast-verify-pytorch.py EXPORT.json   (written by `kairos forecast export-lstm`)
Exits non-zero if any output differs by more than 1e-5.
"""
import json
import sys

import torch


def run(d, dtype):
    lstm = torch.nn.LSTM(d["inputSize"], d["hidden"], d["layers"], batch_first=True).to(dtype)
    head = torch.nn.Linear(d["hidden"], d["outputs"]).to(dtype)
    g, h = 4 * d["hidden"], d["hidden"]
    with torch.no_grad():
        for l in range(d["layers"]):
            n_in = d["inputSize"] if l == 0 else h
            getattr(lstm, f"weight_ih_l{l}").copy_(torch.tensor(d["tensors"][f"weight_ih_l{l}"], dtype=dtype).reshape(g, n_in))
            getattr(lstm, f"weight_hh_l{l}").copy_(torch.tensor(d["tensors"][f"weight_hh_l{l}"], dtype=dtype).reshape(g, h))
            getattr(lstm, f"bias_ih_l{l}").copy_(torch.tensor(d["tensors"][f"bias_ih_l{l}"], dtype=dtype))
            getattr(lstm, f"bias_hh_l{l}").copy_(torch.tensor(d["tensors"][f"bias_hh_l{l}"], dtype=dtype))
        head.weight.copy_(torch.tensor(d["tensors"]["head.weight"], dtype=dtype).reshape(d["outputs"], h))
        head.bias.copy_(torch.tensor(d["tensors"]["head.bias"], dtype=dtype))
        x = torch.tensor(d["inputs"], dtype=dtype).reshape(d["batch"], d["steps"], d["inputSize"])
        out, _ = lstm(x)
        return head(out[:, -1, :]).reshape(-1)


def main() -> None:
    d = json.load(open(sys.argv[1]))
    swift = torch.tensor(d["swiftOutputs"], dtype=torch.float64)
    ok = True
    for dtype, name in [(torch.float64, "float64"), (torch.float32, "float32")]:
        diff = (run(d, dtype).to(torch.float64) - swift).abs().max().item()
        passed = diff <= 1e-5
        ok &= passed
        print(f"swift {d.get('precision', 'float64')} vs torch {torch.__version__} {name}: {d['layers']} layers x {d['hidden']} units, {d['batch']} windows of "
              f"{d['steps']} steps: max |swift - torch| = {diff:.3e} ({'ok' if passed else 'FAIL'}, tolerance 1e-5)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
