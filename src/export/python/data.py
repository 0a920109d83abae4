"""The data train.py trains on, read as the workbench reads it.

Sources: MNIST-format IDX files (MNIST, Fashion-MNIST, KMNIST; the workbench's built-in shapes
are exported as IDX files in data/), CIFAR-10/100 (binary or Python version), and image folders
(one subfolder of images per class; train/ and val/ or test/ subfolders used when present).
Images are scaled to [0, 1] and normalized per channel with the training images' mean and std;
a fixed share of the training images is held out for validation — the same images the workbench
holds out (its shuffle, ChaCha8 as Rust's rand_chacha and rand draw it, is reproduced below).
"""
import gzip
import math
import os
import pickle
from pathlib import Path

import numpy as np
import torch

SPLIT_SEED = 0x5EED0001
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


class DataError(Exception):
    """A dataset that cannot be read; the message names the file and the fix."""


# ---------------------------------------------------------------- IDX (MNIST family)

def _read_maybe_gz(path):
    raw = Path(path).read_bytes()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def read_idx(path):
    """An IDX file (unsigned bytes) as a numpy array."""
    raw = _read_maybe_gz(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path}: not an IDX file of unsigned bytes")
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    start = 4 + 4 * dims
    count = int(np.prod(shape))
    if len(raw) - start < count:
        raise DataError(f"{path}: truncated — {len(raw) - start} bytes of data, {count} expected")
    return np.frombuffer(raw, np.uint8, count, start).reshape(shape).copy()


def _locate(folder, name):
    for p in (folder / name, folder / (name + ".gz")):
        if p.is_file():
            return p
    raise DataError(f"{folder}: {name} is missing (an MNIST-format folder has "
                    "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-… files)")


def is_idx(folder):
    return any((folder / f"train-images-idx3-ubyte{s}").is_file() for s in ("", ".gz"))


def load_idx(folder):
    splits = []
    for split in ("train", "t10k"):
        x = read_idx(_locate(folder, f"{split}-images-idx3-ubyte"))
        y = read_idx(_locate(folder, f"{split}-labels-idx1-ubyte")).astype(np.int64)
        if x.ndim == 3:
            x = x[:, None]
        if len(x) != len(y):
            raise DataError(f"{folder}: {len(x)} {split} images but {len(y)} labels")
        splits.append((x, y))
    classes = max(10, int(max(splits[0][1].max(), splits[1][1].max())) + 1)
    names_file = folder / "classes.txt"
    if names_file.is_file():
        names = names_file.read_text().split("\n")[:classes]
    else:
        names = [str(i) for i in range(classes)]
    return splits[0], splits[1], names


# ---------------------------------------------------------------- CIFAR

def _cifar_dir(folder):
    for d in (folder, folder / "cifar-10-batches-bin", folder / "cifar-100-binary",
              folder / "cifar-10-batches-py", folder / "cifar-100-python"):
        if (d / "data_batch_1.bin").is_file():
            return "bin10", d
        if (d / "train.bin").is_file() and (d / "test.bin").is_file():
            return "bin100", d
        if (d / "data_batch_1").is_file() and (d / "test_batch").is_file():
            return "py10", d
        if (d / "train").is_file() and (d / "test").is_file() and (d / "meta").is_file():
            return "py100", d
    return None, None


def is_cifar(folder):
    return _cifar_dir(folder)[0] is not None


def _parse_bin(path, label_bytes, pick):
    raw = np.fromfile(path, np.uint8)
    record = label_bytes + 3072
    if raw.size % record:
        raise DataError(f"{path}: {raw.size} bytes is not a whole number of {record}-byte "
                        "CIFAR records (truncated?)")
    raw = raw.reshape(-1, record)
    return raw[:, label_bytes:].reshape(-1, 3, 32, 32), raw[:, pick].astype(np.int64)


def _unpickle(path):
    with open(path, "rb") as f:
        return pickle.load(f, encoding="bytes")


def load_cifar(folder, coarse):
    kind, d = _cifar_dir(folder)
    if kind == "bin10":
        parts = [_parse_bin(d / f"data_batch_{i}.bin", 1, 0) for i in range(1, 6)
                 if (d / f"data_batch_{i}.bin").is_file()]
        train = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
        test = _parse_bin(d / "test_batch.bin", 1, 0)
        meta = d / "batches.meta.txt"
        names = [n for n in meta.read_text().split("\n") if n.strip()] if meta.is_file() else None
    elif kind == "bin100":
        pick = 0 if coarse else 1
        train, test = _parse_bin(d / "train.bin", 2, pick), _parse_bin(d / "test.bin", 2, pick)
        names = None
    else:
        files = ([d / f"data_batch_{i}" for i in range(1, 6) if (d / f"data_batch_{i}").is_file()]
                 if kind == "py10" else [d / "train"])
        key = b"labels" if kind == "py10" else (b"coarse_labels" if coarse else b"fine_labels")

        def read(paths):
            batches = [_unpickle(p) for p in paths]
            x = np.concatenate([np.asarray(b[b"data"], np.uint8) for b in batches])
            y = np.concatenate([np.asarray(b[key], np.int64) for b in batches])
            return x.reshape(-1, 3, 32, 32), y

        train = read(files)
        test = read([d / ("test_batch" if kind == "py10" else "test")])
        meta = _unpickle(d / ("batches.meta" if kind == "py10" else "meta"))
        mkey = b"label_names" if kind == "py10" else (
            b"coarse_label_names" if coarse else b"fine_label_names")
        names = [n.decode() for n in meta.get(mkey, [])] or None
    classes = int(max(train[1].max(), test[1].max())) + 1
    return train, test, names or [str(i) for i in range(classes)]


# ---------------------------------------------------------------- image folders

def _scan(root):
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    files = []
    for i, c in enumerate(classes):
        for dirpath, _, names in os.walk(root / c, followlinks=False):
            files += [(Path(dirpath) / n, i) for n in sorted(names)
                      if Path(n).suffix.lower() in IMAGE_SUFFIXES]
    return classes, files


class ImageFiles(torch.utils.data.Dataset):
    """Image files decoded on demand: shorter side resized to the input, centre-cropped,
    grey or colour as the network takes. Returns uint8 [C, H, W] and the label."""

    def __init__(self, files, channels, height, width):
        self.files, self.shape = files, (channels, height, width)

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        from PIL import Image
        path, label = self.files[i]
        c, h, w = self.shape
        img = Image.open(path).convert("L" if c == 1 else "RGB")
        scale = max(h / img.height, w / img.width)
        size = (max(w, round(img.width * scale)), max(h, round(img.height * scale)))
        img = img.resize(size, Image.BILINEAR)
        left, top = (size[0] - w) // 2, (size[1] - h) // 2
        img = img.crop((left, top, left + w, top + h))
        x = torch.from_numpy(np.asarray(img, np.uint8).copy())
        x = x[None] if c == 1 else x.permute(2, 0, 1)
        return x, label


def load_folder(root, shape, validation_fraction):
    train_dir = root / "train" if (root / "train").is_dir() else root
    classes, train = _scan(train_dir)
    if len(classes) < 2:
        raise DataError(f"{train_dir}: an image folder needs at least 2 class subfolders")
    held = [root / n for n in ("val", "test") if train_dir != root and (root / n).is_dir()]
    if held:
        names, test = _scan(held[-1])
        index = {c: i for i, c in enumerate(classes)}
        unknown = [n for n in names if n not in index]
        if unknown:
            raise DataError(f"{held[-1]}: class {unknown[0]!r} is not among the training classes")
        test = [(p, index[names[y]]) for p, y in test]
    else:
        order = np.random.default_rng(SPLIT_SEED).permutation(len(train))
        n_test = max(1, round(len(train) * 0.1))
        test = [train[i] for i in sorted(order[:n_test])]
        train = [train[i] for i in sorted(order[n_test:])]
    return train, test, classes


# ---------------------------------------------------------------- the workbench's shuffle

_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF


def _chacha8_words(seed):
    """The u32 outputs of Rust's `ChaCha8Rng::seed_from_u64(seed)` (rand_chacha 0.9): the key
    from rand_core's PCG32 expansion of the seed, then the ChaCha keystream with 8 rounds, a
    64-bit block counter and stream 0."""
    key, state = [], seed & _M64
    for _ in range(8):
        state = (state * 6364136223846793005 + 11634580027462260723) & _M64
        xorshifted = (((state >> 18) ^ state) >> 27) & _M32
        rot = state >> 59
        key.append(((xorshifted >> rot) | (xorshifted << ((32 - rot) & 31))) & _M32)

    def quarter(w, a, b, c, d):
        w[a] = (w[a] + w[b]) & _M32
        w[d] ^= w[a]
        w[d] = ((w[d] << 16) | (w[d] >> 16)) & _M32
        w[c] = (w[c] + w[d]) & _M32
        w[b] ^= w[c]
        w[b] = ((w[b] << 12) | (w[b] >> 20)) & _M32
        w[a] = (w[a] + w[b]) & _M32
        w[d] ^= w[a]
        w[d] = ((w[d] << 8) | (w[d] >> 24)) & _M32
        w[c] = (w[c] + w[d]) & _M32
        w[b] ^= w[c]
        w[b] = ((w[b] << 7) | (w[b] >> 25)) & _M32

    counter = 0
    while True:
        x = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574] + key
        x += [counter & _M32, counter >> 32, 0, 0]
        w = list(x)
        for _ in range(4):
            quarter(w, 0, 4, 8, 12)
            quarter(w, 1, 5, 9, 13)
            quarter(w, 2, 6, 10, 14)
            quarter(w, 3, 7, 11, 15)
            quarter(w, 0, 5, 10, 15)
            quarter(w, 1, 6, 11, 12)
            quarter(w, 2, 7, 8, 13)
            quarter(w, 3, 4, 9, 14)
        for i in range(16):
            yield (w[i] + x[i]) & _M32
        counter += 1


def _below(words, bound):
    """rand 0.9's `random_range(..bound)` for u32: a widening multiply, one more word when the
    first is in the biased zone."""
    product = next(words) * bound
    result, low = product >> 32, product & _M32
    if low > (-bound) & _M32:
        if low + ((next(words) * bound) >> 32) > _M32:
            result += 1
    return result


def workbench_shuffle(n, seed):
    """`(0..n).shuffle(&mut ChaCha8Rng::seed_from_u64(seed))` as rand 0.9 does it: Fisher–Yates
    from the front, the indices drawn in chunks (`IncreasingUniform`)."""
    order = list(range(n))
    if n <= 1:
        return order
    words = _chacha8_words(seed)
    drawn, chunk, remaining = 0, 0, 1
    for i in range(n):
        next_n = drawn + 1
        if remaining == 0:
            bound, count = next_n, 1
            while bound * (next_n + count) <= _M32:
                bound *= next_n + count
                count += 1
            chunk = _below(words, bound)
            remaining = count
        remaining -= 1
        if remaining == 0:
            j = chunk
        else:
            j, chunk = chunk % next_n, chunk // next_n
        drawn = next_n
        order[i], order[j] = order[j], order[i]
    return order


# ---------------------------------------------------------------- one entry point

def resolve_folder(source, data_override, here):
    """The folder the preset's data source names, or the one given with --data."""
    if data_override:
        return Path(data_override)
    kind, args = next(iter(source.items())) if isinstance(source, dict) else (source, {})
    if kind == "Downloaded":
        base = os.environ.get("CNN_WORKBENCH_DATA") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
            "cnn-workbench", "datasets")
        return Path(base) / args["name"]
    if kind == "Synthetic":
        raise DataError("this preset trains on the workbench's built-in shapes, which were not "
                        "exported — export it again, or pass --data with a dataset folder")
    folder = Path(args["folder"])
    return folder if folder.is_absolute() else here / folder


class Data:
    """Normalized training, validation and test data (tensors or image files)."""

    def __init__(self, cfg, input_shape, folder):
        if not folder.is_dir():
            raise DataError(f"dataset folder {folder} does not exist — pass --data DIR")
        c, h, w = input_shape
        limit_train, limit_test = cfg.get("train_limit"), cfg.get("test_limit")
        self.files = None
        if is_idx(folder) or is_cifar(folder):
            (x, y), (tx, ty), self.class_names = (load_idx(folder) if is_idx(folder)
                                                 else load_cifar(folder, cfg.get("coarse_labels")))
            x, y, tx, ty = x[:limit_train], y[:limit_train], tx[:limit_test], ty[:limit_test]
            if x.shape[1:] != (c, h, w):
                raise DataError(f"{folder}: images are {'×'.join(map(str, x.shape[1:]))} but the "
                                f"network takes {c}×{h}×{w}")
            train_idx, val_idx = self._split(len(x), cfg["validation_fraction"])
            train_u8 = x[train_idx]
            pixels = train_u8.astype(np.float32) / 255.0
            self.mean = pixels.mean((0, 2, 3))
            self.std = np.maximum(pixels.std((0, 2, 3)), 1e-6)
            self.pca = _rgb_pca(pixels)
            self.train = (self.normalize(torch.from_numpy(train_u8)), torch.from_numpy(y[train_idx]))
            self.val = (self.normalize(torch.from_numpy(x[val_idx])), torch.from_numpy(y[val_idx]))
            self.test = (self.normalize(torch.from_numpy(tx)), torch.from_numpy(ty))
        else:
            train, test, self.class_names = load_folder(folder, input_shape,
                                                        cfg["validation_fraction"])
            train, test = train[:limit_train], test[:limit_test]
            train_idx, val_idx = self._split(len(train), cfg["validation_fraction"])
            self.files = True
            self.train = ImageFiles([train[i] for i in train_idx], c, h, w)
            self.val = ImageFiles([train[i] for i in val_idx], c, h, w)
            self.test = ImageFiles(test, c, h, w)
            sample = torch.stack([self.train[i][0] for i in range(min(2000, len(self.train)))])
            pixels = sample.numpy().astype(np.float32) / 255.0
            self.mean = pixels.mean((0, 2, 3))
            self.std = np.maximum(pixels.std((0, 2, 3)), 1e-6)
            self.pca = _rgb_pca(pixels)
        if len(self.train_set()) < 2 or len(self.test_set()) == 0:
            raise DataError("the dataset needs at least 2 training images and 1 test image")

    @staticmethod
    def _split(n, fraction):
        """(training, validation) indices, sorted: engine/data/mod.rs `split_indices`."""
        order = workbench_shuffle(n, SPLIT_SEED)
        # Rust's f64::round rounds halves away from zero (Python's round to even).
        n_val = min(max(int(math.floor(n * min(max(fraction, 0.0), 0.9) + 0.5)), 1), n - 1)
        return np.sort(np.array(order[n_val:])), np.sort(np.array(order[:n_val]))

    def normalize(self, x_u8):
        """uint8 [N, C, H, W] → float, (x/255 − mean) / std per channel."""
        m = torch.tensor(self.mean).view(1, -1, 1, 1)
        s = torch.tensor(self.std).view(1, -1, 1, 1)
        return (x_u8.float() / 255.0 - m) / s

    def _dataset(self, part):
        if self.files:
            return part
        return torch.utils.data.TensorDataset(*part)

    def train_set(self):
        return self._dataset(self.train)

    def val_set(self):
        return self._dataset(self.val)

    def test_set(self):
        return self._dataset(self.test)

    def prepare(self, x):
        """A batch from a loader as normalized floats (image files arrive as uint8)."""
        return self.normalize(x) if x.dtype == torch.uint8 else x


def _rgb_pca(pixels):
    """Eigenvalues and eigenvectors of the RGB pixel covariance (for PCA colour noise)."""
    if pixels.shape[1] != 3:
        return None
    flat = pixels.transpose(0, 2, 3, 1).reshape(-1, 3)[:1_000_000].astype(np.float64)
    vals, vecs = np.linalg.eigh(np.cov(flat, rowvar=False))
    return torch.tensor(vals, dtype=torch.float32), torch.tensor(vecs, dtype=torch.float32)
