/* A naive port that kept XDP's return codes: XDP_PASS (2) is TC_ACT_SHOT at TC, so every
 * passing packet is dropped. The verifier accepts it; only a differential run shows it. */
#include "port_filter.h"

SEC("tc")
int port_filter(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	return should_drop(data, end) ? XDP_DROP : XDP_PASS;
}
