#ifndef SL_queue_H
#define SL_queue_H
#endif
