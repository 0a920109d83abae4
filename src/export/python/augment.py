"""The workbench's augmentation of a normalized training batch (engine/augment.rs), in PyTorch.

One random affine map per image — mirror, scale, rotation, shear, translation, the shift of a
random crop from a zero-padded image, a random-resized crop — applied by grid sampling with the
background (a black pixel after normalization) filling what moves in; then brightness and
contrast; then AlexNet's PCA colour noise.
"""
import math

import torch
import torch.nn.functional as F


def _sym(g, amount):
    return (torch.rand((), generator=g).item() * 2 - 1) * amount if amount > 0 else 0.0


def _rrc_fraction(min_area, g):
    """Width and height fractions of a random-resized crop (torchvision's ranges)."""
    lo, hi = math.log(3 / 4), math.log(4 / 3)
    for _ in range(10):
        area = min(max(min_area, 0.01), 1.0)
        area += torch.rand((), generator=g).item() * (1.0 - area)
        ratio = math.exp(lo + torch.rand((), generator=g).item() * (hi - lo))
        wf, hf = math.sqrt(area * ratio), math.sqrt(area / ratio)
        if wf <= 1 and hf <= 1:
            return wf, hf
    return 1.0, 1.0


def _theta(a, g, w, h):
    flip = -1.0 if a["hflip"] and torch.rand((), generator=g).item() < 0.5 else 1.0
    s = 1.0 + _sym(g, a["scale"])
    r = math.radians(_sym(g, a["rotate_degrees"]))
    sh = math.tan(math.radians(_sym(g, a["shear_degrees"])))
    tx, ty = _sym(g, a["translate"]) * 2, _sym(g, a["translate"]) * 2
    p = a["crop_padding"]
    if p > 0:
        tx += int(torch.randint(-p, p + 1, (), generator=g)) * 2 / w
        ty += int(torch.randint(-p, p + 1, (), generator=g)) * 2 / h
    sin, cos = math.sin(r), math.cos(r)
    m = [cos / s * flip, (cos * sh - sin) / s, tx, sin / s * flip, (sin * sh + cos) / s, ty]
    if a["random_resized_crop"] > 0:
        wf, hf = _rrc_fraction(a["random_resized_crop"], g)
        cx = (torch.rand((), generator=g).item() * 2 - 1) * (1 - wf)
        cy = (torch.rand((), generator=g).item() * 2 - 1) * (1 - hf)
        m = [wf * m[0], wf * m[1], wf * m[2] + cx, hf * m[3], hf * m[4], hf * m[5] + cy]
    return m


def is_off(a):
    return not any(bool(v) for v in a.values())


def augment(x, a, background, std, pca, g):
    """The augmented batch; `a` is the preset's `augment` settings, `g` a torch.Generator."""
    if is_off(a):
        return x
    n, c, h, w = x.shape
    geometric = (a["random_resized_crop"] > 0 or a["hflip"] or a["crop_padding"] > 0
                 or a["scale"] > 0 or a["translate"] > 0 or a["rotate_degrees"] > 0
                 or a["shear_degrees"] > 0)
    if geometric:
        theta = torch.tensor([_theta(a, g, w, h) for _ in range(n)], dtype=x.dtype)
        theta = theta.view(n, 2, 3).to(x.device)
        grid = F.affine_grid(theta, [n, c, h, w], align_corners=False)
        bg = background.view(1, c, 1, 1).to(x.device)
        x = F.grid_sample(x - bg, grid, mode="bilinear", padding_mode="zeros",
                          align_corners=False) + bg
    if a["brightness"] > 0 or a["contrast"] > 0:
        b = torch.tensor([_sym(g, a["brightness"]) for _ in range(n)], device=x.device)
        k = torch.tensor([1 + _sym(g, a["contrast"]) for _ in range(n)], device=x.device)
        mean = x.mean((1, 2, 3), keepdim=True)
        x = (x - mean) * k.view(n, 1, 1, 1) + mean + b.view(n, 1, 1, 1)
    if a["pca_noise"] > 0 and c == 3 and pca is not None:
        vals, vecs = pca
        alpha = torch.randn((n, 3), generator=g) * a["pca_noise"]
        delta = (alpha * vals) @ vecs.T / std
        x = x + delta.view(n, 3, 1, 1).to(x.device)
    return x
