"""The layers of cnn-workbench networks in plain PyTorch.

Every class here computes what the workbench computes (the lecture's formulas) and keeps the
workbench's parameter names, so a workbench checkpoint loads with
`model.load_state_dict(safetensors.torch.load_file(path), strict=True)`.
Written by `cnn-workbench export`; model.py builds the network from these.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

EPS = 1e-5
MOMENTUM = 0.1


def init_(module, init):
    """The workbench's weight initializations; biases start at 0.

    "msra": Kaiming normal, N(0, 2/fan-in). "xavier": Glorot uniform, U(±√(6/(fan-in +
    fan-out))). "uniform": U(±1/fan-in). Fans as PyTorch counts them: fan-in is one group's
    inputs × kernel area, fan-out the outputs × kernel area.
    """
    w = module.weight
    fan_in = max(w[0].numel(), 1)
    fan_out = max(w.shape[0] * (w[0, 0].numel() if w.dim() > 2 else 1), 1)
    with torch.no_grad():
        if init == "msra":
            w.normal_(0.0, math.sqrt(2.0 / fan_in))
        elif init == "xavier":
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            w.uniform_(-bound, bound)
        elif init == "uniform":
            w.uniform_(-1.0 / fan_in, 1.0 / fan_in)
        else:
            raise ValueError(f"unknown init {init!r}")
        if module.bias is not None:
            module.bias.zero_()
    return module


def conv(in_c, out_c, kernel, stride=1, padding=0, dilation=1, groups=1, bias=True, init="msra"):
    """nn.Conv2d with the workbench's initialization; kernel and padding are (height, width)."""
    layer = nn.Conv2d(in_c, out_c, kernel, stride=stride, padding=padding,
                      dilation=dilation, groups=groups, bias=bias)
    return init_(layer, init)


def linear(in_features, out_features, bias=True, init="msra"):
    return init_(nn.Linear(in_features, out_features, bias=bias), init)


def _per_channel(t, x):
    """A per-channel vector shaped to broadcast over x ([N, C] or [N, C, H, W])."""
    return t.reshape([1, -1] + [1] * (x.dim() - 2))


class BatchNorm(nn.Module):
    """Batch normalization over the batch (and positions), per channel; running statistics
    in evaluation. nn.BatchNorm2d/1d computes the same, but also keeps a
    `num_batches_tracked` counter the workbench's checkpoints do not have."""

    def __init__(self, channels, eps=EPS, momentum=MOMENTUM):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x):
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training, self.momentum, self.eps)


class DecorrelatedBatchNorm(nn.Module):
    """Decorrelated batch normalization (Huang et al. 2018): x̂ = Σ^(−1/2)(x − μ) per group
    of `group` channels over the batch and positions (ZCA whitening), then a scale and shift
    per channel; running μ and Σ^(−1/2) in evaluation."""

    def __init__(self, channels, group, eps=EPS, momentum=MOMENTUM):
        super().__init__()
        self.group, self.eps, self.momentum = group, eps, momentum
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        eye = torch.eye(group).expand(channels // group, group, group)
        self.register_buffer("running_whiten", eye.clone())

    def forward(self, x):
        size = x.shape
        n, c, g = size[0], size[1], self.group
        positions = x[0, 0].numel()
        groups = c // g
        xg = x.reshape(n, groups, g, positions).permute(1, 2, 0, 3).reshape(groups, g, n * positions)
        if self.training:
            m = n * positions
            if m <= g:
                raise ValueError(f"decorrelated batch norm: a group of {g} channels needs more "
                                 f"than {g} values per channel in a batch, this one has {m}")
            mean = xg.mean(2, keepdim=True)
            xc = xg - mean
            eye = torch.eye(g, device=x.device, dtype=x.dtype)
            cov = xc @ xc.transpose(1, 2) / m + eye * self.eps
            vals, vecs = torch.linalg.eigh(cov)
            whiten = vecs @ torch.diag_embed(vals.rsqrt()) @ vecs.transpose(1, 2)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(mean.reshape(c) * self.momentum)
                self.running_whiten.mul_(1 - self.momentum).add_(whiten * self.momentum)
            y = whiten @ xc
        else:
            y = self.running_whiten @ (xg - self.running_mean.reshape(groups, g, 1))
        y = y.reshape(groups, g, n, positions).permute(2, 0, 1, 3).reshape(size)
        return y * _per_channel(self.weight, x) + _per_channel(self.bias, x)


def norm(kind, channels, flat=False, group=None):
    """The workbench's normalizations by name: "off", "batch", "layer", "instance",
    "group" (with `group` groups) and "decorrelated" (with groups of `group` channels)."""
    if kind == "off":
        return nn.Identity()
    if kind == "batch":
        return BatchNorm(channels)
    if kind == "layer":
        # Over all of a sample's features; on feature maps, channels and positions together.
        return nn.LayerNorm(channels, eps=EPS) if flat else nn.GroupNorm(1, channels, eps=EPS)
    if kind == "instance":
        return nn.GroupNorm(channels, channels, eps=EPS)
    if kind == "group":
        return nn.GroupNorm(group, channels, eps=EPS)
    if kind == "decorrelated":
        return DecorrelatedBatchNorm(channels, group)
    raise ValueError(f"unknown normalization {kind!r}")


class Swish(nn.Module):
    """x·sigmoid(β·x); β = 1 is nn.SiLU."""

    def __init__(self, beta=1.0):
        super().__init__()
        self.beta = beta

    def forward(self, x):
        return x * torch.sigmoid(self.beta * x)


class Dice(nn.Module):
    """Dice (Zhou et al. 2018): p(s)·s + (1 − p(s))·α·s with p(s) = sigmoid((s − E[s]) /
    √(Var[s] + ε)); α learned per channel, batch statistics in training and running
    statistics in evaluation."""

    def __init__(self, channels, eps=1e-8, alpha_init=0.0):
        super().__init__()
        self.eps = eps
        self.alpha = nn.Parameter(torch.full((channels,), float(alpha_init)))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x):
        s = F.batch_norm(x, self.running_mean, self.running_var, None, None,
                         self.training, MOMENTUM, self.eps)
        p = torch.sigmoid(s)
        return p * x + (1 - p) * _per_channel(self.alpha, x) * x


def local_response_norm(size, alpha, beta, k):
    """a / (k + α Σ a²)^β over `size` neighbouring channels (Krizhevsky et al. 2012).
    PyTorch's nn.LocalResponseNorm averages where the paper sums: its α is α·size."""
    return nn.LocalResponseNorm(size, alpha=alpha * size, beta=beta, k=k)


class L2Pool2d(nn.Module):
    """√(mean of squares) over each window (power-average pooling with p = 2); zero padding
    counts in the mean. The floor keeps the gradient finite on all-zero windows."""

    def __init__(self, kernel, stride, padding=0, ceil_mode=False):
        super().__init__()
        self.kernel, self.stride, self.padding, self.ceil_mode = kernel, stride, padding, ceil_mode

    def forward(self, x):
        mean = F.avg_pool2d(x * x, self.kernel, self.stride, self.padding, self.ceil_mode, True)
        return mean.clamp_min(1e-12).sqrt()


class GlobalAvgPool(nn.Module):
    """The mean of each feature map: [N, C, H, W] → [N, C]."""

    def forward(self, x):
        return x.mean((2, 3))


class GlobalMaxPool(nn.Module):
    """The maximum of each feature map: [N, C, H, W] → [N, C]."""

    def forward(self, x):
        return x.amax((2, 3))


class Unit(nn.Module):
    """conv → norm → activation, the building block of the workbench's blocks. The conv has
    a bias only without a norm."""

    def __init__(self, in_c, out_c, kernel, stride, padding, norm_kind, act, init, group=None):
        super().__init__()
        self.conv = conv(in_c, out_c, kernel, stride, padding, bias=norm_kind == "off", init=init)
        self.norm = norm(norm_kind, out_c, group=group)
        self.act = act if act is not None else nn.Identity()

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


class Residual(nn.Module):
    """act(main(x) + shortcut(x)): the shortcut is the identity, or a 1×1 conv unit where the
    shape changes (residual and bottleneck blocks)."""

    def __init__(self, main, shortcut, act):
        super().__init__()
        self.main = nn.ModuleList(main)
        self.shortcut = shortcut
        self.act = act

    def forward(self, x):
        y = x
        for unit in self.main:
            y = unit(y)
        s = x if self.shortcut is None else self.shortcut(x)
        return self.act(y + s)


class Branch(nn.Sequential):
    """One branch of an inception module: optional 3×3 pooling (stride 1, padding 1), then
    conv units."""

    def __init__(self, pool, *units):
        super().__init__(*units)
        self.pool = pool

    def forward(self, x):
        if self.pool == "max":
            x = F.max_pool2d(x, 3, 1, 1)
        elif self.pool == "avg":
            x = F.avg_pool2d(x, 3, 1, 1, False, True)
        return super().forward(x)


class Concat(nn.Module):
    """Branches side by side, their outputs concatenated along channels (inception)."""

    def __init__(self, *branches):
        super().__init__()
        for i, b in enumerate(branches):
            self.add_module(f"branch{i}", b)

    def forward(self, x):
        return torch.cat([b(x) for b in self.children()], 1)


class AuxHead(nn.Module):
    """GoogLeNet's auxiliary classifier: the identity on the main path; its logits (average
    pool → 1×1 conv unit → fc1 → act → dropout → fc2) join the training loss × `weight`."""

    def __init__(self, unit, fc1, act, fc2, pool, stride, dropout, weight):
        super().__init__()
        self.conv, self.fc1, self.act, self.fc2 = unit, fc1, act, fc2
        self.pool, self.stride, self.dropout, self.weight = pool, stride, dropout, weight

    def forward(self, x):
        return x

    def head(self, x):
        x = F.avg_pool2d(x, self.pool, self.stride, 0, False, True)
        x = self.act(self.fc1(self.conv(x).flatten(1)))
        return self.fc2(F.dropout(x, self.dropout, self.training))


class WorkbenchNet(nn.Sequential):
    """A workbench network: its layers in order, named as in the workbench's checkpoints."""

    def forward_with_aux(self, x):
        """The logits and, in training, each auxiliary head's (loss weight, logits)."""
        aux = []
        for layer in self:
            if isinstance(layer, AuxHead) and self.training:
                aux.append((layer.weight, layer.head(x)))
            x = layer(x)
        return x, aux
