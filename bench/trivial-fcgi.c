/*
 * trivial-fcgi.c — the yardstick of bench/rest.sh: a FastCGI responder that
 * answers every request with a fixed small JSON body, doing no work. mtchat's
 * endpoints are measured as a fraction of its rate on the same server.
 * With ?bytes=N (at most 1 MiB) the body is a JSON string padded to N bytes:
 * what moving a response of that size costs the server and the client alone.
 */
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY	(1024 * 1024)

static const char small[] = "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 15\r\n\r\n"
    "{\"status\":\"ok\"}";

/* The body size asked for by ?bytes=N, or 0. */
static size_t
asked_bytes(FCGX_ParamArray env)
{
	const char *q = FCGX_GetParam("QUERY_STRING", env);
	unsigned long n;

	if (q == NULL || strncmp(q, "bytes=", 6) != 0)
		return 0;
	n = strtoul(q + 6, NULL, 10);
	return n < 2 ? 0 : n > MAX_BODY ? MAX_BODY : (size_t)n;
}

/* "N" padded with spaces inside the quotes: a JSON string of n bytes. */
static void
put_padded(FCGX_Stream *out, size_t n)
{
	static char pad[MAX_BODY];
	char head[128];
	int len;

	if (pad[0] == '\0') {
		memset(pad, ' ', sizeof(pad));
		pad[0] = '"';
	}
	/* FCGX_FPrintF() knows no %zu */
	len = snprintf(head, sizeof(head), "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	    n);
	FCGX_PutStr(head, len, out);
	FCGX_PutStr(pad, (int)(n - 1), out);
	FCGX_PutChar('"', out);
}

int
main(void)
{
	FCGX_Request r;
	size_t n;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		if ((n = asked_bytes(r.envp)) > 0)
			put_padded(r.out, n);
		else
			FCGX_PutStr(small, (int)strlen(small), r.out);
		FCGX_Finish_r(&r);
	}
	return 0;
}
