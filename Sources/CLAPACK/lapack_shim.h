/* Fortran BLAS/LAPACK prototypes used by StrataLinalg (filled in by Internals). */
#include <stddef.h>
