#ifndef SL_plugin_H
#define SL_plugin_H
#endif
