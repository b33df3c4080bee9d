#!/usr/bin/python3
"""Golden values for jgrad's nn layers, functional ops, losses, initialisation constants, optimizers,
learning-rate schedules and gradient clipping, computed by PyTorch 1.13 (Debian's python3-torch).

Precision: every input and initial weight is drawn in float32 and stored as F32; PyTorch then computes in
float64 from those exact values and the results are stored as F64. A jgrad test running in float64 (the
reference kernels) must then agree to ~1e-12 (only summation order differs), and one running in float32 to
float32 accuracy, so the goldens check the algorithms and not PyTorch's own float32 rounding.

Run:    /usr/bin/python3 nn/src/test/scripts/make_nn_goldens.py
Writes: nn/src/test/resources/goldens/nn.safetensors     (functional ops, layers, losses, init constants)
        optim/src/test/resources/goldens/optim.safetensors (optimizers and schedules on a small MLP,
                                                             clipping, schedule and plateau lr sequences)
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
NN_OUT = os.path.join(ROOT, "nn", "src", "test", "resources", "goldens", "nn.safetensors")
OPTIM_OUT = os.path.join(ROOT, "optim", "src", "test", "resources", "goldens", "optim.safetensors")

torch.manual_seed(20240611)


def rnd(*shape, low=-2.0, high=2.0):
    return torch.rand(tuple(shape), dtype=torch.float32) * (high - low) + low


def tensor_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.float32:
        return "F32", t.numpy().astype("<f4").tobytes()
    if t.dtype == torch.float64:
        return "F64", t.numpy().astype("<f8").tobytes()
    if t.dtype == torch.int64:
        return "I64", t.numpy().astype("<i8").tobytes()
    raise ValueError(t.dtype)


def write_safetensors(path, entries, metadata):
    """The safetensors layout written by hand: u64 header length, JSON header, then the data buffer."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
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
    print(f"wrote {path}: {len(entries)} tensors, {offset} data bytes")


# =================================================================================================
# Part 1: functional ops and losses (inputs may be float (differentiable), int (class indices) or
# const (float, not differentiable)).

nn_entries, func_cases = {}, []


def fcase(name, fn, *inputs):
    func_cases.append((name, fn, inputs))


def targets(n_classes, *shape, ignore_every=0, ignore_index=-100):
    t = torch.randint(0, n_classes, shape, dtype=torch.int64)
    if ignore_every:
        flat = t.view(-1)
        flat[1::ignore_every] = ignore_index
    return ("int", t)


fcase("linear", F.linear, rnd(2, 3, 5), rnd(4, 5), rnd(4))
fcase("linear_nobias", lambda x, w: F.linear(x, w), rnd(6, 5), rnd(3, 5))
fcase("layer_norm", lambda x, w, b: F.layer_norm(x, (17,), w, b, 1e-5), rnd(3, 4, 17, low=-3, high=4), rnd(17), rnd(17))
fcase("layer_norm_noaffine", lambda x: F.layer_norm(x, (9,), None, None, 1e-5), rnd(5, 9))
fcase("layer_norm_weight_only", lambda x, w: F.layer_norm(x, (8,), w, None, 1e-3), rnd(4, 8), rnd(8))


def rms_norm(x, w, eps):
    y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return y if w is None else y * w


fcase("rms_norm", lambda x, w: rms_norm(x, w, 1e-6), rnd(5, 33), rnd(33))
fcase("rms_norm_noweight", lambda x: rms_norm(x, None, 1e-5), rnd(2, 3, 7))

fcase("cross_entropy_mean", lambda x, t: F.cross_entropy(x, t), rnd(8, 7, low=-4, high=4), targets(7, 8))
fcase("cross_entropy_sum", lambda x, t: F.cross_entropy(x, t, reduction="sum"), rnd(8, 7, low=-4, high=4), targets(7, 8))
fcase("cross_entropy_none", lambda x, t: F.cross_entropy(x, t, reduction="none"), rnd(8, 7, low=-4, high=4), targets(7, 8))
fcase("cross_entropy_ignore", lambda x, t: F.cross_entropy(x, t), rnd(9, 5, low=-4, high=4), targets(5, 9, ignore_every=3))
fcase("cross_entropy_ignore_custom", lambda x, t: F.cross_entropy(x, t, ignore_index=2, reduction="sum"),
      rnd(9, 5, low=-4, high=4), ("int", torch.tensor([0, 2, 4, 2, 1, 3, 2, 0, 4])))
fcase("cross_entropy_smooth", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), rnd(8, 11, low=-4, high=4), targets(11, 8))
fcase("cross_entropy_smooth_ignore_mean", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.25),
      rnd(10, 6, low=-4, high=4), targets(6, 10, ignore_every=4))
fcase("cross_entropy_smooth_ignore_none", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.25, reduction="none"),
      rnd(10, 6, low=-4, high=4), targets(6, 10, ignore_every=4))
fcase("cross_entropy_smooth_ignore_sum", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.3, reduction="sum"),
      rnd(10, 6, low=-4, high=4), targets(6, 10, ignore_every=4))
# (B, T, C) logits, classes last: PyTorch's F.cross_entropy(logits.view(-1, C), targets.view(-1))
fcase("cross_entropy_btc", lambda x, t: F.cross_entropy(x.reshape(-1, 13), t.reshape(-1), label_smoothing=0.1),
      rnd(2, 5, 13, low=-5, high=5), targets(13, 2, 5, ignore_every=4))
fcase("cross_entropy_btc_none", lambda x, t: F.cross_entropy(x.reshape(-1, 13), t.reshape(-1), reduction="none").reshape(2, 5),
      rnd(2, 5, 13, low=-5, high=5), targets(13, 2, 5, ignore_every=4))

def masked_logits():
    """Logits with -inf entries (attention-style masking), never at the target class (targets are 0..2)."""
    x = rnd(6, 9, low=-4, high=4)
    x[:, 5:] = float("-inf")
    x[2, 3] = float("-inf")
    return x


fcase("cross_entropy_masked_logits", lambda x, t: F.cross_entropy(x, t), masked_logits(), targets(3, 6))
fcase("cross_entropy_masked_logits_none", lambda x, t: F.cross_entropy(x, t, reduction="none"), masked_logits(), targets(3, 6))

fcase("nll_loss_mean", lambda x, t: F.nll_loss(x, t), rnd(7, 5, low=-5, high=0), targets(5, 7))
fcase("nll_loss_sum_ignore", lambda x, t: F.nll_loss(x, t, reduction="sum"), rnd(7, 5, low=-5, high=0), targets(5, 7, ignore_every=3))
fcase("nll_loss_none_ignore", lambda x, t: F.nll_loss(x, t, reduction="none"), rnd(7, 5, low=-5, high=0), targets(5, 7, ignore_every=3))
fcase("nll_loss_mean_ignore", lambda x, t: F.nll_loss(x, t), rnd(7, 5, low=-5, high=0), targets(5, 7, ignore_every=3))

for red in ("mean", "sum", "none"):
    fcase(f"mse_loss_{red}", lambda a, b, red=red: F.mse_loss(a, b, reduction=red), rnd(4, 6), rnd(4, 6))
    fcase(f"l1_loss_{red}", lambda a, b, red=red: F.l1_loss(a, b, reduction=red), rnd(4, 6), rnd(4, 6))
    fcase(f"bce_logits_{red}", lambda a, b, red=red: F.binary_cross_entropy_with_logits(a, b, reduction=red),
          rnd(5, 4, low=-30, high=30), rnd(5, 4, low=0, high=1))
    fcase(f"bce_logits_pos_weight_{red}",
          lambda a, b, pw, red=red: F.binary_cross_entropy_with_logits(a, b, pos_weight=pw, reduction=red),
          rnd(5, 4, low=-6, high=6), rnd(5, 4, low=0, high=1), ("const", rnd(4, low=0.2, high=3)))

meta_func = []
for name, fn, inputs in func_cases:
    kinds, args = [], []
    for k, inp in enumerate(inputs):
        if isinstance(inp, tuple):
            kind, t = inp
            nn_entries[f"{name}.in{k}"] = t
            kinds.append(kind)
            args.append(t.double() if kind == "const" else t)
        else:
            nn_entries[f"{name}.in{k}"] = inp
            kinds.append("float")
            args.append(inp.double().requires_grad_(True))
    out = fn(*args)
    gout = rnd(*out.shape)
    out.backward(gout.double())
    nn_entries[f"{name}.out"] = out.detach()
    nn_entries[f"{name}.gout"] = gout
    for k, kind in enumerate(kinds):
        if kind == "float":
            nn_entries[f"{name}.gin{k}"] = args[k].grad.detach()
    meta_func.append({"name": name, "inputs": kinds})

# =================================================================================================
# Part 2: layers. Each case builds a torch module in float64, loads float32 random parameters, runs an
# input through it and back-propagates a random output gradient; the state, the input gradient and every
# parameter gradient are stored.

layer_cases = []


def lcase(name, module, x, int_input=False):
    layer_cases.append((name, module, x, int_input))


lcase("Linear", nn.Linear(5, 4), rnd(2, 3, 5))
lcase("Linear_nobias", nn.Linear(6, 2, bias=False), rnd(4, 6))
lcase("Embedding", nn.Embedding(10, 4), torch.tensor([[1, 3, 3], [9, 0, 1]]), int_input=True)
lcase("LayerNorm", nn.LayerNorm(12), rnd(3, 5, 12, low=-3, high=5))
lcase("LayerNorm_eps", nn.LayerNorm(7, eps=1e-2, elementwise_affine=False), rnd(4, 7))
lcase("ReLU", nn.ReLU(), rnd(4, 9))
lcase("GELU", nn.GELU(), rnd(4, 9, low=-5, high=5))
lcase("GELU_tanh", nn.GELU(approximate="tanh"), rnd(4, 9, low=-5, high=5))
lcase("SiLU", nn.SiLU(), rnd(4, 9, low=-6, high=6))
lcase("Tanh", nn.Tanh(), rnd(4, 9))
lcase("Sigmoid", nn.Sigmoid(), rnd(4, 9, low=-6, high=6))
lcase("Softmax_last", nn.Softmax(dim=-1), rnd(3, 11, low=-4, high=4))
lcase("Softmax_dim0", nn.Softmax(dim=0), rnd(5, 3, low=-4, high=4))
lcase("Dropout_eval", nn.Dropout(0.5).eval(), rnd(3, 4))
lcase("Sequential_mlp", nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2)), rnd(5, 3))


class RMSNormRef(nn.Module):
    """LLaMA's RMSNorm (PyTorch 1.13 has no nn.RMSNorm)."""

    def __init__(self, n, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(n))

    def forward(self, x):
        return rms_norm(x, self.weight, self.eps)


lcase("RMSNorm", RMSNormRef(10, 1e-6), rnd(2, 3, 10))

meta_layers = []
for name, module, x, int_input in layer_cases:
    module = module.double()
    state_keys = []
    with torch.no_grad():
        for key, p in module.named_parameters():
            init = rnd(*p.shape)
            p.copy_(init.double())
            nn_entries[f"{name}.state.{key}"] = init
            state_keys.append(key)
    nn_entries[f"{name}.in0"] = x
    xin = x if int_input else x.double().requires_grad_(True)
    out = module(xin)
    gout = rnd(*out.shape)
    out.backward(gout.double())
    nn_entries[f"{name}.out"] = out.detach()
    nn_entries[f"{name}.gout"] = gout
    if not int_input:
        nn_entries[f"{name}.gin0"] = xin.grad.detach()
    for key, p in module.named_parameters():
        nn_entries[f"{name}.grad.{key}"] = p.grad.detach()
    meta_layers.append({"name": name, "state": state_keys, "int_input": int_input, "repr": repr(module)})

# =================================================================================================
# Part 3: initialisation constants from torch.nn.init's own helpers.

init_meta = {"gains": {}, "fans": [], "kaiming": [], "xavier": []}
for nl in ["linear", "conv1d", "sigmoid", "tanh", "relu", "selu"]:
    init_meta["gains"][nl] = nn.init.calculate_gain(nl)
init_meta["gains"]["leaky_relu"] = nn.init.calculate_gain("leaky_relu")
init_meta["gains"]["leaky_relu_0.2"] = nn.init.calculate_gain("leaky_relu", 0.2)
init_meta["gains"]["leaky_relu_sqrt5"] = nn.init.calculate_gain("leaky_relu", math.sqrt(5))
for shape in [(3, 5), (4, 2, 3, 3), (7, 1)]:
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    init_meta["fans"].append({"shape": list(shape), "fan_in": fan_in, "fan_out": fan_out})
for shape, a, mode, nl in [((64, 32), math.sqrt(5), "fan_in", "leaky_relu"), ((64, 32), 0, "fan_out", "relu"),
                           ((20, 50), 0, "fan_in", "relu"), ((30, 10), 0.1, "fan_out", "leaky_relu")]:
    t = torch.empty(shape)
    fan = nn.init._calculate_correct_fan(t, mode)
    std = nn.init.calculate_gain(nl, a) / math.sqrt(fan)
    init_meta["kaiming"].append({"shape": list(shape), "a": a, "mode": mode, "nonlinearity": nl,
                                 "std": std, "bound": math.sqrt(3.0) * std})
for shape, gain in [((64, 32), 1.0), ((20, 50), nn.init.calculate_gain("tanh"))]:
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    init_meta["xavier"].append({"shape": list(shape), "gain": gain, "std": std, "bound": math.sqrt(3.0) * std})
# nn.Linear's default weight init is kaiming_uniform_(a=sqrt(5)): bound 1/sqrt(fan_in); check on real draws
lin = nn.Linear(256, 100)
init_meta["linear_256"] = {"weight_abs_max_le": 1 / math.sqrt(256), "observed_weight_abs_max": lin.weight.abs().max().item(),
                           "bias_abs_max_le": 1 / math.sqrt(256)}

write_safetensors(NN_OUT, nn_entries, {
    "functional": json.dumps(meta_func),
    "layers": json.dumps(meta_layers),
    "init": json.dumps(init_meta),
    "torch": torch.__version__,
})

# =================================================================================================
# Part 4: optimizers and schedules on a small MLP (4 -> 16 -> tanh -> 3), 20 steps, cross-entropy on a
# fresh float32 batch each step. Initial weights and data are float32 and written here; torch runs in
# float64. The parameters after every step are stored flattened in state-dict order.

optim_entries = {}
STEPS, BATCH, IN, HID, OUT = 20, 8, 4, 16, 3
init_state = {"0.weight": rnd(HID, IN, low=-0.5, high=0.5), "0.bias": rnd(HID, low=-0.5, high=0.5),
              "2.weight": rnd(OUT, HID, low=-0.25, high=0.25), "2.bias": rnd(OUT, low=-0.25, high=0.25)}
data_x = rnd(STEPS, BATCH, IN)
data_y = torch.randint(0, OUT, (STEPS, BATCH))
for k, v in init_state.items():
    optim_entries[f"init.{k}"] = v
optim_entries["data.x"] = data_x
optim_entries["data.y"] = data_y


def nanogpt_lr(it, learning_rate, warmup_iters, lr_decay_iters, min_lr):
    """nanoGPT's get_lr (train.py): linear warmup, cosine decay to min_lr, then constant."""
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:
        return min_lr
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    assert 0 <= decay_ratio <= 1
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return min_lr + coeff * (learning_rate - min_lr)


def make_model():
    m = nn.Sequential(nn.Linear(IN, HID), nn.Tanh(), nn.Linear(HID, OUT)).double()
    with torch.no_grad():
        for k, p in m.named_parameters():
            p.copy_(init_state[k].double())
    return m


def build_optimizer(cfg, model):
    params = dict(model.named_parameters())
    if "groups" in cfg:
        groups = [{"params": [params[k] for k in g["params"]], **{k: v for k, v in g.items() if k != "params"}}
                  for g in cfg["groups"]]
    else:
        groups = [{"params": list(params.values())}]
    kw = dict(cfg["options"])
    if cfg["optimizer"] == "sgd":
        return torch.optim.SGD(groups, **kw)
    if cfg["optimizer"] == "adam":
        if "betas" in kw:
            kw["betas"] = tuple(kw["betas"])
        return torch.optim.Adam(groups, **kw)
    if cfg["optimizer"] == "adamw":
        if "betas" in kw:
            kw["betas"] = tuple(kw["betas"])
        return torch.optim.AdamW(groups, **kw)
    raise ValueError(cfg)


def build_schedule(cfg, opt):
    s = cfg.get("schedule")
    if s is None:
        return None
    if s["type"] == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=s["step_size"], gamma=s["gamma"])
    if s["type"] == "linear":
        return torch.optim.lr_scheduler.LinearLR(opt, start_factor=s["start_factor"], end_factor=s["end_factor"],
                                                 total_iters=s["total_iters"])
    if s["type"] == "constant":
        return torch.optim.lr_scheduler.ConstantLR(opt, factor=s["factor"], total_iters=s["total_iters"])
    if s["type"] == "warmup_cosine":
        return "manual"  # nanoGPT sets group lrs itself before each step
    raise ValueError(s)


runs = [
    {"name": "sgd_plain", "optimizer": "sgd", "options": {"lr": 0.1}},
    {"name": "sgd_momentum", "optimizer": "sgd", "options": {"lr": 0.1, "momentum": 0.9}},
    {"name": "sgd_nesterov", "optimizer": "sgd", "options": {"lr": 0.05, "momentum": 0.9, "nesterov": True}},
    {"name": "sgd_dampening", "optimizer": "sgd", "options": {"lr": 0.1, "momentum": 0.8, "dampening": 0.3}},
    {"name": "sgd_weight_decay", "optimizer": "sgd", "options": {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01}},
    {"name": "adam", "optimizer": "adam", "options": {"lr": 0.01}},
    {"name": "adam_amsgrad", "optimizer": "adam", "options": {"lr": 0.01, "amsgrad": True}},
    {"name": "adam_weight_decay", "optimizer": "adam", "options": {"lr": 0.01, "weight_decay": 0.1, "betas": [0.8, 0.95]}},
    {"name": "adam_amsgrad_weight_decay", "optimizer": "adam",
     "options": {"lr": 0.02, "weight_decay": 0.05, "amsgrad": True, "eps": 1e-6}},
    {"name": "adamw", "optimizer": "adamw", "options": {"lr": 0.01, "weight_decay": 0.1}},
    {"name": "adamw_amsgrad", "optimizer": "adamw", "options": {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}},
    {"name": "adamw_groups", "optimizer": "adamw", "options": {"lr": 0.01, "betas": [0.9, 0.95]},
     "groups": [{"params": ["0.weight", "2.weight"], "weight_decay": 0.1},
                {"params": ["0.bias", "2.bias"], "weight_decay": 0.0, "lr": 0.005}]},
    {"name": "sgd_step_lr", "optimizer": "sgd", "options": {"lr": 0.2, "momentum": 0.9},
     "schedule": {"type": "step", "step_size": 5, "gamma": 0.5}},
    {"name": "adam_linear_lr", "optimizer": "adam", "options": {"lr": 0.01},
     "schedule": {"type": "linear", "start_factor": 1.0, "end_factor": 0.1, "total_iters": 15}},
    {"name": "sgd_constant_lr", "optimizer": "sgd", "options": {"lr": 0.1},
     "schedule": {"type": "constant", "factor": 0.5, "total_iters": 4}},
    {"name": "adamw_warmup_cosine_clip", "optimizer": "adamw", "options": {"lr": 0.02, "weight_decay": 0.1, "betas": [0.9, 0.95]},
     "schedule": {"type": "warmup_cosine", "learning_rate": 0.02, "warmup_iters": 4, "lr_decay_iters": 15, "min_lr": 0.002},
     "clip": 0.5},
]

for cfg in runs:
    model = make_model()
    opt = build_optimizer(cfg, model)
    sched = build_schedule(cfg, opt)
    params, losses, lrs, norms = [], [], [], []
    for it in range(STEPS):
        if sched == "manual":
            s = cfg["schedule"]
            lr = nanogpt_lr(it, s["learning_rate"], s["warmup_iters"], s["lr_decay_iters"], s["min_lr"])
            for g in opt.param_groups:
                g["lr"] = lr
        lrs.append(opt.param_groups[0]["lr"])
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(data_x[it].double()), data_y[it])
        loss.backward()
        if "clip" in cfg:
            norms.append(nn.utils.clip_grad_norm_(model.parameters(), cfg["clip"]).item())
        opt.step()
        if sched not in (None, "manual"):
            sched.step()
        losses.append(loss.item())
        params.append(torch.cat([p.detach().reshape(-1) for p in model.parameters()]))
    optim_entries[f"{cfg['name']}.params"] = torch.stack(params)
    optim_entries[f"{cfg['name']}.losses"] = torch.tensor(losses, dtype=torch.float64)
    optim_entries[f"{cfg['name']}.lrs"] = torch.tensor(lrs, dtype=torch.float64)
    if norms:
        optim_entries[f"{cfg['name']}.norms"] = torch.tensor(norms, dtype=torch.float64)

# ---- schedules alone: the lr of group 0 before each of 20 steps ------------------------------------


def schedule_lrs(make, steps=20, base=0.1):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base)
    s = make(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        s.step()
    return out


schedules = {
    "step": {"config": {"type": "step", "step_size": 3, "gamma": 0.5, "base_lr": 0.1},
             "lrs": schedule_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5))},
    "linear_warmup": {"config": {"type": "linear", "start_factor": 0.25, "end_factor": 1.0, "total_iters": 8, "base_lr": 0.1},
                      "lrs": schedule_lrs(lambda o: torch.optim.lr_scheduler.LinearLR(o, 0.25, 1.0, 8))},
    "linear_decay": {"config": {"type": "linear", "start_factor": 1.0, "end_factor": 0.05, "total_iters": 15, "base_lr": 0.1},
                     "lrs": schedule_lrs(lambda o: torch.optim.lr_scheduler.LinearLR(o, 1.0, 0.05, 15))},
    "constant": {"config": {"type": "constant", "factor": 0.5, "total_iters": 4, "base_lr": 0.1},
                 "lrs": schedule_lrs(lambda o: torch.optim.lr_scheduler.ConstantLR(o, 0.5, 4))},
    "constant_one": {"config": {"type": "constant", "factor": 1.0, "total_iters": 0, "base_lr": 0.1},
                     "lrs": schedule_lrs(lambda o: torch.optim.lr_scheduler.ConstantLR(o, 1.0, 0))},
    "warmup_cosine": {"config": {"type": "warmup_cosine", "learning_rate": 6e-4, "warmup_iters": 5, "lr_decay_iters": 15,
                                 "min_lr": 6e-5, "base_lr": 6e-4},
                      "lrs": [nanogpt_lr(it, 6e-4, 5, 15, 6e-5) for it in range(20)]},
}

# ---- ReduceLROnPlateau on scripted metric sequences ------------------------------------------------
metric_min = [1.0, 0.9, 0.95, 0.96, 0.97, 0.899, 0.9, 0.91, 0.92, 0.93, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6,
              0.6, 0.6, 0.6, 0.6, 0.6]
metric_max = [0.1, 0.2, 0.25, 0.26, 0.255, 0.26, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.31, 0.3, 0.3, 0.3, 0.3]
plateaus = {}
for name, metrics, kw in [
    ("min_rel", metric_min, dict(mode="min", factor=0.5, patience=2, threshold=1e-2, threshold_mode="rel", cooldown=0, min_lr=0.0)),
    ("min_abs_cooldown", metric_min, dict(mode="min", factor=0.1, patience=1, threshold=0.005, threshold_mode="abs", cooldown=2, min_lr=1e-4)),
    ("max_abs", metric_max, dict(mode="max", factor=0.5, patience=1, threshold=0.02, threshold_mode="abs", cooldown=1, min_lr=0.01)),
    ("max_rel_min_lr", metric_max, dict(mode="max", factor=0.2, patience=0, threshold=1e-4, threshold_mode="rel", cooldown=0, min_lr=0.03)),
]:
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sch = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
    lrs = []
    for m in metrics:
        sch.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    plateaus[name] = {"config": kw, "metrics": metrics, "lrs_after_step": lrs}

# ---- gradient clipping -------------------------------------------------------------------------------
clip_grads = [rnd(3, 4), rnd(5), rnd(2, 2, 3, low=-0.5, high=0.5)]
for i, g in enumerate(clip_grads):
    optim_entries[f"clip.grad{i}"] = g
clips = []
for max_norm, norm_type in [(0.5, 2.0), (100.0, 2.0), (1.0, 1.0), (0.3, float("inf")), (2.0, 3.0)]:
    ps = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in clip_grads]
    for p, g in zip(ps, clip_grads):
        p.grad = g.double().clone()
    total = nn.utils.clip_grad_norm_(ps, max_norm, norm_type).item()
    key = f"clip.norm{len(clips)}"
    for i, p in enumerate(ps):
        optim_entries[f"{key}.grad{i}"] = p.grad
    clips.append({"key": key, "max_norm": max_norm, "norm_type": "inf" if math.isinf(norm_type) else norm_type,
                  "total_norm": total})
ps = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in clip_grads]
for p, g in zip(ps, clip_grads):
    p.grad = g.double().clone()
nn.utils.clip_grad_value_(ps, 0.75)
for i, p in enumerate(ps):
    optim_entries[f"clip.value.grad{i}"] = p.grad

write_safetensors(OPTIM_OUT, optim_entries, {
    "runs": json.dumps(runs),
    "schedules": json.dumps(schedules),
    "plateaus": json.dumps(plateaus),
    "clips": json.dumps(clips),
    "mlp": json.dumps({"steps": STEPS, "batch": BATCH, "in": IN, "hidden": HID, "out": OUT}),
    "torch": torch.__version__,
})
