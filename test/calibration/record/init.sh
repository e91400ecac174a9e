#!/bin/busybox sh
# kdsim calibration init: load kt.mods in order, dump driver-model state in KT sections, power off.
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
sec() { echo "===KT-BEGIN $1==="; }
end() { echo "===KT-END $1==="; }
base() { [ -e "$1" ] && basename "$(readlink "$1")" || echo -; }
dump() {
  p=$1
  sec "devices $p"
  for d in /sys/bus/*/devices/*; do
    b=${d#/sys/bus/}; b=${b%%/*}
    echo "DEV bus=$b name=$(basename $d) driver=$(base $d/driver) group=$(base $d/iommu_group) iommu=$(base $d/iommu) path=$(readlink -f $d)"
  done
  end "devices $p"
  sec "iommu_groups $p"
  for g in /sys/kernel/iommu_groups/*; do
    [ -d "$g" ] || continue
    echo "GROUP $(basename $g) type=$(cat $g/type 2>/dev/null) devices=$(ls $g/devices | tr '\n' ' ')"
  done
  end "iommu_groups $p"
  sec "reserved_regions $p"
  for g in /sys/kernel/iommu_groups/*; do
    [ -f "$g/reserved_regions" ] && sed "s/^/RESV group=$(basename $g) /" "$g/reserved_regions"
  done
  end "reserved_regions $p"
  sec "devlinks $p"
  for l in /sys/class/devlink/*; do
    [ -d "$l" ] || continue
    echo "LINK name=$(basename $l) supplier=$(base $l/supplier) consumer=$(base $l/consumer) status=$(cat $l/status) sync_state_only=$(cat $l/sync_state_only) auto_remove_on=$(cat $l/auto_remove_on) runtime_pm=$(cat $l/runtime_pm)"
  done
  end "devlinks $p"
  sec "devices_deferred $p"; cat /sys/kernel/debug/devices_deferred; end "devices_deferred $p"
  sec "waiting_for_supplier $p"
  for f in /sys/devices/platform/*/waiting_for_supplier; do [ -e "$f" ] && echo "$f $(cat $f)"; done
  end "waiting_for_supplier $p"
}
sec cmdline; cat /proc/cmdline; end cmdline
dump boot
mods=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^kt.mods=//p' | tr ',' ' ')
n=0
for m in $mods; do
  case $m in
    sleep*) sleep ${m#sleep} ;;
    snap) n=$((n+1)); dump snap$n ;;
    # name:param=value:...: the module itself (last of its list) gets the parameters.
    *) deps=$(cat /mods/${m%%:*}.deps); params=$(echo "$m" | cut -s -d: -f2- | tr ':' ' ')
       for ko in $deps; do if [ "$ko" = "${deps##* }" ]; then insmod /mods/$ko $params 2>/dev/null; else insmod /mods/$ko 2>/dev/null; fi; done ;;
  esac
done
sleep 1
# kt.vfio=BDF[,v1][,release]: hand the function to vfio-pci and make vfio-calls.c's VFIO calls on it.
vfio=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^kt.vfio=//p')
if [ -n "$vfio" ]; then sec vfio; /bin/vfio-calls $(echo "$vfio" | tr ',' ' '); end vfio; fi
dump final
sec pci
for d in /sys/bus/pci/devices/*; do echo "PCI $(basename $d) $(cat $d/vendor):$(cat $d/device) sub=$(cat $d/subsystem_vendor):$(cat $d/subsystem_device) class=$(cat $d/class) config=$(od -An -tx1 -v $d/config | tr -d ' \n')"; done
end pci
sec virtio
for d in /sys/bus/virtio/devices/*; do [ -e "$d" ] && echo "VIRTIO $(basename $d) device=$(cat $d/device) vendor=$(cat $d/vendor) parent=$(basename "$(dirname "$(readlink -f $d)")")"; done
end virtio
sec acpi_tables
for t in /sys/firmware/acpi/tables/*; do [ -f "$t" ] && echo "TABLE $(basename $t) $(od -An -tx1 -v $t | tr -d ' \n')"; done
end acpi_tables
sec lsmod; cat /proc/modules; end lsmod
sec dmesg; dmesg; end dmesg
# An emergency reboot ends QEMU (-no-reboot) without device_shutdown(), which can hang under TCG.
echo b > /proc/sysrq-trigger
poweroff -f
