// kdsim calibration: hands one PCI function to vfio-pci and makes a fixed series of VFIO
// type1 calls on it, printing each as a kdsim scenario step with what the kernel returned:
//   KT-VFIO id=<id> kind=<kdsim step kind> <argument>=<value>... ret=<0 or -errno> [out.<field>=<value>]...
// An argument `$<id>.<field>` is an earlier step's output, as in a scenario. mkscenario.js turns
// the lines into the scenario's userspace steps, with `ret` as each step's expectation.
//   vfio-calls BDF [v1] [release]   (run by init.sh for kt.vfio=BDF[,v1][,release])
// With v1 the container gets the v1 type1 backend (VFIO_TYPE1_IOMMU), and the unmaps show its
// rules: a range that starts inside a mapping unmaps nothing; one that reaches into a mapping
// unmaps it whole. With release the function goes back to the host at the end: unbind from
// vfio-pci, clear driver_override, drivers_probe.
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

static const char *bdf;

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

// The group's character device: the one entry of /dev/vfio that is neither the container nor
// the cdev directory (/dev/vfio/N, or /dev/vfio/noiommu-N).
static int group_path(char *out, size_t len) {
  DIR *d = opendir("/dev/vfio");
  struct dirent *e;
  int found = 0;
  if (d == NULL) return 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || strcmp(e->d_name, "vfio") == 0 || strcmp(e->d_name, "devices") == 0) continue;
    snprintf(out, len, "/dev/vfio/%s", e->d_name);
    found = 1;
  }
  closedir(d);
  return found;
}

int main(int argc, char **argv) {
  char path[256], group[300];
  int v1 = 0, release = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "v1") == 0) v1 = 1;
    else if (strcmp(argv[i], "release") == 0) release = 1;
    else argc = 0;
  }
  if (argc < 2) {
    fprintf(stderr, "usage: vfio-calls BDF [v1] [release]\n");
    return 2;
  }
  bdf = argv[1];
  setvbuf(stdout, NULL, _IOLBF, 0);

  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/driver_override", bdf);
  printf("KT-VFIO id=override kind=sysfs.driver_override device=%s driver=vfio-pci ret=%d\n", bdf, sysfs_write(path, "vfio-pci"));
  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/driver/unbind", bdf);
  if (access(path, F_OK) == 0) printf("KT-VFIO id=unbind kind=sysfs.unbind device=%s ret=%d\n", bdf, sysfs_write(path, bdf));
  printf("KT-VFIO id=bind kind=sysfs.bind device=%s driver=vfio-pci ret=%d\n", bdf, sysfs_write("/sys/bus/pci/drivers/vfio-pci/bind", bdf));

  int cfd = open_path("container", "/dev/vfio/vfio");
  if (cfd < 0) return 0;
  check_extension("ext-type1", cfd, "$container.fd", "TYPE1_IOMMU", VFIO_TYPE1_IOMMU);
  check_extension("ext-type1v2", cfd, "$container.fd", "TYPE1v2_IOMMU", VFIO_TYPE1v2_IOMMU);
  check_extension("ext-nesting", cfd, "$container.fd", "TYPE1_NESTING_IOMMU", 6);
  check_extension("ext-noiommu", cfd, "$container.fd", "NOIOMMU_IOMMU", VFIO_NOIOMMU_IOMMU);
  check_extension("ext-cc-unset", cfd, "$container.fd", "DMA_CC_IOMMU", VFIO_DMA_CC_IOMMU);

  if (!group_path(group, sizeof group)) return 0;
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

  void *buf = mmap(NULL, 0x100000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("KT-VFIO id=buf kind=mm.mmap length=0x100000 ret=%d\n", buf == MAP_FAILED ? -errno : 0);
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
