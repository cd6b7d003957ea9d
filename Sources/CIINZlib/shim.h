#include <zlib.h>

/* inflateInit2 is a macro; Swift cannot call macros with arguments. */
static inline int iin_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
