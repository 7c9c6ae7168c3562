/* A project header: its declarations are copied, not included, unless asked. */
#include <linux/types.h>

#define LIMIT 10

struct counter {
	__u64 n;
};

struct not_needed {
	int z;
};
