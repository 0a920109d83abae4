"""Plain PyTorch reference for `make bench`: the same networks, batch size, optimizer, learning
rate, schedule and thread count as cnn-workbench, timed over the same thing: the whole training
loop of a fixed number of steps, data included (no evaluation inside the timed loop).

Two ways to feed the data, both reported:
  --loader dataloader  a map-style Dataset + DataLoader, one (image, label) per __getitem__
                       (torchvision's MNIST style);
  --loader tensor      whole-tensor index batches, x[perm[i:i+b]] (PyTorch's best case).

--target-accuracy A trains epoch by epoch, evaluates the test set after each (not timed) and
stops once it reaches A: the time to that accuracy.

Prints one line: RESULT steps=N test_accuracy=A duration_secs=S images_per_sec=I epochs=E
"""
import argparse
import gzip
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims :]), dtype=torch.uint8).reshape(shape)


def find(folder, name):
    for candidate in (name, name + ".gz"):
        p = os.path.join(folder, candidate)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(os.path.join(folder, name))


class Images(Dataset):
    """Map-style dataset, as torchvision's MNIST: one (image, label) per __getitem__."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1 = nn.Linear(400, 120)
        self.f2 = nn.Linear(120, 84)
        self.f3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = x.flatten(1)
        return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))


class Residual(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + (x if self.short is None else self.short(x)))


class ResNetSmall(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.blocks = nn.Sequential(Residual(16, 16, 1), Residual(16, 32, 2), Residual(32, 64, 2))
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean((2, 3)))


def schedule(opt, name, lr, total):
    """The learning-rate schedule over `total` optimizer steps, as the workbench computes it."""
    if name == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total)
    if name == "cosine":
        return torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s / max(total, 1), 1.0)))
        )
    return None


def batches(x, y, batch_size, loader):
    """One epoch of shuffled batches."""
    if loader == "dataloader":
        yield from DataLoader(Images(x, y), batch_size=batch_size, shuffle=True)
    else:
        perm = torch.randperm(len(y))
        for i in range(0, len(y), batch_size):
            idx = perm[i : i + batch_size]
            yield x[idx], y[idx]


def evaluate(model, tx, ty):
    model.eval()
    with torch.no_grad():
        correct = sum(
            (model(tx[i : i + 1000]).argmax(1) == ty[i : i + 1000]).sum().item()
            for i in range(0, len(ty), 1000)
        )
    model.train()
    return correct / len(ty)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", choices=["lenet5", "resnet-small"], required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--steps", type=int, default=0, help="0: --epochs full epochs")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--schedule", choices=["constant", "cosine", "onecycle"], default="constant")
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--loader", choices=["dataloader", "tensor"], default="dataloader")
    ap.add_argument("--target-accuracy", type=float, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    x = read_idx(find(a.data, "train-images-idx3-ubyte")).float().div(255).unsqueeze(1)
    y = read_idx(find(a.data, "train-labels-idx1-ubyte")).long()
    tx = read_idx(find(a.data, "t10k-images-idx3-ubyte")).float().div(255).unsqueeze(1)
    ty = read_idx(find(a.data, "t10k-labels-idx1-ubyte")).long()
    mean, std = x.mean(), x.std()
    x, tx = (x - mean) / std, (tx - mean) / std

    model = LeNet5() if a.net == "lenet5" else ResNetSmall()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    per_epoch = math.ceil(len(y) / a.batch_size)
    total = a.steps or per_epoch * a.epochs
    sched = schedule(opt, a.schedule, a.lr, total)
    model.train()
    step, images, epochs, duration, accuracy = 0, 0, 0, 0.0, None
    while step < total:
        t0 = time.perf_counter()
        for xb, yb in batches(x, y, a.batch_size, a.loader):
            logits = model(xb)
            loss = F.cross_entropy(logits, yb, label_smoothing=a.label_smoothing)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched is not None and step + 1 < total:
                sched.step()
            # The workbench reads both back every step, for its metrics.
            _ = loss.item(), (logits.argmax(1) == yb).float().mean().item()
            step += 1
            images += len(yb)
            if step >= total:
                break
        duration += time.perf_counter() - t0
        epochs += 1
        if a.target_accuracy is not None:
            accuracy = evaluate(model, tx, ty)
            if accuracy >= a.target_accuracy:
                break
    if accuracy is None:
        accuracy = evaluate(model, tx, ty)
    print(
        f"RESULT steps={step} test_accuracy={accuracy:.4f} "
        f"duration_secs={duration:.2f} images_per_sec={images / duration:.1f} epochs={epochs}"
    )


if __name__ == "__main__":
    main()
