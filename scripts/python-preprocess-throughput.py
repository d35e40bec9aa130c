#!/usr/bin/python3
"""Images/s of upstream's own evaluation preprocessing (PIL decode + OpencvResize(256) + CenterCrop(224) +
ToBGRTensor) over a folder of images, one process per core, for comparison with `shufflenet eval`/`classify`'s
"decode:" figure and scripts/decode-throughput.cs (the same work).
Usage: /usr/bin/python3 scripts/python-preprocess-throughput.py FOLDER [PROCESSES=all cores] [ROUNDS=4]
The figure is the best round, as scripts/decode-throughput.cs reports its best warm round."""
import multiprocessing, os, sys, time

import cv2
import numpy as np
from PIL import Image


def preprocess(path):
    rgb = np.asarray(Image.open(path).convert("RGB"))
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    h, w, _ = bgr.shape
    target = (int(256 / h * w + 0.5), 256) if h < w else (256, int(256 / w * h + 0.5))
    bgr = cv2.resize(bgr, target, interpolation=cv2.INTER_LINEAR)
    h, w, _ = bgr.shape
    top, left = int(round((h - 224) / 2.0)), int(round((w - 224) / 2.0))
    return np.ascontiguousarray(bgr[top:top + 224, left:left + 224].transpose(2, 0, 1)).astype(np.float32).sum()


def main():
    folder = sys.argv[1]
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    cv2.setNumThreads(1)
    with multiprocessing.Pool(processes) as pool:
        pool.map(preprocess, files[:processes])  # start the workers
        best = 0.0
        for round in range(1, rounds + 1):
            start = time.perf_counter()
            pool.map(preprocess, files, chunksize=4)
            seconds = time.perf_counter() - start
            best = max(best, len(files) / seconds)
            print(f"round {round}: {len(files) / seconds:.1f} images/s ({processes} processes, {len(files)} images, {seconds:.2f} s)")
    print(f"python: best {best:.1f} images/s over {rounds} rounds")


if __name__ == "__main__":
    main()
