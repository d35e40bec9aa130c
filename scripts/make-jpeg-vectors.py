#!/usr/bin/python3
"""Writes fixtures/jpeg/: small JPEGs of every kind the decoder must handle, each with what the reference makes of it.

Also writes fixtures/webp/ the same way for lossy WebP (PIL decodes it with libwebp, as Skia does; ImageSharp's own
decoder is checked against it there too).

Run with Debian's Python (the reference stack: python3-pil, python3-opencv, libjpeg-turbo-progs, libturbojpeg0):
    apt-get install -y python3-pil python3-opencv libjpeg-turbo-progs && /usr/bin/python3 scripts/make-jpeg-vectors.py
For each <name>.jpg:
  <name>.rgb.npy    uint8 H x W x 3: np.asarray(Image.open(f).convert('RGB')), what upstream evaluation decodes
  <name>.input.npy  uint8 3 x 224 x 224 (B, G, R planes): upstream's preprocessing of it (OpencvResize(256),
                    CenterCrop(224), ToBGRTensor), stored as bytes: the network input is these values as float32
index.json lists them with how each was made and the library versions.
"""
import ctypes, ctypes.util, io, json, os, subprocess, sys, tempfile

import cv2
import numpy as np
import PIL
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "jpeg")
SOURCE = os.path.join(ROOT, "fixtures", "images", "coffee.png")  # a photograph: real chroma detail


def source(width, height):
    """A photograph resized to width x height (odd sizes make partial MCUs and edge upsampling)."""
    return Image.open(SOURCE).convert("RGB").resize((width, height), Image.BICUBIC)


def pil_jpeg(img, **options):
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def cjpeg(img, *args):
    """libjpeg-turbo's cjpeg, for what PIL cannot write (4:4:0 sampling, restart markers)."""
    with tempfile.NamedTemporaryFile(suffix=".ppm") as ppm:
        img.save(ppm.name)
        return subprocess.run(["cjpeg", *args, ppm.name], check=True, capture_output=True).stdout


def turbojpeg_ycck(img, quality=90):
    """A YCCK JPEG: TurboJPEG compresses CMYK pixels as YCCK (Adobe marker, transform 2)."""
    lib = ctypes.CDLL(ctypes.util.find_library("turbojpeg") or "libturbojpeg.so.0")
    lib.tjInitCompress.restype = ctypes.c_void_p
    handle = ctypes.c_void_p(lib.tjInitCompress())
    cmyk = np.ascontiguousarray(np.asarray(img.convert("CMYK")))
    h, w, _ = cmyk.shape
    out, size = ctypes.POINTER(ctypes.c_ubyte)(), ctypes.c_ulong(0)
    TJPF_CMYK, TJSAMP_420 = 11, 2
    rc = lib.tjCompress2(handle, cmyk.ctypes.data_as(ctypes.c_void_p), w, w * 4, h, TJPF_CMYK,
                         ctypes.byref(out), ctypes.byref(size), TJSAMP_420, quality, 0)
    if rc != 0:
        raise RuntimeError("tjCompress2 failed")
    data = ctypes.string_at(out, size.value)
    lib.tjFree(out)
    lib.tjDestroy(handle)
    return data


def exif_rotated(img):
    """EXIF orientation 6 (rotate 90 degrees): upstream's loader (Image.open + convert) does not apply it."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return pil_jpeg(img, quality=90, exif=exif.tobytes())


def upstream_input(rgb):
    """OpencvResize(256) + CenterCrop(224) + ToBGRTensor of ShuffleNet-Series' evaluation, step by step."""
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    h, w, _ = bgr.shape
    size = 256
    target = (int(size / h * w + 0.5), size) if h < w else (size, int(size / w * h + 0.5))
    bgr = cv2.resize(bgr, target, interpolation=cv2.INTER_LINEAR)
    h, w, _ = bgr.shape
    top, left = int(round((h - 224) / 2.0)), int(round((w - 224) / 2.0))
    crop = bgr[top:top + 224, left:left + 224]
    return np.ascontiguousarray(crop.transpose(2, 0, 1))  # B, G, R planes


VECTORS = {
    "s420-q90": ("4:2:0, quality 90 (PIL)", lambda: pil_jpeg(source(97, 65), quality=90, subsampling=2)),
    "s420-q50": ("4:2:0, quality 50 (PIL)", lambda: pil_jpeg(source(97, 65), quality=50, subsampling=2)),
    "s422-q90": ("4:2:2, quality 90 (PIL)", lambda: pil_jpeg(source(97, 65), quality=90, subsampling=1)),
    "s444-q95": ("4:4:4, quality 95 (PIL)", lambda: pil_jpeg(source(97, 65), quality=95, subsampling=0)),
    "s440-q90": ("4:4:0, quality 90 (cjpeg -sample 1x2)", lambda: cjpeg(source(97, 65), "-quality", "90", "-sample", "1x2,1x1,1x1")),
    "grey": ("greyscale (PIL mode L)", lambda: pil_jpeg(source(97, 65).convert("L"), quality=90)),
    "progressive": ("progressive 4:2:0 (PIL)", lambda: pil_jpeg(source(97, 65), quality=90, progressive=True)),
    "restart": ("restart marker every MCU row, 4:2:0 (cjpeg -restart 1)", lambda: cjpeg(source(97, 65), "-quality", "90", "-restart", "1")),
    "size-1x1": ("1x1, 4:2:0 (PIL)", lambda: pil_jpeg(source(1, 1), quality=90)),
    "size-17x9": ("17x9, 4:2:0 (PIL)", lambda: pil_jpeg(source(17, 9), quality=90)),
    "size-4097x3": ("4097x3, 4:2:0 (PIL)", lambda: pil_jpeg(source(4097, 3), quality=90)),
    "cmyk": ("CMYK, Adobe inverted (PIL mode CMYK)", lambda: pil_jpeg(source(97, 65).convert("CMYK"), quality=90)),
    "ycck": ("YCCK 4:2:0 (TurboJPEG from CMYK pixels)", lambda: turbojpeg_ycck(source(97, 65))),
    "exif-rotated": ("EXIF orientation 6, not applied (PIL)", lambda: exif_rotated(source(97, 65))),
}


def pil_webp(img, **options):
    buffer = io.BytesIO()
    img.save(buffer, "WEBP", **options)
    return buffer.getvalue()


WEBP_VECTORS = {
    "lossy-q80": ("lossy WebP, quality 80 (PIL, libwebp)", lambda: pil_webp(source(97, 65), quality=80)),
    "lossy-alpha": ("lossy WebP with alpha (PIL, libwebp): alpha dropped, not composited",
                    lambda: pil_webp(Image.merge("RGBA", (*source(97, 65).split(), source(97, 65).convert("L"))), quality=80)),
}


def main():
    write(OUT, ".jpg", VECTORS, {"libjpeg_turbo": subprocess.run(["cjpeg", "-version"], capture_output=True, text=True).stderr.strip()})
    from PIL import features
    write(os.path.join(ROOT, "fixtures", "webp"), ".webp", WEBP_VECTORS, {"libwebp": features.version("webp")})


def write(out, extension, vectors, versions):
    os.makedirs(out, exist_ok=True)
    index = []
    for name, (how, make) in vectors.items():
        data = make()
        path = os.path.join(out, name + extension)
        with open(path, "wb") as f:
            f.write(data)
        with Image.open(path) as img:
            mode = img.mode
            rgb = np.asarray(img.convert("RGB"))
        np.save(os.path.join(out, name + ".rgb.npy"), rgb)
        np.save(os.path.join(out, name + ".input.npy"), upstream_input(rgb))
        index.append({"image": name + extension, "made": how, "mode": mode, "size": [rgb.shape[1], rgb.shape[0]]})
        print(f"{name}: {how}, {mode}, {rgb.shape[1]}x{rgb.shape[0]}, {len(data)} bytes")
    meta = {"pil": PIL.__version__, "opencv": cv2.__version__, "numpy": np.__version__, **versions, "vectors": index}
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
