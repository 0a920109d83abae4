"""Plain PyTorch reference for `make bench`: the same networks, batch size, optimizer and
thread count as cnn-workbench, with a torchvision-style DataLoader over the IDX files.

Prints one line: RESULT steps=N test_accuracy=A duration_secs=S images_per_sec=I
(images/s over the training steps only, as cnn-workbench reports it).
"""
import argparse
import gzip
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", choices=["lenet5", "resnet-small"], required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--steps", type=int, default=0, help="0: one full epoch")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
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
    loader = DataLoader(Images(x, y), batch_size=a.batch_size, shuffle=True)
    model.train()
    step, images = 0, 0
    total = a.steps or len(loader)
    t0 = time.perf_counter()
    while step < total:
        for xb, yb in loader:
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            _ = loss.item(), (logits.argmax(1) == yb).float().mean().item()
            step += 1
            images += len(yb)
            if step >= total:
                break
    duration = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        correct = sum((model(tx[i : i + 1000]).argmax(1) == ty[i : i + 1000]).sum().item() for i in range(0, len(ty), 1000))
    print(
        f"RESULT steps={step} test_accuracy={correct / len(ty):.4f} "
        f"duration_secs={duration:.2f} images_per_sec={images / duration:.1f}"
    )


if __name__ == "__main__":
    main()
