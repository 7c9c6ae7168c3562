// ARGS: --to tc --program drop_short
// KEEP: #define FRAME_HOOK SEC\("tc"\)
// KEEP: return TC_ACT_SHOT;
// DIFFRUN: pass
/* The section through a macro of the project's own that writes only SEC(): the program's head
 * is `FRAME_HOOK int drop_short(...)`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define FRAME_HOOK SEC("xdp")

FRAME_HOOK int drop_short(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + 60 > data_end)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
