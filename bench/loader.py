"""The data-loading reference for `make bench`: torchvision's ImageFolder + DataLoader over
the same folder, with the same work per image (decode, random-resized crop, flip, to a float
tensor in batches), one epoch, shuffled. `--make N SIZE` writes the folder first: N JPEGs of
SIZE×SIZE in 10 classes (textured colour images, quality 90).
Prints images_per_sec=…"""
import argparse
import os
import time


def make(root, n, size):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(n):
        c = i % 10
        d = os.path.join(root, f"class{c}")
        os.makedirs(d, exist_ok=True)
        f = 3 + c + rng.random() * 4
        img = np.stack([np.sin(f * xx + rng.random() * 6), np.cos(f * yy), np.sin(f * (xx + yy))], -1)
        img = (img * 0.5 + 0.5) * 200 + rng.normal(0, 20, (size, size, 3))
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(os.path.join(d, f"{i}.jpg"), quality=90)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("folder")
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--make", type=int, default=0)
    a = p.parse_args()
    if a.make:
        make(a.folder, a.make, a.size)
        return
    import torch
    from torchvision import datasets, transforms

    torch.set_num_threads(1)
    t = transforms.Compose(
        [transforms.RandomResizedCrop(a.size), transforms.RandomHorizontalFlip(), transforms.ToTensor()]
    )
    ds = datasets.ImageFolder(a.folder, transform=t)
    dl = torch.utils.data.DataLoader(ds, batch_size=a.batch_size, shuffle=True, num_workers=a.workers)
    start = time.perf_counter()
    it = iter(dl)  # starts the worker processes
    startup = time.perf_counter() - start
    n = 0
    for x, _ in it:
        n += x.shape[0]
    secs = time.perf_counter() - start
    print(f"images={n} secs={secs:.2f} startup_secs={startup:.2f} images_per_sec={n / secs:.1f}")


if __name__ == "__main__":
    main()
