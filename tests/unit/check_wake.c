/*
 * check_wake.c — unit tests of lib/wake.c: the best-effort wake-up datagram
 * from writers to the bridge (and mtchat-hooks), both ends, on real Unix
 * sockets in a scratch directory.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "mem.h"
#include "testutil.h"
#include "wake.h"

static char sock[PATH_MAX];	/* tu_dir/bridge.sock */

static void
setup(void)
{
	tu_setup();
	tu_path(sock, tu_dir, "bridge.sock");
}

/* A path of exactly len bytes inside tu_dir. */
static void
path_of_len(char *buf, size_t len)
{
	size_t dl = strlen(tu_dir);

	ck_assert_uint_lt(dl + 2, len);
	ck_assert_uint_lt(len, PATH_MAX);
	memcpy(buf, tu_dir, dl);
	buf[dl] = '/';
	memset(buf + dl + 1, 's', len - dl - 1);
	buf[len] = '\0';
}

/* Sends raw bytes to the socket at path, as a foreign writer would. */
static void
send_raw(const char *path, const char *bytes, size_t len)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	ck_assert_int_eq(sendto(fd, bytes, len, 0, (struct sockaddr *)&sun,
	    sizeof(sun)), (ssize_t)len);
	close(fd);
}

START_TEST(wake_send_drain_count_and_max_seq)
{
	int fd = wake_listen(sock), n;
	struct wake *w = wake_open(sock);
	int64_t seq = 0;

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(w);
	wake_send(w, 5);
	wake_send(w, 3);
	wake_send(w, INT64_C(9000000000));	/* beyond 32 bits */
	wake_send(w, 1);
	n = wake_drain(fd, &seq);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(seq, INT64_C(9000000000));
	/* Nothing pending: 0 and seq left alone. */
	ck_assert_int_eq(wake_drain(fd, &seq), 0);
	ck_assert_int_eq(seq, INT64_C(9000000000));
	wake_close(w);
	close(fd);
}
END_TEST

/* One handle for the bridge and mtchat-hooks: each socket gets each seq. */
START_TEST(wake_open_all_reaches_every_socket)
{
	char hooks[PATH_MAX];
	const char *paths[] = { sock, NULL, "", hooks };
	int a, b;
	struct wake *w;
	int64_t sa = 0, sb = 0;

	tu_path(hooks, tu_dir, "hooks.sock");
	a = wake_listen(sock);
	b = wake_listen(hooks);
	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	ck_assert_ptr_nonnull(w = wake_open_all(paths, 4));
	wake_send(w, 41);
	wake_send(w, 42);
	ck_assert_int_eq(wake_drain(a, &sa), 2);
	ck_assert_int_eq(wake_drain(b, &sb), 2);
	ck_assert_int_eq(sa, 42);
	ck_assert_int_eq(sb, 42);
	wake_close(w);
	/* One of them gone: the other still hears. */
	close(b);
	unlink(hooks);
	ck_assert_ptr_nonnull(w = wake_open_all(paths, 4));
	wake_send(w, 43);
	ck_assert_int_eq(wake_drain(a, &sa), 1);
	ck_assert_int_eq(sa, 43);
	wake_close(w);
	/* None usable: no handle. */
	ck_assert_ptr_null(wake_open_all(paths + 1, 2));
	close(a);
}
END_TEST

START_TEST(wake_drain_keeps_higher_seq)
{
	int fd = wake_listen(sock);
	struct wake *w = wake_open(sock);
	int64_t seq = 100;

	wake_send(w, 7);
	wake_send(w, 99);
	ck_assert_int_eq(wake_drain(fd, &seq), 2);
	ck_assert_int_eq(seq, 100);	/* only ever moves up */
	wake_close(w);
	close(fd);
}
END_TEST

START_TEST(wake_drain_ignores_garbage)
{
	int fd = wake_listen(sock);
	int64_t seq = 0;
	char big[200];

	ck_assert_int_ge(fd, 0);
	send_raw(sock, "12", 2);
	send_raw(sock, "99x", 3);
	send_raw(sock, "", 0);
	send_raw(sock, "5\0" "77", 4);
	memset(big, '9', sizeof(big));	/* truncated on receipt */
	send_raw(sock, big, sizeof(big));
	send_raw(sock, "-4", 2);
	/* Every datagram counts as a wake-up; only clean numbers move seq. */
	ck_assert_int_eq(wake_drain(fd, &seq), 6);
	ck_assert_int_eq(seq, 12);
	close(fd);
}
END_TEST

START_TEST(wake_send_to_missing_socket_is_silent)
{
	struct wake *w = wake_open(sock);	/* nobody listens */

	ck_assert_ptr_nonnull(w);
	errno = 0;
	wake_send(w, 1);
	wake_send(w, 2);
	wake_close(w);
	ck_assert(!tu_exists(sock));
}
END_TEST

START_TEST(wake_send_to_stale_socket_is_silent)
{
	int fd = wake_listen(sock);
	struct wake *w = wake_open(sock);

	close(fd);	/* the bridge died; its socket file remains */
	ck_assert(tu_exists(sock));
	wake_send(w, 1);	/* ECONNREFUSED, ignored */
	wake_close(w);
}
END_TEST

START_TEST(wake_send_to_full_socket_does_not_block)
{
	int fd = wake_listen(sock), i, n;
	struct wake *w = wake_open(sock);
	int64_t seq = 0;

	/* Far more than the receive queue holds: the extra ones are lost. */
	for (i = 1; i <= 20000; i++)
		wake_send(w, i);
	n = wake_drain(fd, &seq);
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, 20000);
	ck_assert_int_eq(seq, n);	/* the first n arrived, in order */
	/* Once drained the socket takes datagrams again. */
	wake_send(w, 20001);
	ck_assert_int_eq(wake_drain(fd, &seq), 1);
	ck_assert_int_eq(seq, 20001);
	wake_close(w);
	close(fd);
}
END_TEST

START_TEST(wake_null_and_empty_are_harmless)
{
	wake_send(NULL, 1);
	wake_close(NULL);
	ck_assert_ptr_null(wake_open(NULL));
	ck_assert_ptr_null(wake_open(""));
	errno = 0;
	ck_assert_int_eq(wake_listen(""), -1);
	ck_assert_int_ne(errno, 0);
}
END_TEST

START_TEST(wake_path_too_long)
{
	char path[PATH_MAX];
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	struct wake *w;
	int fd;

	/* One byte more than sun_path holds with its NUL. */
	path_of_len(path, max + 1);
	ck_assert_ptr_null(wake_open(path));
	errno = 0;
	ck_assert_int_eq(wake_listen(path), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	ck_assert(!tu_exists(path));
	path_of_len(path, 300);
	ck_assert_ptr_null(wake_open(path));
	ck_assert_int_eq(wake_listen(path), -1);
	/* The longest path that fits works. */
	path_of_len(path, max);
	fd = wake_listen(path);
	ck_assert_int_ge(fd, 0);
	w = wake_open(path);
	ck_assert_ptr_nonnull(w);
	wake_send(w, 3);
	{
		int64_t seq = 0;

		ck_assert_int_eq(wake_drain(fd, &seq), 1);
		ck_assert_int_eq(seq, 3);
	}
	wake_close(w);
	close(fd);
}
END_TEST

START_TEST(wake_listen_replaces_stale_socket)
{
	struct sockaddr_un sun;
	struct wake *w;
	int64_t seq = 0;
	int old, fd;

	/* A previous run's socket, bound and gone. */
	old = socket(AF_UNIX, SOCK_DGRAM, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, sock);
	ck_assert_int_eq(bind(old, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(old);
	ck_assert(tu_exists(sock));
	fd = wake_listen(sock);
	ck_assert_int_ge(fd, 0);
	w = wake_open(sock);
	wake_send(w, 42);
	ck_assert_int_eq(wake_drain(fd, &seq), 1);
	ck_assert_int_eq(seq, 42);
	wake_close(w);
	close(fd);
}
END_TEST

START_TEST(wake_listen_keeps_regular_file)
{
	char buf[32];
	FILE *fp;

	/* A misconfigured path must not delete somebody's file. */
	tu_write_file(sock, "precious\n");
	ck_assert_int_eq(wake_listen(sock), -1);
	fp = fopen(sock, "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	ck_assert_str_eq(buf, "precious\n");
}
END_TEST

START_TEST(wake_listen_in_missing_directory)
{
	char path[PATH_MAX];

	tu_path(path, tu_dir, "no/such/dir.sock");
	errno = 0;
	ck_assert_int_eq(wake_listen(path), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(wake_open_out_of_memory)
{
	struct wake *w;

	mem_fail_after(1);
	w = wake_open(sock);
	mem_fail_after(0);
	ck_assert_ptr_null(w);
	wake_send(w, 1);	/* the no-op the header promises */
}
END_TEST

static Suite *
wake_suite(void)
{
	Suite *s = suite_create("wake");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, tu_teardown);
	tcase_add_test(tc, wake_send_drain_count_and_max_seq);
	tcase_add_test(tc, wake_open_all_reaches_every_socket);
	tcase_add_test(tc, wake_drain_keeps_higher_seq);
	tcase_add_test(tc, wake_drain_ignores_garbage);
	tcase_add_test(tc, wake_send_to_missing_socket_is_silent);
	tcase_add_test(tc, wake_send_to_stale_socket_is_silent);
	tcase_add_test(tc, wake_send_to_full_socket_does_not_block);
	tcase_add_test(tc, wake_null_and_empty_are_harmless);
	tcase_add_test(tc, wake_path_too_long);
	tcase_add_test(tc, wake_listen_replaces_stale_socket);
	tcase_add_test(tc, wake_listen_keeps_regular_file);
	tcase_add_test(tc, wake_listen_in_missing_directory);
	tcase_add_test(tc, wake_open_out_of_memory);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(wake_suite());
}
