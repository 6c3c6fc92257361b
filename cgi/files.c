/*
 * files.c — attachments on local storage (docs/differences.md N5, S3, S9):
 * presign (C19), the upload it points at, the attachment URL (C20) and
 * downloads.
 *
 * The upload streams its body to a temporary file in MTCHAT_FILES_DIR/tmp
 * (req.c leaves the body of PUT /api/v1/upload/... unread for it), checks
 * the byte count against the signed size, syncs the file and renames it to
 * its key inside the transaction that records it: a refused upload leaves
 * nothing behind, an accepted one is on disk before anyone can attach it.
 * A download answers with the file in pieces (req_write()) or hands the
 * path to the web server (MTCHAT_FILES_SENDFILE).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "err.h"
#include "files.h"
#include "imgsize.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "route.h"
#include "store_files.h"
#include "store_message.h"
#include "tm.h"
#include "transport.h"

#define CHUNK		65536	/* bytes read from the client at once */
#define DIR_MODE	0750
#define FILE_MODE	0640
/* S9: a document that can run nothing, even when opened directly. */
#define SANDBOX_CSP	"default-src 'none'; style-src 'unsafe-inline'; sandbox"

/* Storage not configured: what the reference answers for C19 and C20. */
static bool
storage_missing(struct req *r, const struct app *app)
{
	if (files_enabled(app->files))
		return false;
	log_warnx("%s: MTCHAT_FILES_DIR and MTCHAT_FILES_SECRET are not set",
	    r->path);
	reply_failure(r, MT_EIO);
	return true;
}

/* ---- C19 ------------------------------------------------------------ */

/* The size member: a required integer (422 otherwise). */
static int
body_size(struct req *r, int64_t *size)
{
	json_t *v = json_object_get(r->json, "size");

	if (json_is_integer(v)) {
		*size = json_integer_value(v);
		return 0;
	}
	reply_shape(r, v == NULL ? "missing field `size`" :
	    "size: invalid type, expected i64");
	return -1;
}

/*
 * 400 UNSUPPORTED_FILE_TYPE with the whole allow-list (docs/errors.md#codes).
 */
static void
reply_type_refused(struct req *r, const char *ct)
{
	char msg[2048];
	const char *t;
	size_t n, i;

	n = (size_t)snprintf(msg, sizeof(msg), "File type '%.300s' is not "
	    "allowed. Allowed types: [", ct);
	for (i = 0; (t = attach_type_at(i)) != NULL && n < sizeof(msg); i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s\"%s\"",
		    i > 0 ? ", " : "", t);
	if (n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, "]");
	reply_error(r, 400, "UNSUPPORTED_FILE_TYPE", msg);
}

/* The checks of C19 in the reference's order, then S3. */
static int
presign_checks(struct req *r, struct app *app, const char *dialog,
    const char *ct, int64_t size)
{
	enum msg_result res;
	char msg[128];
	int rc;

	if (!attach_type_allowed(ct)) {
		reply_type_refused(r, ct);
		return -1;
	}
	if (size < 1 || size > app->files->max_size) {
		snprintf(msg, sizeof(msg), "File size must be between 1 byte "
		    "and %ld bytes", app->files->max_size);
		reply_error(r, 400, "FILE_TOO_LARGE", msg);
		return -1;
	}
	rc = store_message_can_post(app->store, dialog, r->user, &res);
	if (rc != 0) {
		reply_failure(r, rc);
		return -1;
	}
	if (res == MSG_NO_DIALOG)
		reply_error(r, 404, "DIALOG_NOT_FOUND", "Dialog not found");
	else if (res == MSG_NOT_PARTICIPANT)
		reply_error(r, 403, "NOT_PARTICIPANT", "Not a participant");
	return res == MSG_OK ? 0 : -1;
}

/* C19 · POST /api/v1/upload/presign */
static void
presign(struct req *r, struct app *app)
{
	struct upload_grant g;
	const char *filename, *ct;
	char dialog[ID_BUF], *url = NULL;
	int64_t size;
	bool present;
	json_t *data;
	int rc;

	if (storage_missing(r, app) || body_object(r) != 0 ||
	    body_uuid(r, "dialog_id", FIELD_REQUIRED, dialog, &present) != 0 ||
	    body_str(r, "filename", FIELD_REQUIRED, &filename) != 0 ||
	    body_str(r, "content_type", FIELD_REQUIRED, &ct) != 0 ||
	    body_size(r, &size) != 0 ||
	    presign_checks(r, app, dialog, ct, size) != 0)
		return;
	memset(&g, 0, sizeof(g));
	if ((rc = files_new_key(dialog, filename, g.key)) != 0) {
		reply_failure(r, rc);
		return;
	}
	/* the allow-list's types and a participant's id fit: checked above */
	snprintf(g.content_type, sizeof(g.content_type), "%s", ct);
	snprintf(g.user, sizeof(g.user), "%s", r->user);
	g.size = size;
	g.expires = tm_now_us() / 1000000 + app->files->upload_ttl;
	if ((rc = files_upload_url(app->files, &g, &url)) != 0) {
		reply_failure(r, rc);
		return;
	}
	data = json_pack("{s:s,s:s,s:I}", "upload_url", url, "s3_key", g.key,
	    "expires_in", (json_int_t)app->files->upload_ttl);
	mt_free(url);
	reply_data(r, data);
}

/* ---- the upload ----------------------------------------------------- */

/* One upload in progress: its temporary file, then its place. */
struct upload {
	const struct files_cfg	*files;
	struct upload_grant	 g;
	char	 tmp[FILES_PATH_MAX];	/* "" once renamed or removed */
	char	 final[FILES_PATH_MAX];
	int	 fd;			/* the temporary file, or -1 */
	bool	 placed;		/* renamed to final */
	int	 width, height;
};

/* mkdir that is fine with an existing directory. */
static int
make_dir(const char *path)
{
	if (mkdir(path, DIR_MODE) == 0 || errno == EEXIST)
		return 0;
	log_warn("%s: mkdir %s", __func__, path);
	return MT_EIO;
}

/* Creates the temporary file in MTCHAT_FILES_DIR/tmp (same file system). */
static int
tmp_open(struct upload *u)
{
	int n;

	n = snprintf(u->tmp, sizeof(u->tmp), "%s/tmp", u->files->dir);
	if (n < 0 || (size_t)n >= sizeof(u->tmp) - 16)
		return MT_EINVAL;
	if (make_dir(u->files->dir) != 0 || make_dir(u->tmp) != 0)
		return MT_EIO;
	memcpy(u->tmp + n, "/up-XXXXXX", sizeof("/up-XXXXXX"));
	if ((u->fd = mkstemp(u->tmp)) < 0) {
		log_warn("%s: mkstemp %s", __func__, u->tmp);
		*u->tmp = '\0';
		return MT_EIO;
	}
	(void)fchmod(u->fd, FILE_MODE);
	return 0;
}

/* Removes what an unsuccessful upload left: its temporary or final file. */
static void
upload_discard(struct upload *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	if (*u->tmp != '\0' && unlink(u->tmp) != 0)
		log_warn("%s: unlink %s", __func__, u->tmp);
	*u->tmp = '\0';
	if (u->placed && unlink(u->final) != 0)
		log_warn("%s: unlink %s", __func__, u->final);
	u->placed = false;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

enum receive_result { RECV_OK, RECV_SHORT, RECV_NOSPACE, RECV_IO };

/* Copies the body, which must be exactly g.size bytes, into the file. */
static enum receive_result
receive(struct req *r, struct upload *u, char *buf)
{
	int64_t got = 0;
	long n;

	while (got < u->g.size) {
		n = req_read(r, buf, u->g.size - got < CHUNK ?
		    (size_t)(u->g.size - got) : CHUNK);
		if (n <= 0)
			return RECV_SHORT;
		if (write_all(u->fd, buf, (size_t)n) != 0) {
			if (errno == ENOSPC || errno == EDQUOT)
				return RECV_NOSPACE;
			log_warn("%s: write %s", __func__, u->tmp);
			return RECV_IO;
		}
		got += n;
	}
	if (fsync(u->fd) != 0) {
		log_warn("%s: fsync %s", __func__, u->tmp);
		return errno == ENOSPC || errno == EDQUOT ? RECV_NOSPACE :
		    RECV_IO;
	}
	return RECV_OK;
}

/* Moves the synced file to its key, inside the recording transaction. */
static int
place(void *arg)
{
	struct upload *u = arg;
	char dir[FILES_PATH_MAX];
	int dfd, rc = 0;

	snprintf(dir, sizeof(dir), "%s/dialogs", u->files->dir);
	if (make_dir(dir) != 0)
		return MT_EIO;
	snprintf(dir, sizeof(dir), "%s/dialogs/%.*s", u->files->dir, ID_LEN,
	    u->g.key + 8);
	if (make_dir(dir) != 0)
		return MT_EIO;
	if (rename(u->tmp, u->final) != 0) {
		log_warn("%s: rename to %s", __func__, u->final);
		return MT_EIO;
	}
	*u->tmp = '\0';
	u->placed = true;
	/* the new name survives a crash once its directory is synced */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(dfd) != 0) {
		log_warn("%s: fsync %s", __func__, dir);
		rc = MT_EIO;
	}
	if (dfd >= 0)
		close(dfd);
	return rc;
}

struct record_call {
	struct upload		*u;
	enum files_result	*res;
};

static int
record_job(struct store *st, void *arg)
{
	struct record_call *c = arg;
	char dialog[ID_BUF];
	struct upload_row row = {
		.s3_key = c->u->g.key, .dialog_id = dialog,
		.user_id = c->u->g.user, .content_type = c->u->g.content_type,
		.size = c->u->g.size, .width = c->u->width,
		.height = c->u->height,
	};

	snprintf(dialog, sizeof(dialog), "%.*s", ID_LEN, c->u->g.key + 8);
	return store_files_record(st, &row, place, c->u, c->res);
}

/* The token, then the headers against the grant: 0, or answered. */
static int
upload_checks(struct req *r, struct app *app, struct upload *u)
{
	const char *tok = r->params[0], *ct = r->content_type;
	enum files_verdict v;
	bool used;
	int rc;

	rc = files_upload_check(app->files, tok, strlen(tok),
	    tm_now_us() / 1000000, &u->g, &v);
	if (rc != 0) {
		reply_failure(r, rc);
		return -1;
	}
	if (v != FILES_OK) {
		reply_error(r, 403, "FORBIDDEN", v == FILES_EXPIRED ?
		    "Upload URL has expired" : "Invalid upload URL");
		return -1;
	}
	if (strcmp(ct != NULL ? ct : "", u->g.content_type) != 0) {
		reply_error(r, 415, "UNSUPPORTED_FILE_TYPE", "Content-Type "
		    "differs from the one the upload URL was made for");
		return -1;
	}
	if (r->content_length < 0) {
		reply_error(r, 411, "LENGTH_REQUIRED",
		    "Content-Length required");
		return -1;
	}
	if (r->content_length > u->g.size ||
	    r->content_length > app->files->max_size) {
		reply_error(r, 413, "FILE_TOO_LARGE", "File is larger than "
		    "the size the upload URL was made for");
		return -1;
	}
	if (r->content_length != u->g.size) {
		reply_error(r, 400, "BAD_REQUEST", "File is smaller than the "
		    "size the upload URL was made for");
		return -1;
	}
	if ((rc = store_files_uploaded(app->store, u->g.key, &used)) != 0 ||
	    (rc = files_path(app->files, u->g.key, u->final,
	    sizeof(u->final))) != 0) {
		reply_failure(r, rc);
		return -1;
	}
	if (used) {
		reply_error(r, 409, "CONFLICT", "Upload URL already used");
		return -1;
	}
	return 0;
}

/* Receives the body into u's temporary file: 0, or answered. */
static int
upload_receive(struct req *r, struct upload *u)
{
	enum receive_result rr;
	char *buf;

	if (tmp_open(u) != 0) {
		reply_failure(r, MT_EIO);
		return -1;
	}
	if ((buf = mt_malloc(CHUNK)) == NULL) {
		reply_failure(r, MT_ENOMEM);
		return -1;
	}
	rr = receive(r, u, buf);
	mt_free(buf);
	if (rr == RECV_SHORT)
		reply_error(r, 400, "BAD_REQUEST",
		    "Request body shorter than Content-Length");
	else if (rr == RECV_NOSPACE)
		reply_error(r, 507, "INSUFFICIENT_STORAGE",
		    "Not enough storage for this file");
	else if (rr != RECV_OK)
		reply_failure(r, MT_EIO);
	if (rr != RECV_OK)
		return -1;
	if (img_size(u->fd, &u->width, &u->height) != 0)
		u->width = u->height = 0;
	return 0;
}

/* PUT /api/v1/upload/{token} (the upload URL of C19) */
static void
upload(struct req *r, struct app *app)
{
	struct upload u = { .files = app->files, .fd = -1 };
	enum files_result res = FILES_R_OK;
	int rc;

	if (storage_missing(r, app) || upload_checks(r, app, &u) != 0 ||
	    upload_receive(r, &u) != 0)
		goto out;
	close(u.fd);
	u.fd = -1;
	rc = app_run(app, record_job, &(struct record_call){ &u, &res });
	if (rc != 0)
		reply_failure(r, rc);
	else if (res == FILES_R_USED)
		reply_error(r, 409, "CONFLICT", "Upload URL already used");
	else {
		log_info("upload %s: %" PRId64 " bytes", u.g.key, u.g.size);
		u.placed = false;	/* recorded: keep it */
		reply_empty(r, 200);
	}
out:
	upload_discard(&u);
}

/* ---- C20 ------------------------------------------------------------ */

/* C20 · GET /api/v1/attachments/{attachment_id}/url */
static void
attachment_url(struct req *r, struct app *app)
{
	enum files_result res;
	struct att_file a;
	struct download_link dl;
	int rc;

	if (storage_missing(r, app))
		return;
	rc = store_files_attachment(app->store, r->ids[0], r->user, &a, &res);
	if (rc != 0) {
		reply_failure(r, rc);
		return;
	}
	if (res == FILES_R_NOT_FOUND) {
		reply_error(r, 404, "ATTACHMENT_NOT_FOUND",
		    "Attachment not found");
		return;
	}
	if (res == FILES_R_NOT_PARTICIPANT) {
		reply_error(r, 403, "FORBIDDEN", "Not a participant");
		return;
	}
	if ((rc = files_download_url(app->files, a.id, tm_now_us() / 1000000,
	    &dl)) != 0) {
		reply_failure(r, rc);
		return;
	}
	reply_data(r, json_pack("{s:s,s:n,s:i}", "url", dl.url,
	    "thumbnail_url", "expires_in", (int)dl.expires_in));
}

/* ---- downloads ------------------------------------------------------ */

/*
 * The signature and expiry of the URL: 0 with *left the seconds it has
 * yet to live, or answered.
 */
static int
download_checks(struct req *r, struct app *app, int64_t now, long *left)
{
	char *expires = NULL, *sig = NULL;
	enum files_verdict v = FILES_FORGED;

	if (q_str(r, "expires", &expires) < 0 ||
	    q_str(r, "signature", &sig) < 0) {
		mt_free(expires);
		return -1;
	}
	if (expires != NULL && sig != NULL)
		v = files_download_check(app->files, r->ids[0], expires, sig,
		    now);
	if (v == FILES_OK)	/* a number, or it would not have passed */
		*left = (long)(strtoll(expires, NULL, 10) - now);
	mt_free(expires);
	mt_free(sig);
	if (v == FILES_OK)
		return 0;
	reply_error(r, 403, "FORBIDDEN", v == FILES_EXPIRED ?
	    "Download URL has expired" : "Invalid download URL");
	return -1;
}

/* S9's headers, and caching for as long as the URL lives. */
static void
download_headers(struct req *r, const struct att_file *a, long max_age)
{
	char disp[FILES_DISP_MAX], line[64];

	reply_header(r, "Content-Type", *a->content_type != '\0' ?
	    a->content_type : "application/octet-stream");
	files_disposition(a->filename, a->content_type, disp, sizeof(disp));
	reply_header(r, "Content-Disposition", disp);
	reply_header(r, "X-Content-Type-Options", "nosniff");
	reply_header(r, "Content-Security-Policy", SANDBOX_CSP);
	snprintf(line, sizeof(line), "private, max-age=%ld", max_age);
	reply_header(r, "Cache-Control", line);
	snprintf(line, sizeof(line), "\"%s\"", a->id);
	reply_header(r, "ETag", line);
	reply_header(r, "Accept-Ranges", "bytes");
}

/* The web server sends the file (MTCHAT_FILES_SENDFILE). */
static void
download_offload(struct req *r, const struct files_cfg *f,
    const struct att_file *a, const char *path)
{
	char uri[sizeof(a->s3_key) + 16];

	if (strcmp(f->sendfile, "X-Accel-Redirect") == 0) {
		snprintf(uri, sizeof(uri), "/mtchat-files/%s", a->s3_key);
		reply_header(r, f->sendfile, uri);
	} else
		reply_header(r, f->sendfile, path);
	reply_empty(r, 200);
}

/* The whole file, or the one range asked for (and still current). */
static void
download_body(struct req *r, int fd, int64_t size, const char *etag)
{
	const char *if_range = r->io->getenv(r->io->ctx, "HTTP_IF_RANGE");
	int64_t start = 0, len = size;
	enum files_range k = RANGE_ALL;
	char line[96];

	if (if_range == NULL || strcmp(if_range, etag) == 0)
		k = files_range(r->range, size, &start, &len);
	if (k == RANGE_BAD) {
		close(fd);
		snprintf(line, sizeof(line), "bytes */%" PRId64, size);
		reply_header(r, "Content-Range", line);
		reply_empty(r, 416);
		return;
	}
	if (k == RANGE_PART) {
		snprintf(line, sizeof(line), "bytes %" PRId64 "-%" PRId64
		    "/%" PRId64, start, start + len - 1, size);
		reply_header(r, "Content-Range", line);
	}
	reply_file(r, k == RANGE_PART ? 206 : 200, fd, start, len);
}

/* GET and HEAD /api/v1/files/{id} (the download URLs of C20) */
static void
download(struct req *r, struct app *app)
{
	const struct files_cfg *f = app->files;
	int64_t now = tm_now_us() / 1000000;
	char path[FILES_PATH_MAX], etag[ID_BUF + 2];
	enum files_result res;
	struct att_file a;
	struct stat sb;
	long left;
	int fd, rc;

	if (storage_missing(r, app) || download_checks(r, app, now, &left) != 0)
		return;
	rc = store_files_attachment(app->store, r->ids[0], NULL, &a, &res);
	if (rc != 0) {
		reply_failure(r, rc);
		return;
	}
	if (res != FILES_R_OK || files_path(f, a.s3_key, path,
	    sizeof(path)) != 0 || (fd = open(path, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		if (res == FILES_R_OK)	/* a row without its file */
			log_warnx("%s: attachment %s: no file for %s",
			    __func__, a.id, a.s3_key);
		reply_error(r, 404, "ATTACHMENT_NOT_FOUND",
		    "Attachment not found");
		return;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 1) {
		close(fd);
		reply_failure(r, MT_EIO);
		return;
	}
	download_headers(r, &a, left);
	if (f->sendfile != NULL) {
		close(fd);
		download_offload(r, f, &a, path);
		return;
	}
	snprintf(etag, sizeof(etag), "\"%s\"", a.id);
	download_body(r, fd, (int64_t)sb.st_size, etag);
}

const struct route file_routes[] = {
	/* S3: C19 and C20 need a participant of the dialog */
	{ "POST", "/api/v1/upload/presign", presign, AUTH_USER,
	  SCOPE_IGNORED, true },
	/* the signed URL is the credential, as with S3 */
	{ "PUT", "/api/v1/upload/{s}", upload, AUTH_NONE, SCOPE_IGNORED,
	  false },
	{ "GET", "/api/v1/attachments/{id}/url", attachment_url, AUTH_USER,
	  SCOPE_IGNORED, false },
	{ "GET", "/api/v1/files/{id}", download, AUTH_NONE, SCOPE_IGNORED,
	  false },
	{ "HEAD", "/api/v1/files/{id}", download, AUTH_NONE, SCOPE_IGNORED,
	  false },
	{ NULL, NULL, NULL, AUTH_NONE, SCOPE_IGNORED, false }
};
