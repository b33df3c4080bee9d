#!/usr/bin/python3
"""Writes core/src/test/resources/safetensors/all_dtypes.safetensors, a fixture for SafetensorsFileTest.

An independent writer: the bytes are laid out by hand from the safetensors specification (8-byte
little-endian header length, JSON header padded with spaces to a multiple of 8, data buffer), using only
numpy and the standard library. There is one tensor of every dtype with hand-picked values (extremes,
denormals, exact halves), a scalar, an empty tensor, and non-ASCII metadata. As the reference `safetensors`
package does, the header lists tensors sorted by name while the data buffer orders them differently, so
the test can tell "file order" (data order) from header order.

Run with: /usr/bin/python3 core/src/test/scripts/make_safetensors_fixture.py
"""
import json
import os
import struct

import numpy as np


def bf16_bits(values):
    """bfloat16 bits of values that are exactly representable (upper half of the float32)."""
    f32 = np.array(values, dtype='<f4')
    bits = f32.view('<u4')
    assert np.all(bits & 0xFFFF == 0), "fixture bf16 values must be exact"
    return (bits >> 16).astype('<u2')


# (name, dtype, shape, little-endian bytes); the data buffer follows this order.
TENSORS = [
    ("f64", "F64", [2, 2], np.array([1.0, -2.5, 3.141592653589793, 1e-300], dtype='<f8').tobytes()),
    ("i64", "I64", [4], np.array([0, -1, 2**53 + 1, -2**63], dtype='<i8').tobytes()),
    ("f32", "F32", [4], np.array([0.5, -1.25, 3.4028234663852886e38, 1.401298464324817e-45], dtype='<f4').tobytes()),
    ("i32", "I32", [3], np.array([2147483647, -2147483648, 7], dtype='<i4').tobytes()),
    ("scalar", "F32", [], np.array([42.0], dtype='<f4').tobytes()),
    ("empty", "F32", [0, 3], b""),
    ("f16", "F16", [5], np.array([1.0, -2.0, 1.0 / 3.0, 65504.0, 5.960464477539063e-08], dtype='<f2').tobytes()),
    ("bf16", "BF16", [2, 2], bf16_bits([1.0, -3.0, 0.0078125, 3.3895313892515355e38]).tobytes()),
    ("i16", "I16", [2, 2], np.array([-32768, 32767, 0, -5], dtype='<i2').tobytes()),
    ("i8", "I8", [3], np.array([-128, 127, -1], dtype='i1').tobytes()),
    ("u8", "U8", [3], np.array([0, 255, 128], dtype='u1').tobytes()),
    ("bool", "BOOL", [3], bytes([1, 0, 1])),
]

METADATA = {"format": "pt", "source": "make_safetensors_fixture.py", "note": "ünïcödé ✓"}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "resources", "safetensors", "all_dtypes.safetensors")
    header = {"__metadata__": METADATA}
    offset = 0
    for name, dtype, shape, data in TENSORS:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, sort_keys=True, ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(out, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, data in TENSORS:
            f.write(data)
    print("wrote", os.path.normpath(out), os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
