#!/usr/bin/python3
"""The JPEG folder of the decode-throughput comparison (docs/performance.md): N images of 500x375 or 375x500 (ImageNet's
typical size), quality 90, 4:2:0, cut at seeded random places from the shipped fixture images, so both pipelines read
the same files. Usage: /usr/bin/python3 scripts/make-throughput-jpegs.py OUT_DIR [N=200]"""
import os, random, sys

from PIL import Image


def main():
    out, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "images")
    sources = [Image.open(os.path.join(here, f)).convert("RGB")
               for f in sorted(os.listdir(here)) if f.endswith((".png", ".jpg"))]
    rng = random.Random(2026)
    os.makedirs(out, exist_ok=True)
    for i in range(count):
        src = sources[i % len(sources)]
        w, h = (500, 375) if i % 2 == 0 else (375, 500)
        # A random crop of at least half the source, then resized to the target shape.
        cw, ch = rng.randint(src.width // 2, src.width), rng.randint(src.height // 2, src.height)
        x, y = rng.randint(0, src.width - cw), rng.randint(0, src.height - ch)
        img = src.crop((x, y, x + cw, y + ch)).resize((w, h), Image.BILINEAR)
        img.save(os.path.join(out, f"{i:04d}.jpg"), quality=90, subsampling=2)


if __name__ == "__main__":
    main()
