#!/usr/bin/python3
"""nanoGPT's Shakespeare-char CPU recipe in plain PyTorch (Debian's python3-torch 1.13), the reference that
jgrad's recipe is measured against. The model and loop follow karpathy/nanoGPT (model.py, train.py,
config/train_shakespeare_char.py with the CPU overrides): character-level Tiny Shakespeare (first 90% train,
last 10% validation), 4 layers, 4 heads, 128 dims, block 64, batch 12, 2000 iterations, AdamW lr 1e-3 with
100 warmup steps and cosine decay to 1e-4, betas (0.9, 0.99), weight decay 0.1 on matrices only, clip 1.0,
no dropout, no biases, tied embeddings, evaluation on 20 batches.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 nanogpt_shakespeare_char.py [--data PATH] [--iters N]
Prints one line per evaluation and a final line:
  RESULT val_loss=<float> ms_per_step=<median ms of the training iterations> total_s=<float>

Parity mode (benchmarks/scripts/shakespeare-char-parity.sh): --save-init FILE writes the initial weights as
safetensors under jgrad's parameter names, --offsets FILE writes the training batches' start offsets (one line of
12 per iteration), --losses FILE writes "iteration loss grad_norm" per iteration, and --full-val prints the mean
loss over the whole validation split in consecutive windows at the end (the 20-batch estimate has a standard
error of about 0.02).
"""
import argparse
import json
import struct
import math
import os
import statistics
import time

import torch
import torch.nn as nn
from torch.nn import functional as F

p = argparse.ArgumentParser()
p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data/tinyshakespeare.txt"))
p.add_argument("--iters", type=int, default=2000)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--seed", type=int, default=1337)
p.add_argument("--save-init")
p.add_argument("--offsets")
p.add_argument("--losses")
p.add_argument("--full-val", action="store_true")
args = p.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)

# ---- data (nanoGPT data/shakespeare_char/prepare.py) --------------------------------------------------------
text = open(args.data, encoding="utf-8").read()
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]

block_size, batch_size = 64, 12
n_layer, n_head, n_embd = 4, 4, 128
learning_rate, min_lr, warmup_iters, lr_decay_iters = 1e-3, 1e-4, 100, args.iters
eval_interval, eval_iters = 250, 20


train_offsets = []


def get_batch(split, record=False):
    d = train_data if split == "train" else val_data
    ix = torch.randint(len(d) - block_size, (batch_size,))
    if record:
        train_offsets.append(ix.tolist())
    x = torch.stack([d[i:i + block_size] for i in ix])
    y = torch.stack([d[i + 1:i + 1 + block_size] for i in ix])
    return x, y


# ---- model (nanoGPT model.py, bias=False, dropout=0) ------------------------------------------------------------
class LayerNorm(nn.Module):
    def __init__(self, ndim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=False)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=False)
        self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(n_embd, dim=2)
        k = k.view(B, T, n_head, C // n_head).transpose(1, 2)  # (B, nh, T, hs)
        q = q.view(B, T, n_head, C // n_head).transpose(1, 2)
        v = v.view(B, T, n_head, C // n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=False)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=False)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.attn, self.ln_2, self.mlp = LayerNorm(n_embd), Attention(), LayerNorm(n_embd), MLP()

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.h = nn.ModuleList([Block() for _ in range(n_layer)])
        self.ln_f = LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight  # weight tying
        self.apply(self._init_weights)
        for pn, prm in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                torch.nn.init.normal_(prm, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets):
        b, t = idx.size()
        x = self.wte(idx) + self.wpe(torch.arange(0, t, dtype=torch.long))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


model = GPT(len(chars))


def save_init(path):
    """The initial weights as safetensors (F32, little-endian), named as jgrad's GptModel names them."""
    entries, offset, blobs = {}, 0, []
    for name, prm in model.named_parameters():   # lm_head.weight is wte.weight: named parameters list it once
        key = "transformer." + name
        data = prm.detach().numpy().astype("<f4").tobytes()
        entries[key] = {"dtype": "F32", "shape": list(prm.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header = json.dumps(entries).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + b"".join(blobs))


if args.save_init:
    save_init(args.save_init)
decay = [p_ for p_ in model.parameters() if p_.dim() >= 2]
no_decay = [p_ for p_ in model.parameters() if p_.dim() < 2]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                              lr=learning_rate, betas=(0.9, 0.99))


def get_lr(it):
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:
        return min_lr
    ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (learning_rate - min_lr)


@torch.no_grad()
def estimate_loss():
    model.eval()
    out = {}
    for split in ["train", "val"]:
        losses = torch.zeros(eval_iters)
        for k in range(eval_iters):
            X, Y = get_batch(split)
            losses[k] = model(X, Y).item()
        out[split] = losses.mean().item()
    model.train()
    return out


step_ms, step_log = [], []
t_start = time.time()
val = float("nan")
for it in range(args.iters + 1):
    for g in optimizer.param_groups:
        g["lr"] = get_lr(it)
    if it % eval_interval == 0 or it == args.iters:
        losses = estimate_loss()
        val = losses["val"]
        print(f"step {it}: train loss {losses['train']:.4f}, val loss {val:.4f}", flush=True)
    if it == args.iters:
        break
    t0 = time.perf_counter()
    X, Y = get_batch("train", record=True)
    loss = model(X, Y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    step_ms.append((time.perf_counter() - t0) * 1000)
    step_log.append(f"{it} {loss.item():.6f} {grad_norm.item():.6f}")
if args.offsets:
    with open(args.offsets, "w") as f:
        f.writelines(" ".join(map(str, row)) + "\n" for row in train_offsets)
if args.losses:
    with open(args.losses, "w") as f:
        f.writelines(line + "\n" for line in step_log)
if args.full_val:
    model.eval()
    with torch.no_grad():
        rows = block_size * batch_size
        losses = []
        for s0 in range(0, len(val_data) - rows - 1, rows):   # consecutive windows, batch after batch
            X = val_data[s0:s0 + rows].view(batch_size, block_size)
            Y = val_data[s0 + 1:s0 + 1 + rows].view(batch_size, block_size)
            losses.append(model(X, Y).item())
    print(f"FULLVAL loss={sum(losses) / len(losses):.4f} batches={len(losses)}")
print(f"RESULT val_loss={val:.4f} ms_per_step={statistics.median(step_ms):.2f} total_s={time.time() - t_start:.1f}")
