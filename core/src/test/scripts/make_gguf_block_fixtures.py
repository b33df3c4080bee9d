#!/usr/bin/env python3
"""Known answers for jgrad's GGUF block decoders and reference quantizers (GgufBlocksTest, GgufQuantizerTest).

Writes core/src/test/resources/gguf/blocks.txt. An independent numpy implementation of the formulas in ggml's
ggml-common.h / ggml-quants.c (block layouts, dequantize_row_*, quantize_row_q8_0_ref, quantize_row_q4_0_ref),
written per super-block with array operations, every step in float32 and in the order the C expressions evaluate
(no fused multiply-add). Lines:
  dequant TYPE CASE <block bytes hex> <expected float32 bits hex, 8 digits each>
  quant TYPE CASE <input float32 bits hex> <expected block bytes hex>
Run: python3 make_gguf_block_fixtures.py  (needs numpy only)
"""
import os
import numpy as np

F = np.float32
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "gguf", "blocks.txt")


def f16(b, at):
    return F(np.frombuffer(bytes(b[at:at + 2]), dtype="<f2")[0])


def u8(b):
    return np.frombuffer(bytes(b), dtype=np.uint8).astype(np.int32)


def deq_q4_0(b):
    d, q = f16(b, 0), u8(b[2:18])
    x = np.concatenate([q & 15, q >> 4]) - 8
    return x.astype(F) * d


def deq_q4_1(b):
    d, m, q = f16(b, 0), f16(b, 2), u8(b[4:20])
    x = np.concatenate([q & 15, q >> 4])
    return x.astype(F) * d + m


def fifth_bits(b):
    qh = int.from_bytes(bytes(b), "little")
    return np.array([(qh >> i) & 1 for i in range(32)], dtype=np.int32) << 4


def deq_q5_0(b):
    d, h, q = f16(b, 0), fifth_bits(b[2:6]), u8(b[6:22])
    x = (np.concatenate([q & 15, q >> 4]) | h) - 16
    return x.astype(F) * d


def deq_q5_1(b):
    d, m, h, q = f16(b, 0), f16(b, 2), fifth_bits(b[4:8]), u8(b[8:24])
    x = np.concatenate([q & 15, q >> 4]) | h
    return x.astype(F) * d + m


def deq_q8_0(b):
    d = f16(b, 0)
    q = np.frombuffer(bytes(b[2:34]), dtype=np.int8).astype(F)
    return q * d


def crumbs(qs):
    """2-bit fields of 64 bytes in K-quant order: per half of 32 bytes, shifts 0,2,4,6, each over the 32 bytes."""
    out = []
    for half in range(2):
        part = qs[32 * half:32 * half + 32]
        for shift in (0, 2, 4, 6):
            out.append((part >> shift) & 3)
    return np.concatenate(out)  # 256 values


def deq_q2_K(b):
    sc, q = u8(b[0:16]), crumbs(u8(b[16:80]))
    d, dmin = f16(b, 80), f16(b, 82)
    dl = d * (sc & 15).astype(F)      # one per group of 16
    ml = dmin * (sc >> 4).astype(F)
    return np.repeat(dl, 16) * q.astype(F) - np.repeat(ml, 16)


def deq_q3_K(b):
    hm, q, s = u8(b[0:32]), crumbs(u8(b[32:96])), u8(b[96:108])
    d = f16(b, 108)
    # sixteen 6-bit scales: low nibbles of bytes 0..7, then high nibbles of bytes 0..7; top bits from bytes 8..11
    low = np.concatenate([s[0:8] & 15, s[0:8] >> 4])
    high = np.array([(s[8 + (i % 4)] >> (2 * (i // 4))) & 3 for i in range(16)], dtype=np.int32)
    scales = (low | (high << 4)) - 32
    # the high bit of value (run r, position l) is bit r of hmask[l]; runs of 32 values
    hbit = np.concatenate([(hm >> r) & 1 for r in range(8)])
    x = q - np.where(hbit == 1, 0, 4)
    dl = d * scales.astype(F)
    return np.repeat(dl, 16) * x.astype(F)


def scales_k4(s):
    sc = np.zeros(8, dtype=np.int32)
    mn = np.zeros(8, dtype=np.int32)
    sc[0:4], mn[0:4] = s[0:4] & 63, s[4:8] & 63
    sc[4:8] = (s[8:12] & 15) | ((s[0:4] >> 6) << 4)
    mn[4:8] = (s[8:12] >> 4) | ((s[4:8] >> 6) << 4)
    return sc, mn


def nibbles_k(qs):
    """4-bit fields of 128 bytes: per run of 32 bytes, low nibbles then high nibbles."""
    return np.concatenate([np.concatenate([qs[i:i + 32] & 15, qs[i:i + 32] >> 4]) for i in range(0, 128, 32)])


def deq_q4_K(b):
    d, dmin = f16(b, 0), f16(b, 2)
    sc, mn = scales_k4(u8(b[4:16]))
    q = nibbles_k(u8(b[16:144]))
    return np.repeat(d * sc.astype(F), 32) * q.astype(F) - np.repeat(dmin * mn.astype(F), 32)


def deq_q5_K(b):
    d, dmin = f16(b, 0), f16(b, 2)
    sc, mn = scales_k4(u8(b[4:16]))
    qh = u8(b[16:48])
    q = nibbles_k(u8(b[48:176])) + 16 * np.concatenate([(qh >> g) & 1 for g in range(8)])
    return np.repeat(d * sc.astype(F), 32) * q.astype(F) - np.repeat(dmin * mn.astype(F), 32)


def deq_q6_K(b):
    ql, qh = u8(b[0:128]), u8(b[128:192])
    sc = np.frombuffer(bytes(b[192:208]), dtype=np.int8).astype(F)
    d = f16(b, 208)
    vals = []
    for half in range(2):
        l4, h2 = ql[64 * half:64 * half + 64], qh[32 * half:32 * half + 32]
        lo = [l4[0:32] & 15, l4[32:64] & 15, l4[0:32] >> 4, l4[32:64] >> 4]
        for k in range(4):
            vals.append((lo[k] | (((h2 >> (2 * k)) & 3) << 4)) - 32)
    q = np.concatenate(vals)
    return np.repeat(d * sc, 16) * q.astype(F)


def quant_q8_0(x):
    amax = F(np.max(np.abs(x)))
    d = F(amax / F(127))
    idv = F(F(1) / d) if d != 0 else F(0)
    p = x * idv
    q = (np.sign(p) * np.floor(np.abs(p.astype(np.float64)) + 0.5)).astype(np.int8)
    return np.array([d], dtype="<f2").tobytes() + q.tobytes()


def quant_q4_0(x):
    k = int(np.argmax(np.abs(x)))  # first index of the largest magnitude
    mx = x[k]
    d = F(mx / F(-8))
    idv = F(F(1) / d) if d != 0 else F(0)
    q = np.minimum(15, np.trunc(x * idv + F(8.5)).astype(np.int32))
    return np.array([d], dtype="<f2").tobytes() + bytes(((q[0:16] | (q[16:32] << 4)) & 0xFF).astype(np.uint8))


DEQ = {"Q4_0": (18, deq_q4_0, [0]), "Q4_1": (20, deq_q4_1, [0, 2]), "Q5_0": (22, deq_q5_0, [0]),
       "Q5_1": (24, deq_q5_1, [0, 2]), "Q8_0": (34, deq_q8_0, [0]), "Q2_K": (84, deq_q2_K, [80, 82]),
       "Q3_K": (110, deq_q3_K, [108]), "Q4_K": (144, deq_q4_K, [0, 2]), "Q5_K": (176, deq_q5_K, [0, 2]),
       "Q6_K": (210, deq_q6_K, [208])}


def main():
    rng = np.random.default_rng(20261207)
    lines = []
    for name, (size, fn, halves) in DEQ.items():
        cases = {"zero": bytearray(size), "ones": bytearray(b"\xff" * size)}
        for i in range(3):
            cases["random%d" % i] = bytearray(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
        for label, blk in cases.items():
            for at in halves:  # finite scales: largest f16 (65504) for "ones", random normal values otherwise
                if label == "zero":
                    continue
                v = F(65504) if label == "ones" else F(rng.uniform(-2, 2) * 2.0 ** rng.integers(-14, 2))
                blk[at:at + 2] = np.array([v], dtype="<f2").tobytes()
            if label == "random2":  # a subnormal f16 scale
                blk[halves[0]:halves[0] + 2] = b"\x01\x00"
            y = fn(blk).astype(F)
            assert y.shape == ((32,) if size < 80 else (256,)), (name, y.shape)
            lines.append("dequant %s %s %s %s" % (name, label, bytes(blk).hex(),
                                                 "".join("%08x" % v for v in y.view(np.uint32))))
    inputs = {"zero": np.zeros(32, F), "ramp": (np.arange(32, dtype=F) - F(15.5)) / F(3),
              "ties": np.array([F(127) * k / F(254) for k in range(-16, 16)], F),
              "negmax": np.concatenate([[F(-7.25)], np.full(31, F(7.25))]).astype(F),
              "tiny": np.full(32, F(1e-30)), "huge": np.linspace(-6e4, 6e4, 32).astype(F)}
    for i in range(4):
        inputs["normal%d" % i] = rng.standard_normal(32).astype(F) * F(10.0 ** rng.integers(-3, 3))
    for label, x in inputs.items():
        xs = "".join("%08x" % v for v in x.view(np.uint32))
        lines.append("quant Q8_0 %s %s %s" % (label, xs, quant_q8_0(x).hex()))
        lines.append("quant Q4_0 %s %s %s" % (label, xs, quant_q4_0(x).hex()))
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %d cases to %s" % (len(lines), OUT))


if __name__ == "__main__":
    with np.errstate(all="ignore"):
        main()
