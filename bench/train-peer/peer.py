#!/usr/bin/python3
# PyTorch CPU peer for the training benchmark: trains the same dual encoder as ours (hashed ids -> mean
# EmbeddingBag -> Linear -> L2 norm, symmetric in-batch InfoNCE) on batches written by index.ts's
# writePeerBatches, and prints one JSON line of throughput, peak RSS and final loss. See README.md.
import argparse
import json
import math
import os
import resource
import sys
import time


class InputError(Exception):
    pass


def parse_args():
    parser = argparse.ArgumentParser(description="PyTorch CPU peer for the hybrid-xlr training benchmark")
    parser.add_argument("--dir", required=True, help="directory holding meta.json and batches.bin")
    parser.add_argument("--variant", required=True, choices=["dense", "sparse"])
    parser.add_argument("--warmup", type=int, required=True, help="untimed steps before measuring")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--steps", type=int, help="measured steps (default: one pass over the batches)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.warmup < 0:
        parser.error("--warmup must be >= 0")
    if args.threads < 1:
        parser.error("--threads must be >= 1")
    if args.steps is not None and args.steps < 1:
        parser.error("--steps must be >= 1")
    return args


def read_meta(path):
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
    except FileNotFoundError:
        raise InputError(f"{path}: not found (write it with writePeerBatches)")
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON: {e}")
    if not isinstance(meta, dict):
        raise InputError(f"{path}: expected an object")
    for key in ("buckets", "dim", "batches", "pairs"):
        value = meta.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InputError(f"{path}: {key} must be a positive integer, got {value!r}")
    for key in ("temperature", "lr"):
        value = meta.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
            raise InputError(f"{path}: {key} must be a positive number, got {value!r}")
    if meta["buckets"] > 2**31 - 1:
        raise InputError(f"{path}: buckets {meta['buckets']} does not fit int32 ids")
    return meta


def read_batches(path, meta):
    """Parses batches.bin into numpy (offsets, ids) pairs, checking every count and id against meta."""
    import numpy as np

    try:
        data = np.fromfile(path, dtype="<i4")
    except FileNotFoundError:
        raise InputError(f"{path}: not found (write it with writePeerBatches)")
    if os.path.getsize(path) % 4 != 0:
        raise InputError(f"{path}: size {os.path.getsize(path)} is not a multiple of 4 bytes")
    buckets = meta["buckets"]
    pos = 0
    batches = []

    def take(count, what):
        nonlocal pos
        if count > len(data) - pos:
            raise InputError(f"{path}: batch {len(batches)}: truncated reading {what} ({count} int32 at {pos}, {len(data) - pos} left)")
        out = data[pos : pos + count]
        pos += count
        return out

    def bags(size, side):
        where = f"{path}: batch {len(batches)} {side}"
        offsets = take(size + 1, f"{side} offsets")
        if offsets[0] != 0:
            raise InputError(f"{where}: offsets must start at 0, got {offsets[0]}")
        if size > 0 and (np.diff(offsets) < 0).any():
            raise InputError(f"{where}: offsets decrease")
        ids = take(int(offsets[-1]), f"{side} ids")
        if len(ids) and (ids.min() < 0 or ids.max() >= buckets):
            raise InputError(f"{where}: ids outside [0, {buckets}) (min {ids.min()}, max {ids.max()})")
        return offsets, ids

    while pos < len(data):
        size = int(take(1, "B")[0])
        if size < 1:
            raise InputError(f"{path}: batch {len(batches)}: B = {size}, expected >= 1")
        questions = bags(size, "questions")
        passages = bags(size, "passages")
        batches.append((size, questions, passages))
    if len(batches) != meta["batches"]:
        raise InputError(f"{path}: {len(batches)} batches but meta.json says {meta['batches']}")
    pairs = sum(size for size, _, _ in batches)
    if pairs != meta["pairs"]:
        raise InputError(f"{path}: {pairs} pairs but meta.json says {meta['pairs']}")
    return batches


def main():
    args = parse_args()
    # Thread pools size themselves when torch loads, so this must come before the import.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    meta = read_meta(os.path.join(args.dir, "meta.json"))
    raw = read_batches(os.path.join(args.dir, "batches.bin"), meta)

    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    def tensors(bags):
        # EmbeddingBag wants one flat id tensor plus the B start offsets (not the closing one).
        offsets, ids = bags
        return torch.from_numpy(ids.astype("int64")), torch.from_numpy(offsets[:-1].astype("int64"))

    # Converted once, outside the timed loop, so the timing is training alone.
    batches = [(size, tensors(q), tensors(p), torch.arange(size)) for size, q, p in raw]
    del raw

    sparse = args.variant == "sparse"

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.bag = nn.EmbeddingBag(meta["buckets"], meta["dim"], mode="mean", sparse=sparse)
            self.proj = nn.Linear(meta["dim"], meta["dim"])

        def forward(self, ids, offsets):
            return F.normalize(self.proj(self.bag(ids, offsets)), dim=-1)

    encoder = Encoder()
    lr = meta["lr"]
    if sparse:
        optimizers = [torch.optim.SparseAdam([encoder.bag.weight], lr=lr), torch.optim.Adam(encoder.proj.parameters(), lr=lr)]
    else:
        optimizers = [torch.optim.Adam(encoder.parameters(), lr=lr)]
    temperature = meta["temperature"]

    def step(batch):
        _, (q_ids, q_off), (p_ids, p_off), labels = batch
        for opt in optimizers:
            opt.zero_grad(set_to_none=True)
        q = encoder(q_ids, q_off)
        p = encoder(p_ids, p_off)
        logits = q @ p.T / temperature
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
        loss.backward()
        for opt in optimizers:
            opt.step()
        return loss

    measured = args.steps if args.steps is not None else len(batches)
    for i in range(args.warmup):
        step(batches[i % len(batches)])
    pairs = 0
    loss = None
    start = time.perf_counter()
    for i in range(args.warmup, args.warmup + measured):
        batch = batches[i % len(batches)]
        loss = step(batch)
        pairs += batch[0]
    # CPU autograd is synchronous, so the clock covers all the work; .item() is outside it and costs nothing.
    seconds = time.perf_counter() - start
    final_loss = loss.item()
    if not math.isfinite(final_loss):
        raise RuntimeError(f"final loss is {final_loss}: training diverged")
    result = {
        "variant": args.variant,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "steps": measured,
        "pairs": pairs,
        "seconds": seconds,
        "pairsPerSecond": pairs / seconds,
        # Linux reports ru_maxrss in KiB.
        "peakRssMiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "finalLoss": final_loss,
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    try:
        main()
    except InputError as e:
        print(f"peer.py: error: {e}", file=sys.stderr)
        sys.exit(2)
