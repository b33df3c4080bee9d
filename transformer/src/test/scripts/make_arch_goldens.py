#!/usr/bin/python3
"""Golden values and Hugging Face checkpoints for the LLaMA-family variants jgrad runs as configurations of its
LlamaModel: Qwen2 (q/k/v biases, tied embeddings, RoPE theta 1e6), Mistral (sliding-window attention) and LLaMA 3.1
(rope_scaling of type "llama3"), computed by PyTorch 1.13 (Debian's python3-torch; Debian has no `transformers`).

Each model is written out below module by module as plain torch from its published definition:
  - Qwen2 (HF Qwen2ForCausalLM / Qwen2 technical report): LLaMA's pre-norm block, but q_proj, k_proj and v_proj
    carry biases (o_proj does not); the head is tied to the embedding here, as in the small Qwen2/2.5 models.
  - Mistral (HF MistralForCausalLM / Mistral 7B paper): LLaMA's block; the query at position i attends to the keys
    j with i - W < j <= i, W = sliding_window (its last W keys, itself included).
  - LLaMA 3.1 (Meta's apply_scaling / HF's _compute_llama3_parameters): the RoPE inverse frequencies f of the
    pairs are remapped; with wavelength w = 2*pi/f, w_high = original_max_position_embeddings / high_freq_factor,
    w_low = original_max_position_embeddings / low_freq_factor:
        w < w_high: f;   w > w_low: f / factor;   otherwise (1 - s) f / factor + s f,
        s = (original_max_position_embeddings / w - low_freq_factor) / (high_freq_factor - low_freq_factor).
All use HF's rotate-half RoPE pairing (i, i + hd/2) and grouped-query attention.

Precision as in make_model_goldens.py: weights and inputs drawn in float32 and stored as F32; PyTorch computes in
float64 from those exact values and stores logits, loss, every parameter gradient and the losses of 10 AdamW steps
as F64.

Models (small on purpose): vocab 64, dim 64, 2 layers, 4 heads, 2 kv heads (head dim 16), hidden 96, B 2, T 16.
  qwen2:   biases, tied head, eps 1e-6, theta 1e6
  mistral: sliding_window 5, untied head, eps 1e-6, theta 1e4
  llama3:  theta 5e5, rope_scaling factor 8, low 1, high 16, original 512 (pair 0 kept, pairs 1-2 blended,
           pairs 3-7 divided by the factor), untied head, eps 1e-5

Run:    /usr/bin/python3 transformer/src/test/scripts/make_arch_goldens.py
Writes (under transformer/src/test/resources/goldens/):
  archs.safetensors            per model (prefix qwen2/mistral/llama3): param.* (HF names), ids, targets, logits,
                               loss, grad.*, adamw_losses
  hf-qwen2/, hf-mistral/, hf-llama3/   config.json (HF keys of Qwen2Config / MistralConfig / LlamaConfig) and
                               model.safetensors with HF tensor names (F32; no lm_head in the tied Qwen2)
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_model_goldens import (OUT, f32, make_batch, training_goldens, u32, write_json,  # noqa: E402
                                write_safetensors)

torch.manual_seed(20261207)

BASE = dict(vocab=64, dim=64, layers=2, heads=4, kv_heads=2, hidden=96, seq_len=64)
HD = BASE["dim"] // BASE["heads"]
KV_DIM = BASE["kv_heads"] * HD

MODELS = {
    "qwen2": dict(BASE, eps=1e-6, theta=1e6, bias=True, tied=True, window=0, scaling=None),
    "mistral": dict(BASE, eps=1e-6, theta=1e4, bias=False, tied=False, window=5, scaling=None),
    "llama3": dict(BASE, eps=1e-5, theta=5e5, bias=False, tied=False, window=0,
                   scaling=dict(factor=8.0, low_freq_factor=1.0, high_freq_factor=16.0,
                                original_max_position_embeddings=512)),
}


# ---------------------------------------------------------------------------------------------------------
# Parameters in HF layout (nn.Linear (out, in))

def params(cfg):
    d, v, h = cfg["dim"], cfg["vocab"], cfg["hidden"]
    w = {"model.embed_tokens.weight": f32(v, d, std=0.5)}
    for i in range(cfg["layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = u32(d, low=0.8, high=1.2)
        w[p + "self_attn.q_proj.weight"] = f32(d, d, std=0.2)
        w[p + "self_attn.k_proj.weight"] = f32(KV_DIM, d, std=0.2)
        w[p + "self_attn.v_proj.weight"] = f32(KV_DIM, d, std=0.2)
        if cfg["bias"]:
            w[p + "self_attn.q_proj.bias"] = f32(d, std=0.3)
            w[p + "self_attn.k_proj.bias"] = f32(KV_DIM, std=0.3)
            w[p + "self_attn.v_proj.bias"] = f32(KV_DIM, std=0.3)
        w[p + "self_attn.o_proj.weight"] = f32(d, d, std=0.15)
        w[p + "post_attention_layernorm.weight"] = u32(d, low=0.8, high=1.2)
        w[p + "mlp.gate_proj.weight"] = f32(h, d, std=0.15)
        w[p + "mlp.up_proj.weight"] = f32(h, d, std=0.15)
        w[p + "mlp.down_proj.weight"] = f32(d, h, std=0.1)
    w["model.norm.weight"] = u32(d, low=0.8, high=1.2)
    if not cfg["tied"]:
        w["lm_head.weight"] = f32(v, d, std=0.3)
    return w


# ---------------------------------------------------------------------------------------------------------
# Modules

def inverse_frequencies(cfg):
    """theta^(-2i/hd) for the hd/2 pairs, remapped by LLaMA 3.1's rule when cfg has a rope scaling."""
    inv = 1.0 / (cfg["theta"] ** (torch.arange(0, HD, 2, dtype=torch.float64) / HD))
    sc = cfg["scaling"]
    if sc is None:
        return inv
    old = sc["original_max_position_embeddings"]
    low_wavelen, high_wavelen = old / sc["low_freq_factor"], old / sc["high_freq_factor"]
    out = []
    for f in inv.tolist():
        wavelen = 2 * math.pi / f
        if wavelen < high_wavelen:
            out.append(f)
        elif wavelen > low_wavelen:
            out.append(f / sc["factor"])
        else:
            s = (old / wavelen - sc["low_freq_factor"]) / (sc["high_freq_factor"] - sc["low_freq_factor"])
            out.append((1 - s) * f / sc["factor"] + s * f)
    return torch.tensor(out, dtype=torch.float64)


def rope(x, inv):
    """HF's apply_rotary_pos_emb: x * cos + rotate_half(x) * sin, angles pos * inv for positions 0..T-1."""
    ang = torch.arange(x.shape[2], dtype=torch.float64)[:, None] * inv[None, :]      # (T, hd/2)
    emb = torch.cat([ang, ang], -1)                                                     # (T, hd)
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return x * emb.cos() + torch.cat([-x2, x1], -1) * emb.sin()


def attention(q, k, v, window):
    """softmax(q k^T / sqrt(hd) + mask) v; kv head h // (H/Hkv); key j visible to query i iff j <= i and, with a
    window W > 0, j > i - W."""
    group = q.shape[1] // k.shape[1]
    k = k.repeat_interleave(group, dim=1)
    v = v.repeat_interleave(group, dim=1)
    t = q.shape[2]
    i = torch.arange(t)[:, None]
    j = torch.arange(t)[None, :]
    visible = j <= i
    if window > 0:
        visible = visible & (j > i - window)
    att = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    return att.masked_fill(~visible, float("-inf")).softmax(-1) @ v


def rms_norm(x, wt, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * wt


def linear(x, w, name):
    y = x @ w[name + ".weight"].t()
    return y + w[name + ".bias"] if name + ".bias" in w else y


def forward(cfg, w, ids):
    b, t = ids.shape
    d, nh, nkv, eps = cfg["dim"], cfg["heads"], cfg["kv_heads"], cfg["eps"]
    inv = inverse_frequencies(cfg)
    x = w["model.embed_tokens.weight"][ids]
    for i in range(cfg["layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = linear(h, w, p + "self_attn.q_proj").view(b, t, nh, HD).transpose(1, 2)
        k = linear(h, w, p + "self_attn.k_proj").view(b, t, nkv, HD).transpose(1, 2)
        v = linear(h, w, p + "self_attn.v_proj").view(b, t, nkv, HD).transpose(1, 2)
        y = attention(rope(q, inv), rope(k, inv), v, cfg["window"]).transpose(1, 2).reshape(b, t, d)
        x = x + linear(y, w, p + "self_attn.o_proj")
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = torch.nn.functional.silu(linear(h, w, p + "mlp.gate_proj"))
        x = x + linear(gate * linear(h, w, p + "mlp.up_proj"), w, p + "mlp.down_proj")
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tied"] else w["lm_head.weight"]
    return x @ head.t()


# ---------------------------------------------------------------------------------------------------------
# HF config.json

def hf_config(name, cfg):
    common = {"vocab_size": cfg["vocab"], "hidden_size": cfg["dim"], "intermediate_size": cfg["hidden"],
              "num_hidden_layers": cfg["layers"], "num_attention_heads": cfg["heads"],
              "num_key_value_heads": cfg["kv_heads"], "hidden_act": "silu", "rms_norm_eps": cfg["eps"],
              "rope_theta": cfg["theta"], "max_position_embeddings": cfg["seq_len"],
              "tie_word_embeddings": cfg["tied"], "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2,
              "torch_dtype": "float32"}
    if name == "qwen2":
        return dict(common, architectures=["Qwen2ForCausalLM"], model_type="qwen2", use_sliding_window=False,
                    sliding_window=cfg["seq_len"], max_window_layers=cfg["layers"], rope_scaling=None)
    if name == "mistral":
        return dict(common, architectures=["MistralForCausalLM"], model_type="mistral",
                    sliding_window=cfg["window"], head_dim=HD)
    return dict(common, architectures=["LlamaForCausalLM"], model_type="llama", attention_bias=False,
                mlp_bias=False, head_dim=HD, rope_scaling=dict(cfg["scaling"], rope_type="llama3"))


def main():
    entries = {}
    for name, cfg in MODELS.items():
        w = params(cfg)
        ids, targets = make_batch(cfg["vocab"])
        logits = training_goldens(name, w, lambda p, i, c=cfg: forward(c, p, i), ids, targets, entries)
        d = os.path.join(OUT, "hf-" + name)
        write_safetensors(os.path.join(d, "model.safetensors"), w, {"format": "pt"})
        write_json(os.path.join(d, "config.json"), hf_config(name, cfg))
        # The feature under test must change the model: without it the logits differ.
        plain = dict(cfg, bias=False, window=0, scaling=None)
        plain_w = {k: v.double() for k, v in w.items() if not k.endswith(".bias")}
        diff = (logits - forward(plain, plain_w, ids)).abs().max().item()
        assert diff > 1e-2, f"{name}: its distinguishing feature changes the logits by only {diff}"
        print(f"{name}: without its feature the logits differ by {diff:.3f}")
    inv = inverse_frequencies(MODELS["llama3"])
    plain_inv = inverse_frequencies(dict(MODELS["llama3"], scaling=None))
    print("llama3 frequency ratios f'/f:", [round(r, 4) for r in (inv / plain_inv).tolist()])
    write_safetensors(os.path.join(OUT, "archs.safetensors"), entries,
                      {"generator": "transformer/src/test/scripts/make_arch_goldens.py", "torch": torch.__version__})


if __name__ == "__main__":
    main()
