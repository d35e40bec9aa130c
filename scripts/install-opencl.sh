#!/usr/bin/env bash
# Installs an OpenCL runtime for ShuffleNetGpu's OpenCL backend tests on Debian/Ubuntu:
#   pocl-opencl-icd     PoCL, a CPU OpenCL implementation (OpenCL C 1.2: used by ShuffleNetGpu in
#                       ILGPU "compatibility mode", see Runtime/Backends/OpenCLCompatibility.cs)
#   ocl-icd-libopencl1  the ICD loader, libOpenCL.so.1, that ILGPU loads
#   clinfo              optional, for diagnostics (skip with INSTALL_CLINFO=0)
# Idempotent: installs only what is missing and runs `apt-get update` only when a package
# cannot be found in the local package lists. Must run as root (CI containers do).
set -euo pipefail

if [[ "$(id -u)" -ne 0 ]]; then
    echo "install-opencl.sh: must run as root (try: sudo $0)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-opencl.sh: apt-get not found; this script supports Debian/Ubuntu only" >&2
    exit 1
fi

packages=(pocl-opencl-icd ocl-icd-libopencl1)
if [[ "${INSTALL_CLINFO:-1}" != "0" ]]; then
    packages+=(clinfo)
fi

is_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
for p in "${packages[@]}"; do
    is_installed "$p" || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-opencl.sh: already installed: ${packages[*]}"
else
    # Refresh the package lists only if apt does not know a missing package yet.
    need_update=0
    for p in "${missing[@]}"; do
        if ! apt-cache show "$p" >/dev/null 2>&1; then
            need_update=1
            break
        fi
    done
    if [[ $need_update -eq 1 ]]; then
        echo "install-opencl.sh: apt-get update"
        apt-get update -q
    fi
    echo "install-opencl.sh: installing ${missing[*]}"
    # Stale package lists can name versions the mirror no longer has: refresh them once and retry.
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; then
        echo "install-opencl.sh: install failed; apt-get update and retry"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
fi

# Report what the ICD loader sees (diagnostics only; never fails the script).
if ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1; then
    echo "install-opencl.sh: ICDs: $(ls /etc/OpenCL/vendors/*.icd | tr '\n' ' ')"
fi
if command -v clinfo >/dev/null 2>&1; then
    clinfo -l || true
fi
