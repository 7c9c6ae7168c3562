// ARGS: --to xdp
// REFUSE: refuse_split_macro_access.bpf.c:17:6: error: cannot retarget 'split' to xdp: skb->len: the access is written partly in a macro's body and partly in its arguments: there is no one text to replace with .*
/* `skb->FIELD` in a macro body with FIELD an argument (as test_pkt_md_access.c's TEST_FIELD):
 * skb->len needs the whole access replaced by an expression, and no one range of the file is the
 * access. Refused, not rewritten over the macro call. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define FIELD_OF(f) (skb->f)

SEC("tc")
int split(struct __sk_buff *skb)
{
	void *data = (void *)(long)FIELD_OF(data);

	if (FIELD_OF(len) < 60 || data == 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
