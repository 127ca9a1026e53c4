/*
 * The PostgreSQL client library (libpq, Debian package libpq-dev).
 * Only Sources/StrataPostgres/Internals/LibPQCalls.swift may import this module.
 */
#ifndef STRATA_LIBPQ_SHIM_H
#define STRATA_LIBPQ_SHIM_H
#include <postgresql/libpq-fe.h>
#endif
