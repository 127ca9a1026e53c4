// The commit `strata` was built from, for `strata --version` (StrataCLI/Support/Version.swift is
// the only Swift file importing it). scripts/package.sh passes it on the compiler's command line,
//   swift build -Xcc -DSTRATA_BUILD_COMMIT='"4ce2518"' ...
// and a plain `swift build` of a checkout (git or not) leaves it "unknown", so a source build
// neither needs git nor changes with it. A C macro because Swift's own -D carries no values.
#ifndef STRATA_BUILD_INFO_H
#define STRATA_BUILD_INFO_H

#ifndef STRATA_BUILD_COMMIT
#define STRATA_BUILD_COMMIT "unknown"
#endif

// Imported into Swift as a String constant.
#define STRATA_COMMIT_TEXT STRATA_BUILD_COMMIT

#endif
