"""A 2-layer LSTM reads generated names one character at a time and predicts the next one.

Names of different lengths are padded into one batch with ``pad_sequence``; the padded target
positions hold -100, which ``F.cross_entropy`` ignores (its default ``ignore_index``), so the
loss is the mean of ``-log p(c_{t+1} | c_1..c_t)`` over real characters only.
``clip_grad_norm_`` rescales the gradients when their joint norm exceeds 1, as RNN training
usually does.
"""
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pad_sequence

BAR = 2.0  # mean dev loss per character (nats); uniform guessing is ~2.94, a bigram model ~2.15

torch.manual_seed(0)
g = torch.Generator().manual_seed(2147483647)

# --- data: names of 2-3 syllables whose vowels keep to one group ("kamora", "telin") ---------
onsets = ["", "b", "d", "k", "l", "m", "n", "r", "s", "t", "v", "z", "sh", "th"]
vowel_groups = [["a", "o", "u"], ["e", "i", "y"]]
codas = ["", "", "", "n", "l", "r", "s"]


def pick(options):
    return options[int(torch.randint(len(options), (1,), generator=g).item())]


def make_name():
    n_syllables = int(torch.randint(2, 4, (1,), generator=g).item())
    vowels = pick(vowel_groups)
    return "".join(pick(onsets) + pick(vowels) + (pick(codas) if i == n_syllables - 1 else "")
                   for i in range(n_syllables))


words = [make_name() for _ in range(1500)]
stoi = {ch: i + 1 for i, ch in enumerate(sorted(set("".join(words))))}
stoi["."] = 0  # start and end of a name
vocab_size = len(stoi)


def encode(split):
    """Each name w becomes input ".w" and target "w.", as tensors padded to the longest name."""
    xs = [torch.tensor([0] + [stoi[c] for c in w]) for w in split]
    ys = [torch.tensor([stoi[c] for c in w] + [0]) for w in split]
    return pad_sequence(xs, batch_first=True), pad_sequence(ys, batch_first=True, padding_value=-100)


train_words, dev_words = words[:1200], words[1200:]
Xdev, Ydev = encode(dev_words)
print(f"{len(words)} names, vocabulary {vocab_size}, dev batch {tuple(Xdev.shape)}")


class CharLSTM(nn.Module):
    def __init__(self, vocab_size, n_embd=16, hidden_size=64, num_layers=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, n_embd)
        self.lstm = nn.LSTM(n_embd, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embedding(x), state)  # out: (batch, time, hidden_size)
        return self.head(out), state


def loss_of(model, X, Y):
    logits, _ = model(X)
    return F.cross_entropy(logits.reshape(-1, vocab_size), Y.reshape(-1))


model = CharLSTM(vocab_size)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
batch_size = 32
for step in range(300):
    ix = torch.randint(0, len(train_words), (batch_size,), generator=g)
    X, Y = encode([train_words[i] for i in ix.tolist()])
    loss = loss_of(model, X, Y)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    if step % 100 == 0:
        print(f"step {step:3d}: loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    dev_loss = loss_of(model, Xdev, Ydev).item()
    samples = []
    for _ in range(5):
        x, state, name = torch.zeros((1, 1), dtype=torch.long), None, ""
        for _ in range(20):  # carry the LSTM state forward: one character in, one out
            logits, state = model(x, state)
            ix = torch.multinomial(F.softmax(logits[0, -1], dim=0), 1, generator=g).item()
            if ix == 0:
                break
            name += next(c for c, i in stoi.items() if i == ix)
            x = torch.tensor([[ix]])
        samples.append(name)
print("samples:", samples)
print(f"dev loss {dev_loss:.4f} (bar {BAR})")
assert dev_loss <= BAR, "dev loss above the bar"
