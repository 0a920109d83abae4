"""A run folder in cnn-workbench's format, so a run trained here opens in the workbench's
History, compares and inspects like a local one.

Files: preset.ron (written first: a folder always says what ran), run.ron, steps.csv,
metrics.csv, events.log (one RON event per line; the terminal event — Finished, Diverged or
Failed — is appended last) and safetensors checkpoints (written to a temporary name, then
renamed). A folder without a terminal event reads as interrupted, never as finished. As the
workbench's own writer does, what is written is fsynced: each renamed file before its rename
(and the folder after it), the logs at each epoch's end and before the terminal event.
"""
import math
import os
import shutil
import time
from pathlib import Path

STEPS_HEADER = "step,epoch,loss,accuracy,learning_rate,images_per_sec,elapsed_secs"
EPOCHS_HEADER = ("epoch,step,train_loss,train_accuracy,val_loss,val_accuracy,duration_secs,"
                 "val_top5")


def ron_float(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def ron_str(s):
    out = str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + out.replace("\r", "\\r").replace("\t", "\\t") + '"'


def ron_opt(v, fmt=ron_float):
    return "None" if v is None else f"Some({fmt(v)})"


def ron_struct(fields):
    return "(" + ",".join(f"{k}:{v}" for k, v in fields) + ")"


def slug(name):
    s = "".join(c.lower() if c.isascii() and (c.isalnum() or c == ".") else "-" for c in name)
    s = "-".join(p for p in s.split("-") if p)
    return s or "run"


class RunFolder:
    def __init__(self, runs_dir, preset_file, name, seed, tags, threads):
        created = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        self.dir = Path(runs_dir) / f"{slug(name)}-{created}"
        suffix = 1
        while self.dir.exists():
            suffix += 1
            self.dir = Path(runs_dir) / f"{slug(name)}-{created}-{suffix}"
        self.dir.mkdir(parents=True)
        shutil.copyfile(preset_file, self.dir / "preset.ron")
        tag_list = ",".join(ron_str(t) for t in tags)
        meta = ron_struct([("name", ron_str(name)), ("tags", f"[{tag_list}]"),
                           ("seed", str(seed)), ("created", ron_str(created)),
                           ("threads", f"Some({threads})")])
        self._write_atomic("run.ron", meta + "\n")
        self.steps = open(self.dir / "steps.csv", "w")
        self.steps.write(STEPS_HEADER + "\n")
        self.epochs = open(self.dir / "metrics.csv", "w")
        self.epochs.write(EPOCHS_HEADER + "\n")
        self.events = open(self.dir / "events.log", "w")
        self.closed = False

    def _write_atomic(self, name, text):
        tmp = self.dir / f".{name}.tmp"
        with open(tmp, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        self._rename(tmp, self.dir / name)

    def _rename(self, tmp, path):
        os.replace(tmp, path)
        fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _sync_logs(self):
        for f in (self.steps, self.epochs, self.events):
            f.flush()
            os.fsync(f.fileno())

    def event(self, line):
        self.events.write(line + "\n")
        self.events.flush()

    def started(self, summary_ron, class_names, train, val, test, steps_per_epoch, total_steps,
                device, threads):
        names = ",".join(ron_str(n) for n in class_names)
        self.event("Started(" + ron_struct([
            ("device", ron_str(device)), ("summary", summary_ron), ("class_names", f"[{names}]"),
            ("train_images", train), ("val_images", val), ("test_images", test),
            ("steps_per_epoch", steps_per_epoch), ("total_steps", total_steps),
            ("probed_layers", "[]"), ("run_dir", ron_opt(str(self.dir), ron_str)),
            ("threads", threads), ("data_order", 0)]) + ")")

    def step_fields(self, m):
        return [("step", m["step"]), ("epoch", m["epoch"]), ("loss", ron_float(m["loss"])),
                ("accuracy", ron_float(m["accuracy"])),
                ("learning_rate", ron_float(m["learning_rate"])),
                ("images_per_sec", ron_float(m["images_per_sec"])),
                ("elapsed_secs", ron_float(m["elapsed_secs"]))]

    def step(self, m, log_event):
        self.steps.write(",".join(str(v) for _, v in self.step_fields(m)) + "\n")
        if log_event:
            self.event("Step(" + ron_struct(self.step_fields(m)) + ")")

    def epoch(self, m):
        top5 = m["val_top5"]
        self.epochs.write(f"{m['epoch']},{m['step']},{m['train_loss']},{m['train_accuracy']},"
                          f"{m['val_loss']},{m['val_accuracy']},{m['duration_secs']:.3f},"
                          f"{'NaN' if top5 is None else top5}\n")
        self.event("Epoch(" + ron_struct([
            ("epoch", m["epoch"]), ("step", m["step"]),
            ("train_loss", ron_float(m["train_loss"])),
            ("train_accuracy", ron_float(m["train_accuracy"])),
            ("val_loss", ron_float(m["val_loss"])), ("val_accuracy", ron_float(m["val_accuracy"])),
            ("val_top5", ron_opt(top5)), ("duration_secs", ron_float(m["duration_secs"]))]) + ")")
        self._sync_logs()

    def checkpoint(self, name, state_dict, step):
        """Writes NAME.safetensors atomically; returns its path."""
        from safetensors.torch import save_file
        path = self.dir / f"{name}.safetensors"
        tmp = self.dir / f".{name}.safetensors.tmp"
        tensors = {k: v.detach().cpu().contiguous() for k, v in state_dict.items()}
        save_file(tensors, str(tmp))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        self._rename(tmp, path)
        self.event(f"CheckpointSaved(path:{ron_str(str(path))},step:{step})")
        return path

    def _close(self, line):
        if self.closed:
            return
        self.closed = True
        self._sync_logs()
        for f in (self.steps, self.epochs):
            f.close()
        self.event(line)
        os.fsync(self.events.fileno())
        self.events.close()

    def finished(self, f):
        self._close("Finished(" + ron_struct([
            ("steps", f["steps"]), ("epochs", f["epochs"]),
            ("test_loss", ron_float(f["test_loss"])),
            ("test_accuracy", ron_float(f["test_accuracy"])),
            ("test_top5", ron_opt(f["test_top5"])),
            ("duration_secs", ron_float(f["duration_secs"])),
            ("train_images_per_sec", ron_float(f["train_images_per_sec"])),
            ("train_loop_secs", ron_float(f["train_loop_secs"])),
            ("trained_images", f["trained_images"]), ("stopped", "false"),
            ("checkpoint", ron_opt(str(f["checkpoint"]), ron_str))]) + ")")

    def diverged(self, step, last):
        last_ron = "None" if last is None else "Some(" + ron_struct(self.step_fields(last)) + ")"
        self._close(f"Diverged(step:{step},last:{last_ron})")

    def failed(self, reason):
        self._close(f"Failed(reason:{ron_str(reason)})")
