// MomentAccumulator against a two-pass float64 reference; shards, threads and kernels; the stable
// log-sigmoid; histogram quantiles; serialisation round trip and rejection of corrupt buffers.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "core/moments.h"
#include "core/thread_pool.h"
#include "cpu/kernels.h"
#include "cpu/moments_simd.h"
#include "tests/kernel_variants.h"
#include "tests/kernel_variants.h"
#include "tests/test_framework.h"

namespace {

// log σ(z) and log(1 − σ(z)) in long double, written independently of the library.
void ref_log_sigmoid(double z, double* lo, double* l1m) {
  const long double zl = z;
  const long double t = std::log1p(std::exp(-std::fabs(zl)));
  *lo = static_cast<double>(-(zl < 0 ? -zl : 0.0L) - t);
  *l1m = static_cast<double>(-(zl > 0 ? zl : 0.0L) - t);
}

struct Data {
  int64_t rows, neurons;
  std::vector<float> z, o;  // logits and O = σ(z), rows x neurons
};

// Logits with a per-neuron offset and scale, so means span (0, 1) and some units saturate.
Data make_data(int64_t rows, int64_t neurons, uint32_t seed) {
  Data d{rows, neurons, std::vector<float>(rows * neurons), std::vector<float>(rows * neurons)};
  std::mt19937 g(seed);
  std::normal_distribution<float> nd;
  std::vector<float> off(neurons), sc(neurons);
  for (int64_t j = 0; j < neurons; ++j) {
    off[j] = 12.0f * (static_cast<float>(j) / neurons - 0.5f);
    sc[j] = 0.1f + 3.0f * static_cast<float>(j % 7) / 7;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < neurons; ++j) {
      const float z = off[j] + sc[j] * nd(g);
      d.z[r * neurons + j] = z;
      d.o[r * neurons + j] = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(z))));
    }
  return d;
}

struct Ref {
  std::vector<double> mean, var, k3, slog, slog1m, mn, mx;
};

Ref two_pass(const Data& d, int64_t r0, int64_t r1) {
  const int64_t n = d.neurons;
  Ref f{std::vector<double>(n), std::vector<double>(n), std::vector<double>(n), std::vector<double>(n),
        std::vector<double>(n), std::vector<double>(n, INFINITY), std::vector<double>(n, -INFINITY)};
  const double cnt = static_cast<double>(r1 - r0);
  for (int64_t j = 0; j < n; ++j) {
    long double s = 0;
    for (int64_t r = r0; r < r1; ++r) s += d.o[r * n + j];
    const double m = static_cast<double>(s / cnt);
    long double s2 = 0, s3 = 0, sl = 0, sl1 = 0;
    for (int64_t r = r0; r < r1; ++r) {
      const double x = d.o[r * n + j], dx = x - m;
      s2 += static_cast<long double>(dx) * dx;
      s3 += static_cast<long double>(dx) * dx * dx;
      double a, b;
      ref_log_sigmoid(d.z[r * n + j], &a, &b);
      sl += a;
      sl1 += b;
      f.mn[j] = std::fmin(f.mn[j], x);
      f.mx[j] = std::fmax(f.mx[j], x);
    }
    f.mean[j] = m;
    f.var[j] = static_cast<double>(s2 / cnt);
    f.k3[j] = static_cast<double>(s3 / cnt);
    f.slog[j] = static_cast<double>(sl);
    f.slog1m[j] = static_cast<double>(sl1);
  }
  return f;
}

void add_rows(de::MomentAccumulator* acc, const Data& d, int64_t r0, int64_t r1, bool logits, de::ThreadPool* pool = nullptr,
              int threads = 1) {
  acc->add(d.o.data() + r0 * d.neurons, r1 - r0, d.neurons, logits ? d.z.data() + r0 * d.neurons : nullptr, d.neurons,
           pool, threads);
}

void check_against_reference(const de::MomentAccumulator& acc, const Ref& f, double logTol) {
  for (int64_t j = 0; j < acc.neurons(); ++j) {
    CHECK_NEAR(acc.mean()[j], f.mean[j], 1e-13);
    CHECK_MSG(std::fabs(acc.variance(j) - f.var[j]) <= 1e-12 * f.var[j] + 1e-300, "neuron " << j << " var " << acc.variance(j) << " vs " << f.var[j]);
    // κ3 may be near zero; measure its error against the scale var^1.5.
    CHECK_MSG(std::fabs(acc.third_central(j) - f.k3[j]) <= 1e-11 * std::pow(f.var[j], 1.5) + 1e-300, "neuron " << j << " k3");
    CHECK_MSG(std::fabs(acc.sum_log()[j] - f.slog[j]) <= logTol * std::fabs(f.slog[j]) + 1e-300, "neuron " << j << " sumLog " << acc.sum_log()[j] << " vs " << f.slog[j]);
    CHECK_MSG(std::fabs(acc.sum_log1m()[j] - f.slog1m[j]) <= logTol * std::fabs(f.slog1m[j]) + 1e-300, "neuron " << j << " sumLog1m");
    CHECK(acc.min()[j] == f.mn[j] && acc.max()[j] == f.mx[j]);
  }
}


}  // namespace

TEST(moments_match_two_pass_reference) {
  for_each_kernel([] {
    const Data d = make_data(1000, 300, 1);  // 300 neurons: a full chunk of 256 and a ragged one
    de::MomentAccumulator acc(d.neurons, 32);
    const int64_t cuts[] = {0, 1, 8, 300, 1000};  // calls of 1, 7, 292 and 700 rows (700 spans row blocks)
    for (int i = 0; i + 1 < 5; ++i) add_rows(&acc, d, cuts[i], cuts[i + 1], true);
    CHECK(acc.count() == 1000);
    check_against_reference(acc, two_pass(d, 0, 1000), 1e-6);
  });
}

TEST(moments_without_logits_use_float64_logs) {
  const Data d = make_data(300, 40, 2);
  de::MomentAccumulator acc(d.neurons, 0);
  add_rows(&acc, d, 0, 300, false);
  for (int64_t j = 0; j < d.neurons; ++j) {
    long double sl = 0, sl1 = 0;
    for (int64_t r = 0; r < 300; ++r) {
      sl += std::log(static_cast<double>(d.o[r * 40 + j]));
      sl1 += std::log1p(-static_cast<double>(d.o[r * 40 + j]));
    }
    CHECK_NEAR(acc.sum_log()[j], static_cast<double>(sl), 1e-12);
    CHECK_NEAR(acc.sum_log1m()[j], static_cast<double>(sl1), 1e-12);
  }
  // Values outside [0, 1] make the log sums NaN (the geometric means are undefined there).
  const float bad[2] = {1.5f, -0.5f};
  de::MomentAccumulator b(2, 0);
  b.add(bad, 1, 2);
  CHECK(std::isnan(b.sum_log1m()[0]) && std::isnan(b.sum_log()[1]));
}

TEST(moments_explicit_logs) {
  const float values[6] = {0.2f, 0.5f, 0.9f, 0.1f, 0.3f, 0.6f};
  const float logO[6] = {-1.0f, -2.0f, -3.0f, -4.0f, -5.0f, -6.0f};
  de::MomentAccumulator acc(3, 0);
  acc.add_with_logs(values, logO, nullptr, 2, 3);  // log(1 − O) not given: computed from the values
  CHECK(acc.sum_log()[0] == -5.0 && acc.sum_log()[1] == -7.0 && acc.sum_log()[2] == -9.0);
  CHECK_NEAR(acc.sum_log1m()[2], std::log1p(-static_cast<double>(0.9f)) + std::log1p(-static_cast<double>(0.6f)), 1e-15);
}

TEST(moments_large_offset_no_cancellation) {
  // Values 1e4 + small noise: a one-pass Σx² formula would lose every digit of the variance.
  const int64_t rows = 2000, n = 5;
  std::vector<float> v(rows * n);
  std::mt19937 g(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (auto& x : v) x = 1e4f + u(g) * 0.01f;
  de::MomentAccumulator acc(n, 0);
  for (int64_t r = 0; r < rows; r += 300) acc.add(v.data() + r * n, std::min<int64_t>(300, rows - r), n);
  for (int64_t j = 0; j < n; ++j) {
    long double s = 0, s2 = 0, s3 = 0;
    for (int64_t r = 0; r < rows; ++r) s += v[r * n + j];
    const long double m = s / rows;
    for (int64_t r = 0; r < rows; ++r) {
      const long double dx = v[r * n + j] - m;
      s2 += dx * dx;
      s3 += dx * dx * dx;
    }
    CHECK_NEAR(acc.variance(j) / static_cast<double>(s2 / rows), 1.0, 1e-9);
    CHECK(std::fabs(acc.third_central(j) - static_cast<double>(s3 / rows)) <= 1e-9 * std::pow(static_cast<double>(s2 / rows), 1.5));
  }
}

TEST(moments_threads_bit_identical) {
  const Data d = make_data(600, 700, 4);
  de::MomentAccumulator one(d.neurons);
  add_rows(&one, d, 0, 600, true);
  for (int t = 2; t <= 3; ++t) {
    de::ThreadPool pool(t);
    de::MomentAccumulator acc(d.neurons);
    add_rows(&acc, d, 0, 600, true, &pool, t);
    CHECK_MSG(acc.serialize() == one.serialize(), "threads " << t);
  }
}

TEST(moments_shards_merge_to_whole) {
  for_each_kernel([] {
    const Data d = make_data(1500, 260, 5);
    de::MomentAccumulator whole(d.neurons, 40);
    add_rows(&whole, d, 0, 1500, true);
    de::MomentAccumulator a(d.neurons, 40), b(d.neurons, 40), c(d.neurons, 40), empty(d.neurons, 40);
    add_rows(&a, d, 0, 333, true);
    add_rows(&b, d, 333, 1001, true);
    add_rows(&c, d, 1001, 1500, true);
    CHECK(a.merge(empty).ok());
    CHECK(b.merge(c).ok());
    CHECK(a.merge(b).ok());
    CHECK(a.count() == 1500);
    auto rel = [](double x, double y) { return std::fabs(x - y) / std::fmax(std::fabs(y), 1e-300); };
    for (int64_t j = 0; j < d.neurons; ++j) {
      CHECK_MSG(rel(a.mean()[j], whole.mean()[j]) <= 1e-12, "mean " << j);
      CHECK_MSG(rel(a.m2()[j], whole.m2()[j]) <= 1e-12, "m2 " << j);
      CHECK_MSG(std::fabs(a.m3()[j] - whole.m3()[j]) <= 1e-12 * std::pow(whole.m2()[j], 1.5) / std::sqrt(1500.0), "m3 " << j);
      CHECK_MSG(rel(a.sum_log()[j], whole.sum_log()[j]) <= 1e-12, "sumLog " << j);
      CHECK_MSG(rel(a.sum_log1m()[j], whole.sum_log1m()[j]) <= 1e-12, "sumLog1m " << j);
      CHECK(a.min()[j] == whole.min()[j] && a.max()[j] == whole.max()[j]);
    }
    CHECK(a.histogram() == whole.histogram());
    de::MomentAccumulator other(d.neurons, 41);
    CHECK(a.merge(other).status == de::Status::InvalidArgument);
    de::MomentAccumulator narrow(d.neurons + 1, 40);
    CHECK(a.merge(narrow).status == de::Status::InvalidArgument);
  });
}

TEST(moments_log_sigmoid_stable) {
  const float zs[] = {-100.0f, -30.0f, -1.0f, -1e-3f, 0.0f, 1e-3f, 1.0f, 30.0f, 79.9f, 80.5f, 100.0f, 88.0f, -88.0f};
  using Fn = void (*)(const float*, int64_t, double*, double*);
  std::vector<Fn> fns = {de::cpu::log_sigmoid_pair_portable};
  if (de::cpu::kMomentsAvx2Compiled && de::cpu::cpu_has_avx2_fma()) fns.push_back(de::cpu::log_sigmoid_pair_avx2);
  if (de::cpu::kMomentsAvx512Compiled && de::cpu::cpu_has_avx512f()) fns.push_back(de::cpu::log_sigmoid_pair_avx512);
  for (Fn fn : fns) {
    const int64_t n = sizeof(zs) / sizeof(zs[0]);
    std::vector<double> lo(n), l1m(n);
    fn(zs, n, lo.data(), l1m.data());
    for (int64_t i = 0; i < n; ++i) {
      double a, b;
      ref_log_sigmoid(zs[i], &a, &b);
      CHECK(std::isfinite(lo[i]) && std::isfinite(l1m[i]));
      CHECK_MSG(std::fabs(lo[i] - a) <= 3e-7 * std::fabs(a), "z " << zs[i] << " log O " << lo[i] << " vs " << a);
      CHECK_MSG(std::fabs(l1m[i] - b) <= 3e-7 * std::fabs(b), "z " << zs[i] << " log(1-O) " << l1m[i] << " vs " << b);
    }
    CHECK(lo[0] == -100.0 && l1m[10] == -100.0);                    // log σ(−100) = −100 − 3.7e-44
    CHECK(l1m[0] < 0 && std::fabs(l1m[0] / -3.720075976020836e-44 - 1) < 1e-12);  // never log of a rounded O
    // A dense sweep: the float32 kernel stays within a few 1e-7 relative of the exact value.
    std::vector<float> sweep;
    for (float z = -90.0f; z <= 90.0f; z += 0.0137f) sweep.push_back(z);
    std::vector<double> s1(sweep.size()), s2(sweep.size());
    fn(sweep.data(), static_cast<int64_t>(sweep.size()), s1.data(), s2.data());
    double worst = 0;
    for (size_t i = 0; i < sweep.size(); ++i) {
      double a, b;
      ref_log_sigmoid(sweep[i], &a, &b);
      worst = std::fmax(worst, std::fmax(std::fabs(s1[i] - a) / std::fabs(a), std::fabs(s2[i] - b) / std::fabs(b)));
    }
    CHECK_MSG(worst < 3e-7, "worst relative error " << worst);
  }
  // ±inf and NaN logits take the exact path.
  const float special[3] = {INFINITY, -INFINITY, NAN};
  double lo[3], l1m[3];
  de::cpu::log_sigmoid_pair_portable(special, 3, lo, l1m);
  CHECK(lo[0] == 0.0 && std::isinf(l1m[0]) && l1m[0] < 0);
  CHECK(std::isinf(lo[1]) && lo[1] < 0 && l1m[1] == 0.0);
  CHECK(std::isnan(lo[2]) && std::isnan(l1m[2]));
}

TEST(moments_histogram_quantiles) {
  const int64_t rows = 20000;
  std::vector<float> v(rows * 2);
  std::mt19937 g(6);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int64_t r = 0; r < rows; ++r) {
    v[2 * r] = u(g);                         // uniform on [0, 1)
    v[2 * r + 1] = 0.25f + 2.0f * u(g);      // [0.25, 2.25): beyond the range, clamped into the last bin
  }
  de::MomentAccumulator acc(2, 50, 0.0, 1.0);
  acc.add(v.data(), rows, 2);
  uint64_t total = 0;
  for (int b = 0; b < 50; ++b) total += acc.histogram()[b];
  CHECK(total == static_cast<uint64_t>(rows));
  for (double q : {0.05, 0.25, 0.5, 0.75, 0.95}) CHECK_NEAR(acc.quantile(0, q), q, 0.02 + 4 * std::sqrt(q * (1 - q) / rows));
  CHECK(acc.quantile(0, 0.0) == acc.min()[0]);
  CHECK(acc.quantile(0, 1.0) == acc.max()[0]);
  CHECK(acc.quantile(1, 0.0) >= 0.25 && acc.quantile(1, 0.1) < 0.5);
  CHECK(acc.quantile(1, 0.99) <= acc.max()[1] && acc.quantile(1, 0.99) >= 0.98);  // clamped bin, bounded by max
  for (int64_t r = 0; r + 1 < rows; ++r) CHECK(acc.quantile(0, r / double(rows)) <= acc.quantile(0, (r + 1) / double(rows)));
  CHECK(std::isnan(acc.quantile(0, 1.5)) && std::isnan(acc.quantile(2, 0.5)));
  // NaN values are not counted in the histogram and ignored by min / max.
  const float withNan[2] = {NAN, 0.5f};
  de::MomentAccumulator n(1, 10);
  n.add(withNan, 2, 1);
  uint64_t c = 0;
  for (uint64_t h : n.histogram()) c += h;
  CHECK(c == 1 && n.min()[0] == 0.5 && n.max()[0] == 0.5);
}

TEST(moments_serialize_round_trip) {
  const Data d = make_data(200, 77, 7);
  de::MomentAccumulator acc(d.neurons, 16, -0.5, 1.5);
  add_rows(&acc, d, 0, 200, true);
  const std::vector<uint8_t> bytes = acc.serialize();
  de::MomentAccumulator back(1, 0);
  const de::Result r = de::MomentAccumulator::deserialize(bytes.data(), bytes.size(), &back);
  CHECK_MSG(r.ok(), r.message);
  CHECK(back.serialize() == bytes);
  CHECK(back.neurons() == 77 && back.count() == 200 && back.bins() == 16 && back.lo() == -0.5 && back.hi() == 1.5);
  CHECK(std::memcmp(back.m3().data(), acc.m3().data(), 77 * sizeof(double)) == 0);
  CHECK(back.histogram() == acc.histogram());
  // Little-endian header: magic then version 1.
  CHECK(std::memcmp(bytes.data(), "DEMOMACC", 8) == 0 && bytes[8] == 1 && bytes[9] == 0);
  // A restored accumulator keeps accumulating like the original.
  add_rows(&acc, d, 0, 50, true);
  add_rows(&back, d, 0, 50, true);
  CHECK(back.serialize() == acc.serialize());
}

TEST(moments_deserialize_rejects_corrupt) {
  const Data d = make_data(20, 9, 8);
  de::MomentAccumulator acc(d.neurons, 4);
  add_rows(&acc, d, 0, 20, true);
  const std::vector<uint8_t> good = acc.serialize();
  de::MomentAccumulator out(3, 0);
  // Every truncation, and a byte appended.
  for (size_t n = 0; n < good.size(); ++n)
    CHECK_MSG(de::MomentAccumulator::deserialize(good.data(), n, &out).status == de::Status::Corrupt, "length " << n);
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  CHECK(de::MomentAccumulator::deserialize(longer.data(), longer.size(), &out).status == de::Status::Corrupt);
  // Every single-byte change.
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> bad = good;
    bad[i] ^= 0x10;
    CHECK_MSG(de::MomentAccumulator::deserialize(bad.data(), bad.size(), &out).status == de::Status::Corrupt, "byte " << i);
  }
  // A huge neuron count is rejected from the length check, before any allocation.
  std::vector<uint8_t> huge = good;
  for (int b = 0; b < 8; ++b) huge[16 + b] = b == 7 ? 0x10 : 0xff;
  CHECK(de::MomentAccumulator::deserialize(huge.data(), huge.size(), &out).status == de::Status::Corrupt);
  CHECK(de::MomentAccumulator::deserialize(nullptr, 100, &out).status == de::Status::Corrupt);
  CHECK(out.neurons() == 3);  // untouched by the failures
  CHECK(de::MomentAccumulator::deserialize(good.data(), good.size(), nullptr).status == de::Status::InvalidArgument);
}
