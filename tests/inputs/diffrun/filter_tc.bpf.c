#include <linux/pkt_cls.h>
#include "port_filter.h"

SEC("tc")
int port_filter(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	return should_drop(data, end) ? TC_ACT_SHOT : TC_ACT_OK;
}
