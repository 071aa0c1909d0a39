/*
 * od_testenv: what the tests share: fixture paths, a real redis-server on a
 * free loopback port, processes started and stopped by PID.
 */
#ifndef OD_TESTENV_H
#define OD_TESTENV_H

#endif /* OD_TESTENV_H */
