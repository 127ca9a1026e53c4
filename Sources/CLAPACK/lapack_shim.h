/*
 * Fortran BLAS/LAPACK prototypes used by StrataLinalg.
 *
 * Plain declarations of the reference Fortran symbols (LP64: INTEGER is a
 * 32-bit int). Every CHARACTER argument has a trailing hidden `size_t` length
 * argument, as in lapack.h under LAPACK_FORTRAN_STRLEN_END. Only
 * Sources/StrataLinalg/Internals/LAPACKCalls.swift may import this module.
 */
#ifndef STRATA_LAPACK_SHIM_H
#define STRATA_LAPACK_SHIM_H

#include <stddef.h>

/* ---- OpenBLAS threading ---- */
void openblas_set_num_threads(int num_threads);

/* ---- BLAS level 1 ---- */
double dnrm2_(const int *n, const double *x, const int *incx);

/* ---- BLAS level 2 ---- */
void dgemv_(const char *trans, const int *m, const int *n, const double *alpha,
            const double *a, const int *lda, const double *x, const int *incx,
            const double *beta, double *y, const int *incy, size_t trans_len);

/* ---- BLAS level 3 ---- */
void dgemm_(const char *transa, const char *transb, const int *m, const int *n,
            const int *k, const double *alpha, const double *a, const int *lda,
            const double *b, const int *ldb, const double *beta, double *c,
            const int *ldc, size_t transa_len, size_t transb_len);

void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda,
            const double *beta, double *c, const int *ldc, size_t uplo_len,
            size_t trans_len);

void dtrsm_(const char *side, const char *uplo, const char *transa,
            const char *diag, const int *m, const int *n, const double *alpha,
            const double *a, const int *lda, double *b, const int *ldb,
            size_t side_len, size_t uplo_len, size_t transa_len,
            size_t diag_len);

/* ---- LAPACK: QR ---- */
void dgeqrf_(const int *m, const int *n, double *a, const int *lda,
             double *tau, double *work, const int *lwork, int *info);

void dormqr_(const char *side, const char *trans, const int *m, const int *n,
             const int *k, const double *a, const int *lda, const double *tau,
             double *c, const int *ldc, double *work, const int *lwork,
             int *info, size_t side_len, size_t trans_len);

void dorgqr_(const int *m, const int *n, const int *k, double *a,
             const int *lda, const double *tau, double *work, const int *lwork,
             int *info);

/* ---- LAPACK: triangular ---- */
void dtrtrs_(const char *uplo, const char *trans, const char *diag,
             const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info, size_t uplo_len,
             size_t trans_len, size_t diag_len);

void dtrtri_(const char *uplo, const char *diag, const int *n, double *a,
             const int *lda, int *info, size_t uplo_len, size_t diag_len);

/* ---- LAPACK: symmetric positive definite ---- */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda,
             int *info, size_t uplo_len);

void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a,
             const int *lda, double *b, const int *ldb, int *info,
             size_t uplo_len);

void dpotri_(const char *uplo, const int *n, double *a, const int *lda,
             int *info, size_t uplo_len);

/* ---- LAPACK: eigen / singular values ---- */
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a,
             const int *lda, double *w, double *work, const int *lwork,
             int *iwork, const int *liwork, int *info, size_t jobz_len,
             size_t uplo_len);

void dgesdd_(const char *jobz, const int *m, const int *n, double *a,
             const int *lda, double *s, double *u, const int *ldu, double *vt,
             const int *ldvt, double *work, const int *lwork, int *iwork,
             int *info, size_t jobz_len);

#endif /* STRATA_LAPACK_SHIM_H */
