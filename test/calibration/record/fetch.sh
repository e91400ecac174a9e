#!/bin/sh
# [KVER=6.1.0-56] fetch.sh arm64|amd64: fetches what recording needs into $KT_DIR (default
# /tmp/kdsim-kt): QEMU 7.2 (and UEFI for arm64 ACPI boots), Debian's kernel KVER of ARCH (default
# 6.12.117+deb12, the shared truth's; or 6.12.117-iommufd, which build-kernel.sh made) and busybox,
# and builds $KT_DIR/initrd-KVER-ARCH.gz (busybox, init.sh, the modules init.sh may load,
# decompressed, with their dependencies in load order, and vfio-calls.c built static for ARCH).
# Needs root (apt).
set -e
ARCH=${1:?usage: fetch.sh arm64|amd64}
KT_DIR=${KT_DIR:-/tmp/kdsim-kt}
KVER=${KVER:-6.12.117+deb12}-$ARCH
HERE=$(cd "$(dirname "$0")" && pwd)
case $ARCH in
  arm64) command -v qemu-system-aarch64 >/dev/null || apt-get install -y qemu-system-arm
         [ -f /usr/share/qemu-efi-aarch64/QEMU_EFI.fd ] || apt-get install -y qemu-efi-aarch64 ;;
  amd64) command -v qemu-system-x86_64 >/dev/null || apt-get install -y qemu-system-x86 ;;
  *) echo "fetch.sh: unknown architecture $ARCH" >&2; exit 2 ;;
esac
command -v cpio >/dev/null || apt-get install -y cpio
command -v depmod >/dev/null || apt-get install -y kmod
case $ARCH in
  arm64) CC=aarch64-linux-gnu-gcc; command -v $CC >/dev/null || apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross ;;
  amd64) CC=x86_64-linux-gnu-gcc; command -v $CC >/dev/null || apt-get install -y gcc-x86-64-linux-gnu libc6-dev-amd64-cross ;;
esac
[ "$ARCH" = "$(dpkg --print-architecture)" ] || dpkg --print-foreign-architectures | grep -qx "$ARCH" || { dpkg --add-architecture "$ARCH"; apt-get update; }
mkdir -p "$KT_DIR/$KVER" && cd "$KT_DIR/$KVER"
# A kernel build-kernel.sh made is there already, with its modules and uapi headers.
[ -d img ] || { apt-get download "linux-image-$KVER:$ARCH"; dpkg-deb -x linux-image-*.deb img; depmod -b img "$KVER"; }
[ -d bb ] || { apt-get download "busybox-static:$ARCH"; dpkg-deb -x busybox-static*.deb bb; }
R=$(mktemp -d)
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/mods"
cp bb/bin/busybox "$R/bin/busybox"
cp "$HERE/init.sh" "$R/init" && chmod +x "$R/init"
# With the kernel's own uapi headers (build-kernel.sh) vfio-calls.c has its iommufd calls.
UAPI=; [ -d uapi/include ] && UAPI="-I$PWD/uapi/include"
$CC -static -O2 -Wall $UAPI -o "$R/bin/vfio-calls" "$HERE/vfio-calls.c"
M=img/lib/modules/$KVER
for m in virtio_pci virtio_net virtio-rng virtio-iommu virtio_mmio e1000e e1000 virtio_blk nvme ahci iommufd vfio vfio-pci vfio_iommu_type1; do
  line=$(grep -E "/$m\.ko(\.xz)?:" "$M/modules.dep") || continue
  list=""
  for d in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
    f=$(basename "$d" .xz)
    case $d in *.xz) xz -dc "$M/$d" > "$R/mods/$f" ;; *) cp "$M/$d" "$R/mods/$f" ;; esac
    list="$list $f"
  done
  echo $list > "$R/mods/$m.deps"
  alt=$(echo "$m" | tr '-' '_'); [ "$alt" = "$m" ] || cp "$R/mods/$m.deps" "$R/mods/$alt.deps"
done
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -9) > "$KT_DIR/initrd-$KVER.gz"
rm -rf "$R"
echo "kernel: $KT_DIR/$KVER/img/boot/vmlinuz-$KVER  initrd: $KT_DIR/initrd-$KVER.gz"
