/*
 * replay: runs a harness's LLVMFuzzerTestOneInput over every file of the
 * directories (or the files) given, as libFuzzer would over its corpus, so
 * a normal build (gcc, ASan/UBSan in CI) checks every past finding.
 * Prints how many inputs it ran; a finding aborts, as under libFuzzer.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "od_fuzz.h"

/* A harness without an initialiser gets this one (weak: the harness's wins). */
__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int
replay_file(const char *path)
{
	unsigned char	*buf;
	FILE		*fp;
	long		 n;

	if ((fp = fopen(path, "rb")) == NULL || fseek(fp, 0, SEEK_END) != 0 ||
	    (n = ftell(fp)) < 0) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	rewind(fp);
	/* Exactly n bytes on the heap, so ASan sees a read past the input. */
	if ((buf = malloc(n > 0 ? (size_t)n : 1)) == NULL ||
	    fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order.  The number run, or -1. */
static int
replay_dir(const char *dir)
{
	struct dirent	*de;
	char		**names = NULL, path[4096];
	size_t		 n = 0, i;
	int		 count = 0, bad = 0;
	DIR		*d;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: cannot open\n", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (nn[n] = strdup(de->d_name)) == NULL)
			abort();
		names = nn;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) == 0)
				count++;
			else
				bad++;
		}
		free(names[i]);
	}
	free(names);
	return bad ? -1 : count;
}

int
main(int argc, char **argv)
{
	int	total = 0, rc = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat	st;
		int		n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: not found\n", argv[i]);
			rc = 1;
			continue;
		}
		n = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i]) == 0 ? 1 : -1;
		if (n < 0)
			rc = 1;
		else
			total += n;
	}
	printf("replay: %d inputs, no finding\n", total);
	return rc;
}
