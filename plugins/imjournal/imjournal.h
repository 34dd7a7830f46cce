/*
 * imjournal.h - test hook of the imjournal plugin (not part of the plugin ABI): the fuzz
 * target tests/fuzz/fuzz_imjournal.c maps journal entries to messages through it.
 * Concurrency & locking: the caller's thread only, on an instance whose run() is not
 * running.
 */
#ifndef SLUICE_PLUGINS_IMJOURNAL_H
#define SLUICE_PLUGINS_IMJOURNAL_H

/* Maps the journal's current entry (what sd_journal_get_data/enumerate_data return) to a
 * message and submits it, as run() does for each entry.  0, or < 0 as read_entry(). */
int sl_imjournal_read_entry(void *inst);

#endif
