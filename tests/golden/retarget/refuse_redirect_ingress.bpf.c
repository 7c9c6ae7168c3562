// ARGS: --to xdp
// REFUSE: refuse_redirect_ingress\.bpf\.c:11:9: error: cannot retarget 'bounce_to_ingress' to xdp: bpf_redirect: flags BPF_F_INGRESS: xdp's bpf_redirect only sends a frame out of a device and takes no flags \(BPF_F_INGRESS has no XDP counterpart\)$
/* samples/bpf/tcbpf1_kern.c's redirect_recv: tc puts the packet on a device's ingress with
 * BPF_F_INGRESS. XDP's bpf_redirect only sends a frame out of a device and aborts on any flag. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int bounce_to_ingress(struct __sk_buff *skb)
{
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

char LICENSE[] SEC("license") = "GPL";
