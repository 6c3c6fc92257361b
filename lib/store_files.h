/*
 * store_files.h — the statements of local attachment storage
 * (docs/differences.md N5): recording an upload, finding an attachment for C20
 * and downloads, and the uploads `mtchat-admin files gc` may remove
 * (sql/0006-files.sql).
 *
 * Every function returns 0 or an MT_E* code for failures of the database;
 * what the request ran into is reported through *res.
 */
#ifndef MT_STORE_FILES_H
#define MT_STORE_FILES_H

#include <stdbool.h>
#include <stdint.h>

#include "attach.h"
#include "files.h"
#include "id.h"

struct store;

enum files_result {
	FILES_R_OK,
	FILES_R_USED,		/* the key was uploaded already */
	FILES_R_NOT_FOUND,	/* no such attachment */
	FILES_R_NOT_PARTICIPANT, /* the user is not in its dialog */
};

/* One file received by the upload endpoint. */
struct upload_row {
	const char	*s3_key;
	const char	*dialog_id;
	const char	*user_id;	/* who was given the upload URL */
	const char	*content_type;
	int64_t		 size;
	int		 width, height;	/* 0 when not an image */
};

/* Whether s3_key has been uploaded already (its URL is spent). */
int	store_files_uploaded(struct store *st, const char *s3_key,
	    bool *uploaded);
/*
 * Records upload u in one write transaction: FILES_R_USED when its key is
 * there already (nothing written); else inserts the row, then calls
 * place(arg), which puts the file where the key says, and commits, or
 * rolls back if place() fails (its MT_E* code is returned).
 */
int	store_files_record(struct store *st, const struct upload_row *u,
	    int (*place)(void *arg), void *arg, enum files_result *res);

/* An attachment and what a download needs of it. */
struct att_file {
	char	 id[ID_BUF];
	char	 dialog_id[ID_BUF];
	char	 s3_key[ATTACH_KEY_MAX + 1];
	char	 filename[ATTACH_FILENAME_MAX + 1];
	char	 content_type[FILES_TYPE_MAX + 1];
	int64_t	 size;
};

/*
 * The attachment att_id (canonical) into *out, or FILES_R_NOT_FOUND; with
 * a user_id (C20, S3), FILES_R_NOT_PARTICIPANT unless that user takes part
 * in the dialog of its message.
 */
int	store_files_attachment(struct store *st, const char *att_id,
	    const char *user_id, struct att_file *out, enum files_result *res);

struct files_gc {
	int64_t	 pending_before;	/* never attached, uploaded before */
	int64_t	 released_before;	/* released, uploaded before */
	int	 limit;			/* at most this many per run */
	bool	 dry_run;		/* list them, forget nothing */
};

/*
 * Forgets up to g->limit uploads, oldest first: those never attached and
 * uploaded before g->pending_before, and those released (their message or
 * dialog deleted) and uploaded before g->released_before. Each is deleted
 * in a write transaction that checks the condition again (a send that
 * attaches it first wins), and only after that transaction commits is
 * gone(key, released, arg) called, for the caller to remove the file.
 * With g->dry_run, gone() is called for the candidates and nothing is
 * deleted. *count gets how many were (or would be) forgotten.
 */
int	store_files_gc(struct store *st, const struct files_gc *g,
	    void (*gone)(const char *key, bool released, void *arg), void *arg,
	    int *count);

#endif
