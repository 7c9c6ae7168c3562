// ARGS: --function classify
// KEEP: typedef struct flow flow_t;
// KEEP: typedef flow_t flow_alias_t;
// KEEP: struct flow \{
// KEEP: enum proto_kind \{
// KEEP: struct ports \{
// DROP: struct unused_type
// DROP: enum other_enum
/* Typedef chains, enum constants (their whole enum), nested member types; unused types go. */
#include <linux/types.h>

struct ports {
	__u16 src, dst;
};

struct flow {
	__u32 addr;
	struct ports p;
};

typedef struct flow flow_t;
typedef flow_t flow_alias_t;

enum proto_kind { PROTO_TCP = 6, PROTO_UDP = 17 };
enum other_enum { OTHER_A };

struct unused_type {
	int x;
};

int classify(flow_alias_t *f)
{
	return f->p.dst == 53 ? PROTO_UDP : PROTO_TCP;
}
