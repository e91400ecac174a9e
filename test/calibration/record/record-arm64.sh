#!/bin/sh
# record-arm64.sh NAME MACHINE "DEVICE ARGS" MODULES [KERNEL ARGS]
# Boots the Debian 6.12.117 arm64 kernel (fetch-arm64.sh) on QEMU with the machine's device tree,
# loads MODULES in order (kt.mods: sleepN waits N s, snap dumps an intermediate state), and keeps
# what it did: test/calibration/NAME/{qemu.txt,serial.log.gz} and the tree as
# test/scenarios/firmware/NAME/guest.dts. Then `node pci2yaml.js` gives the scenario's `pci` list.
set -e
KT_DIR=${KT_DIR:-/tmp/kdsim-kt}
NAME=$1; MACHINE=$2; DEVICES=$3; MODS=$4; EXTRA=$5
T=$(cd "$(dirname "$0")/.." && pwd)
OUT=$T/$NAME; FW=$T/../scenarios/firmware/$NAME
mkdir -p "$OUT" "$FW"
DBG='dyndbg="file drivers/base/dd.c +p; file drivers/base/core.c +p; file drivers/base/bus.c +p; file drivers/iommu/iommu.c +p; file drivers/iommu/of_iommu.c +p; file drivers/of/property.c +p; file drivers/of/platform.c +p" virtio_iommu.dyndbg=+p'
Q="qemu-system-aarch64 -machine $MACHINE -accel tcg -cpu cortex-a57 -m 1G -smp 1 -nodefaults -display none -no-reboot $DEVICES"
APPEND="console=ttyAMA0 loglevel=4 log_buf_len=16M panic=1 $DBG kt.mods=$MODS $EXTRA"
$Q -machine dumpdtb="$FW/guest.dtb" >/dev/null 2>&1
dtc -q -I dtb -O dts "$FW/guest.dtb" > "$FW/guest.dts" && rm "$FW/guest.dtb"
printf '%s\n-append %s\n' "$Q" "$APPEND" > "$OUT/qemu.txt"
LOG=$(mktemp)
timeout 600 $Q -kernel "$KT_DIR/img/boot/vmlinuz-6.12.117+deb12-arm64" -initrd "$KT_DIR/initrd-arm64.gz" -append "$APPEND" -serial "file:$LOG"
gzip -9c "$LOG" > "$OUT/serial.log.gz" && rm "$LOG"
