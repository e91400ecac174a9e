#!/bin/sh
# [ACPI=1] [KVER=6.1.0-56] record.sh arm64|amd64 NAME MACHINE "DEVICE ARGS" MODULES [KERNEL ARGS]
# Boots Debian's kernel KVER (default 6.12.117+deb12) of the architecture (fetch.sh) on QEMU:
# arm64 with the machine's device tree, or with ACPI=1 through UEFI with acpi=force on its ACPI
# tables; amd64 (q35) always on ACPI. Loads MODULES in order (kt.mods: sleepN waits N s, snap
# dumps an intermediate state, name:param=value passes parameters; kt.vfio=BDF[,v1] in the kernel
# arguments runs vfio-calls.c on that function) and keeps what it did: test/calibration/NAME/{qemu.txt,
# serial.log.gz}, and the firmware in test/scenarios/firmware/NAME (guest.dts, or the ACPI tables
# as *.bin). Then `node pci2yaml.js` gives the scenario's `pci` list.
set -e
ARCH=${1:?usage: record.sh arm64|amd64 NAME MACHINE DEVICES MODULES [KERNEL ARGS]}
NAME=$2; MACHINE=$3; DEVICES=$4; MODS=$5; EXTRA=$6
KT_DIR=${KT_DIR:-/tmp/kdsim-kt}
KVER=${KVER:-6.12.117+deb12}-$ARCH
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/../$NAME; FW=$HERE/../../scenarios/firmware/$NAME
mkdir -p "$OUT" "$FW"
CORE='file drivers/base/dd.c +p; file drivers/base/core.c +p; file drivers/base/bus.c +p; file drivers/iommu/iommu.c +p'
case $ARCH in
  arm64) QEMU="qemu-system-aarch64 -machine $MACHINE -accel tcg -cpu cortex-a57"; CONSOLE=console=ttyAMA0
         if [ "${ACPI:-0}" = 1 ]; then
           DBG="$CORE; file drivers/acpi/scan.c +p; file drivers/acpi/arm64/iort.c +p"; QEMU="$QEMU -bios /usr/share/qemu-efi-aarch64/QEMU_EFI.fd"; CONSOLE="$CONSOLE acpi=force"
         else
           DBG="$CORE; file drivers/iommu/of_iommu.c +p; file drivers/of/property.c +p; file drivers/of/platform.c +p"
         fi ;;
  amd64) QEMU="qemu-system-x86_64 -machine $MACHINE -accel tcg -cpu qemu64"; CONSOLE=console=ttyS0,115200; ACPI=1
         DBG="$CORE; file drivers/acpi/scan.c +p" ;;
esac
Q="$QEMU -m 1G -smp 1 -nodefaults -display none -no-reboot $DEVICES"
APPEND="$CONSOLE loglevel=4 log_buf_len=16M panic=1 dyndbg=\"$DBG\" virtio_iommu.dyndbg=+p kt.mods=$MODS $EXTRA"
if [ "${ACPI:-0}" != 1 ]; then
  $Q -machine dumpdtb="$FW/guest.dtb" >/dev/null 2>&1
  dtc -q -I dtb -O dts "$FW/guest.dtb" > "$FW/guest.dts" && rm "$FW/guest.dtb"
fi
LOG=$(mktemp)
# The boot counts once init.sh dumped everything, even if the power-off then hangs (5.10 on TCG).
timeout 300 $Q -kernel "$KT_DIR/$KVER/img/boot/vmlinuz-$KVER" -initrd "$KT_DIR/initrd-$KVER.gz" -append "$APPEND" -serial "file:$LOG" \
  || grep -q '===KT-END dmesg===' "$LOG" || { echo "record.sh: the boot did not finish, see $LOG" >&2; exit 1; }
printf '%s\n-append %s\n' "$Q" "$APPEND" > "$OUT/qemu.txt"
gzip -9c "$LOG" > "$OUT/serial.log.gz" && rm "$LOG"
[ "${ACPI:-0}" != 1 ] || node "$HERE/acpi-tables.js" "$OUT/serial.log.gz" "$FW"
