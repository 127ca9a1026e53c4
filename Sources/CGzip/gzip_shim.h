// zlib, for inflating gzip files (StrataData/Internals/GzipInflater.swift is the only Swift file importing it).
// Debian package: zlib1g-dev. Named CGzip so it does not clash with ZIPFoundation's own CZLib module.
#include <zlib.h>
