// An XDP program summing with the open-coded numeric iterator (bpf_iter_num_*, kernel 6.4+):
// kernels without those kfuncs refuse it at load as an unresolved ksym, at the first call.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

SEC("xdp")
int bpfcarve_t_iter(struct xdp_md *ctx) {
  struct bpf_iter_num it;
  int *v, sum = 0;

  bpf_iter_num_new(&it, 0, 8);
  while ((v = bpf_iter_num_next(&it)))
    sum += *v;
  bpf_iter_num_destroy(&it);
  return sum == 28 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
