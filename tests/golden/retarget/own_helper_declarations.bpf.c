// ARGS: --to tc
// KEEP: DECLARE\(void \*, find_entry, BPF_FUNC_map_lookup_elem, void \*map, const void \*key\);
// KEEP: #ifndef BPFCARVE_DECL_bpf_skb_adjust_room\n#define BPFCARVE_DECL_bpf_skb_adjust_room\nstatic long \(\*bpf_skb_adjust_room\)\(.*\) = \(void \*\) 50;\n#endif
// KEEP: #ifndef BPFCARVE_DECL_bpf_skb_load_bytes\n#define BPFCARVE_DECL_bpf_skb_load_bytes\nstatic long \(\*bpf_skb_load_bytes\)\(.*\) = \(void \*\) 26;\n#endif
// KEEP: #define TC_ACT_OK 0
// KEEP: if \(BPFCARVE_SKB_POP\(ctx, 20\)\)
// DROP: pop_outer\(ctx
// DROP: #define BPF_ADJ_ROOM_MAC
// DIFFRUN: pass --packets gen:tunnels
/* Helpers declared by the file itself, by the enumerators of <linux/bpf.h> and under names of
 * its own, without libbpf's headers. They are helpers all the same: the lookup passes at tc
 * (found by its id, not its name). The head adjustment becomes calls of bpf_skb_load_bytes and
 * bpf_skb_adjust_room, which the file declares under no name: bpfcarve declares them by id,
 * guarded, and the TC_ACT_* codes the file has no header for; the enumerator BPF_ADJ_ROOM_MAC
 * comes from the file's <linux/bpf.h>. */
#include <linux/bpf.h>

#define SECTION(n) __attribute__((section(n), used))
#define DECLARE(RET, NAME, ID, ...) static RET (*NAME)(__VA_ARGS__) = (void *)(ID)

DECLARE(void *, find_entry, BPF_FUNC_map_lookup_elem, void *map, const void *key);
DECLARE(long, pop_outer, BPF_FUNC_xdp_adjust_head, struct xdp_md *ctx, int delta);

struct {
	int (*type)[BPF_MAP_TYPE_ARRAY];
	int (*max_entries)[1];
	__u32 *key;
	__u64 *value;
} decapsulated SECTION(".maps");

struct eth {
	unsigned char dst[6], src[6];
	unsigned short proto;
};

SECTION("xdp")
int strip(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct eth *e = data;
	struct eth saved;
	unsigned char *ip = (unsigned char *)(e + 1);
	__u32 key = 0;
	__u64 *count;

	/* IPv4 (0x0800 in network order), 20-byte header, carrying IPIP (4) */
	if ((void *)(ip + 20) > data_end || e->proto != __builtin_bswap16(0x0800) ||
	    ip[0] != 0x45 || ip[9] != 4)
		return XDP_PASS;
	__builtin_memcpy(&saved, e, sizeof(saved));
	if (pop_outer(ctx, 20))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	e = data;
	if ((void *)(e + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(e, &saved, sizeof(saved));
	count = find_entry(&decapsulated, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	return XDP_PASS;
}

char LICENSE[] SECTION("license") = "GPL";
