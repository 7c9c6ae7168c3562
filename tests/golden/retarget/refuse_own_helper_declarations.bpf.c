// ARGS: --to tc
// REFUSE: refuse_own_helper_declarations.bpf.c:20:6: error: cannot retarget 'strip' to tc: pop_outer: its rewrite for tc calls libbpf helpers by name, which this file does not declare \(it declares pop_outer itself, not through libbpf's <bpf/bpf_helpers.h>\); bpfcarve does not add helper declarations yet
/* Helpers declared by the file itself, by the enumerators of <linux/bpf.h> and under names of
 * its own, without libbpf's header. They are helpers all the same: the lookup passes at tc (found
 * by its id, not its name), and the head adjustment, whose tc rewrite would call a helper the file
 * does not declare, is refused by name instead of leaving an XDP-only helper in a tc program. */
#include <linux/bpf.h>

#define SECTION(n) __attribute__((section(n), used))
#define DECLARE(RET, NAME, ID, ...) static RET (*NAME)(__VA_ARGS__) = (void *)(ID)

DECLARE(void *, find_entry, BPF_FUNC_map_lookup_elem, void *map, const void *key);
DECLARE(long, pop_outer, BPF_FUNC_xdp_adjust_head, struct xdp_md *ctx, int delta);

SECTION("xdp")
int strip(struct xdp_md *ctx)
{
	if (find_entry(0, 0))
		return XDP_PASS;
	if (pop_outer(ctx, 8))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SECTION("license") = "GPL";
