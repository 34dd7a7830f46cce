#ifndef SL_params_H
#define SL_params_H
#endif
