// A TCP congestion control written as struct_ops: the programs are placed by the
// SEC(".struct_ops") variable at the end, and ssthresh's body calls a helper function of its own.
// A harness for that function must load at ssthresh's member of tcp_congestion_ops.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

static __noinline __u32 halved_window(const struct tcp_sock *tp)
{
	__u32 cwnd = tp->snd_cwnd;

	return cwnd > 4 ? cwnd / 2 : 2;
}

SEC("struct_ops/carve_ssthresh")
__u32 BPF_PROG(carve_ssthresh, struct sock *sk)
{
	return halved_window((const struct tcp_sock *)sk);
}

SEC("struct_ops/carve_undo")
__u32 BPF_PROG(carve_undo, struct sock *sk)
{
	return ((const struct tcp_sock *)sk)->snd_cwnd;
}

SEC("struct_ops/carve_avoid")
void BPF_PROG(carve_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
}

SEC(".struct_ops")
struct tcp_congestion_ops carve_ca = {
	.ssthresh = (void *)carve_ssthresh,
	.undo_cwnd = (void *)carve_undo,
	.cong_avoid = (void *)carve_avoid,
	.name = "bpfcarve_ca",
};
