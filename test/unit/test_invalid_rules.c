/*
 * test_invalid_rules.c: every document of invalid_rules.txt is rejected, and
 * its message names the path (or contains the phrase) the file expects.
 *
 * The file is found through $TS_INVALID_RULES, else the path the Makefile
 * compiles in (TS_INVALID_RULES_PATH), else next to the binary. One check per
 * document, plus one that the file holds at least 60 of them.
 */
#include "unit_test.h"
#include "scaling_rules.h"

#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#define MIN_DOCUMENTS 60

static FILE *
open_list(char *path, size_t len)
{
	const char *env = getenv("TS_INVALID_RULES");
	ssize_t		n;
	char	   *slash;

	path[0] = '\0';
	if (env && env[0])
	{
		snprintf(path, len, "%s", env);
		return fopen(path, "r");
	}
#ifdef TS_INVALID_RULES_PATH
	{
		FILE	   *f;

		snprintf(path, len, "%s", TS_INVALID_RULES_PATH);
		if ((f = fopen(path, "r")) != NULL)
			return f;
	}
#endif
	/* the tree moved since the build: the file sits next to the binary */
	n = readlink("/proc/self/exe", path, len - 1);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (slash == NULL || (size_t) (slash - path) + sizeof("/invalid_rules.txt") > len)
		return NULL;
	strcpy(slash, "/invalid_rules.txt");
	return fopen(path, "r");
}

/* a path is letters, digits, '_' and '.'; anything else is a phrase */
static bool
is_path(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			  (*s >= '0' && *s <= '9') || *s == '_' || *s == '.'))
			return false;
	return true;
}

static void
check_document(const char *where, int lineno, const char *expected, const char *doc)
{
	static const char prefix[] = "invalid scaling_rules: ";
	ScalingRules rules;
	RulesError	err;
	char		needle[256];
	const char *problem = NULL;

	if (is_path(expected))
		snprintf(needle, sizeof(needle), "\"%s\"", expected);
	else
		snprintf(needle, sizeof(needle), "%s", expected);

	if (scaling_rules_parse(doc, strlen(doc), &rules, &err))
		problem = "accepted";
	else if (strncmp(err.message, prefix, sizeof(prefix) - 1) != 0)
		problem = "message lacks the prefix";
	else if (strstr(err.message, needle) == NULL)
		problem = "message lacks the expected text";

	if (problem == NULL)
	{
		unit_passed++;
		return;
	}
	unit_failed++;
	fprintf(stderr, "%s:%d: %s: %s\n  expected: %s\n  message:  %s\n", where, lineno,
			problem, doc, needle, problem[0] == 'a' ? "(none)" : err.message);
}

void
test_invalid_rules(void)
{
	char		path[4096];
	FILE	   *f = open_list(path, sizeof(path));
	char	   *line = NULL;
	size_t		cap = 0;
	ssize_t		len;
	int			lineno = 0;
	int			documents = 0;

	if (f == NULL)
	{
		unit_failed++;
		fprintf(stderr, "test_invalid_rules: cannot open the list of invalid documents (%s); "
				"set TS_INVALID_RULES\n", path);
		return;
	}
	while ((len = getline(&line, &cap, f)) >= 0)
	{
		char	   *tab;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		tab = strchr(line, '\t');
		if (tab == NULL || tab == line)
		{
			unit_failed++;
			fprintf(stderr, "%s:%d: not EXPECTED<TAB>DOCUMENT: %s\n", path, lineno, line);
			continue;
		}
		*tab = '\0';
		check_document(path, lineno, line, tab + 1);
		documents++;
	}
	free(line);
	fclose(f);
	CHECK(documents >= MIN_DOCUMENTS);
}
