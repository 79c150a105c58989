#ifndef OMI_SOCKET_BATCH_H
#define OMI_SOCKET_BATCH_H

/// Receives up to `count` (≤ 64) datagrams from `fd` without blocking, with one recvmmsg(2) call: datagram i
/// goes to `buffer + i * stride` and its length to `lengths[i]`. Returns how many were received (0 when none
/// were waiting), or -errno. Exists because Swift's Glibc module does not expose recvmmsg (a GNU extension).
int omi_recv_datagrams(int fd, unsigned char *buffer, int stride, int *lengths, int count);

#endif
