// glibc's allocator settings (mallopt, malloc_trim), which Swift's Glibc module does not export.
// StrataScale/Internals/Allocator.swift is the only Swift file importing it. Elsewhere than glibc
// (musl, Darwin) the functions do nothing and report 0.
#ifndef STRATA_MALLOC_SHIM_H
#define STRATA_MALLOC_SHIM_H

#if defined(__linux__)
#include <features.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#define STRATA_HAS_MALLOPT 1
#endif

/// Sets glibc's M_MMAP_THRESHOLD, M_TRIM_THRESHOLD and M_TOP_PAD (bytes); 1 when all three were
/// accepted, 0 otherwise (or without glibc).
static inline int strata_malloc_configure(int mmap_threshold, int trim_threshold, int top_pad) {
#ifdef STRATA_HAS_MALLOPT
  int ok = mallopt(M_MMAP_THRESHOLD, mmap_threshold);
  ok &= mallopt(M_TRIM_THRESHOLD, trim_threshold);
  ok &= mallopt(M_TOP_PAD, top_pad);
  return ok ? 1 : 0;
#else
  (void)mmap_threshold; (void)trim_threshold; (void)top_pad;
  return 0;
#endif
}

/// Returns the free memory at the heaps' tops to the kernel (glibc malloc_trim(0)); 0 without glibc.
static inline int strata_malloc_trim(void) {
#ifdef STRATA_HAS_MALLOPT
  return malloc_trim(0);
#else
  return 0;
#endif
}

#endif
