// ARGS: --function bump --keep-local-includes
// KEEP: #include "local/defs.h"
// DROP: struct counter \{
#include "local/defs.h"

int bump(struct counter *c)
{
	if (c->n < LIMIT)
		c->n++;
	return 0;
}
