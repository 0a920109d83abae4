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


def _geometry(a, g, w, h):
    """One image's drawn geometry (engine/augment.rs: `Geometry`)."""
    flip = -1.0 if a["hflip"] and torch.rand((), generator=g).item() < 0.5 else 1.0
    s = 1.0 + _sym(g, a["scale"])
    r = math.radians(_sym(g, a["rotate_degrees"]))
    sh = math.tan(math.radians(_sym(g, a["shear_degrees"])))
    tx, ty = _sym(g, a["translate"]) * 2, _sym(g, a["translate"]) * 2
    p = a["crop_padding"]
    if p > 0:
        tx += int(torch.randint(-p, p + 1, (), generator=g)) * 2 / w
        ty += int(torch.randint(-p, p + 1, (), generator=g)) * 2 / h
    crop = None
    if a["random_resized_crop"] > 0:
        wf, hf = _rrc_fraction(a["random_resized_crop"], g)
        cx = (torch.rand((), generator=g).item() * 2 - 1) * (1 - wf)
        cy = (torch.rand((), generator=g).item() * 2 - 1) * (1 - hf)
        crop = (wf, hf, cx, cy)
    return {"flip": flip, "scale": s, "rotate": r, "shear": sh, "shift": (tx, ty), "crop": crop}


def theta_of(geo):
    """The affine map of a geometry (output pixel → input location in [-1, 1] coordinates):
    M = R · Shear · (1/s) · Flip, shifted, then restricted to the crop (`Geometry::theta`)."""
    s, flip, sh = geo["scale"], geo["flip"], geo["shear"]
    sin, cos = math.sin(geo["rotate"]), math.cos(geo["rotate"])
    tx, ty = geo["shift"]
    m = [cos / s * flip, (cos * sh - sin) / s, tx, sin / s * flip, (sin * sh + cos) / s, ty]
    if geo["crop"] is not None:
        wf, hf, cx, cy = geo["crop"]
        m = [wf * m[0], wf * m[1], wf * m[2] + cx, hf * m[3], hf * m[4], hf * m[5] + cy]
    return m


def is_off(a):
    return not any(bool(v) for v in a.values())


def draw(a, n, c, h, w, std, pca, g):
    """What one batch's augmentation draws (engine/augment.rs: `draw`): per image its affine
    map, brightness shift and contrast factor, PCA colour offsets in normalized units."""
    draws = {"theta": None, "brightness_contrast": None, "pca_delta": None}
    geometric = (a["random_resized_crop"] > 0 or a["hflip"] or a["crop_padding"] > 0
                 or a["scale"] > 0 or a["translate"] > 0 or a["rotate_degrees"] > 0
                 or a["shear_degrees"] > 0)
    if geometric:
        draws["theta"] = [theta_of(_geometry(a, g, w, h)) for _ in range(n)]
    if a["brightness"] > 0 or a["contrast"] > 0:
        b = [_sym(g, a["brightness"]) for _ in range(n)]
        k = [1 + _sym(g, a["contrast"]) for _ in range(n)]
        draws["brightness_contrast"] = (b, k)
    if a["pca_noise"] > 0 and c == 3 and pca is not None:
        vals, vecs = pca
        alpha = torch.randn((n, 3), generator=g) * a["pca_noise"]
        draws["pca_delta"] = ((alpha * vals) @ vecs.T / std).reshape(-1).tolist()
    return draws


def apply_draws(x, draws, background):
    """Applies drawn augmentation (engine/augment.rs: `apply_draws`): each map by grid sampling
    with `background` filling what moves in, then (x − mean)·k + mean + b, then the offsets."""
    n, c, h, w = x.shape
    if draws["theta"] is not None:
        theta = torch.tensor(draws["theta"], dtype=x.dtype).view(n, 2, 3).to(x.device)
        grid = F.affine_grid(theta, [n, c, h, w], align_corners=False)
        bg = background.view(1, c, 1, 1).to(x.device, x.dtype)
        x = F.grid_sample(x - bg, grid, mode="bilinear", padding_mode="zeros",
                          align_corners=False) + bg
    if draws["brightness_contrast"] is not None:
        b, k = draws["brightness_contrast"]
        b = torch.tensor(b, dtype=x.dtype, device=x.device)
        k = torch.tensor(k, dtype=x.dtype, device=x.device)
        mean = x.mean((1, 2, 3), keepdim=True)
        x = (x - mean) * k.view(n, 1, 1, 1) + mean + b.view(n, 1, 1, 1)
    if draws["pca_delta"] is not None:
        delta = torch.tensor(draws["pca_delta"], dtype=x.dtype, device=x.device)
        x = x + delta.view(n, 3, 1, 1)
    return x


def augment(x, a, background, std, pca, g):
    """The augmented batch; `a` is the preset's `augment` settings, `g` a torch.Generator."""
    if is_off(a):
        return x
    n, c, h, w = x.shape
    return apply_draws(x, draw(a, n, c, h, w, std, pca, g), background)
