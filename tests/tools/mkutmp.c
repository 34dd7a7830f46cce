/*
 * mkutmp.c - test helper: writes a private utmp file (never the system's) for the
 * omusrmsg tests.  Usage: mkutmp FILE ENTRY...  with ENTRY "TYPE:USER:LINE", TYPE one of
 * user (USER_PROCESS), login (LOGIN_PROCESS), dead (DEAD_PROCESS).
 * Ownership: nothing kept.  Concurrency: single-threaded tool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utmp.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mkutmp FILE TYPE:USER:LINE...\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "wb");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        struct utmp ut;
        char buf[256];
        memset(&ut, 0, sizeof ut);
        snprintf(buf, sizeof buf, "%s", argv[i]);
        char *user = strchr(buf, ':');
        char *line = user != NULL ? strchr(user + 1, ':') : NULL;
        if (line == NULL) {
            fprintf(stderr, "mkutmp: bad entry '%s'\n", argv[i]);
            fclose(f);
            return 2;
        }
        *user++ = '\0';
        *line++ = '\0';
        ut.ut_type = strcmp(buf, "user") == 0 ? USER_PROCESS
                     : strcmp(buf, "login") == 0 ? LOGIN_PROCESS : DEAD_PROCESS;
        ut.ut_pid = 1000 + i;
        strncpy(ut.ut_user, user, sizeof ut.ut_user);
        strncpy(ut.ut_line, line, sizeof ut.ut_line);
        if (fwrite(&ut, sizeof ut, 1, f) != 1) {
            perror(argv[1]);
            fclose(f);
            return 1;
        }
    }
    return fclose(f) == 0 ? 0 : 1;
}
