"""A tiny GPT, written the way nanoGPT writes its model, learns a made-up grammar character by character.

Each block is pre-norm: ``x = x + attn(ln_1(x))`` then ``x = x + mlp(ln_2(x))``. Causal
self-attention computes ``softmax(q kᵀ / sqrt(d) + mask) v`` per head, with -inf above the diagonal
so position t sees only positions <= t; ``F.scaled_dot_product_attention(..., is_causal=True)``
does exactly that when the installed library has it. The token embedding and the output layer share
one weight matrix (weight tying). The mixed-precision lines (GradScaler, autocast) are there as GPU
programs have them and are switched off, so they do nothing on the CPU.
"""
import math
from contextlib import nullcontext

import torch
import torch.nn as nn
from torch.nn import functional as F

BAR = 0.8  # mean training loss per character (nats) over the last 5 steps; uniform is ~3.0

torch.manual_seed(1337)
device = "cuda" if torch.cuda.is_available() else "cpu"
dtype = "float32"
g = torch.Generator().manual_seed(2147483647)

# --- data: sentences of a small grammar, "the red cat sees a dog." ----------------------------
determiners = ["the", "a"]
adjectives = ["red", "big", "old", "shy"]
nouns = ["cat", "dog", "bird", "fox"]
verbs = ["sees", "likes", "finds", "chases"]


def pick(options):
    return options[int(torch.randint(len(options), (1,), generator=g).item())]


def sentence():
    return " ".join([pick(determiners), pick(adjectives), pick(nouns), pick(verbs),
                     pick(determiners), pick(nouns)]) + ". "


text = "".join(sentence() for _ in range(400))
chars = sorted(set(text))
stoi = {ch: i for i, ch in enumerate(chars)}
itos = {i: ch for ch, i in stoi.items()}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
print(f"{len(text)} characters, vocabulary {len(chars)}: {text[:60]!r}")


class GPTConfig:
    def __init__(self, vocab_size, block_size=32, n_layer=2, n_head=4, n_embd=48, dropout=0.0, bias=True):
        self.vocab_size, self.block_size = vocab_size, block_size
        self.n_layer, self.n_head, self.n_embd = n_layer, n_head, n_embd
        self.dropout, self.bias = dropout, bias


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v in one matmul
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head, self.n_embd, self.dropout = config.n_head, config.n_embd, config.dropout
        self.flash = hasattr(F, "scaled_dot_product_attention")
        if not self.flash:  # the mask the slow path adds: 1 on and below the diagonal
            mask = torch.tril(torch.ones(config.block_size, config.block_size))
            self.register_buffer("bias", mask.view(1, 1, config.block_size, config.block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        # (B, T, C) -> (B, n_head, T, head_size): each head attends on its own slice of C
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if self.flash:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=None,
                                               dropout_p=self.dropout if self.training else 0, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
            att = self.attn_dropout(F.softmax(att, dim=-1))
            y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),
            wpe=nn.Embedding(config.block_size, config.n_embd),
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying: one matrix in and out
        self.apply(self._init_weights)
        for name, p in self.named_parameters():  # residual projections start smaller, by depth
            if name.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        assert t <= self.config.block_size, f"sequence of {t} is longer than block_size {self.config.block_size}"
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss

    def configure_optimizers(self, weight_decay, learning_rate, betas):
        """AdamW with weight decay on matrices (weights, embeddings) only, not on biases or norms."""
        params = {name: p for name, p in self.named_parameters() if p.requires_grad}
        decay = [p for p in params.values() if p.dim() >= 2]
        no_decay = [p for p in params.values() if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": weight_decay},
                  {"params": no_decay, "weight_decay": 0.0}]
        print(f"decayed tensors: {len(decay)} ({sum(p.numel() for p in decay)} numbers), "
              f"not decayed: {len(no_decay)} ({sum(p.numel() for p in no_decay)} numbers)")
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0):
        for _ in range(max_new_tokens):
            idx_cond = idx[:, -self.config.block_size:]
            logits, _ = self(idx_cond)
            probs = F.softmax(logits[:, -1, :] / temperature, dim=-1)
            idx = torch.cat((idx, torch.multinomial(probs, num_samples=1, generator=g)), dim=1)
        return idx


config = GPTConfig(vocab_size=len(chars))
model = GPT(config)
model.to(device)
print(f"parameters: {sum(p.numel() for p in model.parameters())} (the tied matrix counted once)")

batch_size, max_iters, learning_rate, grad_clip = 16, 200, 3e-3, 1.0
optimizer = model.configure_optimizers(weight_decay=0.1, learning_rate=learning_rate, betas=(0.9, 0.95))
scaler = torch.amp.GradScaler(enabled=(dtype == "float16"))  # off: float32 needs no loss scaling
ctx = nullcontext() if device == "cpu" else torch.autocast(device_type=device, dtype=torch.bfloat16)


def get_batch():
    ix = torch.randint(len(data) - config.block_size, (batch_size,), generator=g)
    x = torch.stack([data[i:i + config.block_size] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + config.block_size] for i in ix])  # the next character
    return x.to(device), y.to(device)


def lr_at(it, warmup=10):
    """Linear warmup, then cosine decay to a tenth of the peak."""
    if it < warmup:
        return learning_rate * (it + 1) / warmup
    ratio = (it - warmup) / (max_iters - warmup)
    return learning_rate * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * ratio)))


losses = []
model.train()
for it in range(max_iters):
    for group in optimizer.param_groups:
        group["lr"] = lr_at(it)
    X, Y = get_batch()
    with torch.autocast(device_type="cpu", enabled=False):
        with ctx:
            logits, loss = model(X, Y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)
    losses.append(loss.item())
    if it % 50 == 0 or it == max_iters - 1:
        print(f"iter {it:3d}: loss {loss.item():.4f}, lr {lr_at(it):.2e}")

model.eval()
start = torch.tensor([[stoi["t"]]], dtype=torch.long, device=device)
print("sample:", repr("".join(itos[i] for i in model.generate(start, 60)[0].tolist())))
assert model.transformer.wte.weight is model.lm_head.weight, "weight tying was lost"
final = sum(losses[-5:]) / 5
print(f"final loss {final:.4f} (bar {BAR})")
assert final <= BAR, "final loss above the bar"
