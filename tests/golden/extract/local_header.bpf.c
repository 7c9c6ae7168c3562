// ARGS: --function bump
// KEEP: /\* from local/defs.h:[0-9]+ \*/
// KEEP: struct counter \{
// KEEP: #define LIMIT 10
// DROP: #include "local/defs.h"
// DROP: struct not_needed
#include "local/defs.h"

int bump(struct counter *c)
{
	if (c->n < LIMIT)
		c->n++;
	return 0;
}
