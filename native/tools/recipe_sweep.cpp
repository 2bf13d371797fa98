// Training-recipe sweep for the paper's network (784-1200-1200-1200-1200-10, logistic hidden units,
// softmax top, keep 0.8 on the input and 0.5 on each hidden layer) on the 60,000 MNIST training
// digits: which recipe reaches <= 1.3% weight-scaled test error (Eq. 4/13 on the 10,000 test
// digits), and after how many epochs. Used to choose and document the CLI's --full preset.
//
// GPU mode (default): every recipe trains on its own CUDA context in its own thread (the engine is
// launch-bound at batch 100, so several streams share the H100 well), through the C ABI of
// cuda/cuda_api.h; at each evaluation the parameters are copied back and the weight-scaled network is
// evaluated on the host with de::predict (the CPU engine, same semantics). CPU mode (--cpu) trains one
// recipe with de::train instead: a smoke test of this program, and the CPU seconds per epoch.
//
//   de_recipe_sweep --data DIR [--cpu] [--limit N] [--epochs E] [--budget SECONDS] [--only NAME,...]
//                   [--threads T] [--eval-threads T]
// DIR holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte (each may also be NAME.gz when built with zlib). One line per evaluation:
//   EVAL recipe=<name> epoch=<e> test_error=<percent> train_loss=<mean> seconds=<since start>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#ifdef DE_HAVE_ZLIB
#include <zlib.h>
#endif

#include "core/network.h"
#include "core/predict.h"
#include "core/trainer.h"
#ifdef DE_RECIPE_CUDA
#include "cuda/host/cuda_loader.h"
#endif

namespace {

std::mutex printLock;

template <typename... A>
void say(const char* fmt, A... a) {
  std::lock_guard<std::mutex> g(printLock);
  std::printf(fmt, a...);
  std::fflush(stdout);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ---- MNIST IDX files (plain, or gzipped when zlib is available) ----

bool read_file(const std::string& path, std::vector<uint8_t>* out) {
#ifdef DE_HAVE_ZLIB
  for (const std::string& p : {path, path + ".gz"}) {
    gzFile f = gzopen(p.c_str(), "rb");  // reads plain files too
    if (!f) continue;
    out->clear();
    uint8_t buf[1 << 16];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0) out->insert(out->end(), buf, buf + n);
    const bool ok = n == 0;
    gzclose(f);
    return ok;
  }
  return false;
#else
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  out->clear();
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->insert(out->end(), buf, buf + n);
  std::fclose(f);
  return true;
#endif
}

uint32_t be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }

struct Digits {
  std::vector<float> x;        // [count × 784], pixels / 255
  std::vector<int32_t> labels; // [count]
  int64_t count = 0;
};

bool load_digits(const std::string& dir, const char* prefix, int64_t limit, Digits* d, std::string* why) {
  std::vector<uint8_t> img, lab;
  const std::string ip = dir + "/" + prefix + "-images-idx3-ubyte", lp = dir + "/" + prefix + "-labels-idx1-ubyte";
  if (!read_file(ip, &img)) return *why = "cannot read " + ip, false;
  if (!read_file(lp, &lab)) return *why = "cannot read " + lp, false;
  if (img.size() < 16 || be32(&img[0]) != 0x803 || lab.size() < 8 || be32(&lab[0]) != 0x801)
    return *why = std::string("bad IDX magic in ") + prefix, false;
  const int64_t n = be32(&img[4]), rows = be32(&img[8]), cols = be32(&img[12]);
  if (rows * cols != 784 || int64_t(img.size()) != 16 + n * 784 || int64_t(lab.size()) != 8 + n || be32(&lab[4]) != n)
    return *why = std::string("IDX sizes do not match in ") + prefix, false;
  d->count = limit > 0 ? std::min(limit, n) : n;
  d->x.resize(d->count * 784);
  d->labels.resize(d->count);
  for (int64_t i = 0; i < d->count * 784; ++i) d->x[i] = img[16 + i] / 255.0f;
  for (int64_t i = 0; i < d->count; ++i) d->labels[i] = lab[8 + i];
  return true;
}

// ---- the paper's network and the recipes ----

de::NetworkSpec paper_spec(int threads) {
  de::NetworkSpec s;
  s.inputs = 784;
  s.inputKeep.assign(784, 0.8f);
  for (int h = 1; h <= 5; ++h) {
    de::LayerSpec y;
    y.units = h < 5 ? 1200 : 10;
    y.activation = h < 5 ? de::Activation::Logistic : de::Activation::Softmax;
    if (h < 5) y.keep.assign(1200, 0.5f);
    s.layers.push_back(y);
  }
  s.seed = 1;
  s.threads = threads;
  return s;
}

enum class Init { Engine, Small };

struct Recipe {
  std::string name;
  de::OptimizerKind optimizer;
  double lr0, decay;            // learning rate lr0·decay^epoch
  double mom0, mom1, momRamp;   // SGD momentum (Adam β1 = mom1): mom0 → mom1 linearly over momRamp epochs
  bool hintonScale;             // SGD: step (1 − momentum)·lr (Hinton et al. 2012's update)
  float maxNorm;
  Init init;
  int64_t batch;

  double lr(int64_t e) const {
    const double m = momentum(e);
    return lr0 * std::pow(decay, double(e)) * (hintonScale ? 1.0 - m : 1.0);
  }
  double momentum(int64_t e) const { return e >= momRamp ? mom1 : mom0 + (mom1 - mom0) * e / momRamp; }
};

std::vector<Recipe> all_recipes() {
  using O = de::OptimizerKind;
  return {
      // The preset as written before this sweep.
      {"adam1e-3_d0.96_mn3.5", O::Adam, 1e-3, 0.96, 0.9, 0.9, 1, false, 3.5f, Init::Engine, 100},
      {"adam1e-3_d0.98_mn3.5", O::Adam, 1e-3, 0.98, 0.9, 0.9, 1, false, 3.5f, Init::Engine, 100},
      {"adam1e-3_d0.99_mn3.5", O::Adam, 1e-3, 0.99, 0.9, 0.9, 1, false, 3.5f, Init::Engine, 100},
      {"adam5e-4_d0.98_mn3.5", O::Adam, 5e-4, 0.98, 0.9, 0.9, 1, false, 3.5f, Init::Engine, 100},
      {"adam1e-3_d0.96_mn3.5_small", O::Adam, 1e-3, 0.96, 0.9, 0.9, 1, false, 3.5f, Init::Small, 100},
      {"adam1e-3_d0.98_mn3.5_small", O::Adam, 1e-3, 0.98, 0.9, 0.9, 1, false, 3.5f, Init::Small, 100},
      // Hinton et al. 2012: Δw ← p·Δw − (1−p)·ε·∇, ε = 10·0.998^epoch, p 0.5 → 0.99 over 500 epochs, max-norm 15.
      {"hinton_sgd_eps10_mn15", O::Sgd, 10.0, 0.998, 0.5, 0.99, 500, true, 15.0f, Init::Engine, 100},
      {"hinton_sgd_eps10_mn15_small", O::Sgd, 10.0, 0.998, 0.5, 0.99, 500, true, 15.0f, Init::Small, 100},
  };
}

// Engine init is what de::Network::create made; Small replaces every weight with U(±1/√fan_in),
// fan_in = units of the source layer (Section 5.3's learning phases assume small initial weights).
void apply_init(de::Network& net, Init init, uint64_t seed) {
  if (init == Init::Engine) return;
  std::mt19937_64 g(seed);
  for (size_t e = 0; e < net.edges().size(); ++e) {
    const auto& ed = net.edges()[e];
    const float a = float(1.0 / std::sqrt(double(net.units(ed.l))));
    std::uniform_real_distribution<float> u(-a, a);
    float* w = net.weights(int(e));
    for (int64_t i = 0; i < net.units(ed.h) * net.units(ed.l); ++i) w[i] = u(g);
  }
}

// Weight-scaled (Eq. 4/13) test error in percent.
double test_error(const de::Network& net, const Digits& test, std::vector<float>* scratch) {
  scratch->resize(test.count * 10);
  de::PredictOptions po;  // monteCarlo = false: weight scaling
  po.batch = 500;
  de::Result r = de::predict(net, test.x.data(), test.count, po, scratch->data());
  if (!r.ok()) {
    say("predict failed: %s\n", r.message.c_str());
    return NAN;
  }
  int64_t wrong = 0;
  for (int64_t i = 0; i < test.count; ++i) {
    const float* o = scratch->data() + i * 10;
    if (std::max_element(o, o + 10) - o != test.labels[i]) ++wrong;
  }
  return 100.0 * wrong / test.count;
}

bool evaluate_now(int64_t epoch, int64_t every) { return epoch <= 2 || epoch == 5 || epoch % every == 0; }

struct Options {
  std::string data = ".devdata";
  bool cpu = false;
  int64_t limit = 0, epochs = 300, evalEvery = 5;
  double budget = 180;
  int threads = 2, evalThreads = 4;
  std::vector<std::string> only;
};

struct Outcome {
  double best = 1e9;
  int64_t bestEpoch = 0, firstUnder = -1, epochs = 0;
  double secondsPerEpoch = 0;
};

void record(const Recipe& r, int64_t epoch, double err, double loss, double t, Outcome* o) {
  say("EVAL recipe=%s epoch=%lld test_error=%.2f train_loss=%.4f seconds=%.1f\n", r.name.c_str(), (long long)epoch, err,
      loss, t);
  if (err < o->best) o->best = err, o->bestEpoch = epoch;
  if (err <= 1.3 && o->firstUnder < 0) o->firstUnder = epoch;
}

// ---- CPU: de::train, one epoch per call (resumable state carries the schedule's position) ----

Outcome run_cpu(const Recipe& r, const Options& opt, const Digits& train, const Digits& test) {
  Outcome o;
  std::unique_ptr<de::Network> net;
  de::Result res = de::Network::create(paper_spec(opt.threads), &net);
  if (!res.ok()) return say("network: %s\n", res.message.c_str()), o;
  apply_init(*net, r.init, 7);
  std::vector<float> scratch;
  const auto t0 = std::chrono::steady_clock::now();
  double trainSeconds = 0;
  for (int64_t e = 0; e < opt.epochs && seconds_since(t0) < opt.budget; ++e) {
    de::TrainOptions to;
    to.epochs = 1;
    to.batchSize = r.batch;
    to.optimizer = r.optimizer;
    to.learningRate = {float(r.lr(e))};
    to.momentum = {float(r.momentum(e))};
    to.beta1 = float(r.mom1);
    to.maxNorm = r.maxNorm;
    to.seed = 2;
    std::vector<de::EpochRecord> hist;
    de::TrainData td;
    td.inputs = train.x.data();
    td.count = train.count;
    td.targets.labels = train.labels.data();
    const auto te = std::chrono::steady_clock::now();
    res = de::train(*net, td, to, &hist);
    trainSeconds += seconds_since(te);
    if (!res.ok()) return say("train: %s\n", res.message.c_str()), o;
    o.epochs = e + 1;
    if (evaluate_now(e + 1, opt.evalEvery))
      record(r, e + 1, test_error(*net, test, &scratch), hist.empty() ? NAN : hist.back().loss, seconds_since(t0), &o);
  }
  o.secondsPerEpoch = trainSeconds / std::max<int64_t>(o.epochs, 1);
  say("CPU recipe=%s threads=%d examples=%lld seconds_per_epoch=%.2f examples_per_second=%.0f\n", r.name.c_str(),
      opt.threads, (long long)train.count, o.secondsPerEpoch, train.count / o.secondsPerEpoch);
  return o;
}

// ---- GPU: the CUDA engine through its C ABI, one context per recipe ----

#ifdef DE_RECIPE_CUDA
struct CudaSpec {  // DeCudaNetSpec of a normalised de::NetworkSpec
  std::vector<std::vector<int32_t>> from;
  std::vector<DeCudaLayer> layers;
  DeCudaNetSpec spec{};
  CudaSpec(const de::NetworkSpec& s, int64_t maxRows) {
    for (const de::LayerSpec& y : s.layers) {
      from.emplace_back(y.from.begin(), y.from.end());
      DeCudaLayer c{};
      c.units = y.units;
      c.activation = int32_t(y.activation);
      c.c = y.c;
      c.lambda = y.lambda;
      c.h_keep = y.keep.empty() ? nullptr : y.keep.data();
      layers.push_back(c);
    }
    for (size_t i = 0; i < layers.size(); ++i) {
      layers[i].n_from = int32_t(from[i].size());
      layers[i].h_from = from[i].data();
    }
    spec.inputs = s.inputs;
    spec.h_input_keep = s.inputKeep.data();
    spec.dropout = 0;
    spec.n_layers = int32_t(layers.size());
    spec.layers = layers.data();
    spec.max_rows = maxRows;
  }
};

Outcome run_gpu(const DeCudaApi* api, const Recipe& r, const Options& opt, const Digits& train, const Digits& test,
                std::chrono::steady_clock::time_point t0) {
  Outcome o;
  DeCudaContext* ctx = nullptr;
  DeCudaNet* gnet = nullptr;
  char msg[512] = "";
  auto fail = [&](const char* what) {
    say("FAIL recipe=%s %s: %s\n", r.name.c_str(), what, ctx ? api->last_error(ctx) : msg);
    if (gnet) api->net_destroy(gnet);
    if (ctx) api->destroy(ctx);
    return o;
  };
  std::unique_ptr<de::Network> host;  // the same spec: initial weights, and the weight-scaled evaluation
  de::Result res = de::Network::create(paper_spec(opt.evalThreads), &host);
  if (!res.ok()) return say("network: %s\n", res.message.c_str()), o;
  apply_init(*host, r.init, 7);
  if (api->create(0, &ctx, msg, sizeof msg) != 0) return fail("create");
  CudaSpec cs(host->spec(), r.batch);
  if (api->net_create(ctx, &cs.spec, &gnet) != 0) return fail("net_create");
  if (api->net_set_params(gnet, host->params(), host->param_count()) != 0) return fail("net_set_params");
  if (api->net_set_data(gnet, train.x.data(), train.count, train.labels.data(), nullptr) != 0) return fail("net_set_data");
  std::vector<int64_t> order;
  std::vector<float> scratch;
  const int64_t stepsPerEpoch = (train.count + r.batch - 1) / r.batch;
  double trainSeconds = 0;
  for (int64_t e = 0; e < opt.epochs && seconds_since(t0) < opt.budget; ++e) {
    de::epoch_order(2, e, train.count, &order);
    DeCudaTrainArgs t{};
    t.optimizer = int32_t(r.optimizer);
    t.loss = 0;
    t.learning_rate = float(r.lr(e));
    t.momentum = float(r.momentum(e));
    t.beta1 = float(r.mom1);
    t.beta2 = 0.999f;
    t.epsilon = 1e-8f;
    t.max_norm = r.maxNorm;
    t.seed = 2;
    t.mask_purpose = uint32_t(de::MaskPurpose::Train);
    double loss = 0;
    const auto te = std::chrono::steady_clock::now();
    if (api->net_train(gnet, &t, order.data(), 0, train.count, r.batch, uint64_t(e) * train.count, e * stepsPerEpoch,
                       &loss, nullptr) != 0)
      return fail("net_train");
    trainSeconds += seconds_since(te);
    o.epochs = e + 1;
    if (!std::isfinite(loss)) {
      say("DIVERGED recipe=%s epoch=%lld\n", r.name.c_str(), (long long)(e + 1));
      break;
    }
    if (evaluate_now(e + 1, opt.evalEvery) || seconds_since(t0) >= opt.budget) {
      if (api->net_get_params(gnet, host->params(), host->param_count()) != 0) return fail("net_get_params");
      record(r, e + 1, test_error(*host, test, &scratch), loss / train.count, seconds_since(t0), &o);
    }
  }
  o.secondsPerEpoch = trainSeconds / std::max<int64_t>(o.epochs, 1);
  api->net_destroy(gnet);
  api->destroy(ctx);
  return o;
}
#endif

bool parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--cpu") o->cpu = true;
    else if (a == "--data" && (v = value())) o->data = v;
    else if (a == "--limit" && (v = value())) o->limit = std::atoll(v);
    else if (a == "--epochs" && (v = value())) o->epochs = std::atoll(v);
    else if (a == "--eval-every" && (v = value())) o->evalEvery = std::max(1ll, std::atoll(v));
    else if (a == "--budget" && (v = value())) o->budget = std::atof(v);
    else if (a == "--threads" && (v = value())) o->threads = std::atoi(v);
    else if (a == "--eval-threads" && (v = value())) o->evalThreads = std::atoi(v);
    else if (a == "--only" && (v = value())) {
      std::string s = v;
      for (size_t p = 0; p <= s.size();) {
        const size_t q = std::min(s.find(',', p), s.size());
        if (q > p) o->only.push_back(s.substr(p, q - p));
        p = q + 1;
      }
    } else {
      std::fprintf(stderr, "unknown or incomplete argument: %s\n", a.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!parse(argc, argv, &opt)) return 2;
  Digits train, test;
  std::string why;
  if (!load_digits(opt.data, "train", opt.limit, &train, &why) || !load_digits(opt.data, "t10k", 0, &test, &why)) {
    std::fprintf(stderr, "%s\n", why.c_str());
    return 1;
  }
  std::vector<Recipe> recipes;
  for (const Recipe& r : all_recipes())
    if (opt.only.empty() || std::find(opt.only.begin(), opt.only.end(), r.name) != opt.only.end()) recipes.push_back(r);
  if (recipes.empty()) return std::fprintf(stderr, "no recipe selected\n"), 2;
  say("data: %lld training digits, %lld test digits; %zu recipes, budget %.0f s, up to %lld epochs\n",
      (long long)train.count, (long long)test.count, recipes.size(), opt.budget, (long long)opt.epochs);

  std::vector<Outcome> out(recipes.size());
  if (opt.cpu) {
    for (size_t i = 0; i < recipes.size(); ++i) out[i] = run_cpu(recipes[i], opt, train, test);
  } else {
#ifdef DE_RECIPE_CUDA
    const de::CudaBackend* b = nullptr;
    de::Result r = de::load_cuda_backend(&b);
    if (!r.ok()) return std::fprintf(stderr, "CUDA backend unavailable: %s\n", r.message.c_str()), 1;
    say("device: %s\n", b->device.c_str());
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (size_t i = 0; i < recipes.size(); ++i)
      workers.emplace_back([&, i] { out[i] = run_gpu(b->api, recipes[i], opt, train, test, t0); });
    for (auto& w : workers) w.join();
#else
    std::fprintf(stderr, "built without the CUDA backend: use --cpu\n");
    return 1;
#endif
  }
  for (size_t i = 0; i < recipes.size(); ++i)
    say("SUMMARY recipe=%s epochs=%lld best_error=%.2f at_epoch=%lld first_epoch_le_1.3=%lld seconds_per_epoch=%.3f\n",
        recipes[i].name.c_str(), (long long)out[i].epochs, out[i].best, (long long)out[i].bestEpoch,
        (long long)out[i].firstUnder, out[i].secondsPerEpoch);
  return 0;
}
