"""Our own PyTorch version of the RWKV-7 training forward (official equations, see notes/rwkv7.md),
differentiated by autograd: the reference the Java trainer's hand-written backward is compared with.

    python3 rwkv7_autograd.py DIR    # reads DIR/weights.safetensors and DIR/batch.json, writes DIR/grads.safetensors

Run on the GPU machine (torch there); the output is committed as test data (TorchAutogradParityTest).
"""
import json, os, sys
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

d = sys.argv[1]
W = {k: v.double().requires_grad_(True) for k, v in load_file(os.path.join(d, "weights.safetensors")).items()}
batch = json.load(open(os.path.join(d, "batch.json")))
B, T, H, N = batch["batch"], batch["ctx"], batch["heads"], batch["head_size"]
C, L, V = H * N, batch["layers"], batch["vocab"]
idx = torch.tensor(batch["inputs"]).view(B, T)
tgt = torch.tensor(batch["targets"]).view(B, T)


def ln(x, p, eps=1e-5):
    return F.layer_norm(x, (C,), W[p + ".weight"], W[p + ".bias"], eps)


def shift(h):  # previous token's value, zero before the first
    return torch.cat([torch.zeros_like(h[:, :1]), h[:, :-1]], dim=1)


x = ln(W["emb.weight"][idx], "blocks.0.ln0")
v_first = None
for l in range(L):
    a = f"blocks.{l}.att."
    h = ln(x, f"blocks.{l}.ln1")
    dlt = shift(h) - h
    xr, xw, xk, xv, xa, xg = (h + dlt * W[a + n].view(1, 1, C) for n in ("x_r", "x_w", "x_k", "x_v", "x_a", "x_g"))
    r = xr @ W[a + "receptance.weight"].T
    k = xk @ W[a + "key.weight"].T
    v = xv @ W[a + "value.weight"].T
    w = torch.tanh(xw @ W[a + "w1"]) @ W[a + "w2"]
    aa = torch.sigmoid(W[a + "a0"].view(1, 1, C) + (xa @ W[a + "a1"]) @ W[a + "a2"])
    g = torch.sigmoid(xg @ W[a + "g1"]) @ W[a + "g2"]
    kk = F.normalize((k * W[a + "k_k"].view(1, 1, C)).view(B, T, H, N), dim=-1, p=2.0).view(B, T, C)
    k = k * (1 + (aa - 1) * W[a + "k_a"].view(1, 1, C))
    if l == 0:
        v_first = v
    else:
        v = v + (v_first - v) * torch.sigmoid(W[a + "v0"].view(1, 1, C) + (xv @ W[a + "v1"]) @ W[a + "v2"])
    w = torch.exp(-0.606531 * torch.sigmoid(W[a + "w0"].view(1, 1, C) + w))
    S = torch.zeros(B, H, N, N, dtype=x.dtype)  # S[i][j]: i = value, j = key
    outs = []
    for t in range(T):
        rt, wt, kt, vt, at, kkt = (z[:, t].view(B, H, N) for z in (r, w, k, v, aa, kk))
        sa = (S * (-kkt).unsqueeze(2)).sum(-1)
        S = S * wt.unsqueeze(2) + sa.unsqueeze(-1) * (kkt * at).unsqueeze(2) + vt.unsqueeze(-1) * kt.unsqueeze(2)
        outs.append((S * rt.unsqueeze(2)).sum(-1))
    o = torch.stack(outs, 1).reshape(B * T, C)
    o = F.group_norm(o, H, W[a + "ln_x.weight"], W[a + "ln_x.bias"], eps=64e-5).view(B, T, C)
    bonus = ((r * k * W[a + "r_k"].reshape(1, 1, C)).view(B, T, H, N).sum(-1, keepdim=True) * v.view(B, T, H, N)).view(B, T, C)
    x = x + ((o + bonus) * g) @ W[a + "output.weight"].T
    f = f"blocks.{l}.ffn."
    h2 = ln(x, f"blocks.{l}.ln2")
    z = h2 + (shift(h2) - h2) * W[f + "x_k"].view(1, 1, C)
    x = x + torch.relu(z @ W[f + "key.weight"].T) ** 2 @ W[f + "value.weight"].T

logits = ln(x, "ln_out") @ W["head.weight"].T
loss = F.cross_entropy(logits.view(-1, V), tgt.view(-1))
loss.backward()
grads = {k: p.grad.float().contiguous() for k, p in W.items() if p.grad is not None}
save_file(grads, os.path.join(d, "grads.safetensors"), metadata={"loss": repr(loss.item()), "torch": torch.__version__, "dtype": "float64"})
print("loss", loss.item(), "tensors with gradients", len(grads), "of", len(W))
