#!/bin/sh
# Fetches what recording needs into $KT_DIR (default /tmp/kdsim-kt): QEMU 7.2, the Debian
# 6.12.117 arm64 kernel and busybox, and builds the initrd (busybox, init.sh, the modules
# init.sh may load, decompressed, with their dependencies in load order). Needs root (apt).
set -e
KT_DIR=${KT_DIR:-/tmp/kdsim-kt}
KVER=6.12.117+deb12-arm64
HERE=$(cd "$(dirname "$0")" && pwd)
command -v qemu-system-aarch64 >/dev/null || apt-get install -y qemu-system-arm
command -v cpio >/dev/null || apt-get install -y cpio
command -v depmod >/dev/null || apt-get install -y kmod
dpkg --print-foreign-architectures | grep -q arm64 || { dpkg --add-architecture arm64; apt-get update; }
mkdir -p "$KT_DIR" && cd "$KT_DIR"
[ -d img ] || { apt-get download "linux-image-$KVER:arm64" busybox-static:arm64; dpkg-deb -x linux-image-*.deb img; dpkg-deb -x busybox-static*.deb bb; depmod -b img "$KVER"; }
R=$(mktemp -d)
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/mods"
cp bb/bin/busybox "$R/bin/busybox"
cp "$HERE/init.sh" "$R/init" && chmod +x "$R/init"
M=img/lib/modules/$KVER
for m in virtio_net virtio-rng virtio-iommu e1000e e1000 virtio_blk nvme ahci vfio-pci; do
  line=$(grep -E "/$m\.ko\.xz:" "$M/modules.dep")
  list=""
  for d in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
    f=$(basename "$d" .xz); xz -dc "$M/$d" > "$R/mods/$f"; list="$list $f"
  done
  echo $list > "$R/mods/$m.deps"
  alt=$(echo "$m" | tr '-' '_'); [ "$alt" = "$m" ] || cp "$R/mods/$m.deps" "$R/mods/$alt.deps"
done
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -9) > initrd-arm64.gz
rm -rf "$R"
echo "kernel: $KT_DIR/img/boot/vmlinuz-$KVER  initrd: $KT_DIR/initrd-arm64.gz"
