/*
 * goodabi_plugin.c - a test-only plugin with the current ABI: the loader must accept it.
 */
#include "sluice/sl_plugin.h"

static const struct sl_output_ops ops = { 0 };

SL_PLUGIN_DEFINE(goodabi) = {
    SL_PLUGIN_HEADER(goodabi),
    .kinds = SL_OUTPUT,
    .out = &ops,
};
