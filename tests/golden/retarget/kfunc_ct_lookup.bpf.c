// ARGS: --to tc
// KEEP: struct nf_conn \*bpf_skb_ct_lookup\(struct __sk_buff \*, struct bpf_sock_tuple \*, u32,
// KEEP: probe\(\(void \*\)bpf_skb_ct_lookup, ctx\);
// KEEP: bpf_ct_release\(ct\);
// DROP: bpf_xdp_ct_lookup|xdp_md
// DIFFRUN: pass
/* test_bpf_nf.c passes the ctx-bound conntrack kfunc as a function pointer: the reference and the
 * declaration become tc's bpf_skb_ct_lookup; bpf_ct_release is hook-neutral. */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *, struct bpf_sock_tuple *, u32,
				  struct bpf_ct_opts *, u32) __ksym;
void bpf_ct_release(struct nf_conn *) __ksym;

int found = 0;

static __always_inline void probe(struct nf_conn *(*lookup)(void *, struct bpf_sock_tuple *, u32,
							     struct bpf_ct_opts *, u32),
				  void *ctx)
{
	struct bpf_ct_opts opts = { .netns_id = -1, .l4proto = IPPROTO_TCP };
	struct bpf_sock_tuple tuple = {};
	struct nf_conn *ct = lookup(ctx, &tuple, sizeof(tuple.ipv4), &opts, sizeof(opts));

	if (ct) {
		found = 1;
		bpf_ct_release(ct);
	}
}

SEC("xdp")
int ct_probe(struct xdp_md *ctx)
{
	probe((void *)bpf_xdp_ct_lookup, ctx);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
