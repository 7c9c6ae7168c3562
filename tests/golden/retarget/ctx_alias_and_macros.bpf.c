// ARGS: --to tc
// KEEP: struct __sk_buff \*c = ctx;
// KEEP: #define PKT_END\(x\) \(\(void \*\)\(long\)\(x\)->data_end\)
// KEEP: #define VERDICT_OK TC_ACT_OK
// KEEP: \(\(struct __sk_buff \*\)p\)->data
// DROP: xdp_md
// DIFFRUN: pass
/* ctx through a local pointer copy, a cast, and macros: types and codes in macro bodies are
 * rewritten where they are spelled. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#define PKT_END(x) ((void *)(long)(x)->data_end)
#define VERDICT_OK XDP_PASS

static __always_inline int long_enough(void *p)
{
	void *data = (void *)(long)((struct xdp_md *)p)->data;
	return data + sizeof(struct ethhdr) <= PKT_END((struct xdp_md *)p);
}

SEC("xdp")
int aliased(struct xdp_md *ctx)
{
	struct xdp_md *c = ctx;
	if (!long_enough(c))
		return XDP_DROP;
	return VERDICT_OK;
}

char LICENSE[] SEC("license") = "GPL";
