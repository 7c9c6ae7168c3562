// ARGS: --function sock_established --harness cgroup_skb/egress
// VERIFY: pass
// KEEP: /\* sock_established\(sk\): its callers pass ctx->sk \*/
// KEEP: sock_established\(\(struct bpf_sock \*\)bpfcarve_c\d+\)
/* `skb->sk` is a member of the anonymous union __bpf_md_ptr declares: the callers' socket,
 * NULL-checked, is another hook's ctx struct only by name; the harness reads it from its own
 * __sk_buff as they do. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

__u64 established_packets;

static __noinline int sock_established(struct bpf_sock *sk)
{
	return sk->state == BPF_TCP_ESTABLISHED;
}

SEC("cgroup_skb/egress")
int count_established(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 1;
	if (sock_established(sk))
		established_packets++;
	return 1;
}
