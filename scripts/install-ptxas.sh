#!/usr/bin/env bash
# Installs NVIDIA's PTX assembler and SASS readers (ptxas, cuobjdump, nvdisasm from CUDA 11.8) for the static
# kernel-budget test (Tests/Kernels/PtxasBudgetTests.cs), on Debian 12 (bookworm), without a GPU and without
# installing the CUDA toolkit: the binaries come from Debian's non-free package nvidia-cuda-toolkit, fetched with
# `apt-get download` through a private apt configuration that adds the contrib and non-free components for this
# package only (the system's sources and package lists are left alone), and unpacked with `dpkg -x`. None of
# the package's dependencies is installed: the three tools are statically linked against the CUDA libraries.
#   PTXAS_PREFIX   where the tools go (default /opt/nvidia-ptxas-11.8); links are made in /usr/local/bin
#                  when that directory is writable (skip with PTXAS_LINK=0).
# Idempotent and quick when the tools are already there. Needs network access the first time.
set -euo pipefail

prefix="${PTXAS_PREFIX:-/opt/nvidia-ptxas-11.8}"
tools=(ptxas cuobjdump nvdisasm)
package=nvidia-cuda-toolkit
mirror="${PTXAS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite="${PTXAS_DEBIAN_SUITE:-bookworm}"

have_all() {
    for t in "${tools[@]}"; do
        [[ -x "$prefix/bin/$t" ]] || return 1
    done
}

link_tools() {
    if [[ "${PTXAS_LINK:-1}" != "0" && -w /usr/local/bin ]]; then
        for t in "${tools[@]}"; do
            ln -sf "$prefix/bin/$t" "/usr/local/bin/$t"
        done
    fi
}

if have_all; then
    link_tools
    echo "install-ptxas.sh: already installed: $("$prefix/bin/ptxas" --version | tail -1) in $prefix/bin"
    exit 0
fi

for cmd in apt-get dpkg; do
    if ! command -v "$cmd" >/dev/null 2>&1; then
        echo "install-ptxas.sh: $cmd not found; this script supports Debian only" >&2
        exit 1
    fi
done
if [[ "$(dpkg --print-architecture)" != "amd64" ]]; then
    echo "install-ptxas.sh: Debian's $package is packaged for amd64 only (this is $(dpkg --print-architecture))" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private apt: its own sources (contrib non-free only), lists and cache, so nothing else changes on the system.
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/sources.list.d"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite contrib non-free" > "$work/sources.list"
apt_private=(
    -o "Dir::Etc::SourceList=$work/sources.list"
    -o "Dir::Etc::SourceParts=$work/sources.list.d"
    -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache"
    -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
    -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root"
)
echo "install-ptxas.sh: reading $suite contrib non-free from $mirror"
apt-get "${apt_private[@]}" -q update
echo "install-ptxas.sh: downloading $package (about 84 MB) without its dependencies"
(cd "$work" && apt-get "${apt_private[@]}" -q download "$package")
deb=$(ls "$work"/"$package"_*.deb)
dpkg -x "$deb" "$work/root"

mkdir -p "$prefix/bin"
for t in "${tools[@]}"; do
    # The package keeps the real binaries under /usr/lib/nvidia-cuda-toolkit/bin (with /usr/bin wrappers for some).
    src=$(find "$work/root" -type f -name "$t" -path '*nvidia-cuda-toolkit/bin/*' | head -1)
    [[ -n "$src" ]] || src=$(find "$work/root" -type f -name "$t" | head -1)
    if [[ -z "$src" ]]; then
        echo "install-ptxas.sh: $t not found in $(basename "$deb")" >&2
        exit 1
    fi
    install -m 0755 "$src" "$prefix/bin/$t.tmp"
    mv -f "$prefix/bin/$t.tmp" "$prefix/bin/$t"
done
echo "$(basename "$deb")" > "$prefix/SOURCE"
link_tools
echo "install-ptxas.sh: installed $("$prefix/bin/ptxas" --version | tail -1) in $prefix/bin (from $(basename "$deb"))"
