/* migrate.h — the schema migrations compiled into every program (sql/). */
#ifndef MT_MIGRATE_H
#define MT_MIGRATE_H

struct migration {
	int		 version;	/* NNNN of sql/NNNN-name.sql */
	const char	*name;
	const char	*sql;
};

extern const struct migration migrations[];
extern const int migrations_count;

#endif
