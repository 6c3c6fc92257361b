/*
 * files.h — attachments on local storage (docs/differences.md N5, S9): object
 * keys, the HMAC-signed, expiring upload and download URLs, where a key lives
 * on disk, and what a download answers with (Content-Disposition, Range).
 * Nothing here touches the database or the network.
 */
#ifndef MT_FILES_H
#define MT_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id.h"

struct cfg;

#define FILES_EXT_MAX	16	/* extension kept in a key, characters */
#define FILES_KEY_MAX	(8 + ID_LEN + 1 + ID_LEN + 1 + FILES_EXT_MAX + 1)
#define FILES_TYPE_MAX	100	/* content_type, bytes (the column's limit) */
#define FILES_USER_MAX	255
#define FILES_TOKEN_MAX	2048	/* longest upload token looked at */
#define FILES_URL_MAX	(FILES_TOKEN_MAX + 256)
#define FILES_PATH_MAX	4096
#define FILES_DISP_MAX	1200	/* a Content-Disposition value */

/* The storage settings, pointing into a struct cfg that outlives them. */
struct files_cfg {
	const char	*dir;		/* MTCHAT_FILES_DIR; NULL: no storage */
	const char	*secret;	/* MTCHAT_FILES_SECRET */
	const char	*base;		/* MTCHAT_PUBLIC_URL, or "" */
	size_t		 base_len;	/* without a trailing '/' */
	long		 upload_ttl;	/* S3_PRESIGN_UPLOAD_EXPIRY */
	long		 download_ttl;	/* S3_PRESIGN_DOWNLOAD_EXPIRY */
	long		 max_size;	/* MTCHAT_FILES_MAX_SIZE */
	const char	*sendfile;	/* offload header name, NULL: none */
};

/* Fills *f from c (which must outlive it). */
void	 files_cfg_init(struct files_cfg *f, const struct cfg *c);
/* Whether local storage is configured (directory and secret). */
bool	 files_enabled(const struct files_cfg *f);

/*
 * A new key for a file of dialog_id (canonical): "dialogs/<dialog_id>/
 * <new UUIDv7>.<ext>", ext being filename's part after its last '.' (the
 * whole name without one) when that is 1 to FILES_EXT_MAX ASCII letters
 * and digits, else "bin". 0 or MT_EIO (no randomness).
 */
int	 files_new_key(const char *dialog_id, const char *filename,
	    char key[FILES_KEY_MAX]);
/* Whether key has exactly the shape files_new_key() makes. */
bool	 files_key_valid(const char *key);

/* What an upload URL allows: one PUT of size bytes of content_type. */
struct upload_grant {
	char	 key[FILES_KEY_MAX];
	char	 content_type[FILES_TYPE_MAX + 1];
	char	 user[FILES_USER_MAX + 1];	/* who asked for it */
	int64_t	 size;
	int64_t	 expires;			/* Unix seconds */
};

enum files_verdict {
	FILES_OK,
	FILES_FORGED,		/* malformed, or not signed by our secret */
	FILES_EXPIRED,		/* signed by us, too late */
};

/*
 * The upload URL of g: base "/api/v1/upload/" token, the token being
 * base64url(JSON of g) "." base64url(HMAC-SHA256). *url is freed with
 * mt_free(). 0, MT_EINVAL (g does not fit) or MT_ENOMEM.
 */
int	 files_upload_url(const struct files_cfg *f,
	    const struct upload_grant *g, char **url);
/*
 * Checks the len bytes of an upload token at now (Unix seconds): the
 * signature first (constant time), then the contents and the expiry. On
 * FILES_OK *g holds the grant. 0, or MT_ENOMEM.
 */
int	 files_upload_check(const struct files_cfg *f, const char *token,
	    size_t len, int64_t now, struct upload_grant *g,
	    enum files_verdict *v);

/* A signed download URL and how long it stays valid. */
struct download_link {
	char	 url[FILES_URL_MAX];
	long	 expires_in;		/* seconds from now */
};

/*
 * The download URL of attachment att_id into out->url: base
 * "/api/v1/files/" att_id "?expires=" E "&signature=" S. E is now +
 * download_ttl rounded up to a quarter of the lifetime, so that URLs made
 * close together are the same (browsers cache them); out->expires_in gets
 * E - now. 0, or MT_EINVAL when the URL does not fit.
 */
int	 files_download_url(const struct files_cfg *f, const char *att_id,
	    int64_t now, struct download_link *out);
/* Checks the expires and signature query values of a download URL. */
enum files_verdict files_download_check(const struct files_cfg *f,
	    const char *att_id, const char *expires, const char *signature,
	    int64_t now);

/* dir "/" key into buf: 0, or MT_EINVAL (bad key, buf too small). */
int	 files_path(const struct files_cfg *f, const char *key, char *buf,
	    size_t len);

/* S9: whether a download of type ct may show inline (images but SVG). */
bool	 files_inline(const char *ct);
/*
 * The Content-Disposition value of a download (RFC 6266): inline or
 * attachment by files_inline(ct); filename="..." with an ASCII stand-in
 * for anything that is not plain printable ASCII, and then
 * filename*=UTF-8''<percent-encoded name> (RFC 5987) when that differs.
 * buf holds at least FILES_DISP_MAX bytes.
 */
void	 files_disposition(const char *filename, const char *ct, char *buf,
	    size_t len);

enum files_range {
	RANGE_ALL,		/* no usable Range header: the whole file */
	RANGE_PART,		/* one satisfiable range: 206 */
	RANGE_BAD,		/* a range past the end: 416 */
};
/*
 * A Range header (RFC 9110 §14) against a file of size bytes (> 0): one
 * byte range "a-b", "a-" or "-n" gives *start and *len; several ranges,
 * another unit or a malformed value are ignored (RANGE_ALL).
 */
enum files_range files_range(const char *hdr, int64_t size, int64_t *start,
	    int64_t *len);

#endif
