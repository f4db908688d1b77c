#!/usr/bin/python3
"""Writes the checkpoint reader's fixtures into Tests/Fixtures/checkpoints/.

Run with Debian's Python (torch 1.13): /usr/bin/python3 Tests/Reference/make_checkpoint_fixtures.py

Good fixtures are written by torch.save (or, for safetensors, by hand with numpy + json). Hostile and broken
ones are assembled with the pickle and zipfile modules; none of them is ever loaded, by Python or anything else.
expected.json records, per good fixture, the file's SHA-256, the entry the state dict sits under, the skipped
keys and, per tensor, dtype, shape and every value as float32 bit patterns (so NaN, infinities and -0 compare
exactly) or as integers.
"""
import argparse
import collections
import hashlib
import io
import json
import os
import pickle
import struct
import zipfile

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "checkpoints")
EXPECTED = {}


def tiny_state_dict(seed):
    """A conv + batch norm + linear state dict, as a real model's state_dict() (with _metadata)."""
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(), torch.nn.Linear(4, 5))
    with torch.no_grad():
        net[1].running_mean.uniform_(-1, 1)
        net[1].running_var.uniform_(0.5, 2)
        net[1].num_batches_tracked.fill_(123)
    return net.state_dict()


def describe(t):
    t = t.detach()
    d = {"dtype": {torch.float32: "Float32", torch.float16: "Float16", torch.bfloat16: "BFloat16",
                   torch.float64: "Float64", torch.int64: "Int64", torch.int32: "Int32", torch.int16: "Int16",
                   torch.int8: "Int8", torch.uint8: "UInt8", torch.bool: "Bool"}[t.dtype],
         "shape": list(t.shape), "contiguous": t.is_contiguous()}
    if t.is_floating_point():
        f32 = t.float().contiguous().numpy().reshape(-1)
        d["bits"] = [int(b) for b in f32.view(np.uint32)]
    else:
        d["ints"] = [int(v) for v in t.long().contiguous().numpy().reshape(-1)]
    return d


def record(name, entry, tensors, skipped=(), fmt="PyTorchZip", metadata=None):
    path = os.path.join(OUT, name)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    EXPECTED[name] = {"format": fmt, "sha256": sha, "entry": entry, "skipped": list(skipped),
                      "metadata": metadata or {},
                      "tensors": [dict(name=k, **describe(v)) for k, v in tensors.items()]}


def save(name, obj):
    torch.save(obj, os.path.join(OUT, name))


def good_fixtures():
    sd = tiny_state_dict(0)
    ema = tiny_state_dict(1)

    save("wrap_model.pth", {"model": sd, "epoch": 7, "args": argparse.Namespace(lr=0.1, model="tiny", seed=None),
                            "optimizer": {"state": {}, "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1]}]}})
    record("wrap_model.pth", "model", sd, skipped=[])

    save("wrap_state_dict.pth", {"state_dict": sd, "epoch": 3, "arch": "tiny", "metric": 71.25})
    record("wrap_state_dict.pth", "state_dict", sd)

    save("wrap_model_and_ema.pth", {"model": sd, "model_ema": ema, "epoch": 9})
    record("wrap_model_and_ema.pth", "model", sd)
    EXPECTED["wrap_model_and_ema.pth"]["ema"] = [dict(name=k, **describe(v)) for k, v in ema.items()]

    save("ema_only.pth", {"model_ema": ema, "epoch": 1})
    record("ema_only.pth", "model_ema", ema)

    save("bare.pth", sd)
    record("bare.pth", None, sd)

    prefixed = collections.OrderedDict(("module." + k, v) for k, v in sd.items())
    prefixed["module.step"] = 42  # a non-tensor entry inside the state dict is skipped
    save("module_prefix.pth", {"model": prefixed})
    record("module_prefix.pth", "model", sd, skipped=["module.step"])

    # Element types: fp16/bf16 with values that test exact widening (subnormals, infinities, NaN, -0).
    special = [0.0, -0.0, 1.0, -2.5, 65504.0, 6.1035156e-05, 5.9604645e-08, float("inf"), float("-inf"), float("nan"), 0.1, 3.140625]
    dtypes = collections.OrderedDict()
    dtypes["half"] = torch.tensor(special, dtype=torch.float16)
    dtypes["bf16"] = torch.tensor(special + [1e30, -1e-30], dtype=torch.bfloat16)
    dtypes["f64"] = torch.tensor([1.0, -0.5, 1e-3, 2.0 ** 40], dtype=torch.float64)
    dtypes["i64"] = torch.tensor([0, -1, 2 ** 40, -(2 ** 62)], dtype=torch.int64)
    dtypes["i32"] = torch.tensor([7, -7], dtype=torch.int32)
    dtypes["u8"] = torch.tensor([0, 255, 9], dtype=torch.uint8)
    dtypes["i8"] = torch.tensor([-128, 127], dtype=torch.int8)
    dtypes["flag"] = torch.tensor([True, False, True])
    dtypes["half_2d"] = torch.randn(3, 5).half()
    dtypes["bf16_2d"] = torch.randn(2, 7).bfloat16()
    save("dtypes.pth", dtypes)
    record("dtypes.pth", None, dtypes)

    # Views saved as they are: torch stores each storage once and rebuilds views with offset and strides.
    base = torch.arange(24, dtype=torch.float32)
    views = collections.OrderedDict()
    views["base"] = base
    views["window"] = base[5:11]                     # storage offset 5, shares base's storage
    views["grid_t"] = base.view(4, 6).t()            # non-contiguous: strides (1, 6)
    views["col"] = base.view(4, 6)[:, 2]             # offset 2, stride 6
    views["expanded"] = torch.tensor([1.5, -2.0, 4.0]).expand(2, 3)  # stride 0
    views["half_t"] = torch.arange(12, dtype=torch.float16).view(3, 4).t()
    views["scalar"] = torch.tensor(3.25)
    views["empty"] = torch.zeros(0, 3)
    views["param"] = torch.nn.Parameter(torch.tensor([[0.25, -4.0]]))  # pickled via _rebuild_parameter
    save("views.pth", views)
    record("views.pth", None, views)

    # torch.save with pickle_protocol=4: framing, MEMOIZE, SHORT_BINUNICODE and STACK_GLOBAL.
    torch.save(sd, os.path.join(OUT, "protocol4.pth"), pickle_protocol=4)
    record("protocol4.pth", None, sd)

    # A training checkpoint as DeiT-style scripts (SHViT's among them) save one: optimizer state with tensors,
    # scheduler and scaler dicts, argparse arguments, and EMA weights beside the model's.
    torch.manual_seed(2)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(), torch.nn.Linear(4, 5))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05)
    net(torch.randn(2, 3, 3, 3)).sum().backward()
    opt.step()
    train_sd = net.state_dict()
    args = argparse.Namespace(model="shvit_s4", input_size=224, lr=1e-3, sched="cosine", color_jitter=0.4, smoothing=0.1,
                              train_interpolation="bicubic", repeated_aug=True, model_ema=True, resume="", seed=0,
                              crop_pct=None, mean=(0.485, 0.456, 0.406), drop_path=[0.0, 0.1], data_path="/data/imagenet")
    save("training_checkpoint.pth", {
        "model": train_sd, "optimizer": opt.state_dict(),
        "lr_scheduler": {"t_initial": 300, "lr_min": 1e-5, "cycle_mul": 1.0, "warmup_prefix": False, "base_values": [1e-3]},
        "epoch": 299, "model_ema": ema, "scaler": {"scale": 65536.0, "growth_factor": 2.0, "_growth_tracker": 17},
        "args": args, "max_accuracy": 79.43})
    record("training_checkpoint.pth", "model", train_sd)
    EXPECTED["training_checkpoint.pth"]["ema"] = [dict(name=k, **describe(v)) for k, v in ema.items()]

    # A whole pickled module (torch.save(model)) needs code to rebuild: refused, with advice to save its state_dict.
    save("whole_module.pth", torch.nn.Sequential(torch.nn.Linear(2, 2)))

    # TorchScript archives share the zip layout but carry code: refused with advice.
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), os.path.join(OUT, "torchscript.pt"))

    # The pre-1.6 format: refused with advice to re-save.
    torch.save(sd, os.path.join(OUT, "legacy.pth"), _use_new_zipfile_serialization=False)

    write_safetensors("tiny.safetensors", collections.OrderedDict([
        ("conv.weight", sd["0.weight"]), ("conv.bias", sd["0.bias"]),
        ("half", dtypes["half"]), ("bf16", dtypes["bf16"]), ("steps", torch.tensor([5, -6], dtype=torch.int64)),
        ("module.fc.weight", sd["3.weight"])]),
        {"format": "pt", "source": "make_checkpoint_fixtures.py"})
    st = collections.OrderedDict([("conv.weight", sd["0.weight"]), ("conv.bias", sd["0.bias"]), ("half", dtypes["half"]),
                                  ("bf16", dtypes["bf16"]), ("steps", torch.tensor([5, -6], dtype=torch.int64)),
                                  ("fc.weight", sd["3.weight"])])
    record("tiny.safetensors", None, st, fmt="Safetensors", metadata={"format": "pt", "source": "make_checkpoint_fixtures.py"})


ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: take the raw 16-bit patterns
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def write_safetensors(name, tensors, metadata, mutate=None):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for k, t in tensors.items():
        b = tensor_bytes(t)
        header[k] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if mutate:
        mutate(header)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)  # the format pads the header with spaces to 8-byte alignment
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# ---- hostile and broken files -------------------------------------------------------------------------------

class _Storage:
    """Stands for a storage; the pickler below writes it as torch's persistent id."""

    def __init__(self, key, storage_type, numel):
        self.key, self.storage_type, self.numel = key, storage_type, numel


class _Tensor:
    """Pickles as torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class _TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
        return None


class _System:
    """A payload as an attacker writes one: unpickling it would call os.system."""

    def __reduce__(self):
        return (os.system, ("echo this must never run",))


class _Eval:
    def __reduce__(self):
        import builtins
        return (builtins.eval, ("__import__('os').system('echo never')",))


def torch_pickle(obj, protocol=2):
    buf = io.BytesIO()
    _TorchPickler(buf, protocol=protocol).dump(obj)
    return buf.getvalue()


def write_zip(name, entries, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(os.path.join(OUT, name), "w", compression) as z:
        for entry_name, data in entries:
            info = zipfile.ZipInfo(entry_name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, data)


def hostile_fixtures():
    storage = _Storage("0", torch.FloatStorage, 6)
    data = struct.pack("<6f", *range(6))
    ok_tensor = _Tensor(storage, 0, (2, 3), (3, 1))

    def archive(name, pkl, extra=(), storage_bytes=data):
        write_zip(name, [("archive/data.pkl", pkl), ("archive/data/0", storage_bytes), ("archive/version", b"3\n")] + list(extra))

    # The same pickle through the hand-made writer loads fine: proof that the hostile variants differ only as stated.
    archive("handmade_ok.pth", torch_pickle({"w": ok_tensor}))
    record_manual("handmade_ok.pth", {"w": (list(range(6)), [2, 3])})

    archive("evil_posix_system.pth", torch_pickle({"w": ok_tensor, "x": _System()}))
    archive("evil_builtins_eval.pth", torch_pickle({"w": ok_tensor, "x": _Eval()}))
    # Protocol 4 spells globals with STACK_GLOBAL (and Python 3 module names).
    archive("evil_builtins_eval_p4.pth", torch_pickle({"w": ok_tensor, "x": _Eval()}, protocol=4))
    # A protocol-0 opcode (INST) is not one torch.save writes.
    archive("evil_opcode.pth", b"\x80\x02(iposix\nsystem\nX\x02\x00\x00\x00hi" + b"." )
    archive("zip_slip.pth", torch_pickle({"w": ok_tensor}), extra=[("../../evil.sh", b"echo never\n")])
    archive("zip_absolute.pth", torch_pickle({"w": ok_tensor}), extra=[("/etc/evil.conf", b"x")])
    # The pickle claims 1000 floats but the storage entry holds 6.
    archive("size_lie.pth", torch_pickle({"w": _Tensor(_Storage("0", torch.FloatStorage, 1000), 0, (2, 3), (3, 1))}))
    # A view reaching past its (honestly sized) storage.
    archive("out_of_storage.pth", torch_pickle({"w": _Tensor(storage, 4, (2, 3), (3, 1))}))
    # A shape whose element count overflows 64 bits.
    archive("absurd_shape.pth", torch_pickle({"w": _Tensor(storage, 0, (2 ** 40, 2 ** 40), (0, 0))}))
    # Re-zipped with compression: torch never writes that, and compressed storages cannot be mapped.
    write_zip("deflated.pth", [("archive/data.pkl", torch_pickle({"w": ok_tensor})), ("archive/data/0", data),
                               ("archive/version", b"3\n")], zipfile.ZIP_DEFLATED)

    # A real checkpoint cut short: the end of its central directory is gone.
    with open(os.path.join(OUT, "wrap_model.pth"), "rb") as f:
        whole = f.read()
    with open(os.path.join(OUT, "truncated.pth"), "wb") as f:
        f.write(whole[: len(whole) * 2 // 3])
    with open(os.path.join(OUT, "not_a_checkpoint.pth"), "wb") as f:
        f.write(b"<html><body>404 Not Found</body></html>\n")

    sd = tiny_state_dict(0)
    pair = collections.OrderedDict([("a", sd["0.bias"]), ("b", sd["3.bias"])])

    def overlap(h):
        h["b"]["data_offsets"] = [h["b"]["data_offsets"][0] - 4, h["b"]["data_offsets"][1] - 4]

    def wrong_size(h):
        h["a"]["shape"] = [5]

    def past_end(h):
        h["b"]["data_offsets"] = [h["b"]["data_offsets"][0], h["b"]["data_offsets"][1] + 400]
        h["b"]["shape"] = [105]

    write_safetensors("st_overlap.safetensors", pair, {}, overlap)
    write_safetensors("st_wrong_size.safetensors", pair, {}, wrong_size)
    write_safetensors("st_past_end.safetensors", pair, {}, past_end)


def record_manual(name, tensors):
    path = os.path.join(OUT, name)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    EXPECTED[name] = {"format": "PyTorchZip", "sha256": sha, "entry": None, "skipped": [], "metadata": {},
                      "tensors": [{"name": k, "dtype": "Float32", "shape": shape, "contiguous": True,
                                   "bits": [int(b) for b in np.array(v, dtype=np.float32).view(np.uint32)]}
                                  for k, (v, shape) in tensors.items()]}


def main():
    os.makedirs(OUT, exist_ok=True)
    good_fixtures()
    hostile_fixtures()
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(EXPECTED, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
