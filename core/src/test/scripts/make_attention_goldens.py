#!/usr/bin/python3
"""Golden values for jgrad's fused attention and rotary embeddings, computed by PyTorch 1.13 (no
scaled_dot_product_attention there: the math is written out).

Attention: softmax(q @ k^T * scale + mask) @ v, with grouped-query attention by repeat_interleave of the kv heads,
causal masking aligned to the end (query i of Tq sits at position Tk - Tq + i and sees keys j <= Tk - Tq + i, i.e.
tril with diagonal Tk - Tq), a key padding mask (True = ignore the key) and rows that see no key set to zero.
No dropout (PyTorch's RNG is not ours: dropout is tested statistically and by gradient checks in Java).

RoPE, both conventions as their reference code does it, in float64:
  HALF         Hugging Face transformers (LlamaRotaryEmbedding / apply_rotary_pos_emb): inv_freq = 1/theta^(2i/D),
               emb = cat(freqs, freqs), x*cos + rotate_half(x)*sin with rotate_half(x) = cat(-x2, x1).
  INTERLEAVED  Meta's llama/model.py (precompute_freqs_cis / apply_rotary_emb): view_as_complex on adjacent pairs,
               times polar(1, freqs) — the same rotation llama2.c applies to (v0, v1) pairs.

Inputs are float32; outputs, the per-row log-sum-exp and the input gradients for a random output gradient are
computed in float64 from those exact float32 values, so Java can hold float32 kernels to float32 accuracy and the
float64 reference path to ~1e-12. The file is a hand-written safetensors file (no safetensors package).

Run: /usr/bin/python3 core/src/test/scripts/make_attention_goldens.py
Writes: core/src/test/resources/goldens/attention.safetensors
"""
import json
import math
import os
import struct

import numpy as np
import torch

torch.manual_seed(2024)
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "goldens", "attention.safetensors")


def rnd(*shape):
    return torch.randn(*shape, dtype=torch.float32)


def attention(q, k, v, causal, mask, scale):
    """q (B, H, Tq, D), k/v (B, Hkv, Tk, D), mask (B, Tk) bool (True = ignore) or None."""
    B, H, Tq, D = q.shape
    Tk = k.shape[2]
    rep = H // k.shape[1]
    k = k.repeat_interleave(rep, dim=1)
    v = v.repeat_interleave(rep, dim=1)
    s = (q @ k.transpose(-1, -2)) * scale
    allowed = torch.ones(Tq, Tk, dtype=torch.bool)
    if causal:
        allowed = torch.ones(Tq, Tk).tril(Tk - Tq).bool()
    allowed = allowed.expand(B, H, Tq, Tk)
    if mask is not None:
        allowed = allowed & ~mask[:, None, None, :]
    s = s.masked_fill(~allowed, float("-inf"))
    lse = torch.logsumexp(s, -1)                      # -inf for rows that see nothing
    seen = allowed.any(-1, keepdim=True)
    safe = torch.where(seen, s, torch.zeros_like(s))  # avoid NaN rows; they are zeroed below
    p = torch.softmax(safe, -1) * allowed
    return p @ v, lse


def rope_half(x, pos, theta):
    """Hugging Face rotate-half. x (B, H, T, D), pos (T) or (B, T) int64."""
    D = x.shape[-1]
    inv_freq = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    freqs = pos.double()[..., None] * inv_freq            # (T, D/2) or (B, T, D/2)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    if pos.dim() == 2:
        cos, sin = cos[:, None], sin[:, None]              # broadcast over heads
    x1, x2 = x[..., : D // 2], x[..., D // 2:]
    rotated = torch.cat((-x2, x1), dim=-1)
    return x * cos + rotated * sin


def rope_interleaved(x, pos, theta):
    """Meta's complex-number form on adjacent pairs."""
    D = x.shape[-1]
    freqs = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.float64)[: D // 2] / D))
    angles = pos.double()[..., None] * freqs
    freqs_cis = torch.polar(torch.ones_like(angles), angles)
    if pos.dim() == 2:
        freqs_cis = freqs_cis[:, None]
    xc = torch.view_as_complex(x.reshape(*x.shape[:-1], D // 2, 2).contiguous())
    return torch.view_as_real(xc * freqs_cis).flatten(-2)


entries = {}
attention_cases = []
rope_cases = []


def attention_case(name, B, H, Hkv, Tq, Tk, D, causal=False, mask=None, scale=None):
    q, k, v = rnd(B, H, Tq, D), rnd(B, Hkv, Tk, D), rnd(B, Hkv, Tk, D)
    gout = rnd(B, H, Tq, D)
    q64, k64, v64 = (t.double().requires_grad_(True) for t in (q, k, v))
    sc = 1.0 / math.sqrt(D) if scale is None else scale
    out, lse = attention(q64, k64, v64, causal, mask, sc)
    out.backward(gout.double())
    for key, t in [("q", q), ("k", k), ("v", v), ("gout", gout), ("out", out.detach()), ("lse", lse.detach()),
                   ("gq", q64.grad), ("gk", k64.grad), ("gv", v64.grad)]:
        entries[f"{name}.{key}"] = t if t.dtype == torch.float32 else t.double()
    if mask is not None:
        entries[f"{name}.mask"] = mask
    attention_cases.append({"name": name, "causal": causal, "mask": mask is not None, "scale": scale})


def rope_case(name, B, H, T, D, style, theta=10000.0, start=0, pos=None):
    x = rnd(B, H, T, D)
    if pos is None:
        pos = torch.arange(start, start + T, dtype=torch.int64)
    gout = rnd(B, H, T, D)
    x64 = x.double().requires_grad_(True)
    out = (rope_half if style == "HALF" else rope_interleaved)(x64, pos, theta)
    out.backward(gout.double())
    entries[f"{name}.x"] = x
    entries[f"{name}.pos"] = pos
    entries[f"{name}.gout"] = gout
    entries[f"{name}.out"] = out.detach().double()
    entries[f"{name}.gx"] = x64.grad
    rope_cases.append({"name": name, "style": style, "theta": theta, "start": start if pos.dim() == 1 and
                       torch.equal(pos, torch.arange(start, start + T)) else None})


# ---- attention -------------------------------------------------------------------------------------
attention_case("mha", 2, 3, 3, 5, 5, 8)
attention_case("mha_causal", 1, 2, 2, 7, 7, 16, causal=True)
attention_case("gqa2_causal", 2, 4, 2, 6, 6, 8, causal=True)
attention_case("mqa", 1, 4, 1, 5, 9, 8)
attention_case("decode_chunk_causal_gqa", 1, 4, 2, 3, 9, 8, causal=True)
attention_case("decode_one_token", 2, 2, 1, 1, 6, 16, causal=True)
attention_case("more_queries_than_keys_causal", 1, 2, 2, 5, 3, 4, causal=True)
pad = torch.zeros(2, 6, dtype=torch.bool)
pad[0, 4:] = True
pad[1, 0] = True
attention_case("padding_mask", 2, 2, 2, 6, 6, 8, mask=pad)
pad2 = torch.zeros(2, 7, dtype=torch.bool)
pad2[0, :2] = True       # with causal, queries 0 and 1 of batch 0 see nothing: zero rows
pad2[1, 3] = True
attention_case("padding_causal_gqa", 2, 4, 2, 7, 7, 8, causal=True, mask=pad2)
attention_case("custom_scale", 1, 2, 2, 4, 6, 8, scale=0.3)
attention_case("head_dim_1", 1, 2, 1, 4, 6, 1, causal=True)
attention_case("odd_sizes", 1, 2, 2, 17, 17, 5, causal=True)
attention_case("tiles_65", 1, 1, 1, 65, 70, 8, causal=True)   # more than one 64-key tile, diagonal crossing tiles

# ---- rope ------------------------------------------------------------------------------------------
rope_case("rope_half", 2, 3, 5, 8, "HALF")
rope_case("rope_interleaved", 2, 3, 5, 8, "INTERLEAVED")
rope_case("rope_half_start", 1, 2, 4, 16, "HALF", start=7)
rope_case("rope_interleaved_llama3", 1, 2, 4, 16, "INTERLEAVED", theta=500000.0, start=3)
rope_case("rope_half_far", 1, 1, 3, 64, "HALF", start=4000)
rope_case("rope_interleaved_d2", 1, 2, 3, 2, "INTERLEAVED")
rope_case("rope_half_per_batch", 2, 2, 3, 6, "HALF", pos=torch.tensor([[0, 1, 2], [5, 9, 11]]))
rope_case("rope_interleaved_per_batch", 2, 2, 3, 6, "INTERLEAVED", theta=500000.0,
          pos=torch.tensor([[4, 5, 6], [0, 0, 1]]))


def tensor_bytes(t):
    kinds = {torch.float32: ("F32", "<f4"), torch.float64: ("F64", "<f8"), torch.int64: ("I64", "<i8"),
             torch.bool: ("BOOL", np.uint8)}
    name, np_type = kinds[t.dtype]
    return name, t.detach().contiguous().numpy().astype(np_type).tobytes()


header, blobs, offset = {}, [], 0
for key, t in entries.items():
    dtype, data = tensor_bytes(t)
    header[key] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
header["__metadata__"] = {"attention": json.dumps(attention_cases), "rope": json.dumps(rope_cases),
                          "torch": torch.__version__}
hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
hjson += b" " * ((8 - len(hjson) % 8) % 8)
with open(OUT, "wb") as f:
    f.write(struct.pack("<Q", len(hjson)))
    f.write(hjson)
    for b in blobs:
        f.write(b)
print(f"wrote {OUT}: {len(attention_cases)} attention and {len(rope_cases)} rope cases, {offset} data bytes")
