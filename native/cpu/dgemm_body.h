// The body of the float64 product (dgemm.h), written once with GCC/Clang vector types and compiled
// per instruction set: the including file defines DE_DGEMM_VECTOR_BYTES (16 SSE2, 32 AVX2, 64
// AVX-512) before including it. A tile of 4 rows × 2 vectors of C stays in 8 registers while p runs
// over a depth block (eight independent multiply-add chains, enough to cover the FMA latency);
// B's block of kDgemmDepthBlock rows × kColBlock columns (1 MB) stays in L2 while every row tile
// passes over it. Everything here has internal linkage: each instruction set's file gets its own
// copy, never another file's.
#pragma once
#include <cstring>

#include "cpu/dgemm.h"

#ifndef DE_DGEMM_VECTOR_BYTES
#error "define DE_DGEMM_VECTOR_BYTES before including dgemm_body.h"
#endif

namespace de {
namespace cpu {
namespace {

typedef double DgemmVec __attribute__((vector_size(DE_DGEMM_VECTOR_BYTES)));
constexpr int kLanes = DE_DGEMM_VECTOR_BYTES / 8;
constexpr int kTileRows = 4;
constexpr int kTileCols = 2 * kLanes;
constexpr int64_t kColBlock = 512;

inline DgemmVec load(const double* p) {
  DgemmVec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void add_store(double* p, DgemmVec v) {
  DgemmVec c = load(p);
  c += v;
  std::memcpy(p, &c, sizeof c);
}

// A full tile: rows i0..i0+3, columns j0..j0+kTileCols−1, depth [p0, p1).
inline void full_tile(const DgemmArgs& a, int64_t i0, int64_t j0, int64_t p0, int64_t p1) {
  DgemmVec c00 = {}, c01 = {}, c10 = {}, c11 = {}, c20 = {}, c21 = {}, c30 = {}, c31 = {};
  const double* a0 = a.A + i0 * a.lda;
  const double* a1 = a0 + a.lda;
  const double* a2 = a1 + a.lda;
  const double* a3 = a2 + a.lda;
  for (int64_t p = p0; p < p1; ++p) {
    const double* b = a.B + p * a.ldb + j0;
    const DgemmVec b0 = load(b), b1 = load(b + kLanes);
    const double x0 = a0[p], x1 = a1[p], x2 = a2[p], x3 = a3[p];
    c00 += b0 * x0;
    c01 += b1 * x0;
    c10 += b0 * x1;
    c11 += b1 * x1;
    c20 += b0 * x2;
    c21 += b1 * x2;
    c30 += b0 * x3;
    c31 += b1 * x3;
  }
  double* c = a.C + i0 * a.ldc + j0;
  add_store(c, c00);
  add_store(c + kLanes, c01);
  add_store(c + a.ldc, c10);
  add_store(c + a.ldc + kLanes, c11);
  add_store(c + 2 * a.ldc, c20);
  add_store(c + 2 * a.ldc + kLanes, c21);
  add_store(c + 3 * a.ldc, c30);
  add_store(c + 3 * a.ldc + kLanes, c31);
}

// Edges: rows [i0, i1) × columns [j0, j1), element by element in the same p order.
inline void edge_tile(const DgemmArgs& a, int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t p0, int64_t p1) {
  for (int64_t i = i0; i < i1; ++i)
    for (int64_t j = j0; j < j1; ++j) {
      double s = 0.0;
      for (int64_t p = p0; p < p1; ++p) s += a.A[i * a.lda + p] * a.B[p * a.ldb + j];
      a.C[i * a.ldc + j] += s;
    }
}

inline void dgemm_run(const DgemmArgs& a) {
  for (int64_t p0 = 0; p0 < a.depth; p0 += kDgemmDepthBlock) {
    const int64_t p1 = p0 + kDgemmDepthBlock < a.depth ? p0 + kDgemmDepthBlock : a.depth;
    for (int64_t jb = 0; jb < a.cols; jb += kColBlock) {
      const int64_t je = jb + kColBlock < a.cols ? jb + kColBlock : a.cols;
      const int64_t jFull = jb + (je - jb) / kTileCols * kTileCols;
      const int64_t iFull = a.rows / kTileRows * kTileRows;
      for (int64_t i = 0; i < iFull; i += kTileRows)
        for (int64_t j = jb; j < jFull; j += kTileCols) full_tile(a, i, j, p0, p1);
      if (jFull < je) edge_tile(a, 0, iFull, jFull, je, p0, p1);
      if (iFull < a.rows) edge_tile(a, iFull, a.rows, jb, je, p0, p1);
    }
  }
}

}  // namespace
}  // namespace cpu
}  // namespace de
