// ARGS: --function want_cookie,clamp_window,note_rtt --harness sockops
// VERIFY: pass
// KEEP: SEC\("sockops"\)\nint bpfcarve_harness\(struct bpf_sock_ops \*ctx\)
// KEEP: bpfcarve_args->r0 = \(__u64\)want_cookie\(ctx\);
// KEEP: bpfcarve_args->r1 = \(__u64\)clamp_window\(ctx, bpfcarve_args->p0\);
// KEEP: note_rtt\(ctx, &bpfcarve_args->p1\);
// KEEP: struct rtt_stat p1;
// KEEP: return 1; /\* success \*/
/* A sockops harness: the entry takes struct bpf_sock_ops, which the functions get as ctx (read
 * args[0] and srtt_us, write reply, call a sock_ops helper); their other parameters come from
 * the argument map value. Results are stored there, and the entry returns 1, the only success
 * code of the [0, 1] range the verifier enforces for sock_ops. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct rtt_stat {
	__u32 srtt_us;
	__u32 samples;
};

static __noinline int want_cookie(const struct bpf_sock_ops *skops)
{
	return skops->args[0] == BPF_WRITE_HDR_TCP_SYNACK_COOKIE;
}

static __always_inline int clamp_window(struct bpf_sock_ops *skops, __u32 clamp)
{
	if (skops->op == BPF_SOCK_OPS_RWND_INIT) {
		skops->reply = clamp > 64 ? 64 : clamp;
		return 1;
	}
	bpf_sock_ops_cb_flags_set(skops, BPF_SOCK_OPS_RTT_CB_FLAG);
	return 1;
}

static __noinline void note_rtt(struct bpf_sock_ops *skops, struct rtt_stat *stat)
{
	if (skops->op != BPF_SOCK_OPS_RTT_CB)
		return;
	stat->srtt_us = skops->srtt_us;
	stat->samples++;
}

char LICENSE[] SEC("license") = "GPL";
