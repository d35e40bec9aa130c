#!/usr/bin/env python3
"""The detection-style preprocessing reference (issue 13): fixtures/images/chelsea.detection.npy.

What `shufflenet features --resize-short 100 --max-long 140 --pad-to 32 --mean 104,117,123 --std 57,57,58` must feed
the network for chelsea.png (451 x 300): PIL decode to RGB, scale = min(100 / short, 140 / long), each side
int(side * scale + 0.5) (140 x 93), OpenCV INTER_LINEAR on the 8-bit pixels, B, G, R planes as float32,
(x - mean) / std per channel, zeros padded at the bottom and right to multiples of 32 (96 x 160). float32 [1, 3, 96, 160].

    /usr/bin/python3 scripts/make-detection-input-fixture.py      (Debian's python3-opencv, python3-pil, numpy)
"""
import os

import cv2
import numpy as np
from PIL import Image

root = os.path.join(os.path.dirname(__file__), "..", "fixtures", "images")
rgb = np.asarray(Image.open(os.path.join(root, "chelsea.png")).convert("RGB"))
h, w = rgb.shape[:2]
scale = min(100 / min(h, w), 140 / max(h, w))
nw, nh = int(w * scale + 0.5), int(h * scale + 0.5)
resized = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR)
bgr = resized[:, :, ::-1].transpose(2, 0, 1).astype(np.float32)
mean = np.array([104, 117, 123], np.float32)[:, None, None]
std = np.array([57, 57, 58], np.float32)[:, None, None]
planes = (bgr - mean) / std
ph, pw = (nh + 31) // 32 * 32, (nw + 31) // 32 * 32
out = np.zeros((1, 3, ph, pw), np.float32)
out[0, :, :nh, :nw] = planes
np.save(os.path.join(root, "chelsea.detection.npy"), out)
print(f"chelsea {w}x{h} -> {nw}x{nh} -> padded {pw}x{ph}")
