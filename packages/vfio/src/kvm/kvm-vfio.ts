// The KVM-VFIO pseudo device (virt/kvm/vfio.c): user space tells KVM which
// VFIO files the VM uses, and KVM decides from their coherency whether the
// guest's wbinvd must really flush caches (non-coherent DMA registered).
import { Errno, type Device } from '@kdsim/core';
import { result, type IoctlResult } from '../result.js';
import type { VfioCore } from '../vfio/core.js';
import { DeviceFile, GroupFile, type VfioFile } from '../vfio/process.js';

/** What KVM_DEV_VFIO_FILE_ADD / _DEL report in kdsim (the ioctl itself returns only 0 or an errno). */
export interface KvmVfioState {
  /**
   * kv->noncoherent: some file of the VM is not enforced-coherent, so KVM
   * registered non-coherent DMA (kvm_arch_register_noncoherent_dma(); on x86
   * the guest's wbinvd then flushes and guest memory types are honoured).
   */
  readonly noncoherent: boolean;
  /** vfio_file_enforced_coherent() of the file this call named. */
  readonly enforcedCoherent: boolean;
  /**
   * Devices of that file that may issue PCIe No-Snoop TLPs the IOMMU does not
   * block (the scenario marked them `noSnoop` ∧ not enforced-coherent). Linux
   * never reads the device's No-Snoop capability: it assumes any device may.
   */
  readonly noSnoopUnblocked: readonly string[];
}

/** Whether a device can issue No-Snoop TLPs (from the machine description; Linux does not look). */
export type NoSnoopProbe = (dev: Device) => boolean;

/** A VFIO file KVM may hold: a group file or a device file. */
type KvmVfioFile = GroupFile | DeviceFile;

/** One KVM VM's VFIO pseudo device (KVM_CREATE_DEVICE, KVM_DEV_TYPE_VFIO). */
export class KvmVfioDevice {
  /** kv->file_list: KVM holds file references, so closing the fd does not remove an entry. */
  readonly #files: KvmVfioFile[] = [];
  #noncoherent = false;

  /** The device for files of `vfio`; `noSnoop` says which devices may issue No-Snoop TLPs. */
  constructor(readonly vfio: VfioCore, readonly noSnoop: NoSnoopProbe = () => false) {}

  /** kv->noncoherent after the last update. */
  get noncoherent(): boolean {
    return this.#noncoherent;
  }

  /** vfio.c: kvm_vfio_file_add(): -EBADF without a file, -EINVAL for a non-VFIO file, -EEXIST twice. */
  add(file: VfioFile | undefined): IoctlResult<KvmVfioState> {
    if (file === undefined) return result(-Errno.EBADF, this.#state(null));
    // kvm_vfio_file_is_valid(): only group and device files (vfio_file_is_valid()).
    if (!(file instanceof GroupFile || file instanceof DeviceFile)) return result(-Errno.EINVAL, this.#state(null));
    if (this.#files.includes(file)) return result(-Errno.EEXIST, this.#state(file));
    this.#files.push(file);
    this.#updateCoherency();
    return result(0, this.#state(file));
  }

  /** vfio.c: kvm_vfio_file_del(): -EBADF without a file, -ENOENT if KVM does not hold it. */
  del(file: VfioFile | undefined): IoctlResult<KvmVfioState> {
    if (file === undefined) return result(-Errno.EBADF, this.#state(null));
    const i = this.#files.indexOf(file as KvmVfioFile);
    if (i < 0) return result(-Errno.ENOENT, this.#state(null));
    this.#files.splice(i, 1);
    this.#updateCoherency();
    return result(0, this.#state(file as KvmVfioFile));
  }

  // vfio.c: kvm_vfio_update_coherency(): non-coherent if any file is not enforced-coherent.
  #updateCoherency(): void {
    this.#noncoherent = this.#files.some((f) => !this.#enforced(f));
  }

  #enforced(f: KvmVfioFile): boolean {
    return this.vfio.enforcedCoherent(f instanceof GroupFile ? f.group : f.vdev);
  }

  #state(f: KvmVfioFile | null): KvmVfioState {
    const enforced = f !== null && this.#enforced(f);
    const devs = f === null ? [] : f instanceof GroupFile ? f.group.devices : [f.vdev];
    return {
      noncoherent: this.#noncoherent,
      enforcedCoherent: enforced,
      noSnoopUnblocked: enforced ? [] : devs.filter((d) => this.noSnoop(d.dev)).map((d) => d.dev.name),
    };
  }
}
