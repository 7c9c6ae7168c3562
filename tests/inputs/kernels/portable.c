// Counts IPv4 frames in an array map: nothing here is newer than kernel 5.x.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} bpfcarve_t_count SEC(".maps");

SEC("xdp")
int bpfcarve_t_portable(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  __u32 key = 0;
  __u64 *n;

  if ((void *)(eth + 1) > end)
    return XDP_PASS;
  if (eth->h_proto != bpf_htons(ETH_P_IP))
    return XDP_PASS;
  n = bpf_map_lookup_elem(&bpfcarve_t_count, &key);
  if (n)
    __sync_fetch_and_add(n, 1);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
