/*
 * od_yaml: a YAML document read into a small tree that remembers where each
 * node stood, so every loader can report "file:line:col: message".
 *
 * Anchors and aliases are refused (an operator's file needs neither).  Only
 * the first document of a stream is read.
 */
#ifndef OD_YAML_H
#define OD_YAML_H

#include <stddef.h>

#include "od_error.h"

enum od_yaml_type {
	OD_YAML_SCALAR = 1,
	OD_YAML_SEQ,
	OD_YAML_MAP,
};

struct od_yaml {
	enum od_yaml_type	  type;
	const char		 *file;		/* borrowed from the document */
	int			  line;		/* 1-based */
	int			  col;		/* 1-based */
	char			 *str;		/* SCALAR: the text, NUL-terminated */
	size_t			  len;		/* SCALAR: its length */
	int			  quoted;	/* SCALAR: was written in quotes (or as a block) */
	int			  block;	/* SCALAR: a literal | or folded > block: its text starts on the next line */
	struct od_yaml		**items;	/* SEQ: values; MAP: key, value, key, value ... */
	size_t			  nitems;	/* SEQ: values; MAP: 2 * pairs */
};

struct od_yaml_doc {
	char			*file;		/* owned copy of the path */
	struct od_yaml		*root;		/* NULL for an empty document */
};

/*
 * Reads path.  On a syntax error adds "path:line:col: message" to errs and
 * returns -1 with doc left empty (nothing to free; od_yaml_doc_free on it
 * is harmless).  On success the document is freed with od_yaml_doc_free.
 */
int	 od_yaml_load_file(const char *path, struct od_yaml_doc *doc, struct od_errors *errs);
/* Same, from memory; name is what errors call the source. */
int	 od_yaml_load_string(const char *name, const char *buf, size_t len,
	    struct od_yaml_doc *doc, struct od_errors *errs);
void	 od_yaml_doc_free(struct od_yaml_doc *doc);

/* MAP lookup by key; NULL when absent or node is not a map. */
struct od_yaml	*od_yaml_get(const struct od_yaml *map, const char *key);
size_t		 od_yaml_map_size(const struct od_yaml *map);	/* pairs */
struct od_yaml	*od_yaml_map_key(const struct od_yaml *map, size_t i);
struct od_yaml	*od_yaml_map_value(const struct od_yaml *map, size_t i);

const char	*od_yaml_type_name(enum od_yaml_type t);	/* "a scalar", "a list", "a mapping" */

/*
 * Checks that every key of map is one of allowed (a NULL-terminated list);
 * each other key is an error "unknown key 'x' in <what>" at the key's
 * position.  Returns the number of unknown keys.
 */
int	 od_yaml_check_keys(const struct od_yaml *map, const char *const *allowed,
	    const char *what, struct od_errors *errs);

/* Error helper: "file:line:col: fmt" at node n. */
void	 od_yaml_error(struct od_errors *errs, const struct od_yaml *n, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 od_yaml_warn(struct od_errors *errs, const struct od_yaml *n, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Typed scalar readers: on a wrong type they add an error at n and return -1.
 * od_yaml_bool accepts true/false/yes/no/on/off.  Environment references
 * "${NAME}" and "${NAME:-default}" inside od_yaml_string values are expanded
 * (od_yaml_string_raw does not); an unset NAME without a default is an error.
 */
int	 od_yaml_string(const struct od_yaml *n, char **out, struct od_errors *errs);
int	 od_yaml_string_raw(const struct od_yaml *n, char **out, struct od_errors *errs);
int	 od_yaml_int(const struct od_yaml *n, long long min, long long max, long long *out,
	    struct od_errors *errs);
int	 od_yaml_bool(const struct od_yaml *n, int *out, struct od_errors *errs);

/* An operator's name for a policy, step, template, gateway or plugin: [a-z0-9_-]{1,64}. */
int	 od_yaml_name_valid(const char *s);

#endif /* OD_YAML_H */
