"""A character-level language model of names, twice: bigram counts, then an MLP over 3 characters.

The names are made here by a small syllable generator (no download), seeded with a
``torch.Generator``. The bigram model counts character pairs, normalises each row into
P(next | previous), and scores a split by its mean negative log-likelihood
``-mean(log P(c_t | c_{t-1}))``. The MLP looks up an embedding for each of the last 3 characters,
concatenates them, and predicts the next one with ``F.cross_entropy``; because it sees more
context it should beat the bigram's dev loss.
"""
import torch
import torch.nn.functional as F

BAR = 0.12  # the MLP's dev loss must be at least this much below the bigram's (nats per character)

g = torch.Generator().manual_seed(2147483647)

# --- data: names built from syllables, e.g. "kamora", "telin" --------------------------------
onsets = ["", "b", "d", "k", "l", "m", "n", "r", "s", "t", "v", "z", "sh", "th"]
vowel_groups = [["a", "o", "u"], ["e", "i", "y"]]  # vowel harmony: a name keeps to one group
codas = ["", "", "", "n", "l", "r", "s"]


def make_name():
    """A name of 2-3 syllables with harmonic vowels; the last syllable may end in a coda.

    Harmony is what a bigram cannot see (a consonant sits between two vowels) and a context of
    3 characters can.
    """
    n_syllables = int(torch.randint(2, 4, (1,), generator=g).item())
    vowels = vowel_groups[int(torch.randint(2, (1,), generator=g).item())]
    parts = []
    for i in range(n_syllables):
        onset = onsets[int(torch.randint(len(onsets), (1,), generator=g).item())]
        vowel = vowels[int(torch.randint(len(vowels), (1,), generator=g).item())]
        coda = codas[int(torch.randint(len(codas), (1,), generator=g).item())] if i == n_syllables - 1 else ""
        parts.append(onset + vowel + coda)
    return "".join(parts)


words = [make_name() for _ in range(2000)]
chars = sorted(set("".join(words)))
stoi = {ch: i + 1 for i, ch in enumerate(chars)}
stoi["."] = 0  # one token both starts and ends a name
itos = {i: ch for ch, i in stoi.items()}
vocab_size = len(stoi)
n_train = int(0.8 * len(words))
train_words, dev_words = words[:n_train], words[n_train:]
print(f"{len(words)} names, vocabulary {vocab_size}, e.g. {words[:5]}")

# --- 1. bigram counts ---------------------------------------------------------------------
N = torch.zeros((vocab_size, vocab_size), dtype=torch.int32)
for w in train_words:
    cs = ["."] + list(w) + ["."]
    for c1, c2 in zip(cs, cs[1:]):
        N[stoi[c1], stoi[c2]] += 1
P = (N + 1).float()  # add-one smoothing: no pair has probability zero
P /= P.sum(1, keepdim=True)


def bigram_nll(split):
    log_likelihood, n = 0.0, 0
    for w in split:
        cs = ["."] + list(w) + ["."]
        for c1, c2 in zip(cs, cs[1:]):
            log_likelihood += torch.log(P[stoi[c1], stoi[c2]]).item()
            n += 1
    return -log_likelihood / n


bigram_dev = bigram_nll(dev_words)
print(f"bigram: train nll {bigram_nll(train_words):.4f}, dev nll {bigram_dev:.4f}")

# --- 2. MLP over a context of 3 characters ------------------------------------------------
block_size = 3


def build_dataset(split):
    X, Y = [], []
    for w in split:
        context = [0] * block_size
        for ch in w + ".":
            X.append(context)
            Y.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return torch.tensor(X), torch.tensor(Y)


Xtr, Ytr = build_dataset(train_words)
Xdev, Ydev = build_dataset(dev_words)

n_embd, n_hidden = 8, 64
C = torch.randn((vocab_size, n_embd), generator=g)
W1 = torch.randn((block_size * n_embd, n_hidden), generator=g) * (5 / 3) / (block_size * n_embd) ** 0.5
b1 = torch.randn(n_hidden, generator=g) * 0.01
W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.01  # small: the first predictions are near uniform
b2 = torch.zeros(vocab_size)
parameters = [C, W1, b1, W2, b2]
for p in parameters:
    p.requires_grad = True
print(f"MLP parameters: {sum(p.nelement() for p in parameters)}")


def mlp_logits(X):
    emb = C[X]  # (batch, block_size, n_embd)
    h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
    return h @ W2 + b2


steps, batch_size = 5000, 32
for step in range(steps):
    ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
    loss = F.cross_entropy(mlp_logits(Xtr[ix]), Ytr[ix])
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if step < 3500 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    if step % 1000 == 0:
        print(f"step {step:4d}: minibatch loss {loss.item():.4f}")

with torch.no_grad():
    mlp_train = F.cross_entropy(mlp_logits(Xtr), Ytr).item()
    mlp_dev = F.cross_entropy(mlp_logits(Xdev), Ydev).item()
print(f"MLP: train loss {mlp_train:.4f}, dev loss {mlp_dev:.4f}")

# --- sampling -----------------------------------------------------------------------------
samples = []
with torch.no_grad():
    for _ in range(5):
        out, context = [], [0] * block_size
        while len(out) < 20:
            probs = F.softmax(mlp_logits(torch.tensor([context])), dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            if ix == 0:
                break
            out.append(itos[ix])
            context = context[1:] + [ix]
        samples.append("".join(out))
print("samples:", samples)

margin = bigram_dev - mlp_dev
print(f"MLP dev loss {mlp_dev:.4f} beats bigram {bigram_dev:.4f} by {margin:.4f} (bar {BAR})")
assert margin >= BAR, "the MLP does not beat the bigram model by the bar"
