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
"""
import argparse
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


def get_batch(split):
    d = train_data if split == "train" else val_data
    ix = torch.randint(len(d) - block_size, (batch_size,))
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


step_ms = []
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
    X, Y = get_batch("train")
    loss = model(X, Y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    step_ms.append((time.perf_counter() - t0) * 1000)
print(f"RESULT val_loss={val:.4f} ms_per_step={statistics.median(step_ms):.2f} total_s={time.time() - t_start:.1f}")
