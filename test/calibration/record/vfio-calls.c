// kdsim calibration: hands one PCI function to vfio-pci and makes a fixed series of VFIO
// type1 calls on it, printing each as a kdsim scenario step with what the kernel returned:
//   KT-VFIO id=<id> kind=<kdsim step kind> <argument>=<value>... ret=<0 or -errno> [out.<field>=<value>]...
// An argument `$<id>.<field>` is an earlier step's output, as in a scenario. mkscenario.js turns
// the lines into the scenario's userspace steps, with `ret` as each step's expectation.
//   vfio-calls BDF [v1] [release] [iommufd | compat] [early]
// (run by init.sh for kt.vfio=BDF[,v1][,release][,...]).
// With v1 the container gets the v1 type1 backend (VFIO_TYPE1_IOMMU), and the unmaps show its
// rules: a range that starts inside a mapping unmaps nothing; one that reaches into a mapping
// unmaps it whole. With release the function goes back to the host at the end: unbind from
// vfio-pci, clear driver_override, drivers_probe. With iommufd the calls go through the device's
// cdev and /dev/iommu instead of a type1 container (needs a kernel with
// CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV, and its uapi headers to build). With compat the
// type1 calls go to an iommufd (/dev/iommu) that the group takes as its container. With early
// the device is opened (and attached) before the maps.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#endif

static const char *bdf;

// The DMA buffer: 1 MiB at the address kdsim's mm.mmap step gives a process's first mapping, so
// that a call whose result depends on the user address (IOAS_MAP without FIXED_IOVA keeps the
// address's alignment in the IOVA it picks) sees the same one in both.
#define BUF_VA 0x7f0000000000UL
#define BUF_LEN 0x100000UL

static void *map_buffer(void) {
  void *buf = mmap((void *)BUF_VA, BUF_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("KT-VFIO id=buf kind=mm.mmap length=0x%lx ret=%d", BUF_LEN, buf == MAP_FAILED ? -errno : 0);
  if (buf != MAP_FAILED) printf(" out.va=%p", buf);
  printf("\n");
  return buf;
}

static int ret_of(long r) { return r < 0 ? -errno : 0; }

// One sysfs write, as the sysfs.* steps make it.
static int sysfs_write(const char *path, const char *value) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) return -errno;
  int r = write(fd, value, strlen(value)) < 0 ? -errno : 0;
  close(fd);
  return r;
}

static int open_path(const char *id, const char *path) {
  int fd = open(path, O_RDWR);
  printf("KT-VFIO id=%s kind=vfio.open path=%s ret=%d\n", id, path, ret_of(fd));
  return fd;
}

static void check_extension(const char *id, int fd, const char *fdref, const char *name, int ext) {
  long r = ioctl(fd, VFIO_CHECK_EXTENSION, ext);
  if (r < 0) printf("KT-VFIO id=%s kind=vfio.check_extension fd=%s ext=%s ret=%d\n", id, fdref, name, -errno);
  else printf("KT-VFIO id=%s kind=vfio.check_extension fd=%s ext=%s ret=0 out.ret=%ld\n", id, fdref, name, r);
}

static void group_status(const char *id, int fd) {
  struct vfio_group_status st = { .argsz = sizeof st };
  int r = ret_of(ioctl(fd, VFIO_GROUP_GET_STATUS, &st));
  if (r < 0) printf("KT-VFIO id=%s kind=vfio.group_get_status fd=$group.fd ret=%d\n", id, r);
  else printf("KT-VFIO id=%s kind=vfio.group_get_status fd=$group.fd ret=0 out.flags=%u\n", id, st.flags);
}

static int set_iommu(const char *id, int fd, const char *name, int type) {
  int r = ret_of(ioctl(fd, VFIO_SET_IOMMU, type));
  printf("KT-VFIO id=%s kind=vfio.set_iommu fd=$container.fd type=%s ret=%d\n", id, name, r);
  return r;
}

static void map_dma(const char *id, int fd, void *va, uint64_t iova, uint64_t size) {
  struct vfio_iommu_type1_dma_map m = {
    .argsz = sizeof m, .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
    .vaddr = (uintptr_t)va, .iova = iova, .size = size,
  };
  int r = ret_of(ioctl(fd, VFIO_IOMMU_MAP_DMA, &m));
  printf("KT-VFIO id=%s kind=vfio.iommu_map_dma fd=$container.fd vaddr=$buf.va iova=0x%llx size=0x%llx ret=%d\n",
         id, (unsigned long long)iova, (unsigned long long)size, r);
}

static void unmap_dma(const char *id, int fd, uint64_t iova, uint64_t size) {
  struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof u, .iova = iova, .size = size };
  int r = ret_of(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &u));
  printf("KT-VFIO id=%s kind=vfio.iommu_unmap_dma fd=$container.fd iova=0x%llx size=0x%llx ret=%d",
         id, (unsigned long long)iova, (unsigned long long)size, r);
  if (r == 0) printf(" out.size=0x%llx", (unsigned long long)u.size);
  printf("\n");
}

static int device_fd(const char *id, int gfd, const char *name) {
  int fd = ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, name);
  printf("KT-VFIO id=%s kind=vfio.group_get_device_fd fd=$group.fd name=%s ret=%d\n", id, name, ret_of(fd));
  return fd;
}

// The one entry of `dir` that is neither the container nor the cdev directory: in /dev/vfio the
// group's character device (N, or noiommu-N), in /dev/vfio/devices the function's cdev.
static int only_entry(const char *dir, char *out, size_t len) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int found = 0;
  if (d == NULL) return 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || strcmp(e->d_name, "vfio") == 0 || strcmp(e->d_name, "devices") == 0) continue;
    snprintf(out, len, "%s/%s", dir, e->d_name);
    found = 1;
  }
  closedir(d);
  return found;
}

#ifdef IOMMUFD_TYPE
// ---- iommufd: the function's VFIO cdev bound to /dev/iommu (kt.vfio=BDF,iommufd)

#define MAP_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

// The IOAS the calls made first ($ioas); any other is the second ($ioas2).
static uint32_t first_ioas;

// Every mapping is readable and writeable; FIXED_IOVA or not.
static void ioas_map(const char *id, int fd, uint32_t ioas, uint32_t flags, void *va, uint64_t iova, uint64_t len) {
  struct iommu_ioas_map m = { .size = sizeof m, .flags = flags, .ioas_id = ioas, .user_va = (uintptr_t)va, .length = len, .iova = iova };
  int r = ret_of(ioctl(fd, IOMMU_IOAS_MAP, &m));
  char uva[32] = "$buf.va";
  if ((uintptr_t)va != BUF_VA) snprintf(uva, sizeof uva, "%p", va);
  printf("KT-VFIO id=%s kind=iommufd.ioas_map fd=$iommufd.fd ioasId=%s flags=%sREADABLE|WRITEABLE userVa=%s length=0x%llx",
         id, ioas == first_ioas ? "$ioas.ioasId" : "$ioas2.ioasId", flags & IOMMU_IOAS_MAP_FIXED_IOVA ? "FIXED_IOVA|" : "", uva, (unsigned long long)len);
  if (flags & IOMMU_IOAS_MAP_FIXED_IOVA) printf(" iova=0x%llx", (unsigned long long)iova);
  printf(" ret=%d", r);
  if (r == 0) printf(" out.iova=0x%llx", (unsigned long long)m.iova);
  printf("\n");
}

static void ioas_unmap(const char *id, int fd, uint32_t ioas, uint64_t iova, uint64_t len) {
  struct iommu_ioas_unmap u = { .size = sizeof u, .ioas_id = ioas, .iova = iova, .length = len };
  int r = ret_of(ioctl(fd, IOMMU_IOAS_UNMAP, &u));
  printf("KT-VFIO id=%s kind=iommufd.ioas_unmap fd=$iommufd.fd ioasId=$ioas.ioasId iova=0x%llx length=0x%llx ret=%d",
         id, (unsigned long long)iova, (unsigned long long)len, r);
  if (r == 0) printf(" out.length=0x%llx", (unsigned long long)u.length);
  printf("\n");
}

// IOAS_COPY from $ioas to $ioas2, at a fixed IOVA (dst != 0) or where the kernel picks.
static void ioas_copy(const char *id, int fd, uint32_t dst, uint32_t src, uint64_t src_iova, uint64_t len, uint64_t dst_iova) {
  uint32_t flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE | (dst_iova ? IOMMU_IOAS_MAP_FIXED_IOVA : 0);
  struct iommu_ioas_copy c = { .size = sizeof c, .flags = flags, .dst_ioas_id = dst, .src_ioas_id = src,
                               .length = len, .dst_iova = dst_iova, .src_iova = src_iova };
  int r = ret_of(ioctl(fd, IOMMU_IOAS_COPY, &c));
  printf("KT-VFIO id=%s kind=iommufd.ioas_copy fd=$iommufd.fd flags=%sREADABLE|WRITEABLE dstIoasId=$ioas2.ioasId srcIoasId=$ioas.ioasId length=0x%llx",
         id, dst_iova ? "FIXED_IOVA|" : "", (unsigned long long)len);
  if (dst_iova) printf(" dstIova=0x%llx", (unsigned long long)dst_iova);
  printf(" srcIova=0x%llx ret=%d", (unsigned long long)src_iova, r);
  if (r == 0) printf(" out.dstIova=0x%llx", (unsigned long long)c.dst_iova);
  printf("\n");
}

// IOAS_ALLOW_IOVAS on $ioas2 with one range.
static void allow_iovas(const char *id, int fd, uint32_t ioas, uint64_t start, uint64_t last) {
  struct iommu_iova_range range = { .start = start, .last = last };
  struct iommu_ioas_allow_iovas a = { .size = sizeof a, .ioas_id = ioas, .num_iovas = 1, .allowed_iovas = (uintptr_t)&range };
  printf("KT-VFIO id=%s kind=iommufd.ioas_allow_iovas fd=$iommufd.fd ioasId=$ioas2.ioasId allowedIovas=0x%llx-0x%llx ret=%d\n",
         id, (unsigned long long)start, (unsigned long long)last, ret_of(ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &a)));
}

// The allowed IOVA ranges, as `out.ranges=START-LAST,...`; with room for `room` of them
// (-EMSGSIZE with the number needed when they do not fit).
static void iova_ranges(const char *id, int fd, uint32_t ioas, uint32_t room) {
  struct iommu_iova_range ranges[8];
  struct iommu_ioas_iova_ranges q = { .size = sizeof q, .ioas_id = ioas, .num_iovas = room, .allowed_iovas = (uintptr_t)ranges };
  int r = ret_of(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q));
  printf("KT-VFIO id=%s kind=iommufd.ioas_iova_ranges fd=$iommufd.fd ioasId=$ioas.ioasId numIovas=%u ret=%d", id, room, r);
  if (r == -EMSGSIZE) printf(" out.numIovas=%u", q.num_iovas);
  if (r == 0) {
    printf(" out.numIovas=%u out.iovaAlignment=0x%llx out.ranges=", q.num_iovas, (unsigned long long)q.out_iova_alignment);
    for (uint32_t i = 0; i < q.num_iovas && i < 8; i++)
      printf("%s0x%llx-0x%llx", i ? "," : "", (unsigned long long)ranges[i].start, (unsigned long long)ranges[i].last);
  }
  printf("\n");
}

static void hw_info(const char *id, int fd, const char *devref, uint32_t dev, uint32_t flags) {
  uint8_t data[64];
  struct iommu_hw_info h = { .size = sizeof h, .flags = flags, .dev_id = dev, .data_len = sizeof data, .data_uptr = (uintptr_t)data };
  int r = ret_of(ioctl(fd, IOMMU_GET_HW_INFO, &h));
  printf("KT-VFIO id=%s kind=iommufd.get_hw_info fd=$iommufd.fd devId=%s dataLen=64%s ret=%d", id, devref, flags ? " flags=1" : "", r);
  if (r == 0) printf(" out.dataType=%u out.dataLen=%u out.maxPasidLog2=%u out.capabilities=%llu",
                     h.out_data_type, h.data_len, h.out_max_pasid_log2, (unsigned long long)h.out_capabilities);
  printf("\n");
}

static uint32_t hwpt_alloc(const char *id, int fd, uint32_t dev, uint32_t pt, const char *ptref, uint32_t flags) {
  struct iommu_hwpt_alloc a = { .size = sizeof a, .flags = flags, .dev_id = dev, .pt_id = pt };
  int r = ret_of(ioctl(fd, IOMMU_HWPT_ALLOC, &a));
  const char *name = flags == IOMMU_HWPT_ALLOC_NEST_PARENT ? "NEST_PARENT" : flags == IOMMU_HWPT_ALLOC_DIRTY_TRACKING ? "DIRTY_TRACKING" : "0";
  printf("KT-VFIO id=%s kind=iommufd.hwpt_alloc fd=$iommufd.fd flags=%s devId=$bind-iommufd.devid ptId=%s ret=%d", id, name, ptref, r);
  if (r == 0) printf(" out.hwptId=%u", a.out_hwpt_id);
  printf("\n");
  return r == 0 ? a.out_hwpt_id : 0;
}

static void destroy(const char *id, int fd, const char *ref, uint32_t obj) {
  struct iommu_destroy d = { .size = sizeof d, .id = obj };
  printf("KT-VFIO id=%s kind=iommufd.destroy fd=$iommufd.fd id=%s ret=%d\n", id, ref, ret_of(ioctl(fd, IOMMU_DESTROY, &d)));
}

static uint32_t attach_pt(const char *id, int cdev, uint32_t pt, const char *ptref) {
  struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof a, .pt_id = pt };
  int r = ret_of(ioctl(cdev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a));
  printf("KT-VFIO id=%s kind=vfio.attach_pt fd=$cdev.fd ptId=%s ret=%d", id, ptref, r);
  if (r == 0) printf(" out.ptId=%u", a.pt_id);
  printf("\n");
  return r == 0 ? a.pt_id : 0;
}

static uint32_t bind_iommufd(const char *id, int cdev, int ifd) {
  struct vfio_device_bind_iommufd b = { .argsz = sizeof b, .iommufd = ifd };
  int r = ret_of(ioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, &b));
  printf("KT-VFIO id=%s kind=vfio.bind_iommufd fd=$cdev.fd iommufd=$iommufd.fd ret=%d", id, r);
  if (r == 0) printf(" out.devid=%u", b.out_devid);
  printf("\n");
  return r == 0 ? b.out_devid : 0;
}

// Binds the cdev to an iommufd and walks the IOAS, HWPT and attach rules: a mapping in a
// reserved region blocks the attach; after it the region is out of the allowed ranges.
static void iommufd_calls(void) {
  char cdev[300], group[300];
  // No entry (a no-IOMMU device has no cdev): the open says so.
  if (!only_entry("/dev/vfio/devices", cdev, sizeof cdev)) snprintf(cdev, sizeof cdev, "/dev/vfio/devices/vfio0");
  int dfd = open_path("cdev", cdev);
  int ifd = open_path("iommufd", "/dev/iommu");
  if (dfd < 0 || ifd < 0) return;
  struct iommu_ioas_alloc a = { .size = sizeof a };
  int r = ret_of(ioctl(ifd, IOMMU_IOAS_ALLOC, &a));
  printf("KT-VFIO id=ioas kind=iommufd.ioas_alloc fd=$iommufd.fd ret=%d out.ioasId=%u\n", r, a.out_ioas_id);
  if (r < 0) return;
  uint32_t ioas = first_ioas = a.out_ioas_id;
  hw_info("hw-info-not-device", ifd, "$ioas.ioasId", ioas, 0);
  uint32_t dev = bind_iommufd("bind-iommufd", dfd, ifd);
  if (dev == 0) return;
  bind_iommufd("bind-again", dfd, ifd);
  if (only_entry("/dev/vfio", group, sizeof group)) open_path("group-while-cdev", group);
  hw_info("hw-info", ifd, "$bind-iommufd.devid", dev, 0);
  hw_info("hw-info-flags", ifd, "$bind-iommufd.devid", dev, 1);
  iova_ranges("ranges", ifd, ioas, 8);

  void *buf = map_buffer();
  ioas_map("map", ifd, ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW, buf, 0x100000, 0x10000);
  // Before any attach the IOAS knows no reserved region: the MSI windows map.
  ioas_map("map-msi-window", ifd, ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW, buf, 0x8000000, 0x100000);
  ioas_map("map-x86-msi", ifd, ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW, buf, 0xfee00000, 0x100000);
  attach_pt("attach-over-msi", dfd, ioas, "$ioas.ioasId");
  ioas_unmap("unmap-msi-window", ifd, ioas, 0x8000000, 0x100000);
  ioas_unmap("unmap-x86-msi", ifd, ioas, 0xfee00000, 0x100000);
  uint32_t autopt = attach_pt("attach", dfd, ioas, "$ioas.ioasId");
  iova_ranges("ranges-attached", ifd, ioas, 8);
  iova_ranges("ranges-short", ifd, ioas, 1);
  ioas_map("map-msi-attached", ifd, ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW, buf, 0x8000000, 0x1000);
  ioas_map("map-x86-msi-attached", ifd, ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW, buf, 0xfee00000, 0x1000);
  ioas_map("map-overlap", ifd, ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW, buf, 0x108000, 0x10000);
  ioas_map("map-unaligned", ifd, ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW, buf, 0x200800, 0x1000);
  // Without FIXED_IOVA the IOVA keeps the user address's alignment, up to the length's.
  ioas_map("map-anywhere", ifd, ioas, MAP_RW, buf, 0, 0x10000);
  ioas_map("map-anywhere-4k", ifd, ioas, MAP_RW, (char *)buf + 0x1000, 0, 0x10000);

  hwpt_alloc("hwpt-nest-parent", ifd, dev, ioas, "$ioas.ioasId", IOMMU_HWPT_ALLOC_NEST_PARENT);
  hwpt_alloc("hwpt-dirty", ifd, dev, ioas, "$ioas.ioasId", IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
  uint32_t hwpt = hwpt_alloc("hwpt", ifd, dev, ioas, "$ioas.ioasId", 0);
  if (hwpt != 0) attach_pt("attach-hwpt", dfd, hwpt, "$hwpt.hwptId");
  destroy("destroy-ioas-busy", ifd, "$ioas.ioasId", ioas);
  if (hwpt != 0) destroy("destroy-hwpt-busy", ifd, "$hwpt.hwptId", hwpt);
  // The automatic HWPT of the first attach went when the device moved off it.
  if (autopt != 0) destroy("destroy-auto-hwpt", ifd, "$attach.ptId", autopt);
  struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof d };
  printf("KT-VFIO id=detach kind=vfio.detach_pt fd=$cdev.fd ret=%d\n", ret_of(ioctl(dfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d)));
  if (hwpt != 0) destroy("destroy-hwpt", ifd, "$hwpt.hwptId", hwpt);
  // A second IOAS: copies of the first's mappings, and an allowed list around them.
  struct iommu_ioas_alloc a2 = { .size = sizeof a2 };
  r = ret_of(ioctl(ifd, IOMMU_IOAS_ALLOC, &a2));
  printf("KT-VFIO id=ioas2 kind=iommufd.ioas_alloc fd=$iommufd.fd ret=%d out.ioasId=%u\n", r, a2.out_ioas_id);
  if (r == 0) {
    uint32_t ioas2 = a2.out_ioas_id;
    ioas_copy("copy", ifd, ioas2, ioas, 0x100000, 0x10000, 0x300000);
    ioas_copy("copy-part", ifd, ioas2, ioas, 0x104000, 0x1000, 0x404000);
    ioas_copy("copy-over", ifd, ioas2, ioas, 0x100000, 0x10000, 0x308000);
    ioas_copy("copy-past", ifd, ioas2, ioas, 0x10c000, 0x8000, 0x500000);
    ioas_copy("copy-anywhere", ifd, ioas2, ioas, 0x100000, 0x10000, 0);
    allow_iovas("allow-around", ifd, ioas2, 0x300000, 0x4fffff);
    allow_iovas("allow-all", ifd, ioas2, 0, UINT64_MAX);
    ioas_map("map-overflow", ifd, ioas2, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW, buf, 0xfffffffffffff000ULL, 0x2000);
    destroy("destroy-ioas2", ifd, "$ioas2.ioasId", ioas2);
  }
  ioas_unmap("unmap-cut", ifd, ioas, 0x104000, 0x1000);
  ioas_unmap("unmap", ifd, ioas, 0x100000, 0x10000);
  ioas_unmap("unmap-gone", ifd, ioas, 0x100000, 0x10000);
  ioas_unmap("unmap-all", ifd, ioas, 0, UINT64_MAX);
  destroy("destroy-ioas", ifd, "$ioas.ioasId", ioas);
  printf("KT-VFIO id=close-cdev kind=vfio.close fd=$cdev.fd ret=%d\n", ret_of(close(dfd)));
}
#else
static void iommufd_calls(void) {
  printf("KT-VFIO-SKIP vfio-calls was built without <linux/iommufd.h>\n");
}
#endif


int main(int argc, char **argv) {
  char path[256], group[300];
  int v1 = 0, release = 0, viafd = 0, compat = 0, early = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "v1") == 0) v1 = 1;
    else if (strcmp(argv[i], "release") == 0) release = 1;
    else if (strcmp(argv[i], "iommufd") == 0) viafd = 1;
    else if (strcmp(argv[i], "compat") == 0) compat = 1;
    else if (strcmp(argv[i], "early") == 0) early = 1;
    else argc = 0;
  }
  if (argc < 2) {
    fprintf(stderr, "usage: vfio-calls BDF [v1] [release] [iommufd | compat] [early]\n");
    return 2;
  }
  bdf = argv[1];
  setvbuf(stdout, NULL, _IOLBF, 0);

  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/driver_override", bdf);
  printf("KT-VFIO id=override kind=sysfs.driver_override device=%s driver=vfio-pci ret=%d\n", bdf, sysfs_write(path, "vfio-pci"));
  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/driver/unbind", bdf);
  if (access(path, F_OK) == 0) printf("KT-VFIO id=unbind kind=sysfs.unbind device=%s ret=%d\n", bdf, sysfs_write(path, bdf));
  printf("KT-VFIO id=bind kind=sysfs.bind device=%s driver=vfio-pci ret=%d\n", bdf, sysfs_write("/sys/bus/pci/drivers/vfio-pci/bind", bdf));

  if (viafd) {
    iommufd_calls();
    return 0;
  }
  // With compat the group's container is an iommufd, which answers the type1 calls itself.
  int cfd = open_path("container", compat ? "/dev/iommu" : "/dev/vfio/vfio");
  if (cfd < 0) return 0;
  check_extension("ext-type1", cfd, "$container.fd", "TYPE1_IOMMU", VFIO_TYPE1_IOMMU);
  check_extension("ext-type1v2", cfd, "$container.fd", "TYPE1v2_IOMMU", VFIO_TYPE1v2_IOMMU);
  check_extension("ext-nesting", cfd, "$container.fd", "TYPE1_NESTING_IOMMU", 6);
  check_extension("ext-noiommu", cfd, "$container.fd", "NOIOMMU_IOMMU", VFIO_NOIOMMU_IOMMU);
  check_extension("ext-cc-unset", cfd, "$container.fd", "DMA_CC_IOMMU", VFIO_DMA_CC_IOMMU);

  if (!only_entry("/dev/vfio", group, sizeof group)) return 0;
  int gfd = open_path("group", group);
  if (gfd < 0) return 0;
  close(open_path("group-again", group));
  group_status("status", gfd);
  int r = ret_of(ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd));
  printf("KT-VFIO id=set-container kind=vfio.group_set_container fd=$group.fd container=$container.fd ret=%d\n", r);
  r = ret_of(ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd));
  printf("KT-VFIO id=set-container-again kind=vfio.group_set_container fd=$group.fd container=$container.fd ret=%d\n", r);
  group_status("status-set", gfd);

  // The nesting type first (it fails on most IOMMUs and leaves the container unset), then v2,
  // then no-IOMMU for a noiommu group; or v1 alone.
  int set = v1 ? set_iommu("set-type1", cfd, "TYPE1_IOMMU", VFIO_TYPE1_IOMMU) : set_iommu("set-nesting", cfd, "TYPE1_NESTING_IOMMU", 6);
  if (set < 0 && !v1) set = set_iommu("set-type1v2", cfd, "TYPE1v2_IOMMU", VFIO_TYPE1v2_IOMMU);
  if (set < 0 && !v1) set = set_iommu("set-noiommu", cfd, "NOIOMMU_IOMMU", VFIO_NOIOMMU_IOMMU);
  set_iommu("set-again", cfd, "TYPE1v2_IOMMU", VFIO_TYPE1v2_IOMMU);
  check_extension("ext-cc", cfd, "$container.fd", "DMA_CC_IOMMU", VFIO_DMA_CC_IOMMU);
  check_extension("ext-type1v2-set", cfd, "$container.fd", "TYPE1v2_IOMMU", VFIO_TYPE1v2_IOMMU);
  // With early the device is opened (and so attached) before the maps, and stays open.
  if (early) device_fd("device-early", gfd, bdf);

  void *buf = map_buffer();
  map_dma("map", cfd, buf, 0x100000, 0x10000);
  map_dma("map-overlap", cfd, buf, 0x108000, 0x10000);
  map_dma("map-unaligned", cfd, buf, 0x200000, 0x800);
  // The MSI windows: x86's interrupt range and the SMMU/virtio-iommu software MSI window.
  map_dma("map-x86-msi", cfd, buf, 0xfee00000, 0x1000);
  map_dma("map-sw-msi", cfd, buf, 0x8000000, 0x1000);
  // QEMU virt's doorbells: the GICv2m frame's MSI_SETSPI page and the ITS's GITS_TRANSLATER page.
  map_dma("map-v2m-doorbell", cfd, buf, 0x8020000, 0x1000);
  map_dma("map-its-doorbell", cfd, buf, 0x8090000, 0x1000);
  unmap_dma("unmap-cut", cfd, 0x104000, 0x1000);
  if (v1) {
    // A second mapping right after the first; then a range from inside the first (nothing goes)
    // and one from the first's start into the second (both go, whole).
    map_dma("map-next", cfd, buf, 0x110000, 0x10000);
    unmap_dma("unmap-from-inside", cfd, 0x108000, 0x10000);
    unmap_dma("unmap-into-next", cfd, 0x100000, 0x11000);
    unmap_dma("unmap-gone", cfd, 0x110000, 0x10000);
  }
  unmap_dma("unmap", cfd, 0x100000, 0x10000);

  int dfd = device_fd("device", gfd, bdf);
  device_fd("device-unknown", gfd, "0000:00:1f.7");
  r = ret_of(ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER));
  printf("KT-VFIO id=unset-busy kind=vfio.group_unset_container fd=$group.fd ret=%d\n", r);
  if (dfd >= 0) printf("KT-VFIO id=close-device kind=vfio.close fd=$device.fd ret=%d\n", ret_of(close(dfd)));
  r = ret_of(ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER));
  printf("KT-VFIO id=unset kind=vfio.group_unset_container fd=$group.fd ret=%d\n", r);
  group_status("status-unset", gfd);
  if (release) {
    snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/driver/unbind", bdf);
    printf("KT-VFIO id=release-unbind kind=sysfs.unbind device=%s ret=%d\n", bdf, sysfs_write(path, bdf));
    snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/driver_override", bdf);
    printf("KT-VFIO id=release-override kind=sysfs.driver_override device=%s driver= ret=%d\n", bdf, sysfs_write(path, "\n"));
    printf("KT-VFIO id=release-probe kind=drivers_probe device=%s ret=%d\n", bdf, sysfs_write("/sys/bus/pci/drivers_probe", bdf));
  }
  return 0;
}
