#ifndef IIN_SYSTEM_H
#define IIN_SYSTEM_H

/* Linux calls that Swift's Glibc module does not import, and a CPU hint
 * Swift has no spelling for. */

/* Swaps two paths atomically (renameat2 with RENAME_EXCHANGE): 0 on
 * success, else -1 with errno set (EINVAL or ENOSYS where the file system
 * or kernel cannot). */
int iin_rename_exchange(const char *first, const char *second);

/* Renames unless the target exists (RENAME_NOREPLACE): 0, or -1 with
 * errno set (EEXIST, or EINVAL/ENOSYS where unsupported). */
int iin_rename_noreplace(const char *from, const char *to);

/* Catches SIGINT and SIGTERM with one sigaction each, so no signal falls
 * in a gap between two steps: the handler writes the signal's number, as
 * one byte, to fd (a pipe a thread reads). 0 on success. */
int iin_catch_signals(int fd);

/* Copies up to length bytes from in_fd to out_fd at their file offsets
 * inside the kernel (copy_file_range): the bytes copied, or -1 with errno
 * set. */
long iin_copy_file_range(int in_fd, int out_fd, unsigned long length);

/* Asks the CPU to start loading the cache line at address for a write:
 * a hash table far larger than any cache costs one miss per probe, and
 * issuing the next probes' loads early overlaps them. Inline, so Swift
 * compiles it to the one instruction. */
static inline void iin_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 0);
}

#endif
