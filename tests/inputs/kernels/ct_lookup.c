// An XDP program looking a flow up in the connection tracker through nf_conntrack's kfuncs.
// They live in a module: a kernel whose nf_conntrack is not loaded yet still has them.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *ctx, struct bpf_sock_tuple *tuple,
                                  __u32 tuple_len, struct bpf_ct_opts *opts,
                                  __u32 opts_len) __ksym;
void bpf_ct_release(struct nf_conn *ct) __ksym;

SEC("xdp")
int bpfcarve_t_ct(struct xdp_md *ctx) {
  struct bpf_ct_opts opts = {.netns_id = -1, .l4proto = IPPROTO_TCP};
  struct bpf_sock_tuple tuple = {};
  struct nf_conn *ct;

  ct = bpf_xdp_ct_lookup(ctx, &tuple, sizeof(tuple.ipv4), &opts, sizeof(opts));
  if (!ct)
    return XDP_PASS;
  bpf_ct_release(ct);
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
