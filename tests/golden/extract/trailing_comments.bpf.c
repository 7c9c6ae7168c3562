// ARGS: --function scaled
// KEEP: #define BASE_ADDR\t0x0a000001 /\* 10\.0\.0\.1 \*/\n
// KEEP: int limit = 7; // upper bound\n
// KEEP: #define SHIFT 3 /\* bits \*/\n
// DROP: UNUSED
/* A comment that starts on a declaration's last line, with nothing after it on its line, belongs
 * to the declaration: a macro's text ends at its last token, and test_tc_dtime.c writes
 *   #define ip4_src  __bpf_htonl(0xac100164) followed by the address as a comment. */

#define BASE_ADDR	0x0a000001 /* 10.0.0.1 */
#define UNUSED_MASK 0xff /* not needed */
#define SHIFT 3 /* bits */
int limit = 7; // upper bound

int scaled(int v)
{
	return ((v + BASE_ADDR) << SHIFT) + limit;
}
