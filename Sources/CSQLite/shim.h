#include <sqlite3.h>

/* SQLITE_TRANSIENT is a macro over a cast function pointer, which Swift
 * cannot import; bind through these instead. */
static inline int iin_sqlite_bind_text(sqlite3_stmt *statement, int index, const char *text, int length) {
    return sqlite3_bind_text(statement, index, text, length, SQLITE_TRANSIENT);
}

static inline int iin_sqlite_bind_blob(sqlite3_stmt *statement, int index, const void *bytes, int length) {
    return sqlite3_bind_blob(statement, index, bytes, length, SQLITE_TRANSIENT);
}
