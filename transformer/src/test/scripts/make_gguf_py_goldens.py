#!/usr/bin/env python3
"""GGUF files written by llama.cpp's own writer (gguf-py, the package convert_hf_to_gguf.py writes with) from the
PyTorch golden LLaMA of make_model_goldens.py, for GgufCheckpointTest.

Reads goldens/models.safetensors (the script's HF-layout LLaMA: vocab 64, dim 48, 2 layers, 4 heads, 2 kv heads),
maps names with gguf-py's TensorNameMap, permutes q/k rows as convert_hf_to_gguf.py's LlamaModel.permute does
(rotate-half halves to interleaved pairs, per head, with head_count_kv heads for k), writes the converter's llama
metadata with GGUFWriter's add_* helpers, and stores 1-D tensors as F32 and 2-D ones as F32 or BF16 (quantized with
gguf.quants, as the converter does for --outtype bf16). Writes goldens/gguf-py/llama-{f32,bf16}.gguf.
Likewise for the golden GPT-2 (goldens/hf-gpt2, Hugging Face's Conv1D layout): Conv1D weights transposed to
(out, in) and the causal-mask buffers dropped, as the converter's GPT2Model does; no output tensor (tied); 2-D
weights F32 or Q8_0 (ggml's reference quantizer in gguf.quants). Writes goldens/gguf-py/gpt2-{f32,q8_0}.gguf.
Needs: pip install gguf (0.19.0 was used) and numpy.
"""
import json
import os
import struct

import gguf
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDENS = os.path.join(HERE, "..", "resources", "goldens")
N_HEAD, N_KV, DIM, LAYERS, HIDDEN, VOCAB, CTX = 4, 2, 48, 2, 128, 64, 32


def read_safetensors(path, prefix):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for key, e in header.items():
        if not key.startswith(prefix) or e.get("dtype") != "F32":
            continue
        a, b = e["data_offsets"]
        out[key[len(prefix):]] = np.frombuffer(data[a:b], dtype="<f4").reshape(e["shape"]).copy()
    return out


def read_llama():
    return read_safetensors(os.path.join(GOLDENS, "models.safetensors"), "llama.param.")


def permute(w, n_head):
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write(path, qtype, file_type):
    params = read_llama()
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, LAYERS)
    w = gguf.GGUFWriter(path, gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.LLAMA])
    w.add_name("jgrad golden llama")
    w.add_context_length(CTX)
    w.add_embedding_length(DIM)
    w.add_block_count(LAYERS)
    w.add_feed_forward_length(HIDDEN)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_KV)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(file_type)
    w.add_vocab_size(VOCAB)
    w.add_rope_dimension_count(DIM // N_HEAD)
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    for name, t in params.items():
        if name.endswith("q_proj.weight"):
            t = permute(t, N_HEAD)
        elif name.endswith("k_proj.weight"):
            t = permute(t, N_KV)
        new = names.get_name(name, try_suffixes=(".weight", ".bias"))
        assert new is not None, name
        if t.ndim == 1 or qtype == gguf.GGMLQuantizationType.F32:
            w.add_tensor(new, t.astype(np.float32))
        else:
            w.add_tensor(new, gguf.quants.quantize(t, qtype), raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print("wrote", path)


def write_gpt2(path, qtype, file_type):
    params = read_safetensors(os.path.join(GOLDENS, "hf-gpt2", "model.safetensors"), "")
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.GPT2, 2)
    w = gguf.GGUFWriter(path, gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.GPT2])
    w.add_name("jgrad golden gpt2")
    w.add_block_count(2)
    w.add_context_length(32)
    w.add_embedding_length(32)
    w.add_feed_forward_length(4 * 32)
    w.add_head_count(4)
    w.add_layer_norm_eps(1e-5)
    w.add_file_type(file_type)
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    for name, t in params.items():
        if name.endswith((".attn.bias", ".attn.masked_bias")):
            continue
        if name.endswith((".c_attn.weight", ".c_proj.weight", ".c_fc.weight")):
            t = np.ascontiguousarray(t.T)
        new = names.get_name(name, try_suffixes=(".weight", ".bias"))
        assert new is not None, name
        if t.ndim == 1 or qtype == gguf.GGMLQuantizationType.F32:
            w.add_tensor(new, t.astype(np.float32))
        else:
            w.add_tensor(new, gguf.quants.quantize(t, qtype), raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print("wrote", path)


if __name__ == "__main__":
    out = os.path.join(GOLDENS, "gguf-py")
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "llama-f32.gguf"), gguf.GGMLQuantizationType.F32, gguf.LlamaFileType.ALL_F32)
    write(os.path.join(out, "llama-bf16.gguf"), gguf.GGMLQuantizationType.BF16, gguf.LlamaFileType.MOSTLY_BF16)
    write_gpt2(os.path.join(out, "gpt2-f32.gguf"), gguf.GGMLQuantizationType.F32, gguf.LlamaFileType.ALL_F32)
    write_gpt2(os.path.join(out, "gpt2-q8_0.gguf"), gguf.GGMLQuantizationType.Q8_0, gguf.LlamaFileType.MOSTLY_Q8_0)
