#!/usr/bin/python3
"""Golden values for jgrad's tensor ops, computed by PyTorch (Debian's python3-torch).

Each case applies one op to float32 random inputs, then back-propagates a random output gradient.
Forward outputs and input gradients are computed in float64 from the exact float32 inputs and stored as
F64, so a test can hold jgrad's float32 kernels to float32 accuracy and its float64 reference path to
~1e-12. The file is a safetensors file written by hand from the spec (no safetensors package), which also
makes it an independent writer for jgrad's reader.

Run: /usr/bin/python3 core/src/test/scripts/make_op_goldens.py
Writes: core/src/test/resources/goldens/ops.safetensors
"""
import json
import os
import struct

import numpy as np
import torch

torch.manual_seed(1234)
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "goldens", "ops.safetensors")

cases = []  # (name, inputs: list of (tensor, kind)), fn)


def rnd(*shape, low=-2.0, high=2.0):
    return (torch.rand(*shape, dtype=torch.float32) * (high - low) + low)


def pos(*shape):
    return rnd(*shape, low=0.2, high=3.0)


def idx(high, *shape):
    return torch.randint(0, high, shape, dtype=torch.int64)


def case(name, fn, *inputs):
    """inputs: float tensors (differentiable), or ('int', tensor) for indices, or ('mask', tensor)."""
    cases.append((name, inputs, fn))


# ---- unary -----------------------------------------------------------------------------------
case("neg", lambda x: -x, rnd(3, 5))
case("exp", torch.exp, rnd(4, 7))
case("log", torch.log, pos(4, 7))
case("sqrt", torch.sqrt, pos(17))
case("rsqrt", torch.rsqrt, pos(17))
case("abs", torch.abs, rnd(3, 9))
case("square", torch.square, rnd(2, 3, 4))
case("sin", torch.sin, rnd(33))
case("cos", torch.cos, rnd(33))
case("tanh", torch.tanh, rnd(5, 13))
case("sigmoid", torch.sigmoid, rnd(5, 13, low=-6, high=6))
case("relu", torch.relu, rnd(5, 13))
case("gelu", lambda x: torch.nn.functional.gelu(x), rnd(7, 19, low=-5, high=5))
case("gelu_tanh", lambda x: torch.nn.functional.gelu(x, approximate="tanh"), rnd(7, 19, low=-5, high=5))
case("silu", torch.nn.functional.silu, rnd(7, 19, low=-6, high=6))
case("clamp", lambda x: torch.clamp(x, -0.5, 0.7), rnd(6, 11))

# ---- binary with broadcasting ------------------------------------------------------------------
case("add", torch.add, rnd(4, 5), rnd(5))
case("add_bcast2", torch.add, rnd(3, 1, 5), rnd(4, 1))
case("sub", torch.sub, rnd(4, 5), rnd(4, 1))
case("mul", torch.mul, rnd(2, 3, 4), rnd(3, 1))
case("div", torch.div, rnd(4, 5), pos(5))
case("pow", torch.pow, pos(4, 5), rnd(4, 5))
case("pow_scalar", lambda x: torch.pow(x, 3.0), rnd(4, 5))
case("maximum", torch.maximum, rnd(6, 7), rnd(7))
case("minimum", torch.minimum, rnd(6, 7), rnd(6, 1))

# ---- reductions --------------------------------------------------------------------------------
case("sum_all", lambda x: x.sum(), rnd(3, 4, 5))
case("sum_dim1", lambda x: x.sum(1), rnd(3, 4, 5))
case("sum_dims02_keep", lambda x: x.sum((0, 2), keepdim=True), rnd(3, 4, 5))
case("mean_dim_last", lambda x: x.mean(-1), rnd(3, 4, 5))
case("mean_dims01", lambda x: x.mean((0, 1)), rnd(3, 4, 5))
case("var_pop", lambda x: x.var(1, unbiased=False), rnd(4, 9))
case("var_sample_keep", lambda x: x.var(0, unbiased=True, keepdim=True), rnd(6, 3))
case("std", lambda x: x.std(1, unbiased=True), rnd(4, 9))
case("max_dim", lambda x: x.max(1).values, rnd(5, 8))
case("min_dim0_keep", lambda x: x.min(0, keepdim=True).values, rnd(5, 8))
case("logsumexp", lambda x: torch.logsumexp(x, -1), rnd(4, 33, low=-10, high=10))
case("logsumexp_dim0", lambda x: torch.logsumexp(x, 0, keepdim=True), rnd(6, 5))
case("softmax", lambda x: torch.softmax(x, -1), rnd(4, 37, low=-5, high=5))
case("softmax_dim1", lambda x: torch.softmax(x, 1), rnd(2, 5, 3))
case("log_softmax", lambda x: torch.log_softmax(x, -1), rnd(4, 37, low=-5, high=5))

# ---- matrix products ---------------------------------------------------------------------------
case("matmul_2d", torch.matmul, rnd(7, 5), rnd(5, 9))
case("matmul_batched", torch.matmul, rnd(3, 4, 6), rnd(3, 6, 5))
case("matmul_bcast_batch", torch.matmul, rnd(2, 1, 4, 6), rnd(3, 6, 5))
case("matmul_3d_2d", torch.matmul, rnd(2, 3, 6), rnd(6, 4))
case("matmul_vec_mat", torch.matmul, rnd(6), rnd(6, 4))
case("matmul_mat_vec", torch.matmul, rnd(4, 6), rnd(6))
case("matmul_dot", torch.matmul, rnd(17), rnd(17))
case("matmul_transposed", lambda a, b: torch.matmul(a.transpose(0, 1), b.transpose(0, 1)), rnd(6, 4), rnd(5, 6))

# ---- views -------------------------------------------------------------------------------------
case("reshape", lambda x: (x.reshape(4, 6) * torch.arange(24, dtype=x.dtype).reshape(4, 6)), rnd(2, 3, 4))
case("permute", lambda x: x.permute(2, 0, 1) * torch.arange(24, dtype=x.dtype).reshape(4, 2, 3), rnd(2, 3, 4))
case("narrow", lambda x: x.narrow(1, 1, 3), rnd(3, 5))
case("expand", lambda x: x.expand(3, 4, 5) * torch.arange(60, dtype=x.dtype).reshape(3, 4, 5), rnd(4, 1))
case("unsqueeze_squeeze", lambda x: x.unsqueeze(1).squeeze(1) * 2, rnd(3, 4))
case("transpose_contig", lambda x: x.transpose(0, 1).contiguous() * torch.arange(12, dtype=x.dtype).reshape(4, 3), rnd(3, 4))

# ---- indexing ----------------------------------------------------------------------------------
case("index_select", lambda x, i: torch.index_select(x, 0, i), rnd(6, 4), ("int", torch.tensor([5, 0, 2, 2, 5], dtype=torch.int64)))
case("index_select_dim1", lambda x, i: torch.index_select(x, 1, i), rnd(3, 6), ("int", torch.tensor([1, 1, 4], dtype=torch.int64)))
case("embedding", lambda w, i: torch.nn.functional.embedding(i, w), rnd(10, 4), ("int", torch.tensor([[1, 3, 3], [9, 0, 1]], dtype=torch.int64)))
case("gather", lambda x, i: torch.gather(x, 1, i), rnd(3, 5), ("int", idx(5, 3, 4)))
case("gather_dim0", lambda x, i: torch.gather(x, 0, i), rnd(3, 5), ("int", idx(3, 2, 5)))
case("where", lambda c, a, b: torch.where(c, a, b), ("mask", torch.rand(4, 5) > 0.5), rnd(4, 5), rnd(5))
case("masked_fill", lambda x, m: x.masked_fill(m, -1.5), rnd(4, 5), ("mask", torch.rand(4, 1) > 0.5))
case("tril", lambda x: torch.tril(x), rnd(2, 4, 5))
case("tril_diag1", lambda x: torch.tril(x, 1), rnd(5, 4))
case("triu", lambda x: torch.triu(x, -1), rnd(5, 4))
case("cat", lambda a, b: torch.cat([a, b], 1), rnd(3, 2), rnd(3, 4))
case("stack", lambda a, b: torch.stack([a, b], 0), rnd(3, 2), rnd(3, 2))
case("split_sum", lambda x: sum(p.sum() * (k + 1) for k, p in enumerate(torch.split(x, 2, 1))), rnd(3, 5))
case("chunk_prod", lambda x: torch.chunk(x, 3, 0)[1] * torch.chunk(x, 3, 0)[2], rnd(6, 4))


def tensor_bytes(t):
    if t.dtype == torch.float32:
        return "F32", t.contiguous().numpy().astype("<f4").tobytes()
    if t.dtype == torch.float64:
        return "F64", t.contiguous().numpy().astype("<f8").tobytes()
    if t.dtype == torch.int64:
        return "I64", t.contiguous().numpy().astype("<i8").tobytes()
    if t.dtype == torch.bool:
        return "BOOL", t.contiguous().numpy().astype(np.uint8).tobytes()
    raise ValueError(t.dtype)


entries = {}   # name -> tensor
meta_cases = []
for name, inputs, fn in cases:
    kinds, args64 = [], []
    for k, inp in enumerate(inputs):
        if isinstance(inp, tuple):
            kind, t = inp
            entries[f"{name}.in{k}"] = t
            kinds.append(kind)
            args64.append(t)
        else:
            entries[f"{name}.in{k}"] = inp
            kinds.append("float")
            args64.append(inp.double().requires_grad_(True))
    out = fn(*args64)
    entries[f"{name}.out"] = out.detach().double()
    gout = rnd(*out.shape) if out.dim() > 0 else rnd(1).reshape(())
    entries[f"{name}.gout"] = gout
    out.backward(gout.double())
    for k, a in enumerate(args64):
        if kinds[k] == "float":
            entries[f"{name}.gin{k}"] = a.grad.detach().double()
    meta_cases.append({"name": name, "inputs": kinds})

# comparison ops: forward only (masks)
for op in ["eq", "lt", "gt", "le", "ge", "ne"]:
    a = torch.randint(-2, 3, (4, 5)).float()
    b = torch.randint(-2, 3, (5,)).float()
    entries[f"cmp_{op}.in0"] = a
    entries[f"cmp_{op}.in1"] = b
    entries[f"cmp_{op}.out"] = getattr(torch, op)(a, b)
    meta_cases.append({"name": f"cmp_{op}", "inputs": ["float", "float"], "forward_only": True})

header = {}
blobs = []
offset = 0
for key, t in entries.items():
    dtype, data = tensor_bytes(t)
    header[key] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
header["__metadata__"] = {"cases": json.dumps(meta_cases), "torch": torch.__version__}
hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
hjson += b" " * ((8 - len(hjson) % 8) % 8)
with open(OUT, "wb") as f:
    f.write(struct.pack("<Q", len(hjson)))
    f.write(hjson)
    for b in blobs:
        f.write(b)
print(f"wrote {OUT}: {len(meta_cases)} cases, {offset} data bytes")
