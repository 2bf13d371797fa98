// The forward pass of Eq. 1–3 / 9 for a batch of rows, and the gates it draws.
#include <string>
#include <vector>

#include "core/activations.h"
#include "core/connection_dropout.h"
#include "core/gemm.h"
#include "core/masks.h"
#include "core/network.h"
#include "core/parallel_rows.h"

namespace de {

Result fill_unit_masks(const Network& net, uint64_t seed, MaskPurpose purpose, uint64_t row0, int64_t rows,
                       int l, uint8_t* out, int threads) {
  if (l < 0 || l >= net.top()) return Result::error(Status::InvalidArgument, "mask layer must be in [0, L)");
  MaskArgs a;
  a.seed = seed;
  a.stream = unit_stream(purpose, l);
  a.row0 = row0;
  a.rows = rows;
  a.cols = net.units(l);
  a.thresholds = net.thresholds(l);
  a.out = out;
  a.ld = net.units(l);
  return bernoulli_mask_u8(a, net.pool(), threads);
}

static ConnectionGates philox_gates(const Network& net, int e, uint64_t seed, MaskPurpose purpose, uint64_t row0) {
  const Network::Edge& ed = net.edges()[e];
  ConnectionGates g;
  g.unitsH = net.units(ed.h);
  g.unitsL = net.units(ed.l);
  g.seed = seed;
  g.stream = connection_stream(purpose, ed.h, ed.l);
  g.row0 = row0;
  g.thresholds = net.thresholds(ed.l);
  return g;
}

Result fill_connection_masks(const Network& net, uint64_t seed, MaskPurpose purpose, uint64_t row0,
                             int64_t rows, int e, uint8_t* out, int threads) {
  if (e < 0 || e >= static_cast<int>(net.edges().size())) return Result::error(Status::InvalidArgument, "no such edge");
  const ConnectionGates g = philox_gates(net, e, seed, purpose, row0);
  const int64_t per = g.unitsH * g.unitsL;
  net.pool()->parallel_for(rows, threads, [&](int64_t r, int) {
    for (int64_t o = 0; o < g.unitsH; ++o) g.row(r, o, out + r * per + o * g.unitsL);
  });
  return Result::success();
}

// The gates of edge e for this call: given bytes, or Philox. Only for connection dropout.
static ConnectionGates edge_gates(const Network& net, int e, const MaskSource& m) {
  ConnectionGates g = philox_gates(net, e, m.seed, m.purpose, m.row0);
  if (m.mode == MaskMode::Given) {
    static const uint8_t* const none = nullptr;
    g.given = static_cast<size_t>(e) < m.connections.size() ? m.connections[e] : none;
  }
  return g;
}

static bool connection_given_all_ones(const MaskSource& m, int e) {
  return m.mode == MaskMode::Given && (static_cast<size_t>(e) >= m.connections.size() || !m.connections[e]);
}

Result check_forward_buffers(const Network& net, int64_t rows, const MaskSource& masks, const ForwardBuffers& buf) {
  const int L = net.top();
  if (rows < 0) return Result::error(Status::InvalidArgument, "rows must be >= 0");
  if (static_cast<int>(buf.S.size()) != L + 1 || static_cast<int>(buf.O.size()) != L + 1) {
    return Result::error(Status::InvalidArgument, "forward buffers need L + 1 entries of S and O");
  }
  for (int h = 1; h <= L; ++h) {
    if (!buf.S[h] || !buf.O[h]) return Result::error(Status::InvalidArgument, "forward buffer of layer " + std::to_string(h) + " is null");
  }
  if (masks.mode == MaskMode::Given) {
    if (masks.units.size() > static_cast<size_t>(L) || masks.connections.size() > net.edges().size()) {
      return Result::error(Status::InvalidArgument, "too many given masks");
    }
  }
  return Result::success();
}

Result forward(const Network& net, const float* input, int64_t rows, const MaskSource& masks,
               const ForwardBuffers& buf, int threads, Precision precision) {
  Result r = check_forward_buffers(net, rows, masks, buf);
  if (!r.ok() || rows == 0) return r;
  const int L = net.top();
  const bool connections = net.spec().dropout == DropoutMode::Connections && masks.mode != MaskMode::None;

  // Unit gates of every source layer, drawn once and shared by all readers (Eq. 2/9).
  UnitGates gates;
  r = gather_unit_gates(net, masks, rows, buf.unitMasks, threads, &gates);
  if (!r.ok()) return r;
  const std::vector<const uint8_t*>& unitMask = gates.mask;

  for (int h = 1; h <= L; ++h) {
    const int64_t nh = net.units(h);
    float* S = buf.S[h];
    bool first = true;
    for (int e : net.edges_into(h)) {
      const int l = net.edges()[e].l;
      const int64_t nl = net.units(l);
      const float* A = l == 0 ? input : buf.O[l];
      if (connections && !net.keeps_all(l) && !connection_given_all_ones(masks, e)) {
        ConnectionGates g = edge_gates(net, e, masks);
        if (masks.mode == MaskMode::Philox && static_cast<size_t>(e) < buf.connectionGates.size()) g.record = buf.connectionGates[e];
        connection_forward(g, rows, A, net.weights(e), net.bias(h), !first, S, net.pool(), threads);
      } else {
        GemmArgs g;
        g.M = rows; g.N = nh; g.K = nl;
        g.ta = Trans::No; g.A = A; g.lda = nl;
        if (unitMask[l]) { g.aMask = unitMask[l]; g.ldaMask = nl; }
        if (masks.mode == MaskMode::None && masks.weightScaled && !net.keeps_all(l)) g.aScale = net.keep(l).data();
        g.tb = Trans::Yes; g.B = net.weights(e); g.ldb = nl;
        g.C = S; g.ldc = nh;
        g.beta = first ? 0.0f : 1.0f;
        g.bias = first ? net.bias(h) : nullptr;
        g.precision = precision;
        r = masked_gemm(g, net.pool(), threads);
        if (!r.ok()) return r;
      }
      first = false;
    }
    if (first) {  // reads nothing (cannot happen with a normalised spec): S = bias
      for (int64_t i = 0; i < rows; ++i) std::copy(net.bias(h), net.bias(h) + nh, S + i * nh);
    }
    const LayerSpec& spec = net.layer(h);
    float* O = buf.O[h];
    parallel_rows(net.pool(), threads, rows, nh, [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0; i < r1; ++i) activate_row(spec, S + i * nh, O + i * nh, nh);
    });
  }
  return Result::success();
}

Result gather_unit_gates(const Network& net, const MaskSource& masks, int64_t rows,
                         const std::vector<uint8_t*>& out, int threads, UnitGates* gates) {
  const int L = net.top();
  gates->mask.assign(static_cast<size_t>(L), nullptr);
  gates->owned.clear();
  if (net.spec().dropout == DropoutMode::Connections || masks.mode == MaskMode::None) return Result::success();
  for (int l = 0; l < L; ++l) {
    if (net.keeps_all(l) || net.edges_from(l).empty()) continue;
    if (masks.mode == MaskMode::Given) {
      gates->mask[l] = static_cast<size_t>(l) < masks.units.size() ? masks.units[l] : nullptr;
      continue;
    }
    uint8_t* dst = static_cast<size_t>(l) < out.size() ? out[l] : nullptr;
    if (!dst) {
      gates->owned.emplace_back(static_cast<size_t>(rows * net.units(l)));
      dst = gates->owned.back().data();  // the buffer survives later moves of the outer vector
    }
    Result r = fill_unit_masks(net, masks.seed, masks.purpose, masks.row0, rows, l, dst, threads);
    if (!r.ok()) return r;
    gates->mask[l] = dst;
  }
  return Result::success();
}

}  // namespace de
