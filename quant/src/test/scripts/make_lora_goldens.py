#!/usr/bin/python3
"""Golden values for jgrad's Linear4bit and LoRA layers, and a PEFT adapter fixture, computed with PyTorch 1.13
(Debian's python3-torch; Debian has neither bitsandbytes nor peft, so both are written out below from their
documented math, not from jgrad's Java).

Linear4bit (bitsandbytes' Linear4bit: y = x W^T + b with W stored in 4 bits): the weight is quantized to NF4
(blocks of 64, double quantization) by the independent numpy implementation of make_nf4_fixture.py, dequantized,
and torch computes in float64 y = x Wd^T + b and, for an upstream gradient gy, the input gradient gx = gy Wd.

LoRA (PEFT's lora.Linear, dropout p = 0): y = x W^T + b + (x A^T B^T) * scaling, scaling = alpha / r (rsLoRA:
alpha / sqrt(r)); torch autograd in float64 gives gx, gA, gB for an upstream gradient gy. A and B are random
(B non-zero, unlike a fresh adapter) so that every gradient is exercised.

PEFT fixture: the LLaMA of transformer/src/test/scripts/make_model_goldens.py (vocab 64, dim 48, 2 layers, GQA),
its float32 weights read from that script's models.safetensors, written as a Hugging Face checkpoint (base-llama/),
and a LoRA adapter on q_proj and v_proj (r 4, alpha 8) in PEFT's exact layout (peft-llama/):
adapter_model.safetensors with keys base_model.model.<module path>.lora_A.weight (r, in) / .lora_B.weight (out, r),
and adapter_config.json with PEFT's LoraConfig fields. The logits of the adapted model, in float64, come from the
same plain-torch LLaMA with W + scaling * B A in place of each adapted weight; the base's logits with every block
linear weight quantized to NF4 + double quantization (numpy) and dequantized are stored too.

Run with: /usr/bin/python3 quant/src/test/scripts/make_lora_goldens.py
Writes quant/src/test/resources/lora/{lora_goldens.safetensors, base-llama/, peft-llama/}.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
OUT = os.path.join(ROOT, "quant", "src", "test", "resources", "lora")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "transformer", "src", "test", "scripts"))

from make_nf4_fixture import quantize4  # noqa: E402  (numpy bitsandbytes quantization)
import make_model_goldens as mg  # noqa: E402  (plain-torch LLaMA, safetensors writer)

torch.manual_seed(20241103)


def read_safetensors(path):
    """A minimal reader: F32/F64/I64 tensors as torch tensors."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    kinds = {"F32": np.float32, "F64": np.float64, "I64": np.int64}
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=kinds[h["dtype"]]).reshape(h["shape"]).copy())
    return out


def linear4bit_case(entries, name, out_f, in_f, m_shape, bias):
    w = (torch.randn(out_f, in_f) * 0.1).float()
    r = quantize4(w.numpy().reshape(-1), "nf4", 64, True)
    wd = torch.from_numpy(r["dequant"].reshape(out_f, in_f).astype(np.float32)).double()
    x = torch.randn(*m_shape, in_f).float()
    gy = torch.randn(*m_shape, out_f).float()
    b = (torch.randn(out_f) * 0.1).float() if bias else None
    xd = x.double().requires_grad_(True)
    y = xd @ wd.t() + (b.double() if bias else 0)
    y.backward(gy.double())
    entries[name + ".weight"] = w
    entries[name + ".dequant"] = wd.float()
    entries[name + ".x"] = x
    entries[name + ".gy"] = gy
    if bias:
        entries[name + ".bias"] = b
    entries[name + ".y"] = y.detach()
    entries[name + ".gx"] = xd.grad.detach()


def lora_case(entries, name, out_f, in_f, r, alpha, rslora):
    scaling = alpha / math.sqrt(r) if rslora else alpha / r
    w = (torch.randn(out_f, in_f) * 0.2).float()
    b = (torch.randn(out_f) * 0.1).float()
    a = (torch.rand(r, in_f) * 2 - 1).float() / math.sqrt(in_f)
    bb = (torch.randn(out_f, r) * 0.1).float()
    x = torch.randn(2, 3, in_f).float()
    gy = torch.randn(2, 3, out_f).float()
    xd, ad, bd = (t.double().requires_grad_(True) for t in (x, a, bb))
    y = xd @ w.double().t() + b.double() + (xd @ ad.t() @ bd.t()) * scaling
    y.backward(gy.double())
    for k, v in dict(weight=w, bias=b, lora_A=a, lora_B=bb, x=x, gy=gy).items():
        entries[f"{name}.{k}"] = v
    entries[name + ".scaling"] = torch.tensor([scaling], dtype=torch.float64)
    entries[name + ".y"] = y.detach()
    entries[name + ".gx"] = xd.grad.detach()
    entries[name + ".gA"] = ad.grad.detach()
    entries[name + ".gB"] = bd.grad.detach()
    entries[name + ".merged"] = (w.double() + (bd @ ad).detach() * scaling)


PEFT_TARGETS = ["q_proj", "v_proj"]
PEFT_R, PEFT_ALPHA = 4, 8


def peft_fixture(entries):
    goldens = read_safetensors(os.path.join(ROOT, "transformer", "src", "test", "resources", "goldens", "models.safetensors"))
    hf = {k[len("llama.param."):]: v for k, v in goldens.items() if k.startswith("llama.param.")}
    ids = goldens["llama.ids"]
    base_dir = os.path.join(OUT, "base-llama")
    mg.write_safetensors(os.path.join(base_dir, "model.safetensors"), hf, {"format": "pt"})
    L = mg.LLAMA
    mg.write_json(os.path.join(base_dir, "config.json"), {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": L["vocab"],
        "hidden_size": L["dim"], "intermediate_size": L["hidden"], "num_hidden_layers": L["layers"],
        "num_attention_heads": L["heads"], "num_key_value_heads": L["kv_heads"], "hidden_act": "silu",
        "rms_norm_eps": L["eps"], "rope_theta": L["theta"], "rope_scaling": None,
        "max_position_embeddings": L["seq_len"], "tie_word_embeddings": False, "attention_bias": False,
        "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"})

    scaling = PEFT_ALPHA / PEFT_R
    adapter, adapted = {}, {k: v.double() for k, v in hf.items()}
    for i in range(L["layers"]):
        for t in PEFT_TARGETS:
            path = f"model.layers.{i}.self_attn.{t}"
            w = hf[path + ".weight"]
            a = ((torch.rand(PEFT_R, w.shape[1]) * 2 - 1) / math.sqrt(w.shape[1])).float()
            bb = (torch.randn(w.shape[0], PEFT_R) * 0.05).float()
            adapter[f"base_model.model.{path}.lora_A.weight"] = a
            adapter[f"base_model.model.{path}.lora_B.weight"] = bb
            adapted[path + ".weight"] = w.double() + (bb.double() @ a.double()) * scaling
    peft_dir = os.path.join(OUT, "peft-llama")
    mg.write_safetensors(os.path.join(peft_dir, "adapter_model.safetensors"), adapter, {"format": "pt"})
    # The fields PEFT's LoraConfig writes (save_pretrained: the dataclass as a dict, keys sorted).
    mg.write_json(os.path.join(peft_dir, "adapter_config.json"), {
        "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "jgrad-tests/base-llama",
        "bias": "none", "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True,
        "layer_replication": None, "layers_pattern": None, "layers_to_transform": None, "loftq_config": {},
        "lora_alpha": PEFT_ALPHA, "lora_dropout": 0.05, "megatron_config": None, "megatron_core": "megatron.core",
        "modules_to_save": None, "peft_type": "LORA", "r": PEFT_R, "rank_pattern": {}, "revision": None,
        "target_modules": sorted(PEFT_TARGETS), "task_type": "CAUSAL_LM", "use_dora": False, "use_rslora": False})
    entries["peft.ids"] = ids
    entries["peft.base_logits"] = mg.llama_forward({k: v.double() for k, v in hf.items()}, ids, mg.HF_NAMES, mg.rope_half)
    entries["peft.logits"] = mg.llama_forward(adapted, ids, mg.HF_NAMES, mg.rope_half)
    # The base with every block linear weight through NF4 + double quantization (numpy), then dequantized: the
    # logits of a model quantized the QLoRA way.
    nf4 = {}
    for k, v in hf.items():
        if k.startswith("model.layers.") and k.endswith("_proj.weight"):
            r = quantize4(v.numpy().reshape(-1), "nf4", 64, True)
            nf4[k] = torch.from_numpy(r["dequant"].reshape(v.shape).astype(np.float32)).double()
        else:
            nf4[k] = v.double()
    entries["peft.nf4_logits"] = mg.llama_forward(nf4, ids, mg.HF_NAMES, mg.rope_half)


def main():
    entries = {}
    linear4bit_case(entries, "l4.rows", 48, 64, (2, 5), True)      # in-register kernels (in % 32 == 0)
    linear4bit_case(entries, "l4.one", 48, 64, (1, 1), False)      # one row: the matvec path
    linear4bit_case(entries, "l4.odd", 7, 40, (3,), True)          # blocks spanning rows: the row-buffer path
    lora_case(entries, "lora", 24, 40, 4, 8.0, False)
    lora_case(entries, "rslora", 24, 40, 4, 8.0, True)
    peft_fixture(entries)
    mg.write_safetensors(os.path.join(OUT, "lora_goldens.safetensors"), entries,
                         {"generator": "quant/src/test/scripts/make_lora_goldens.py", "torch": torch.__version__})


if __name__ == "__main__":
    main()
