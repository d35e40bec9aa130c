#!/usr/bin/python3
"""Per-stage milliseconds per image of upstream's evaluation preprocessing (as scripts/python-preprocess-throughput.py):
PIL decode, cv2.imdecode (for comparison), BGR + OpencvResize(256) + CenterCrop(224), ToBGRTensor's CHW float32, and
all of it from the file. For each image the fastest of REPS runs, summed, divided by the image count (robust on a loaded
machine); compare with scripts/decode-stages.cs on the same files in the same minute.
Usage: /usr/bin/python3 scripts/python-preprocess-stages.py FOLDER [REPS=7]"""
import sys, os, time, io
import numpy as np, cv2
from PIL import Image
cv2.setNumThreads(1)
folder = sys.argv[1]; reps = int(sys.argv[2]) if len(sys.argv) > 2 else 7
files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
datas = [open(f, 'rb').read() for f in files]
def best(fn, items):
    total = 0.0
    for it in items:
        b = 1e9
        for _ in range(reps):
            t = time.perf_counter(); fn(it); b = min(b, time.perf_counter() - t)
        total += b
    return total / len(items) * 1e3
dec = [np.asarray(Image.open(io.BytesIO(d)).convert("RGB")) for d in datas]
def resize(rgb):
    bgr = np.ascontiguousarray(rgb[:, :, ::-1]); h, w, _ = bgr.shape
    target = (int(256 / h * w + 0.5), 256) if h < w else (256, int(256 / w * h + 0.5))
    bgr = cv2.resize(bgr, target, interpolation=cv2.INTER_LINEAR)
    h, w, _ = bgr.shape; top, left = int(round((h - 224) / 2.0)), int(round((w - 224) / 2.0))
    return bgr[top:top + 224, left:left + 224]
res = [resize(r) for r in dec]
def full(f):
    np.ascontiguousarray(resize(np.asarray(Image.open(f).convert("RGB"))).transpose(2, 0, 1)).astype(np.float32)
print(f"python ms/image: PIL decode {best(lambda d: np.asarray(Image.open(io.BytesIO(d)).convert('RGB')), datas):.3f}"
      f"  cv2.imdecode {best(lambda d: cv2.imdecode(np.frombuffer(d, np.uint8), cv2.IMREAD_COLOR), datas):.3f}"
      f"  resize+crop {best(resize, dec):.3f}  chw+float {best(lambda r: np.ascontiguousarray(r.transpose(2, 0, 1)).astype(np.float32), res):.3f}"
      f"  whole(file) {best(full, files):.3f}")
