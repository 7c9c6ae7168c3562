// ARGS: --function scaled
// KEEP: #define BASE 4
// KEEP: #define DOUBLE\(x\) \(\(x\) \* 2\)
// KEEP: #define SCALE DOUBLE\(BASE\)
// KEEP: #ifndef BASE
// KEEP: #if defined\(FAST_PATH\)
// KEEP: #ifdef WITH_SCALED
// KEEP: #define WITH_SCALED 1
// DROP: UNUSED_MACRO
// DROP: int other
/* Macros used inside macros, macros only tested by #if inside kept code, and the #if around a
 * kept declaration (re-created, with the macro it tests); unused macros go. */

#define WITH_SCALED 1
#ifndef BASE
#define BASE 4
#endif
#define DOUBLE(x) ((x) * 2)
#define SCALE DOUBLE(BASE)
#define UNUSED_MACRO 99

#ifdef WITH_SCALED
int scaled(int v)
{
#if defined(FAST_PATH)
	return v << 3;
#else
	return v * SCALE;
#endif
}
#endif

int other(int v)
{
	return v + UNUSED_MACRO;
}
