// ARGS: --to xdp
// REFUSE: refuse_ld_abs.bpf.c:13:9: error: cannot retarget 'first_byte' to xdp: load_byte: compiles to a BPF_LD_ABS/BPF_LD_IND packet load .*; xdp programs cannot contain it$
/* bpf_legacy.h's load_byte() is `asm("llvm.bpf.load.byte")`: an LD_ABS instruction, skb only. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

SEC("tc")
int first_byte(struct __sk_buff *skb)
{
	return load_byte(skb, 0) & 1 ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
