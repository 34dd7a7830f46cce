/*
 * ruletest.h - sluiced --test, the rule tester (core/ruletest.c).
 *
 * main() hands the whole command line over when it holds --test (before any "--"); the
 * tester parses its own options (-f, -M and the --test-* ones), builds the engine as -N
 * does and runs sample lines through it in-process, without side effects.
 *
 * Concurrency & locking: runs on the main thread only; no engine thread is started.
 */
#ifndef SLUICE_CORE_RULETEST_H
#define SLUICE_CORE_RULETEST_H

/* 1 when argv asks for the rule tester. */
int sl_ruletest_wanted(int argc, char **argv);
/* Run it; returns the exit status (0 ok, 1 an expectation failed or the config has
 * errors, 2 usage or expectations-file errors). */
int sl_ruletest_main(int argc, char **argv, const char *default_conf);

#endif
