/*
 * auth.h — identity: HS256 bearer tokens (docs/api.md#jwt, S1, S4) and the
 * management admin token (docs/api.md#admin-token).
 */
#ifndef MT_AUTH_H
#define MT_AUTH_H

#include <jansson.h>
#include <stddef.h>

#include "cfg.h"

#define AUTH_JWT_MAX	65536	/* longest token looked at, in bytes */

struct auth_keys;		/* the configured JWT secrets */

/*
 * Builds the secret list from c: JWT_SECRETS (comma-separated, each entry
 * trimmed of ASCII whitespace, empty entries dropped) when it is set and
 * non-empty, else JWT_SECRET as one secret, used verbatim. With JWT
 * disabled an empty list is allowed (every token then fails). Free *out
 * with auth_keys_free(). Returns 0, MT_EINVAL (JWT enabled but no secret)
 * or MT_ENOMEM.
 */
int	 auth_keys_new(const struct cfg *c, struct auth_keys **out);
void	 auth_keys_free(struct auth_keys *k);
/* Number of secrets in k. */
size_t	 auth_keys_count(const struct auth_keys *k);

/*
 * The claims auth_jwt_verify() looks for in a token's payload (names, set
 * by the caller) and what it found there (set by the call).
 */
struct auth_claims {
	const char	*user_claim;	/* NULL: "sub" */
	const char	*scope_claim;	/* NULL: no scope wanted */
	char		*user_id;	/* out: free with mt_free() */
	json_t		*scope;		/* out: a new reference, or NULL */
};

/*
 * Verifies the len bytes of token, an HS256 JWS in compact form
 * (docs/api.md#jwt), against each secret of k in order. The token must have
 * exactly three segments of unpadded canonical base64url; the header must be
 * a JSON object whose "alg" is "HS256" (whatever else it holds, "typ"
 * included, is not looked at); the signature must be HMAC-SHA256 of
 * "header.payload"; the payload must be a JSON object. Objects with a
 * repeated key are refused. exp, nbf, iss and sub are not checked; an "aud"
 * that is a string or an array of strings fails the token (other types are
 * ignored).
 *
 * The claim named c->user_claim must be a string (may be "") or a number:
 * integers are written in decimal ("42"), other numbers as serde_json
 * prints an f64 (shortest round-trip digits, "42.0", "1.5e-7"). It goes to
 * c->user_id. If c->scope_claim is not NULL and the payload has that claim
 * with a value other than null, c->scope gets a new reference to it,
 * whatever its type (the caller checks it with scope_from_json() and
 * json_decref()s it); otherwise c->scope is NULL (a null claim counts as
 * absent).
 *
 * Returns 0, MT_EINVAL for any token that fails ("Invalid token"), or
 * MT_ENOMEM; on failure c->user_id and c->scope are NULL.
 */
int	 auth_jwt_verify(const struct auth_keys *k, const char *token,
	    size_t len, struct auth_claims *c);

/*
 * Management token check (docs/api.md#admin-token): the SHA-256 digests of
 * configured and of the supplied_len bytes of supplied are compared without
 * early exit, so the time taken says nothing about where they differ. Both
 * are used verbatim. The caller skips the check when no token is configured (an
 * unprotected API); a NULL configured never matches. Returns 0 on a match,
 * MT_EFORBIDDEN otherwise, MT_ENOMEM if OpenSSL cannot hash.
 */
int	 auth_admin_token_ok(const char *configured, const char *supplied,
	    size_t supplied_len);

#endif
