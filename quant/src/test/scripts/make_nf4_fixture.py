#!/usr/bin/python3
"""Writes quant/src/test/resources/quant/bnb4bit_fixture.safetensors for Bnb4bitFixtureTest.

An independent numpy implementation of bitsandbytes' blockwise quantization (quantize_4bit with NF4/FP4,
double quantization, quantize_blockwise with the signed dynamic map), written from the algorithm, not
from jgrad's Java. Where jgrad uses a binary search and a neighbour comparison to find the nearest code,
this script takes a brute-force argmin over the whole code book (numpy's argmin returns the first index
of a tie, i.e. the lower one).

Semantics (bitsandbytes' default/CPU backend; the CUDA kernel agrees except where noted in the report):
  * flatten row-major; blocks of `blocksize` (last may be short); absmax per block in float32;
  * s = clip(x * float32(1/absmax), -1, 1); an all-zero block encodes as the code of 0.0;
  * NF4: nearest code, a tie to the lower index; FP4: sign bit = (s < 0), magnitude = nearest of
    [0, .0625, 2, 3, 4, 6, 8, 12]/12, a tie to the smaller magnitude (bitsandbytes' CUDA dQuantizeFP4);
  * two nibbles per byte, even element in the high nibble, odd length padded with the code of 0.0;
  * double quantization: offset = float32(sum of absmax in double, in order / count); absmax - offset is
    quantized blockwise (256) to 8 bits with the signed dynamic map (index 127 = 0);
  * dequantize: code[nibble] * absmax, absmax = dyn[q] * nested_absmax + offset, all float32.

Each 4-bit case is stored in the bitsandbytes / Hugging Face layout under "<case>.W" (packed U8 [(n+1)/2, 1],
.absmax, .quant_map, .nested_absmax, .nested_quant_map, .quant_state.bitsandbytes__<type> as UTF-8 JSON),
next to "<case>.input" (the float32 tensor quantized) and "<case>.dequant" (its dequantization).

Run with: /usr/bin/python3 quant/src/test/scripts/make_nf4_fixture.py
"""
import json
import os
import struct

import numpy as np

F32 = np.float32

NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
                0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0], dtype=np.float64).astype(F32)
FP4 = (np.array([0, 0.0625, 8, 12, 4, 6, 2, 3, -0.0, -0.0625, -8, -12, -4, -6, -2, -3], dtype=F32) / F32(12)).astype(F32)
FP4_BY_MAGNITUDE = np.array([0b000, 0b001, 0b110, 0b111, 0b100, 0b101, 0b010, 0b011])


def dynamic_map():
    """bitsandbytes' create_dynamic_map(signed=True), in double precision rounded once to float32."""
    scales = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    values = []
    for e in range(7):
        bins = 1 << e
        for b in range(bins):
            lo = 0.1 + 0.9 * b / bins
            hi = 0.1 + 0.9 * (b + 1) / bins
            mean = scales[e] * ((lo + hi) / 2)
            values += [mean, -mean]
    values += [0.0, 1.0]
    return np.sort(np.array(values, dtype=np.float64).astype(F32))


DYN = dynamic_map()


def block_absmax(x, bs):
    n = x.size
    padded = np.zeros(-(-n // bs) * bs, dtype=F32)
    padded[:n] = np.abs(x)
    return padded.reshape(-1, bs).max(axis=1).astype(F32)


def scaled(x, absmax, bs):
    a = absmax[np.arange(x.size) // bs]
    inv = np.zeros_like(a)
    nz = a > 0
    inv[nz] = F32(1) / a[nz]
    return np.clip((x * inv).astype(F32), F32(-1), F32(1)).astype(F32)


def argmin_nearest(s, table):
    return np.argmin(np.abs(s[:, None] - table[None, :]), axis=1)


def encode4(s, qtype):
    if qtype == "nf4":
        return argmin_nearest(s, NF4)
    magnitudes = FP4[FP4_BY_MAGNITUDE]
    sign = np.where(s < 0, 8, 0)
    return FP4_BY_MAGNITUDE[argmin_nearest(np.abs(s).astype(F32), magnitudes)] | sign


def quantize8(x, bs):
    absmax = block_absmax(x, bs)
    return argmin_nearest(scaled(x, absmax, bs), DYN).astype(np.uint8), absmax


def dequantize8(q, absmax, bs):
    return (DYN[q] * absmax[np.arange(q.size) // bs]).astype(F32)


def quantize4(x, qtype, bs, double_quant):
    n = x.size
    absmax = block_absmax(x, bs)
    idx = encode4(scaled(x, absmax, bs), qtype)
    if n % 2:
        idx = np.append(idx, 7 if qtype == "nf4" else 0)
    packed = ((idx[0::2] << 4) | idx[1::2]).astype(np.uint8)
    result = {"packed": packed, "absmax": absmax}
    if double_quant:
        total = 0.0
        for v in absmax:
            total += float(v)
        offset = F32(total / absmax.size)
        q, nested = quantize8((absmax - offset).astype(F32), 256)
        result.update(qabsmax=q, nested_absmax=nested, offset=offset)
        absmax = (dequantize8(q, nested, 256) + offset).astype(F32)
    code = NF4 if qtype == "nf4" else FP4
    nib = np.empty(packed.size * 2, dtype=np.int64)
    nib[0::2] = packed >> 4
    nib[1::2] = packed & 0xF
    result["dequant"] = (code[nib[:n]] * absmax[np.arange(n) // bs]).astype(F32)
    return result


def to_bf16_values(x):
    bits = x.astype(F32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(F32)


class Writer:
    def __init__(self):
        self.tensors = []

    def add(self, name, dtype, shape, array):
        self.tensors.append((name, dtype, list(shape), np.ascontiguousarray(array).tobytes()))

    def write(self, path):
        header, offset = {}, 0
        for name, dtype, shape, data in self.tensors:
            header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
            offset += len(data)
        text = json.dumps(header).encode("utf-8")
        text += b" " * (-len(text) % 8)
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for _, _, _, data in self.tensors:
                f.write(data)


def main():
    rng = np.random.default_rng(20240601)
    w = Writer()
    w.add("dynamic_map", "F32", [256], DYN)

    # Ties and a zero block: with absmax 1, c8/2 lies exactly between codes 7 (0.0) and 8, and c6/2 between
    # 6 and 7; both must go to the lower index. Row 1 is all zero.
    ties = np.zeros((3, 64), dtype=F32)
    ties[0, :8] = [1.0, NF4[8] / 2, NF4[6] / 2, -1.0, 0.5, -0.25, NF4[14], (NF4[13] + NF4[14]) / 2]
    ties[2] = rng.standard_normal(64).astype(F32)
    scaled_rows = (rng.standard_normal((80, 256)) * rng.uniform(0.01, 3.0, (80, 1))).astype(F32)

    cases = [
        # name, quant type, input, blocksize, double quant, dtype
        ("nf4_odd", "nf4", rng.standard_normal((7, 33)).astype(F32), 64, False, "float32"),
        ("nf4_dq", "nf4", to_bf16_values(rng.standard_normal((64, 96))), 64, True, "bfloat16"),
        ("nf4_dq_bs32", "nf4", scaled_rows, 32, True, "float32"),
        ("nf4_ties_zero", "nf4", ties, 64, False, "float32"),
        ("fp4_dq_odd", "fp4", rng.standard_normal((5, 77)).astype(F32), 128, True, "float32"),
        ("fp4_bs4096", "fp4", (rng.standard_normal((3, 1500)) * 0.02).astype(F32), 4096, False, "float32"),
    ]
    for name, qtype, x, bs, dq, dtype in cases:
        r = quantize4(x.reshape(-1), qtype, bs, dq)
        w.add(name + ".input", "F32", x.shape, x)
        prefix = name + ".W"
        w.add(prefix, "U8", [r["packed"].size, 1], r["packed"])
        state = {"quant_type": qtype, "blocksize": bs, "dtype": dtype, "shape": list(x.shape)}
        if dq:
            w.add(prefix + ".absmax", "U8", [r["qabsmax"].size], r["qabsmax"])
            w.add(prefix + ".quant_map", "F32", [16], NF4 if qtype == "nf4" else FP4)
            w.add(prefix + ".nested_absmax", "F32", [r["nested_absmax"].size], r["nested_absmax"])
            w.add(prefix + ".nested_quant_map", "F32", [256], DYN)
            state.update(nested_blocksize=256, nested_dtype="float32", nested_offset=float(r["offset"]))
        else:
            w.add(prefix + ".absmax", "F32", [r["absmax"].size], r["absmax"])
            w.add(prefix + ".quant_map", "F32", [16], NF4 if qtype == "nf4" else FP4)
        blob = np.frombuffer(json.dumps(state).encode("utf-8"), dtype=np.uint8)
        w.add(prefix + ".quant_state.bitsandbytes__" + qtype, "U8", [blob.size], blob)
        w.add(name + ".dequant", "F32", x.shape, r["dequant"].reshape(x.shape))

    for name, n, bs in [("q8_bs256", 1000, 256), ("q8_bs4096", 5000, 4096)]:
        x = (rng.standard_normal(n) * 3).astype(F32)
        q, absmax = quantize8(x, bs)
        w.add(name + ".input", "F32", [n], x)
        w.add(name + ".codes", "U8", [n], q)
        w.add(name + ".absmax", "F32", [absmax.size], absmax)
        w.add(name + ".dequant", "F32", [n], dequantize8(q, absmax, bs))

    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.normpath(os.path.join(here, "..", "resources", "quant", "bnb4bit_fixture.safetensors"))
    w.write(out)
    print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
