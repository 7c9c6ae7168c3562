// ARGS: --to tc
// KEEP: #ifndef BPFCARVE_DECL_TC_ACT_SHOT\n#define BPFCARVE_DECL_TC_ACT_SHOT\n#define TC_ACT_SHOT 2\n#endif
// KEEP: return TC_ACT_SHOT;
// DROP: pkt_cls\.h
// DIFFRUN: pass
/* vmlinux.h has no TC_ACT_* macros, and <linux/pkt_cls.h> beside it clashes (UAPI typedefs
 * twice): the codes are defined, guarded. */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

int seen = 0;

SEC("xdp")
int count_and_drop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + 54 <= data_end) /* frames tc cannot test-run are shorter */
		seen++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
