#!/usr/bin/env python3
"""Cross-checks resources/gguf/blocks.txt against llama.cpp's own Python package gguf-py (gguf.quants).

blocks.txt comes from make_gguf_block_fixtures.py, our numpy transcription of ggml's formulas; this script asks
a second implementation, the one llama.cpp's converter uses, for the same answers: every `dequant` line through
gguf.quants.dequantize, every `quant` line through gguf.quants.quantize. It prints one line per type and exits 1 on
any difference in the bits. Needs: pip install gguf (0.19.0 was used) and numpy.
"""
import os
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

PATH = os.path.join(os.path.dirname(__file__), "..", "resources", "gguf", "blocks.txt")


def main():
    stats, bad = {}, 0
    for line in open(PATH):
        kind, name, case, a, b = line.split()
        t = T[name]
        if kind == "dequant":
            got = quants.dequantize(np.frombuffer(bytes.fromhex(a), dtype=np.uint8), t).astype(np.float32)
            same = got.view(np.uint32).tobytes().hex() == "".join(
                np.array([int(b[i:i + 8], 16)], dtype=np.uint32).tobytes().hex() for i in range(0, len(b), 8))
        else:
            x = np.array([int(a[i:i + 8], 16) for i in range(0, len(a), 8)], dtype=np.uint32).view(np.float32)
            same = quants.quantize(x.reshape(1, 32), t).tobytes().hex() == b
        key = kind + " " + name
        ok, n = stats.get(key, (0, 0))
        stats[key] = (ok + same, n + 1)
        if not same:
            bad += 1
            print("DIFFERS: %s %s %s" % (kind, name, case))
    for key, (ok, n) in sorted(stats.items()):
        print("%-14s %d/%d identical" % (key, ok, n))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    with np.errstate(all="ignore"):
        main()
