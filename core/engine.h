#ifndef SL_engine_H
#define SL_engine_H
#endif
