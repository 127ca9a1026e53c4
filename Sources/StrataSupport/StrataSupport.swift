// StrataSupport: the bottom layer shared by StrataLinalg and StrataData (and everything above):
// small machine utilities that must exist once (progress reporting, concurrency, processor count,
// a seeded random number generator). It depends on nothing but the Swift standard library and
// Foundation/Dispatch, holds no statistics, and its pointer code (if any) stays in `Internals/`.
