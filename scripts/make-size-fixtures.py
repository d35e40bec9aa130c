#!/usr/bin/env python3
"""Backbone references at non-224 input sizes, made by the upstream PyTorch code (issue 13).

For every tiny fixture (fixtures/tiny/<id>/), rebuilds the upstream model the way the fixtures were made (the
upstream class of spec.json's `upstream_class`, its `upstream_kwargs`, the source edits of `tiny_patch` applied to
the family's network.py/blocks.py), loads the fixture's checkpoint, checks it reproduces the fixture's logits at
224x224 (float64), then runs one random image (BGR-like 0..255, fixed seed) at each size and writes

    fixtures/tiny/<id>/sizes/<H>x<W>/input.npy   float32 [1, 3, H, W]
    fixtures/tiny/<id>/sizes/<H>x<W>/c2.npy..c5.npy   float32 [1, C, H', W'] (computed in float64)

Ck is the output of the last top-level module (first_conv, maxpool, each child of `features`) at the k-th
resolution the network reaches, i.e. at stride 2^k: the same rule docs/notes.md gives per family, found here from
the shapes PyTorch produces and nothing else.

Needs Debian's python3-torch (1.13) and numpy, and an upstream checkout:
    git clone https://github.com/megvii-model/ShuffleNet-Series /tmp/ShuffleNet-Series
    /usr/bin/python3 scripts/make-size-fixtures.py --upstream /tmp/ShuffleNet-Series [--sizes 96x160,129x97]
"""
import argparse, importlib.util, json, os, shutil, sys, tempfile

import numpy as np
import torch

FAMILY_DIRS = {
    "v1": "ShuffleNetV1", "v2": "ShuffleNetV2", "v2plus": "ShuffleNetV2+", "oneshot": "OneShot",
    "detnas": "DetNAS", "large": "ShuffleNetV2.Large", "exlarge": "ShuffleNetV2.ExLarge",
}


def family_dir(spec):
    fam = spec["family"]
    return FAMILY_DIRS[fam]


def build_model(upstream, spec, workdir):
    """The upstream class with the fixture's source edits, in a fresh module namespace."""
    src = os.path.join(upstream, family_dir(spec))
    dst = os.path.join(workdir, spec["id"])
    shutil.copytree(src, dst)
    texts = {}
    for name in ("network.py", "blocks.py"):
        p = os.path.join(dst, name)
        if os.path.exists(p):
            texts[name] = open(p).read()
    for old, new in spec["tiny_patch"]:
        target = next((n for n in ("network.py", "blocks.py") if n in texts and old in texts[n]), None)
        if target is None:
            raise SystemExit(f"{spec['id']}: tiny_patch text not found: {old[:60]!r}")
        texts[target] = texts[target].replace(old, new)
    for name, text in texts.items():
        open(os.path.join(dst, name), "w").write(text)
    for mod in ("network", "blocks", "utils"):
        sys.modules.pop(mod, None)
    sys.path.insert(0, dst)
    try:
        spec_ = importlib.util.spec_from_file_location("network", os.path.join(dst, "network.py"))
        module = importlib.util.module_from_spec(spec_)
        sys.modules["network"] = module
        spec_.loader.exec_module(module)
        model = getattr(module, spec["upstream_class"])(**spec["upstream_kwargs"])
    finally:
        sys.path.remove(dst)
    return model


def load_weights(model, checkpoint):
    obj = torch.load(checkpoint, map_location="cpu")
    state = obj["state_dict"] if isinstance(obj, dict) and "state_dict" in obj else obj
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    model.load_state_dict(state, strict=True)


def taps(model):
    """Top-level modules in evaluation order whose outputs may be Ck."""
    out = [model.first_conv]
    if hasattr(model, "maxpool"):
        out.append(model.maxpool)
    out.extend(model.features.children())
    return out


def stage_maps(model, x):
    """C2..C5: the last tapped output at each of the first five resolutions reached (strides 2..32)."""
    outputs = []
    hooks = [m.register_forward_hook(lambda m, i, o: outputs.append(o)) for m in taps(model)]
    try:
        with torch.no_grad():
            model(x)
    except RuntimeError:
        pass   # the classifier's AvgPool2d(7) cannot take every size; the backbone has run by then
    finally:
        for h in hooks:
            h.remove()
    by_size = {}
    order = []
    for o in outputs:
        key = tuple(o.shape[2:])
        if key not in by_size:
            order.append(key)
        by_size[key] = o
    if len(order) != 5:
        raise SystemExit(f"expected 5 resolutions, found {order}")
    return [by_size[order[k - 1]] for k in (2, 3, 4, 5)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True, help="a checkout of megvii-model/ShuffleNet-Series")
    ap.add_argument("--fixtures", default=os.path.join(os.path.dirname(__file__), "..", "fixtures", "tiny"))
    ap.add_argument("--sizes", default="96x160,129x97")
    args = ap.parse_args()
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as work:
        for fid in sorted(os.listdir(args.fixtures)):
            d = os.path.join(args.fixtures, fid)
            spec = json.load(open(os.path.join(d, "spec.json")))
            model = build_model(args.upstream, spec, work)
            load_weights(model, os.path.join(d, "checkpoint.pth.tar"))
            model = model.double().eval()
            # The reconstruction must give the fixture's logits at 224 before anything is written.
            x224 = torch.from_numpy(np.load(os.path.join(d, "input.npy")).astype(np.float64))
            with torch.no_grad():
                logits = model(x224).numpy()
            ref = np.load(os.path.join(d, "logits.npy"))
            err = np.linalg.norm(logits - ref) / np.linalg.norm(ref)
            if err > 1e-6:
                raise SystemExit(f"{fid}: rebuilt model's logits differ from the fixture's (rel. L2 {err:.2e})")
            rng = np.random.default_rng(13)
            for h, w in sizes:
                x = rng.uniform(0, 255, size=(1, 3, h, w)).astype(np.float32)
                maps = stage_maps(model, torch.from_numpy(x.astype(np.float64)))
                out = os.path.join(d, "sizes", f"{h}x{w}")
                os.makedirs(out, exist_ok=True)
                np.save(os.path.join(out, "input.npy"), x)
                for k, m in zip((2, 3, 4, 5), maps):
                    np.save(os.path.join(out, f"c{k}.npy"), m.numpy().astype(np.float32))
                print(fid, f"{h}x{w}", [tuple(m.shape[1:]) for m in maps], f"(224 check {err:.1e})")


if __name__ == "__main__":
    main()
