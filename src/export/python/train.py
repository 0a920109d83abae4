#!/usr/bin/env python3
"""Trains the exported network with its preset's settings, as cnn-workbench does, and writes a
run folder in the workbench's format (copy it into the workbench's runs/ folder to see it in
the History, compare it and inspect it).

    python train.py                                   # one process (CPU, or one GPU)
    torchrun --nproc-per-node 4 train.py              # DistributedDataParallel on 4 GPUs/CPUs

Options: --data DIR (the dataset folder, instead of the preset's), --runs DIR (where the run
folder goes; ./runs), --epochs N, --device cpu|cuda, --name NAME.
Under torchrun every process trains on its share of each batch (a DistributedSampler; the
preset's batch size is the global batch), gradients are averaged, and rank 0 evaluates and
writes the run folder. Backend: NCCL on GPUs, gloo on CPUs.
"""
import argparse
import json
import math
import os
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from augment import augment
from data import Data, DataError, resolve_folder
from model import CLASSES, INPUT_SHAPE, Net
from runfolder import RunFolder

HERE = Path(__file__).resolve().parent


class Terminated(Exception):
    """A signal asked this process to stop (torchrun stops all workers when one fails)."""


def on_signal(signum, _frame):
    raise Terminated(f"stopped by {signal.Signals(signum).name}")


def lr_at(t, step, steps_per_epoch):
    """The learning rate at a step: linear warm-up, then the schedule (spec/training.rs)."""
    base, warm = t["learning_rate"], t["warmup_steps"]
    if step < warm:
        return base * (step + 1) / warm
    schedule = t["schedule"]
    kind, s = (schedule, {}) if isinstance(schedule, str) else next(iter(schedule.items()))
    total = total_steps(t, steps_per_epoch)
    if kind == "Constant":
        return base
    if kind == "Step":
        return base * s["gamma"] ** ((step // max(steps_per_epoch, 1)) // max(s["every_epochs"], 1))
    if kind == "Cosine":
        frac = min((step - warm) / max(total - warm, 1), 1.0)
        return s["min_lr"] + 0.5 * (base - s["min_lr"]) * (1 + math.cos(math.pi * frac))
    if kind == "OneCycle":
        total = max(total, 2)
        initial = base / s["div_factor"]
        low = initial / s["final_div_factor"]
        end_up, end_down = s["pct_start"] * total - 1, total - 1

        def cos(a, b, pct):
            return b + (a - b) / 2 * (math.cos(math.pi * pct) + 1)
        if step <= end_up:
            return cos(initial, base, step / max(end_up, 1e-9))
        return cos(base, low, min((step - end_up) / max(end_down - end_up, 1e-9), 1.0))
    raise ValueError(f"unknown schedule {kind}")


def result_line(steps, epochs, test_acc, test_top5, duration, images_per_sec, loop_secs,
                loop_images_per_sec, run_dir):
    """The one RESULT line, as `cnn-workbench train --quiet` prints it (README, "RESULT")."""
    top5 = "-" if test_top5 is None else f"{test_top5:.4f}"
    return (f"RESULT steps={steps} epochs={epochs} test_accuracy={test_acc:.4f} "
            f"test_top5={top5} duration_secs={duration:.2f} images_per_sec={images_per_sec:.1f} "
            f"loop_secs={loop_secs:.2f} loop_images_per_sec={loop_images_per_sec:.1f} "
            f"run={run_dir}")


def total_steps(t, steps_per_epoch):
    all_steps = t["epochs"] * steps_per_epoch
    return all_steps if t["max_steps"] is None else min(all_steps, t["max_steps"])


def fine_tune(net, t, rank):
    """The preset's fine-tuning: weights from `init_from` where names and shapes match, and the
    `freeze` layers (1-based) with no gradient."""
    if t.get("init_from"):
        from safetensors.torch import load_file
        path = Path(t["init_from"])
        if path.is_dir():
            path = next((path / f for f in ("model.safetensors", "best.safetensors")
                         if (path / f).is_file()), path / "model.safetensors")
        loaded, own = load_file(str(path)), net.state_dict()
        fit = {k: v for k, v in loaded.items() if k in own and own[k].shape == v.shape}
        net.load_state_dict(fit, strict=False)
        if rank == 0:
            fresh = sorted(set(own) - set(fit))
            print(f"fine-tuning from {path}: {len(fit)} tensors loaded; initialized: {fresh}")
    layers = list(net.children())
    for n in t.get("freeze") or []:
        for p in layers[n - 1].parameters():
            p.requires_grad_(False)


def build_optimizer(net, t):
    """The preset's optimizer; with no_decay_on_biases_and_norms, biases, normalization scales
    and shifts and Dice's α (every 1-D parameter) get no weight decay."""
    exempt = t["no_decay_on_biases_and_norms"]
    params = [p for p in net.parameters() if p.requires_grad]
    decay = [p for p in params if not (exempt and p.dim() <= 1)]
    no_decay = [p for p in params if exempt and p.dim() <= 1]
    groups = [g for g in ({"params": decay, "weight_decay": t["weight_decay"]},
                          {"params": no_decay, "weight_decay": 0.0}) if g["params"]]
    kind, o = next(iter(t["optimizer"].items()))
    lr = t["learning_rate"]
    if kind == "Sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=o["momentum"], nesterov=o["nesterov"])
    if kind == "Adam":
        return torch.optim.Adam(groups, lr=lr, betas=(o["beta1"], o["beta2"]), eps=o["eps"])
    if kind == "AdamW":
        return torch.optim.AdamW(groups, lr=lr, betas=(o["beta1"], o["beta2"]), eps=o["eps"])
    raise ValueError(f"unknown optimizer {kind}")


def loss_fn(logits, y, loss):
    kind, o = (loss, {}) if isinstance(loss, str) else next(iter(loss.items()))
    if kind == "CrossEntropy":
        return F.cross_entropy(logits, y)
    if kind == "SmoothedCrossEntropy":
        return F.cross_entropy(logits, y, label_smoothing=o["smoothing"])
    if kind == "Hinge":
        return F.multi_margin_loss(logits, y, margin=o["margin"])
    raise ValueError(f"unknown loss {kind}")


def penalty(net, l1, l2):
    """λ1·Σ|w| + λ2·Σw² over conv and linear weights."""
    weights = [p for n, p in net.named_parameters() if n.endswith("weight") and p.dim() >= 2]
    total = 0.0
    for w in weights:
        if l1 > 0:
            total = total + l1 * w.abs().sum()
        if l2 > 0:
            total = total + l2 * w.square().sum()
    return total


class WithAux(nn.Module):
    """The network's logits and auxiliary heads' logits in one forward call, so that
    DistributedDataParallel sees every parameter used."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net.forward_with_aux(x)


@torch.no_grad()
def evaluate(net, dataset, data, loss, device):
    """Mean loss, accuracy and (more than 5 classes) top-5 accuracy, in eval mode."""
    net.eval()
    loader = torch.utils.data.DataLoader(dataset, batch_size=256, num_workers=data.workers)
    loss_sum = correct = top5 = n = 0.0
    for x, y in loader:
        x, y = data.prepare(x).to(device), y.to(device)
        logits = net(x)
        loss_sum += loss_fn(logits, y, loss).item() * len(y)
        correct += (logits.argmax(1) == y).sum().item()
        if logits.shape[1] > 5:
            top5 += (logits.topk(5, 1).indices == y[:, None]).any(1).sum().item()
        n += len(y)
    net.train()
    nan = float("nan")
    return (loss_sum / n if n else nan, correct / n if n else nan,
            top5 / n if n and CLASSES > 5 else None)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", help="the dataset folder (default: the preset's)")
    p.add_argument("--runs", default="runs", help="where the run folder goes (default: runs)")
    p.add_argument("--epochs", type=int, help="override the preset's epochs")
    p.add_argument("--device", help="cpu or cuda (default: the preset's; auto = cuda if present)")
    p.add_argument("--name", help="the run's name (default: the preset's)")
    p.add_argument("--timeout-minutes", type=float, default=30.0,
                   help="how long a process waits for the others before failing the run")
    return p.parse_args()


def setup(args, t):
    """(device, rank, world, distributed) for one process or a torchrun worker."""
    distributed = "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1
    want = (args.device or t["device"]).lower()
    use_cuda = want.startswith("cuda") or (want == "auto" and torch.cuda.is_available())
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local_rank}" if use_cuda and distributed else
                          ("cuda" if use_cuda else "cpu"))
    if use_cuda:
        torch.cuda.set_device(device)
    rank, world = 0, 1
    if distributed:
        dist.init_process_group("nccl" if use_cuda else "gloo",
                                timeout=timedelta(minutes=args.timeout_minutes))
        rank, world = dist.get_rank(), dist.get_world_size()
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    cores = os.cpu_count() or 1
    threads = t["threads"] or cores
    torch.set_num_threads(max(1, min(threads, cores) // max(local_world, 1)))
    return device, rank, world, distributed


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    preset = json.loads((HERE / "config.json").read_text())
    t, data_cfg = preset["training"], preset["data"]
    if args.epochs:
        t["epochs"] = args.epochs
    device, rank, world, distributed = setup(args, t)
    try:
        data = Data(data_cfg, INPUT_SHAPE, resolve_folder(data_cfg["source"], args.data, HERE))
    except DataError as e:
        sys.exit(f"train.py: {e}")
    data.workers = min(data_cfg.get("workers") or 2, 8) if data.files else 0
    torch.manual_seed(t["seed"])
    net = Net().to(device)
    fine_tune(net, t, rank)
    run = None
    if rank == 0:
        run = RunFolder(args.runs, HERE / "preset.ron", args.name or preset["name"], t["seed"],
                        ["torchrun" if distributed else "train.py"], torch.get_num_threads())
        print(f"run folder: {run.dir}", flush=True)
    try:
        train(net, data, t, device, rank, world, distributed, run)
    except BaseException as e:
        reason = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        if distributed and rank == 0:
            reason = f"a worker failed or was stopped ({reason})"
        if run is not None:
            run.failed(reason)
        print(f"train.py (rank {rank}): run failed: {reason}", file=sys.stderr, flush=True)
        sys.exit(1)
    finally:
        if distributed and dist.is_initialized():
            dist.destroy_process_group()


def train(net, data, t, device, rank, world, distributed, run):
    start = time.time()
    model = WithAux(net)
    if distributed:
        model = DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)
    opt = build_optimizer(net, t)
    train_set = data.train_set()
    batch = max(1, min(t["batch_size"], len(train_set)) // world)
    sampler = (torch.utils.data.DistributedSampler(train_set, world, rank, shuffle=True,
                                                   seed=t["seed"]) if distributed else None)
    order = torch.Generator().manual_seed(t["seed"] + 2)
    loader = torch.utils.data.DataLoader(train_set, batch_size=batch, shuffle=sampler is None,
                                         sampler=sampler, generator=order,
                                         num_workers=data.workers)
    # As the workbench counts: a final batch of one image is skipped (it cannot be
    # batch-normalized), so it is no step.
    n = len(sampler) if sampler is not None else len(train_set)
    steps_per_epoch = n // batch + (1 if n % batch > 1 else 0)
    total = total_steps(t, steps_per_epoch)
    aug_gen = torch.Generator().manual_seed(t["seed"] + 3 + rank)
    mean, std = torch.tensor(data.mean), torch.tensor(data.std)
    background = -mean / std
    if run:
        summary = (HERE / "summary.ron").read_text().strip()
        run.started(summary, data.class_names, len(train_set), len(data.val_set()),
                    len(data.test_set()), steps_per_epoch, total, str(device),
                    torch.get_num_threads())
    step, best, last, trained, step_secs, loop_secs, epochs_done = 0, None, None, 0, 0.0, 0.0, 0
    last_event = window_start = time.time()
    window_images = 0
    for epoch in range(t["epochs"]):
        if step >= total:
            break
        if sampler is not None:
            sampler.set_epoch(epoch)
        epoch_start = time.time()
        sums = torch.zeros(3, dtype=torch.float64)
        for x, y in loader:
            if len(y) < 2:  # a batch of one cannot be batch-normalized
                continue
            t0 = time.time()
            lr = lr_at(t, step, steps_per_epoch)
            for g in opt.param_groups:
                g["lr"] = lr
            x, y = data.prepare(x), y
            x = augment(x, t["augment"], background, std, data.pca, aug_gen).to(device)
            y = y.to(device)
            logits, aux = model(x)
            loss = loss_fn(logits, y, t["loss"])
            for weight, aux_logits in aux:
                loss = loss + weight * loss_fn(aux_logits, y, t["loss"])
            loss = loss + penalty(net, t["l1"], t["l2"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            correct = (logits.argmax(1) == y).sum().item()
            stats = torch.tensor([loss.item() * len(y), correct, len(y)], dtype=torch.float64)
            if distributed:
                dist.all_reduce(stats)
            if not math.isfinite(stats[0].item()):
                if run:
                    run.diverged(step, last)
                return
            sums += stats
            step_secs += time.time() - t0
            trained += int(stats[2])
            window_images += int(stats[2])
            now = time.time()
            last = {"step": step, "epoch": epoch, "loss": stats[0].item() / stats[2].item(),
                    "accuracy": stats[1].item() / stats[2].item(), "learning_rate": lr,
                    "images_per_sec": window_images / max(now - window_start, 1e-9),
                    "elapsed_secs": now - start}
            epoch_end = step % steps_per_epoch == 0 or step >= total
            if run:
                log = epoch_end or now - last_event >= 0.5
                run.step(last, log)
                if log:
                    last_event = window_start = now
                    window_images = 0
            if step >= total:
                break
        # The training loop's wall time (data, steps, logging), evaluation and checkpoints
        # excluded: the workbench's train_loop_secs.
        loop_secs += time.time() - epoch_start
        epochs_done = epoch + 1
        if run:
            val_loss, val_acc, val_top5 = evaluate(net, data.val_set(), data, t["loss"], device)
            run.epoch({"epoch": epoch + 1, "step": step,
                       "train_loss": sums[0].item() / max(sums[2].item(), 1),
                       "train_accuracy": sums[1].item() / max(sums[2].item(), 1),
                       "val_loss": val_loss, "val_accuracy": val_acc, "val_top5": val_top5,
                       "duration_secs": time.time() - epoch_start})
            print(f"epoch {epoch + 1}: val accuracy {val_acc:.4f}", flush=True)
            every = t["checkpoint_every_epochs"]
            if every and (epoch + 1) % every == 0:
                run.checkpoint(f"epoch-{epoch + 1}", net.state_dict(), step)
            if t["checkpoint_best"] and (best is None or val_acc > best):
                best = val_acc
                run.checkpoint("best", net.state_dict(), step)
    if run:
        test_loss, test_acc, test_top5 = evaluate(net, data.test_set(), data, t["loss"], device)
        path = run.checkpoint("model", net.state_dict(), step)
        run.finished({"steps": step, "epochs": epochs_done, "test_loss": test_loss,
                      "test_accuracy": test_acc, "test_top5": test_top5,
                      "duration_secs": time.time() - start,
                      "train_images_per_sec": trained / max(step_secs, 1e-9),
                      "train_loop_secs": loop_secs, "trained_images": trained,
                      "checkpoint": path})
        print(result_line(step, epochs_done, test_acc, test_top5, time.time() - start,
                          trained / max(step_secs, 1e-9), loop_secs,
                          trained / max(loop_secs, 1e-9), os.path.abspath(run.dir)), flush=True)
    if distributed:
        dist.barrier()


if __name__ == "__main__":
    main()
