// A fast scan for NaN / ±Infinity, so that validation of large typed arrays (done before any
// product runs) costs a small fraction of the product instead of a JS loop over every element.
#pragma once
#include <cstdint>

namespace de {

// Index of the first element that is NaN or ±Infinity, or −1 when all are finite.
int64_t first_non_finite(const float* x, int64_t n);

}  // namespace de
