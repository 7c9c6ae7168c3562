// ARGS: --function port_allowed --harness cgroup/post_bind4
// VERIFY: pass
// KEEP: SEC\("cgroup/post_bind4"\)\nint bpfcarve_harness\(struct bpf_sock \*ctx\)
// KEEP: /\* port_allowed\(min_port\): its callers pass 1024 \*/
// KEEP: bpfcarve_args->r0 = \(__u64\)port_allowed\(ctx, 1024ULL\);
// KEEP: return 1; /\* allow \*/
/* A cgroup/post_bind4 harness: the function reads src_ip4 and src_port of struct bpf_sock, which
 * only the post_bind4 attach type may read; the minimum port is the one its caller passes. It
 * returns a bool, not the verdict, so its result goes to the map and the entry returns allow. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <stdbool.h>

static __noinline bool port_allowed(struct bpf_sock *sk, __u32 min_port)
{
	if (sk->src_ip4 == 0)
		return sk->src_port >= min_port;
	return sk->src_port != 0;
}

SEC("cgroup/post_bind4")
int bind_policy(struct bpf_sock *ctx)
{
	return port_allowed(ctx, 1024) ? 1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
