"""The PyTorch side of bench/gpu-check.sh: the network cnn-workbench exported (model.py of
`cnn-workbench export PRESET --to DIR`), trained eagerly for a fixed number of steps on
synthetic RGB images with the preset's optimizer (SGD, momentum, weight decay from config.json)
and batch size, 4-pixel-padded random crops and flips done on the device per batch as the
workbench's augmentation does; prints images_per_sec over the timed steps (after warm-up).

usage: python bench/gpu_reference.py EXPORT_DIR --device cuda --steps 200 --batch-size 128
"""
import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export_dir")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    sys.path.insert(0, a.export_dir)
    import model  # the exported network: class Net

    config = json.load(open(f"{a.export_dir}/config.json"))
    train = config["training"]
    sgd = train["optimizer"].get("Sgd", {})
    device = torch.device(a.device)
    torch.manual_seed(0)
    net = model.Net().to(device)
    opt = torch.optim.SGD(
        net.parameters(),
        lr=float(train["learning_rate"]),
        momentum=float(sgd.get("momentum", 0.0)),
        nesterov=bool(sgd.get("nesterov", False)),
        weight_decay=float(train["weight_decay"]),
    )
    n = 50 * a.batch_size  # a pool of synthetic images on the device, like the built-in data
    images = torch.rand(n, 3, 32, 32, device=device)
    labels = torch.randint(0, 10, (n,), device=device)

    def step(i):
        idx = torch.randint(0, n, (a.batch_size,), device=device)
        x, y = images[idx], labels[idx]
        x = F.pad(x, (4, 4, 4, 4))
        dx, dy = torch.randint(0, 9, (2,)).tolist()
        x = x[:, :, dy : dy + 32, dx : dx + 32]
        flip = torch.rand(a.batch_size, device=device) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    net.train()
    for i in range(a.warmup):
        step(i)
    if device.type == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    for i in range(a.steps):
        loss = step(i)
    loss.item()
    if device.type == "cuda":
        torch.cuda.synchronize()
    secs = time.perf_counter() - t
    print(
        f"RESULT torch={torch.__version__} device={device} steps={a.steps} "
        f"batch={a.batch_size} images_per_sec={a.steps * a.batch_size / secs:.1f} "
        f"loss={loss.item():.4f}"
    )


if __name__ == "__main__":
    main()
