// ARGS: --to xdp
// KEEP: 	ACCOUNT\(1, \(\(__u32\)\(\(long\)skb->data_end - \(long\)skb->data\)\)\);
// KEEP: #define PKT_LEN\(s\) \(\(\(__u32\)\(\(long\)\(s\)->data_end - \(long\)\(s\)->data\)\)\)
// KEEP: 	COUNT\(2, PKT_LEN\(skb\) \+ 1\);
// KEEP: 	if \(SKB_LEN < 60\)
// KEEP: #define SKB_LEN \(\(\(__u32\)\(\(long\)skb->data_end - \(long\)skb->data\)\)\)
// DROP: ->len
// DIFFRUN: pass --packets gen:ipv4
// DIFFRUN: pass --packets gen:ipv6
// DIFFRUN: pass --packets gen:vlan
// DIFFRUN: pass --packets gen:tunnels
/* skb->len at XDP is an expression over the base, and the edit replaces exactly the access:
 * inside a macro argument passed on to a second macro (ACCOUNT -> COUNT -> add_bytes(...,
 * (bytes))), where the whole macro call is the expansion range; and written in a macro body
 * (PKT_LEN, SKB_LEN), where the body is edited. tc-firewall's fw_count(FW_CNT_NOT_IP, skb->len)
 * is the first case. The frames' lengths add up in bytes_seen: one run per set whose frames both
 * hooks can test-run (a frame only XDP accepts would count on one side only). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} bytes_seen SEC(".maps");

static __always_inline void add_bytes(__u32 key, __u32 bytes)
{
	__u64 *v = bpf_map_lookup_elem(&bytes_seen, &key);

	if (v)
		*v += bytes;
}

#define KEY_OF(k) ((k) & 3)
#define COUNT(key, bytes) add_bytes(KEY_OF(key), (bytes))
#define ACCOUNT(key, bytes) COUNT(key, bytes)
#define PKT_LEN(s) ((s)->len)
#define SKB_LEN (skb->len)

SEC("tc")
int count_len(struct __sk_buff *skb)
{
	ACCOUNT(1, skb->len);
	COUNT(2, PKT_LEN(skb) + 1);
	if (SKB_LEN < 60)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
