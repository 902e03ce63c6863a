// SPDX-License-Identifier: GPL-2.0
/*
 * Harrier kmod: socket endpoints of a file descriptor for SOCKTUPLE parameters
 * (net.rs). Socket fields are read without the socket lock (lock_sock() may sleep and we
 * run in a probe with preemption disabled): a value may be stale, never unsafe.
 */
#include <linux/file.h>
#include <linux/hash.h>
#include <linux/in.h>
#include <linux/net.h>
#include <linux/string.h>
#include <linux/un.h>
#include <net/af_unix.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include "glue.h"

static void harrier_unix_path(struct sock *sk, char *dst)
{
	struct unix_address *addr = sk ? READ_ONCE(unix_sk(sk)->addr) : NULL;
	int n;

	if (!addr)
		return;
	n = addr->len - (int)offsetof(struct sockaddr_un, sun_path);
	if (n <= 0)
		return;
	if (n > 107)
		n = 107;
	memcpy(dst, addr->name->sun_path, n);
	if (dst[0] == 0) /* abstract socket: shown as @name */
		dst[0] = '@';
	dst[n] = 0;
}

/* Fills `out` for socket `fd` of the current task; 0, or -1 when fd is not a socket. */
int harrier_fd_sock(int fd, struct harrier_sock_info *out)
{
	struct socket *sock;
	struct sock *sk;
	int err;

	memset(out, 0, sizeof(*out));
	sock = sockfd_lookup(fd, &err);
	if (!sock)
		return -1;
	sk = sock->sk;
	if (!sk) {
		sockfd_put(sock);
		return -1;
	}
	out->family = sk->sk_family;
	out->ack_backlog = READ_ONCE(sk->sk_ack_backlog);
	out->max_ack_backlog = READ_ONCE(sk->sk_max_ack_backlog);
	switch (sk->sk_family) {
	case AF_INET: {
		struct inet_sock *inet = inet_sk(sk);
		__be32 saddr = READ_ONCE(inet->inet_saddr);

		if (!saddr)
			saddr = READ_ONCE(inet->inet_rcv_saddr);
		memcpy(out->laddr, &saddr, 4);
		memcpy(out->raddr, &inet->inet_daddr, 4);
		out->lport = ntohs(READ_ONCE(inet->inet_sport));
		out->rport = ntohs(READ_ONCE(inet->inet_dport));
		break;
	}
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6: {
		struct inet_sock *inet = inet_sk(sk);

		memcpy(out->laddr, &sk->sk_v6_rcv_saddr, 16);
		memcpy(out->raddr, &sk->sk_v6_daddr, 16);
		out->lport = ntohs(READ_ONCE(inet->inet_sport));
		out->rport = ntohs(READ_ONCE(inet->inet_dport));
		break;
	}
#endif
	case AF_UNIX: {
		struct sock *peer;

		/* the peer is pinned under the state spinlock (a datagram reconnect may drop
		 * the old one), then read unlocked */
		unix_state_lock(sk);
		peer = unix_sk(sk)->peer;
		if (peer)
			sock_hold(peer);
		unix_state_unlock(sk);
		/* identities, not addresses: kernel pointers are not handed out */
		out->lptr = hash_64((u64)(unsigned long)sk, 64);
		out->rptr = peer ? hash_64((u64)(unsigned long)peer, 64) : 0;
		harrier_unix_path(peer, out->unix_path);
		if (!out->unix_path[0])
			harrier_unix_path(sk, out->unix_path);
		if (peer)
			sock_put(peer);
		break;
	}
	default:
		break;
	}
	sockfd_put(sock);
	return 0;
}
