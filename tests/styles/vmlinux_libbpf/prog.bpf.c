/* Header style: the kernel's BTF as vmlinux.h (bpftool btf dump) and libbpf's headers. */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#define ENTRY_SECTION SEC("xdp")

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_count SEC(".maps");

/* --- the program: the same text in every style --- */
struct eth_hdr {
	__u8 dst[6];
	__u8 src[6];
	__u16 proto;
};

struct ip4_hdr {
	__u8 ver_ihl;
	__u8 tos;
	__u16 len;
	__u16 id;
	__u16 frag;
	__u8 ttl;
	__u8 proto;
	__u16 csum;
	__u32 src;
	__u32 dst;
};

/* The IPv4 protocol of the frame, or -1 when it is not IPv4 (0x0800, little-endian host). */
static __attribute__((__noinline__)) int parse_ipv4(void *data, void *data_end)
{
	struct eth_hdr *eth = data;
	struct ip4_hdr ip;

	if ((void *)(eth + 1) + sizeof(ip) > data_end)
		return -1;
	if (eth->proto != __builtin_bswap16(0x0800))
		return -1;
	__builtin_memcpy(&ip, eth + 1, sizeof(ip));
	if ((ip.ver_ihl >> 4) != 4)
		return -1;
	return ip.proto;
}

ENTRY_SECTION
int count_and_drop_icmp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int proto = parse_ipv4(data, data_end);
	__u32 key;
	__u64 *count;

	if (proto < 0)
		return XDP_PASS;
	key = (__u32)proto;
	count = bpf_map_lookup_elem(&proto_count, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	return proto == 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
