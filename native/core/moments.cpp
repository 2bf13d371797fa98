// Streaming per-neuron moments. add() folds a call's rows in blocks: the block kernel computes each
// block's mean and central sums two-pass (exact enough, and vectorised across neurons), which are
// then merged into the running state with Pébay's pairwise formulas (Chan et al. for M2). Threads
// take whole chunks of neurons, so every neuron's arithmetic is the same for any thread count.
#include "core/moments.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/thread_pool.h"
#include "cpu/dispatch.h"

namespace de {

namespace {

using BlockFn = void (*)(const cpu::MomentBlockArgs&);

BlockFn block_fn() { return cpu::dispatch().moments_block; }

// Pébay (2008) pairwise update of (n, mean, M2, M3) with a second set; M2 is Chan et al.'s formula.
void combine(double na, double* mean, double* m2, double* m3, double nb, double meanB, double m2B, double m3B) {
  if (na == 0.0) {  // into an empty state: copy, so a single block or shard is kept exactly
    *mean = meanB;
    *m2 = m2B;
    *m3 = m3B;
    return;
  }
  const double n = na + nb;
  const double delta = meanB - *mean;
  const double dn = delta / n;
  const double m2A = *m2;
  *mean += dn * nb;
  *m2 = m2A + m2B + delta * dn * na * nb;
  *m3 += m3B + delta * dn * dn * na * nb * (na - nb) + 3.0 * dn * (na * m2B - nb * m2A);
}

// Raw pointers into an accumulator's state, so the helpers below need no access to its privates.
struct State {
  int64_t neurons, count;
  int bins;
  bool logs;
  double lo, hi;
  double *mean, *m2, *m3, *sumLog, *sumLog1m, *mn, *mx;
  uint64_t* hist;
};

struct Input {
  const float* values;
  int64_t rows, ld;
  const float* logits;
  int64_t ldLogit;
  const float* logO;
  const float* log1mO;
};

// All rows of the call for neurons [j0, j0 + n). nextJ0: the first neuron of the chunk this thread
// probably runs next, or −1; the last block prefetches its first lines (hints only, never read).
void accumulate_chunk(const State& s, const Input& in, int64_t j0, int64_t n, int64_t nextJ0, BlockFn kernel) {
  double bMean[cpu::kMomentChunk], bM2[cpu::kMomentChunk], bM3[cpu::kMomentChunk];
  double bLog[cpu::kMomentChunk], bLog1m[cpu::kMomentChunk];
  cpu::MomentBlockArgs a;
  a.n = n;
  a.ldx = in.ld;
  a.ldz = in.ldLogit;
  a.bins = s.bins;
  a.logs = s.logs;
  a.lo = s.lo;
  a.binScale = s.bins > 0 ? s.bins / (s.hi - s.lo) : 0.0;
  a.hist = s.bins > 0 ? s.hist + j0 * s.bins : nullptr;
  a.mean = bMean;
  a.m2 = bM2;
  a.m3 = bM3;
  a.sumLog = bLog;
  a.sumLog1m = bLog1m;
  a.mn = s.mn + j0;
  a.mx = s.mx + j0;
  for (int64_t r0 = 0; r0 < in.rows; r0 += cpu::kMomentBlockRows) {
    a.rows = std::min(cpu::kMomentBlockRows, in.rows - r0);
    a.x = in.values + r0 * in.ld + j0;
    a.z = in.logits ? in.logits + r0 * in.ldLogit + j0 : nullptr;
    const bool more = r0 + a.rows < in.rows;
    const bool jump = !more && nextJ0 >= 0;
    a.nextX = more ? a.x + a.rows * in.ld : jump ? in.values + nextJ0 : nullptr;
    a.nextZ = !a.z ? nullptr : more ? a.z + a.rows * in.ldLogit : jump ? in.logits + nextJ0 : nullptr;
    a.logO = in.logO ? in.logO + r0 * in.ld + j0 : nullptr;
    a.log1mO = in.log1mO ? in.log1mO + r0 * in.ld + j0 : nullptr;
    kernel(a);
    const double na = static_cast<double>(s.count + r0), nb = static_cast<double>(a.rows);
    for (int64_t j = 0; j < n; ++j) {
      const int64_t i = j0 + j;
      combine(na, &s.mean[i], &s.m2[i], &s.m3[i], nb, bMean[j], bM2[j], bM3[j]);
      if (s.logs) {
        s.sumLog[i] += bLog[j];
        s.sumLog1m[i] += bLog1m[j];
      }
    }
  }
}

void accumulate(const State& s, const Input& in, ThreadPool* pool, int threads) {
  const BlockFn kernel = block_fn();
  const int use = pool && threads != 1 ? (threads <= 0 ? pool->size() : std::min(threads, pool->size())) : 1;
  // One thread: chunks of kMomentChunk. Several: as many chunks as a multiple of the threads, about
  // equal (edges on multiples of 16, the widest vector group) and at most kMomentChunk wide, so no
  // thread is left a chunk behind the others: 4,810 neurons on 2 threads are 22 chunks of 208–224,
  // not 18 of 256 and one of 202. A neuron's arithmetic does not depend on the chunk it falls in.
  constexpr int64_t kEdge = 16;
  const int64_t width = use > 1 ? cpu::kMomentChunk - kEdge : cpu::kMomentChunk;
  int64_t chunks = (s.neurons + width - 1) / width;
  if (use > 1) chunks = (chunks + use - 1) / use * use;
  auto edge = [&](int64_t c) -> int64_t {
    if (c >= chunks) return s.neurons;
    if (use == 1) return c * width;
    return std::min(s.neurons, (c * s.neurons / chunks + kEdge / 2) / kEdge * kEdge);
  };
  auto task = [&](int64_t c, int) {
    const int64_t j0 = edge(c), j1 = edge(c + 1);
    // Chunks are handed out in order, so a thread that keeps pace with the others runs chunk c + use
    // next (c + 1 on one thread): its first lines are worth fetching (4-7% off a 500-row add of 4,810
    // neurons); a wrong guess costs only the prefetches.
    const int64_t next = c + use < chunks ? edge(c + use) : -1;
    if (j1 > j0) accumulate_chunk(s, in, j0, j1 - j0, next < s.neurons ? next : -1, kernel);
  };
  if (use > 1 && chunks > 1)
    pool->parallel_for(chunks, use, task);
  else
    for (int64_t c = 0; c < chunks; ++c) task(c, 0);
}

// ---- serialisation: little-endian, fixed header, FNV-1a 64 checksum at the end ----
constexpr char kMagic[8] = {'D', 'E', 'M', 'O', 'M', 'A', 'C', 'C'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kFlagNoLogs = 1;  // the accumulator keeps no log sums (they are NaN)
constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8 + 8 + 4 + 4 + 8 + 8;  // magic, version, flags, neurons, count, bins, pad, lo, hi
constexpr int kMaxBins = 1 << 20;

void put_u64(std::vector<uint8_t>* out, uint64_t v) {
  for (int b = 0; b < 8; ++b) out->push_back(static_cast<uint8_t>(v >> (8 * b)));
}
void put_u32(std::vector<uint8_t>* out, uint32_t v) {
  for (int b = 0; b < 4; ++b) out->push_back(static_cast<uint8_t>(v >> (8 * b)));
}
void put_f64(std::vector<uint8_t>* out, double d) {
  uint64_t v;
  std::memcpy(&v, &d, 8);
  put_u64(out, v);
}
uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int b = 0; b < 8; ++b) v |= static_cast<uint64_t>(p[b]) << (8 * b);
  return v;
}
uint32_t get_u32(const uint8_t* p) {
  uint32_t v = 0;
  for (int b = 0; b < 4; ++b) v |= static_cast<uint32_t>(p[b]) << (8 * b);
  return v;
}
double get_f64(const uint8_t* p) {
  const uint64_t v = get_u64(p);
  double d;
  std::memcpy(&d, &v, 8);
  return d;
}
uint64_t fnv1a(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

// Size of a serialised accumulator, or 0 when it would overflow size_t.
size_t serialized_size(uint64_t neurons, uint64_t bins) {
  const uint64_t limit = std::numeric_limits<size_t>::max() / 2;
  if (neurons > limit / 64 || (bins > 0 && neurons * 8 > limit / bins)) return 0;
  return kHeaderBytes + static_cast<size_t>(neurons) * 7 * 8 + static_cast<size_t>(neurons * bins) * 8 + 8;
}

}  // namespace

MomentAccumulator::MomentAccumulator(int64_t neurons, int bins, double lo, double hi, bool logs)
    : neurons_(std::max<int64_t>(0, neurons)),
      bins_(bins > 0 && bins <= kMaxBins && std::isfinite(lo) && std::isfinite(hi) && lo < hi ? bins : 0),
      logs_(logs),
      lo_(lo),
      hi_(hi) {
  const size_t n = static_cast<size_t>(neurons_);
  mean_.assign(n, 0.0);
  m2_.assign(n, 0.0);
  m3_.assign(n, 0.0);
  const double noLogs = std::numeric_limits<double>::quiet_NaN();
  sumLog_.assign(n, logs_ ? 0.0 : noLogs);
  sumLog1m_.assign(n, logs_ ? 0.0 : noLogs);
  min_.assign(n, std::numeric_limits<double>::infinity());
  max_.assign(n, -std::numeric_limits<double>::infinity());
  hist_.assign(n * static_cast<size_t>(bins_), 0);
}

void MomentAccumulator::add(const float* values, int64_t rows, int64_t ld, const float* logits, int64_t ldLogit,
                            ThreadPool* pool, int threads) {
  if (!values || rows <= 0 || neurons_ == 0 || ld < neurons_ || (logits && ldLogit < neurons_)) return;
  const State s{neurons_, count_, bins_, logs_, lo_, hi_, mean_.data(), m2_.data(), m3_.data(), sumLog_.data(),
                sumLog1m_.data(), min_.data(), max_.data(), hist_.data()};
  accumulate(s, Input{values, rows, ld, logits, ldLogit, nullptr, nullptr}, pool, threads);
  count_ += rows;
}

void MomentAccumulator::add_with_logs(const float* values, const float* logO, const float* log1mO, int64_t rows,
                                      int64_t ld, ThreadPool* pool, int threads) {
  if (!values || rows <= 0 || neurons_ == 0 || ld < neurons_) return;
  const State s{neurons_, count_, bins_, logs_, lo_, hi_, mean_.data(), m2_.data(), m3_.data(), sumLog_.data(),
                sumLog1m_.data(), min_.data(), max_.data(), hist_.data()};
  accumulate(s, Input{values, rows, ld, nullptr, 0, logO, log1mO}, pool, threads);
  count_ += rows;
}

Result MomentAccumulator::merge(const MomentAccumulator& other) {
  if (other.neurons_ != neurons_ || other.bins_ != bins_ || (bins_ > 0 && (other.lo_ != lo_ || other.hi_ != hi_)))
    return Result::error(Status::InvalidArgument, "MomentAccumulator::merge: neurons, bins and range must match");
  if (&other == this) return Result::error(Status::InvalidArgument, "MomentAccumulator::merge: cannot merge with itself");
  if (other.count_ == 0) return Result::success();
  const double na = static_cast<double>(count_), nb = static_cast<double>(other.count_);
  for (int64_t i = 0; i < neurons_; ++i) {
    combine(na, &mean_[i], &m2_[i], &m3_[i], nb, other.mean_[i], other.m2_[i], other.m3_[i]);
    sumLog_[i] += other.sumLog_[i];
    sumLog1m_[i] += other.sumLog1m_[i];
    min_[i] = std::min(min_[i], other.min_[i]);
    max_[i] = std::max(max_[i], other.max_[i]);
  }
  for (size_t k = 0; k < hist_.size(); ++k) hist_[k] += other.hist_[k];
  count_ += other.count_;
  logs_ = logs_ && other.logs_;  // a shard without log sums leaves the whole without them (NaN)
  return Result::success();
}

double MomentAccumulator::variance(int64_t i) const {
  if (i < 0 || i >= neurons_ || count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return m2_[i] / static_cast<double>(count_);
}

double MomentAccumulator::third_central(int64_t i) const {
  if (i < 0 || i >= neurons_ || count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return m3_[i] / static_cast<double>(count_);
}

double MomentAccumulator::quantile(int64_t i, double q) const {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (i < 0 || i >= neurons_ || bins_ == 0 || !(q >= 0.0 && q <= 1.0)) return nan;
  const uint64_t* h = hist_.data() + i * bins_;
  uint64_t total = 0;
  for (int b = 0; b < bins_; ++b) total += h[b];
  if (total == 0) return nan;
  // The q-quantile at rank q·total, linear within its bin; clamped to the observed [min, max],
  // which also corrects the first and last bins that hold the clamped outliers.
  const double target = q * static_cast<double>(total);
  const double width = (hi_ - lo_) / bins_;
  double below = 0.0, v = hi_;
  for (int b = 0; b < bins_; ++b) {
    const double c = static_cast<double>(h[b]);
    if (c > 0 && below + c >= target) {
      v = lo_ + width * (b + (target - below) / c);
      break;
    }
    below += c;
  }
  return std::min(std::max(v, min_[i]), max_[i]);
}

std::vector<uint8_t> MomentAccumulator::serialize() const {
  std::vector<uint8_t> out;
  out.reserve(serialized_size(static_cast<uint64_t>(neurons_), static_cast<uint64_t>(bins_)));
  for (char c : kMagic) out.push_back(static_cast<uint8_t>(c));
  put_u32(&out, kVersion);
  put_u32(&out, logs_ ? 0u : kFlagNoLogs);
  put_u64(&out, static_cast<uint64_t>(neurons_));
  put_u64(&out, static_cast<uint64_t>(count_));
  put_u32(&out, static_cast<uint32_t>(bins_));
  put_u32(&out, 0);  // padding
  put_f64(&out, lo_);
  put_f64(&out, hi_);
  for (const std::vector<double>* v : {&mean_, &m2_, &m3_, &sumLog_, &sumLog1m_, &min_, &max_})
    for (double d : *v) put_f64(&out, d);
  for (uint64_t c : hist_) put_u64(&out, c);
  put_u64(&out, fnv1a(out.data(), out.size()));
  return out;
}

Result MomentAccumulator::deserialize(const uint8_t* data, size_t size, MomentAccumulator* out) {
  auto corrupt = [](const char* why) {
    return Result::error(Status::Corrupt, std::string("MomentAccumulator::deserialize: ") + why);
  };
  if (!out) return Result::error(Status::InvalidArgument, "MomentAccumulator::deserialize: out is null");
  if (!data || size < kHeaderBytes + 8) return corrupt("buffer shorter than the header");
  if (std::memcmp(data, kMagic, 8) != 0) return corrupt("bad magic");
  if (get_u32(data + 8) != kVersion) return corrupt("unsupported version");
  const uint32_t flags = get_u32(data + 12);
  if ((flags & ~kFlagNoLogs) != 0) return corrupt("unknown flags");
  const uint64_t neurons = get_u64(data + 16), count = get_u64(data + 24);
  const uint32_t bins = get_u32(data + 32);
  const double lo = get_f64(data + 40), hi = get_f64(data + 48);
  if (neurons > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
      count > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return corrupt("sizes out of range");
  if (bins > static_cast<uint32_t>(kMaxBins)) return corrupt("too many bins");
  if (bins > 0 && !(std::isfinite(lo) && std::isfinite(hi) && lo < hi)) return corrupt("bad histogram range");
  // Validate the length implied by the header against the buffer before allocating anything.
  const size_t want = serialized_size(neurons, bins);
  if (want == 0 || want != size) return corrupt("length does not match the header");
  if (get_u64(data + size - 8) != fnv1a(data, size - 8)) return corrupt("checksum mismatch");

  MomentAccumulator acc(static_cast<int64_t>(neurons), static_cast<int>(bins), lo, hi, (flags & kFlagNoLogs) == 0);
  acc.count_ = static_cast<int64_t>(count);
  acc.lo_ = lo;
  acc.hi_ = hi;
  const uint8_t* p = data + kHeaderBytes;
  for (std::vector<double>* v : {&acc.mean_, &acc.m2_, &acc.m3_, &acc.sumLog_, &acc.sumLog1m_, &acc.min_, &acc.max_})
    for (double& d : *v) {
      d = get_f64(p);
      p += 8;
    }
  for (uint64_t& c : acc.hist_) {
    c = get_u64(p);
    p += 8;
  }
  for (int64_t i = 0; i < acc.neurons_; ++i) {
    uint64_t total = 0;
    for (uint32_t b = 0; b < bins; ++b) {
      const uint64_t c = acc.hist_[i * bins + b];
      if (c > count - total) return corrupt("histogram holds more samples than the count");
      total += c;
    }
  }
  *out = std::move(acc);
  return Result::success();
}


}  // namespace de
