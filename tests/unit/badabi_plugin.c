/*
 * badabi_plugin.c - a test-only plugin that claims plugin ABI major 99: the loader must
 * refuse it with a clear message.
 */
#include "sluice/sl_plugin.h"

static const struct sl_output_ops ops = { 0 };

__attribute__((visibility("default"))) const struct sl_plugin sluice_plugin = {
    .abi_major = 99,
    .abi_minor = 0,
    .struct_size = sizeof(struct sl_plugin),
    .name = "badabi",
    .version = "0",
    .kinds = SL_OUTPUT,
    .out = &ops,
};
