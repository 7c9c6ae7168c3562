// ARGS: --function field_end
// KEEP: #ifdef offsetof\n(/\* from [^\n]* \*/\n)?#undef offsetof\n(\n)?#define offsetof\(type, member\) __builtin_offsetof\(type, member\)\n#endif
/* A project macro that replaces a system one: the #undef before the #define is kept with it,
 * or the kept #define would redefine bpf_helpers.h's offsetof. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifdef offsetof
#undef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif

struct rec {
	__u32 a;
	__u64 b;
};

static __always_inline __u32 field_end(void)
{
	return offsetof(struct rec, b) + sizeof(__u64);
}

char LICENSE[] SEC("license") = "GPL";
