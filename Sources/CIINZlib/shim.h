#include <zlib.h>

/* inflateInit2 is a macro; Swift cannot call macros with arguments. */
static inline int iin_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}

/* Raw deflate (no zlib header), as ZIP entries hold it. */
static inline int iin_deflate_init_raw(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
