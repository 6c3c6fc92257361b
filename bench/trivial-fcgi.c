/*
 * trivial-fcgi.c — the yardstick of bench/rest.sh: a FastCGI responder that
 * answers every request with a fixed small JSON body, doing no work. mtchat's
 * endpoints are measured as a fraction of its rate on the same server.
 */
#include <fcgiapp.h>
#include <string.h>

int
main(void)
{
	static const char reply[] = "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 15\r\n\r\n"
	    "{\"status\":\"ok\"}";
	FCGX_Request r;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(reply, (int)strlen(reply), r.out);
		FCGX_Finish_r(&r);
	}
	return 0;
}
