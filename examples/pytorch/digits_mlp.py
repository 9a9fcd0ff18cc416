"""An MLP classifies scikit-learn's 8×8 digits: DataLoader, CrossEntropyLoss, Adam, train/eval, save/load.

The complete shape of a PyTorch training program, small enough to run in seconds.
"""
import os
import tempfile

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

BAR = 0.95  # test accuracy

torch.manual_seed(0)
digits = load_digits()
X = torch.tensor(digits.data / 16.0, dtype=torch.float32)
y = torch.tensor(digits.target, dtype=torch.long)
order = torch.from_numpy(np.random.default_rng(0).permutation(len(y)))
X, y = X[order], y[order]
X_train, y_train, X_test, y_test = X[:1400], y[:1400], X[1400:], y[1400:]

train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True)
test_loader = DataLoader(TensorDataset(X_test, y_test), batch_size=256)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 10))

    def forward(self, x):
        return self.net(x)


def evaluate(model):
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in test_loader:
            correct += (model(xb).argmax(dim=1) == yb).sum().item()
    return correct / len(y_test)


model = MLP()
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(15):
    model.train()
    total = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    if epoch % 5 == 4:
        print(f"epoch {epoch + 1}: train loss {total / len(y_train):.4f}")

accuracy = evaluate(model)
print(f"test accuracy {accuracy:.4f} (bar {BAR})")

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "digits_mlp.pt")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
    checkpoint = torch.load(path)
    restored = MLP()
    restored.load_state_dict(checkpoint["model"])
    restored_optimizer = torch.optim.Adam(restored.parameters(), lr=1e-3)
    restored_optimizer.load_state_dict(checkpoint["optimizer"])
assert evaluate(restored) == accuracy, "save/load changed the model"
assert accuracy >= BAR, "accuracy below the bar"
