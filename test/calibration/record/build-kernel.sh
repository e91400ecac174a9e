#!/bin/sh
# build-kernel.sh arm64|amd64: builds Debian's 6.12.117 kernel (the shared truth's) with iommufd:
# CONFIG_IOMMUFD, CONFIG_VFIO_DEVICE_CDEV and CONFIG_VFIO_NOIOMMU, which Debian's own builds leave
# out. The source is Debian's (linux-source-6.12, Debian's patches applied), the configuration is
# Debian's for the architecture (from fetch.sh's image), trimmed so that two cores build it in
# about an hour: only the modules init.sh may load stay modules (localmodconfig), the SoC
# platforms QEMU's machines do not have, debug info and subsystems no recording uses are off.
# Built-in drivers that bind on QEMU's machines are Debian's. Installs KVER 6.12.117-iommufd-ARCH
# into $KT_DIR (image, modules, uapi headers), where `KVER=6.12.117-iommufd sh fetch.sh ARCH`
# makes its initrd and builds vfio-calls.c with the iommufd calls. Needs root (apt).
set -e
# Debian's architecture name (ARCH becomes the kernel's below).
DARCH=${1:?usage: build-kernel.sh arm64|amd64}
KT_DIR=${KT_DIR:-/tmp/kdsim-kt}
SRCVER=6.12.117-1~deb12u1
DEBIAN=$KT_DIR/6.12.117+deb12-$DARCH
KVER=6.12.117-iommufd-$DARCH
HERE=$(cd "$(dirname "$0")" && pwd)
case $DARCH in
  arm64) KARCH=arm64; CROSS=aarch64-linux-gnu-; IMAGE=arch/arm64/boot/Image; TARGET=Image ;;
  amd64) KARCH=x86; CROSS=; IMAGE=arch/x86/boot/bzImage; TARGET=bzImage ;;
  *) echo "build-kernel.sh: unknown architecture $DARCH" >&2; exit 2 ;;
esac
[ -d "$DEBIAN/img" ] || KVER=6.12.117+deb12 sh "$HERE/fetch.sh" "$DARCH"
for t in flex bison bc rsync; do command -v $t >/dev/null || apt-get install -y $t; done
[ -f /usr/include/libelf.h ] || apt-get install -y libelf-dev
[ -f /usr/include/openssl/ssl.h ] || apt-get install -y libssl-dev
SRC=$KT_DIR/linux-source-6.12
if [ ! -d "$SRC" ]; then
  (cd "$KT_DIR" && apt-get download "linux-source-6.12=$SRCVER" && dpkg-deb -x linux-source-6.12_*.deb src-deb \
    && tar -xJf src-deb/usr/src/linux-source-6.12.tar.xz && rm -rf src-deb)
fi
cd "$SRC"
export ARCH=$KARCH CROSS_COMPILE=$CROSS
cp "$DEBIAN"/img/boot/config-* .config
# localmodconfig keeps as modules only those loaded (name, size, users: lsmod's columns).
LSMOD=$(mktemp)
for m in virtio_pci virtio_net virtio_rng virtio_iommu virtio_mmio e1000e e1000 virtio_blk nvme ahci \
         vfio vfio_pci vfio_pci_core vfio_iommu_type1 iommufd net_failover failover nvme_core libahci libata; do
  echo "$m 0 0"
done > "$LSMOD"
yes '' | make LSMOD="$LSMOD" localmodconfig >/dev/null
rm "$LSMOD"
C=./scripts/config
for p in SUNXI BCM BCM2835 EXYNOS K3 HISI MEDIATEK MESON MVEBU NXP LAYERSCAPE MXC QCOM RENESAS ROCKCHIP \
         SEATTLE SYNQUACER TEGRA THUNDER THUNDER2 XGENE ZYNQMP; do $C --disable ARCH_$p; done
for o in DRM SOUND MEDIA_SUPPORT WLAN WIRELESS CFG80211 BT BTRFS_FS XFS_FS NFS_FS NFSD STAGING IIO HID \
         USB_SUPPORT MMC MTD SPI NETFILTER BPF_SYSCALL SECURITY_SELINUX SECURITY_APPARMOR SECURITY_TOMOYO \
         IMA EVM KVM XEN FTRACE KPROBES PERF_EVENTS HW_PERF_EVENTS INPUT_TOUCHSCREEN I2C_DESIGNWARE_CORE CRYPTO_DEV_CCP \
         DEBUG_INFO DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT DEBUG_INFO_BTF MODULE_SIG MODULE_SIG_ALL MODULE_COMPRESS; do
  $C --disable $o
done
$C --enable DEBUG_INFO_NONE --set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
   --set-str LOCALVERSION "-iommufd-$DARCH" --disable LOCALVERSION_AUTO \
   --module IOMMUFD --enable VFIO_DEVICE_CDEV --enable VFIO_NOIOMMU --enable VFIO_CONTAINER \
   --disable IOMMUFD_VFIO_CONTAINER --disable IOMMUFD_TEST
make olddefconfig >/dev/null
make -s syncconfig  # include/config/auto.conf, which kernelrelease reads LOCALVERSION from
[ "$(make -s kernelrelease)" = "$KVER" ] || { echo "build-kernel.sh: kernel release $(make -s kernelrelease), expected $KVER" >&2; exit 1; }
make -j"$(nproc)" $TARGET modules
OUT=$KT_DIR/$KVER
rm -rf "$OUT" && mkdir -p "$OUT/img/boot"
cp $IMAGE "$OUT/img/boot/vmlinuz-$KVER"
cp .config "$OUT/img/boot/config-$KVER"
make -s INSTALL_MOD_PATH="$OUT/img" modules_install
make -s INSTALL_HDR_PATH="$OUT/uapi" headers_install
echo "kernel: $OUT/img/boot/vmlinuz-$KVER; next: KVER=6.12.117-iommufd sh $HERE/fetch.sh $DARCH"
