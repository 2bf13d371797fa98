#include "core/predict.h"

#include <algorithm>
#include <vector>

#include "core/batch_workspace.h"
#include "core/network.h"

namespace de {

Result predict(const Network& net, const float* inputs, int64_t count, const PredictOptions& o, float* out) {
  if (count < 0) return Result::error(Status::InvalidArgument, "count must be >= 0");
  if (o.batch < 1) return Result::error(Status::InvalidArgument, "batch must be >= 1");
  if (o.monteCarlo && o.samples < 1) return Result::error(Status::InvalidArgument, "samples must be >= 1");
  if (count == 0) return Result::success();
  const int L = net.top();
  const int64_t ni = net.units(0), no = net.units(L);
  const int64_t batch = std::min(o.batch, count);
  BatchWorkspace ws(net, batch, false);
  std::vector<double> acc;
  if (o.monteCarlo) acc.resize(static_cast<size_t>(batch * no));
  for (int64_t i0 = 0; i0 < count; i0 += batch) {
    const int64_t n = std::min(batch, count - i0);
    const float* x = inputs + i0 * ni;
    if (!o.monteCarlo) {
      if (o.abort && o.abort->load(std::memory_order_relaxed)) return Result::error(Status::Cancelled, "prediction aborted");
      MaskSource m;  // Eq. 4/13: every weight scaled by its source's keep
      m.weightScaled = true;
      Result r = forward(net, x, n, m, ws.fwd, o.threads);
      if (!r.ok()) return r;
      std::copy(ws.O[L].begin(), ws.O[L].begin() + n * no, out + i0 * no);
      continue;
    }
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t s = 0; s < o.samples; ++s) {
      if (o.abort && o.abort->load(std::memory_order_relaxed)) return Result::error(Status::Cancelled, "prediction aborted");
      MaskSource m;  // row = s·count + i (mask_streams.h)
      m.mode = MaskMode::Philox;
      m.seed = o.seed;
      m.purpose = MaskPurpose::MonteCarlo;
      m.row0 = static_cast<uint64_t>(s) * static_cast<uint64_t>(count) + static_cast<uint64_t>(i0);
      Result r = forward(net, x, n, m, ws.fwd, o.threads);
      if (!r.ok()) return r;
      const float* top = ws.O[L].data();
      for (int64_t k = 0; k < n * no; ++k) acc[k] += top[k];
    }
    const double inv = 1.0 / static_cast<double>(o.samples);
    for (int64_t k = 0; k < n * no; ++k) out[i0 * no + k] = static_cast<float>(acc[k] * inv);
  }
  return Result::success();
}

}  // namespace de
