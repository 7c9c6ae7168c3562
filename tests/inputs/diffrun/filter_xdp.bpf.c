#include "port_filter.h"

SEC("xdp")
int port_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	return should_drop(data, end) ? XDP_DROP : XDP_PASS;
}
