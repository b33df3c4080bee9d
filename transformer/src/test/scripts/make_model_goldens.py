#!/usr/bin/python3
"""Golden values and checkpoint fixtures for jgrad's GPT-2 and LLaMA models, computed by PyTorch 1.13
(Debian's python3-torch). The models are written out below as plain torch code (Debian has no
`transformers`), following Hugging Face's GPT2LMHeadModel and LlamaForCausalLM and Meta's/llama2.c's LLaMA.

Precision: every weight and input is drawn in float32 and stored as F32; PyTorch then computes in float64
from those exact values and stores the results as F64 (logits, loss, every parameter gradient, the losses of
10 AdamW steps). A jgrad model in float64 must agree to ~1e-10, one in float32 to float32 accuracy.

Models (small on purpose; tests run on 2 cores):
  gpt:   vocab 64, 32 positions, C 32, 2 layers, 4 heads, biases, tied head, GELU-tanh, B 2, T 16
  llama: vocab 64, dim 48, 2 layers, 4 heads, 2 kv heads (GQA), hidden 128 (llama2.c's rule, multiple_of 32),
         untied head, eps 1e-5, theta 10000, 32 positions, B 2, T 16

The LLaMA weights are drawn in Meta's layout (RoPE on interleaved pairs, as llama2.c) and permuted into Hugging
Face's layout (RoPE on halves) exactly as HF's convert_llama_weights_to_hf.py does; the script checks that both
give the same logits, so one set of logits serves the HF directories and the llama2.c file.

Run:    /usr/bin/python3 transformer/src/test/scripts/make_model_goldens.py
Writes (under transformer/src/test/resources/goldens/):
  models.safetensors              parameters (HF names, nn.Linear (out, in) layout), ids, targets, logits, loss,
                                  gradients, AdamW losses, for gpt and llama; llama logits with BF16-rounded weights
  hf-gpt2/                        config.json + model.safetensors as the GPT-2 hub checkpoint stores it: no
                                  "transformer." prefix, Conv1D weights (in, out), attn.bias mask buffers, no lm_head
  hf-llama-sharded/               config.json + model.safetensors.index.json + two shards (F32)
  hf-llama-bf16/                  config.json + model.safetensors in BF16
  llama2c/model.bin               llama2.c legacy format (version 0), Meta layout, GQA, unshared classifier
"""
import json
import math
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
OUT = os.path.join(ROOT, "transformer", "src", "test", "resources", "goldens")

torch.manual_seed(20240917)
B, T = 2, 16


# ---------------------------------------------------------------------------------------------------------
# safetensors written by hand: u64 header length, JSON header, data

def tensor_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.float32:
        return "F32", t.numpy().astype("<f4").tobytes()
    if t.dtype == torch.float64:
        return "F64", t.numpy().astype("<f8").tobytes()
    if t.dtype == torch.int64:
        return "I64", t.numpy().astype("<i8").tobytes()
    if t.dtype == torch.bfloat16:
        return "BF16", t.view(torch.int16).numpy().astype("<i2").tobytes()
    if t.dtype == torch.uint8:
        return "U8", t.numpy().tobytes()
    raise ValueError(t.dtype)


def write_safetensors(path, entries, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in entries.items():
        dtype, raw = tensor_bytes(t)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)
    print(f"wrote {os.path.relpath(path, ROOT)}: {len(entries)} tensors, {offset} data bytes")


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def f32(*shape, std=1.0, mean=0.0):
    return (torch.randn(shape, dtype=torch.float32) * std + mean).float()


def u32(*shape, low, high):
    return (torch.rand(shape, dtype=torch.float32) * (high - low) + low).float()


# ---------------------------------------------------------------------------------------------------------
# GPT-2 (HF GPT2LMHeadModel, written as plain torch; weights in nn.Linear (out, in) layout)

GPT = dict(vocab=64, positions=32, C=32, layers=2, heads=4, eps=1e-5)


def gpt_params():
    c, v, p = GPT["C"], GPT["vocab"], GPT["positions"]
    w = {"transformer.wte.weight": f32(v, c, std=0.5), "transformer.wpe.weight": f32(p, c, std=0.3)}
    for i in range(GPT["layers"]):
        h = f"transformer.h.{i}."
        w[h + "ln_1.weight"] = u32(c, low=0.8, high=1.2)
        w[h + "ln_1.bias"] = u32(c, low=-0.1, high=0.1)
        w[h + "attn.c_attn.weight"] = f32(3 * c, c, std=0.2)
        w[h + "attn.c_attn.bias"] = u32(3 * c, low=-0.1, high=0.1)
        w[h + "attn.c_proj.weight"] = f32(c, c, std=0.15)
        w[h + "attn.c_proj.bias"] = u32(c, low=-0.1, high=0.1)
        w[h + "ln_2.weight"] = u32(c, low=0.8, high=1.2)
        w[h + "ln_2.bias"] = u32(c, low=-0.1, high=0.1)
        w[h + "mlp.c_fc.weight"] = f32(4 * c, c, std=0.2)
        w[h + "mlp.c_fc.bias"] = u32(4 * c, low=-0.1, high=0.1)
        w[h + "mlp.c_proj.weight"] = f32(c, 4 * c, std=0.1)
        w[h + "mlp.c_proj.bias"] = u32(c, low=-0.1, high=0.1)
    w["transformer.ln_f.weight"] = u32(c, low=0.8, high=1.2)
    w["transformer.ln_f.bias"] = u32(c, low=-0.1, high=0.1)
    return w


def causal_attention(q, k, v):
    """q (B, H, T, hd), k, v (B, Hkv, T, hd): softmax(q kᵀ/√hd + causal) v, kv head h // (H/Hkv)."""
    group = q.shape[1] // k.shape[1]
    k = k.repeat_interleave(group, dim=1)
    v = v.repeat_interleave(group, dim=1)
    t = q.shape[2]
    att = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    mask = torch.ones(t, t, dtype=torch.bool).tril()
    att = att.masked_fill(~mask, float("-inf")).softmax(-1)
    return att @ v


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def gpt_forward(w, ids):
    c, nh = GPT["C"], GPT["heads"]
    b, t = ids.shape
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][torch.arange(t)]
    ln = lambda x, p: torch.nn.functional.layer_norm(x, (c,), w[p + ".weight"], w[p + ".bias"], GPT["eps"])
    lin = lambda x, p: x @ w[p + ".weight"].t() + w[p + ".bias"]
    for i in range(GPT["layers"]):
        h = f"transformer.h.{i}."
        qkv = lin(ln(x, h + "ln_1"), h + "attn.c_attn")
        q, k, v = qkv.split(c, dim=2)
        heads = lambda z: z.view(b, t, nh, c // nh).transpose(1, 2)
        y = causal_attention(heads(q), heads(k), heads(v)).transpose(1, 2).reshape(b, t, c)
        x = x + lin(y, h + "attn.c_proj")
        x = x + lin(gelu_tanh(lin(ln(x, h + "ln_2"), h + "mlp.c_fc")), h + "mlp.c_proj")
    x = ln(x, "transformer.ln_f")
    return x @ w["transformer.wte.weight"].t()


# ---------------------------------------------------------------------------------------------------------
# LLaMA (Meta / llama2.c layout with interleaved RoPE, and HF layout with rotate-half RoPE)

LLAMA = dict(vocab=64, dim=48, layers=2, heads=4, kv_heads=2, multiple_of=32, eps=1e-5, theta=10000.0, seq_len=32)
hidden = 4 * LLAMA["dim"]
hidden = int(2 * hidden / 3)
LLAMA["hidden"] = LLAMA["multiple_of"] * ((hidden + LLAMA["multiple_of"] - 1) // LLAMA["multiple_of"])
assert LLAMA["hidden"] == 128
HD = LLAMA["dim"] // LLAMA["heads"]
KV_DIM = LLAMA["kv_heads"] * HD


def llama_meta_params():
    d, v, hd = LLAMA["dim"], LLAMA["vocab"], LLAMA["hidden"]
    w = {"tok_embeddings.weight": f32(v, d, std=0.5)}
    for i in range(LLAMA["layers"]):
        p = f"layers.{i}."
        w[p + "attention_norm.weight"] = u32(d, low=0.8, high=1.2)
        w[p + "attention.wq.weight"] = f32(d, d, std=0.2)
        w[p + "attention.wk.weight"] = f32(KV_DIM, d, std=0.2)
        w[p + "attention.wv.weight"] = f32(KV_DIM, d, std=0.2)
        w[p + "attention.wo.weight"] = f32(d, d, std=0.15)
        w[p + "ffn_norm.weight"] = u32(d, low=0.8, high=1.2)
        w[p + "feed_forward.w1.weight"] = f32(hd, d, std=0.15)
        w[p + "feed_forward.w2.weight"] = f32(d, hd, std=0.1)
        w[p + "feed_forward.w3.weight"] = f32(hd, d, std=0.15)
    w["norm.weight"] = u32(d, low=0.8, high=1.2)
    w["output.weight"] = f32(v, d, std=0.3)
    return w


def permute_for_hf(wt, n_heads):
    """HF's convert_llama_weights_to_hf.py: rows (2i, 2i+1) of each head go to (i, i + hd/2)."""
    rows, cols = wt.shape
    return wt.view(n_heads, rows // n_heads // 2, 2, cols).transpose(1, 2).reshape(rows, cols)


def meta_to_hf(m):
    w = {"model.embed_tokens.weight": m["tok_embeddings.weight"]}
    for i in range(LLAMA["layers"]):
        p, h = f"layers.{i}.", f"model.layers.{i}."
        w[h + "input_layernorm.weight"] = m[p + "attention_norm.weight"]
        w[h + "self_attn.q_proj.weight"] = permute_for_hf(m[p + "attention.wq.weight"], LLAMA["heads"])
        w[h + "self_attn.k_proj.weight"] = permute_for_hf(m[p + "attention.wk.weight"], LLAMA["kv_heads"])
        w[h + "self_attn.v_proj.weight"] = m[p + "attention.wv.weight"]
        w[h + "self_attn.o_proj.weight"] = m[p + "attention.wo.weight"]
        w[h + "post_attention_layernorm.weight"] = m[p + "ffn_norm.weight"]
        w[h + "mlp.gate_proj.weight"] = m[p + "feed_forward.w1.weight"]
        w[h + "mlp.up_proj.weight"] = m[p + "feed_forward.w3.weight"]
        w[h + "mlp.down_proj.weight"] = m[p + "feed_forward.w2.weight"]
    w["model.norm.weight"] = m["norm.weight"]
    w["lm_head.weight"] = m["output.weight"]
    return {k: v.contiguous() for k, v in w.items()}


def rope_angles(t, hd):
    inv = 1.0 / (LLAMA["theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))   # (hd/2)
    return torch.arange(t, dtype=torch.float64)[:, None] * inv[None, :]                   # (T, hd/2)


def rope_half(x):
    """HF: rotate_half pairs (i, i + hd/2)."""
    ang = rope_angles(x.shape[2], x.shape[3])
    cos, sin = torch.cat([ang, ang], -1).cos(), torch.cat([ang, ang], -1).sin()
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def rope_interleaved(x):
    """Meta / llama2.c: pairs (2i, 2i + 1) as complex numbers."""
    ang = rope_angles(x.shape[2], x.shape[3])
    cos, sin = ang.cos(), ang.sin()
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1).flatten(-2)


def rms_norm(x, wt):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + LLAMA["eps"]) * wt


def llama_forward(w, ids, names, rope):
    b, t = ids.shape
    d, nh, nkv = LLAMA["dim"], LLAMA["heads"], LLAMA["kv_heads"]
    x = w[names["embed"]][ids]
    for i in range(LLAMA["layers"]):
        n = lambda key: names[key].format(i)
        h = rms_norm(x, w[n("attn_norm")])
        q = (h @ w[n("q")].t()).view(b, t, nh, HD).transpose(1, 2)
        k = (h @ w[n("k")].t()).view(b, t, nkv, HD).transpose(1, 2)
        v = (h @ w[n("v")].t()).view(b, t, nkv, HD).transpose(1, 2)
        y = causal_attention(rope(q), rope(k), v).transpose(1, 2).reshape(b, t, d)
        x = x + y @ w[n("o")].t()
        h = rms_norm(x, w[n("ffn_norm")])
        x = x + (torch.nn.functional.silu(h @ w[n("gate")].t()) * (h @ w[n("up")].t())) @ w[n("down")].t()
    return rms_norm(x, w[names["norm"]]) @ w[names["head"]].t()


HF_NAMES = dict(embed="model.embed_tokens.weight", attn_norm="model.layers.{}.input_layernorm.weight",
                q="model.layers.{}.self_attn.q_proj.weight", k="model.layers.{}.self_attn.k_proj.weight",
                v="model.layers.{}.self_attn.v_proj.weight", o="model.layers.{}.self_attn.o_proj.weight",
                ffn_norm="model.layers.{}.post_attention_layernorm.weight", gate="model.layers.{}.mlp.gate_proj.weight",
                up="model.layers.{}.mlp.up_proj.weight", down="model.layers.{}.mlp.down_proj.weight",
                norm="model.norm.weight", head="lm_head.weight")
META_NAMES = dict(embed="tok_embeddings.weight", attn_norm="layers.{}.attention_norm.weight",
                  q="layers.{}.attention.wq.weight", k="layers.{}.attention.wk.weight",
                  v="layers.{}.attention.wv.weight", o="layers.{}.attention.wo.weight",
                  ffn_norm="layers.{}.ffn_norm.weight", gate="layers.{}.feed_forward.w1.weight",
                  up="layers.{}.feed_forward.w3.weight", down="layers.{}.feed_forward.w2.weight",
                  norm="norm.weight", head="output.weight")


# ---------------------------------------------------------------------------------------------------------
# Training goldens: logits, loss, gradients, 10 AdamW steps (all in float64 from the float32 weights)

def cross_entropy(logits, targets):
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)


def training_goldens(prefix, weights32, forward, ids, targets, entries):
    params = {k: v.double().clone().requires_grad_(True) for k, v in weights32.items()}
    logits = forward(params, ids)
    loss = cross_entropy(logits, targets)
    loss.backward()
    for k, v in weights32.items():
        entries[f"{prefix}.param.{k}"] = v
        entries[f"{prefix}.grad.{k}"] = params[k].grad.detach()
    entries[f"{prefix}.ids"] = ids
    entries[f"{prefix}.targets"] = targets
    entries[f"{prefix}.logits"] = logits.detach()
    entries[f"{prefix}.loss"] = loss.detach().reshape(1)
    # 10 AdamW steps on the same batch: lr 1e-2, betas (0.9, 0.999), eps 1e-8, weight decay 0.01 on every parameter.
    params = {k: v.double().clone().requires_grad_(True) for k, v in weights32.items()}
    opt = torch.optim.AdamW(list(params.values()), lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    losses = []
    for _ in range(10):
        opt.zero_grad()
        step_loss = cross_entropy(forward(params, ids), targets)
        losses.append(step_loss.item())
        step_loss.backward()
        opt.step()
    entries[f"{prefix}.adamw_losses"] = torch.tensor(losses, dtype=torch.float64)
    print(f"{prefix}: loss {loss.item():.6f}, AdamW losses {losses[0]:.4f} -> {losses[-1]:.4f}")
    return logits.detach()


def make_batch(vocab):
    ids = torch.randint(0, vocab, (B, T), dtype=torch.int64)
    targets = torch.randint(0, vocab, (B, T), dtype=torch.int64)
    targets[0, 3] = -100
    targets[1, 0] = -100
    targets[1, 9] = -100
    return ids, targets


def main():
    entries = {}

    # ---- GPT-2 ----
    gpt_w = gpt_params()
    gpt_ids, gpt_targets = make_batch(GPT["vocab"])
    training_goldens("gpt", gpt_w, gpt_forward, gpt_ids, gpt_targets, entries)

    # HF hub layout: GPT2Model names (no "transformer." prefix), Conv1D (in, out), causal-mask buffers, tied head absent.
    hub = {}
    for k, v in gpt_w.items():
        name = k[len("transformer."):]
        is_conv1d = any(name.endswith(s) for s in ("c_attn.weight", "c_proj.weight", "c_fc.weight"))
        hub[name] = v.t().contiguous() if is_conv1d else v
    for i in range(GPT["layers"]):
        hub[f"h.{i}.attn.bias"] = torch.ones(GPT["positions"], GPT["positions"]).tril().view(1, 1, GPT["positions"], GPT["positions"]).to(torch.uint8)
    write_safetensors(os.path.join(OUT, "hf-gpt2", "model.safetensors"), hub, {"format": "pt"})
    write_json(os.path.join(OUT, "hf-gpt2", "config.json"), {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": GPT["vocab"],
        "n_positions": GPT["positions"], "n_ctx": GPT["positions"], "n_embd": GPT["C"], "n_layer": GPT["layers"],
        "n_head": GPT["heads"], "n_inner": None, "activation_function": "gelu_new", "layer_norm_epsilon": GPT["eps"],
        "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1, "scale_attn_weights": True,
        "tie_word_embeddings": True, "bos_token_id": 0, "eos_token_id": 63, "torch_dtype": "float32"})

    # ---- LLaMA ----
    meta = llama_meta_params()
    hf = meta_to_hf(meta)
    ids, targets = make_batch(LLAMA["vocab"])
    logits_hf = training_goldens("llama", hf, lambda w, i: llama_forward(w, i, HF_NAMES, rope_half), ids, targets, entries)
    logits_meta = llama_forward({k: v.double() for k, v in meta.items()}, ids, META_NAMES, rope_interleaved)
    diff = (logits_hf - logits_meta).abs().max().item()
    assert diff < 1e-12, f"Meta (interleaved) and HF (half) layouts disagree by {diff}"
    print(f"llama: Meta/interleaved and HF/half logits agree to {diff:.1e}")

    hf_config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": LLAMA["vocab"],
        "hidden_size": LLAMA["dim"], "intermediate_size": LLAMA["hidden"], "num_hidden_layers": LLAMA["layers"],
        "num_attention_heads": LLAMA["heads"], "num_key_value_heads": LLAMA["kv_heads"], "hidden_act": "silu",
        "rms_norm_eps": LLAMA["eps"], "rope_theta": LLAMA["theta"], "rope_scaling": None,
        "max_position_embeddings": LLAMA["seq_len"], "tie_word_embeddings": False, "attention_bias": False,
        "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
    # Sharded: the embedding and layer 0 in the first file, the rest in the second.
    d = os.path.join(OUT, "hf-llama-sharded")
    names = list(hf.keys())
    first = [n for n in names if n.startswith("model.embed_tokens") or n.startswith("model.layers.0.")]
    shards = {"model-00001-of-00002.safetensors": first,
              "model-00002-of-00002.safetensors": [n for n in names if n not in first]}
    weight_map = {}
    for file, keys in shards.items():
        write_safetensors(os.path.join(d, file), {k: hf[k] for k in keys}, {"format": "pt"})
        weight_map.update({k: file for k in keys})
    write_json(os.path.join(d, "model.safetensors.index.json"),
               {"metadata": {"total_size": sum(v.numel() * 4 for v in hf.values())}, "weight_map": weight_map})
    write_json(os.path.join(d, "config.json"), hf_config)

    # BF16: the same weights rounded to bfloat16; PyTorch logits from the rounded values.
    bf16 = {k: v.to(torch.bfloat16) for k, v in hf.items()}
    write_safetensors(os.path.join(OUT, "hf-llama-bf16", "model.safetensors"), bf16, {"format": "pt"})
    write_json(os.path.join(OUT, "hf-llama-bf16", "config.json"), dict(hf_config, torch_dtype="bfloat16"))
    entries["llama.bf16_logits"] = llama_forward({k: v.double() for k, v in bf16.items()}, ids, HF_NAMES, rope_half)

    # llama2.c legacy format: header (dim, hidden_dim, n_layers, n_heads, n_kv_heads, -vocab (unshared), seq_len),
    # then float32 weights grouped by kind across layers, the RoPE tables (skipped by readers), the classifier.
    path = os.path.join(OUT, "llama2c", "model.bin")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    L = LLAMA["layers"]
    stack = lambda key: torch.cat([meta[f"layers.{i}.{key}"].reshape(-1) for i in range(L)])
    ang = rope_angles(LLAMA["seq_len"], HD)
    with open(path, "wb") as f:
        f.write(struct.pack("<7i", LLAMA["dim"], LLAMA["hidden"], L, LLAMA["heads"], LLAMA["kv_heads"],
                            -LLAMA["vocab"], LLAMA["seq_len"]))
        blobs = [meta["tok_embeddings.weight"], stack("attention_norm.weight"), stack("attention.wq.weight"),
                 stack("attention.wk.weight"), stack("attention.wv.weight"), stack("attention.wo.weight"),
                 stack("ffn_norm.weight"), stack("feed_forward.w1.weight"), stack("feed_forward.w2.weight"),
                 stack("feed_forward.w3.weight"), meta["norm.weight"], ang.cos().float(), ang.sin().float(),
                 meta["output.weight"]]
        for blob in blobs:
            f.write(blob.contiguous().numpy().astype("<f4").tobytes())
    print(f"wrote {os.path.relpath(path, ROOT)}: {os.path.getsize(path)} bytes")

    write_safetensors(os.path.join(OUT, "models.safetensors"), entries,
                      {"generator": "transformer/src/test/scripts/make_model_goldens.py", "torch": torch.__version__})


if __name__ == "__main__":
    main()
