#!/usr/bin/python3
"""Images/s of upstream's own evaluation preprocessing (PIL decode + OpencvResize(256) + CenterCrop(224) +
ToBGRTensor) over a folder of images, one process per core, for comparison with `shufflenet eval`/`classify`'s
"decode:" figure. Usage: /usr/bin/python3 scripts/python-preprocess-throughput.py FOLDER [PROCESSES]"""
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
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    cv2.setNumThreads(1)
    with multiprocessing.Pool(processes) as pool:
        pool.map(preprocess, files[:processes])  # start the workers
        start = time.perf_counter()
        pool.map(preprocess, files, chunksize=4)
        seconds = time.perf_counter() - start
    print(f"python: {len(files) / seconds:.1f} images/s ({processes} processes, {len(files)} images, {seconds:.2f} s)")


if __name__ == "__main__":
    main()
