// The backward pass: dW_hl = dS_hᵀ·(O_l ⊙ δ_l), db_h = Σ_rows dS_h, dO_l = Σ_h (dS_h·W_hl) ⊙ δ_l,
// dS_l = dO_l ⊙ f′(S_l). Unit gates enter the products while packing (masked_gemm); connection
// gates go through the dedicated kernels.
#include <string>
#include <vector>

#include "core/connection_dropout.h"
#include "core/gemm.h"
#include "core/layer_delta.h"
#include "core/masks.h"
#include "core/network.h"

namespace de {

Result check_forward_buffers(const Network& net, int64_t rows, const MaskSource& masks, const ForwardBuffers& buf);

Result backward(const Network& net, const float* input, int64_t rows, const MaskSource& masks,
                const ForwardBuffers& fwd, const std::vector<float*>& dS, float* grad, int threads,
                Precision precision) {
  Result r = check_forward_buffers(net, rows, masks, fwd);
  if (!r.ok()) return r;
  const int L = net.top();
  if (static_cast<int>(dS.size()) != L + 1) return Result::error(Status::InvalidArgument, "dS needs L + 1 entries");
  for (int h = 1; h <= L; ++h) {
    if (!dS[h]) return Result::error(Status::InvalidArgument, "dS of layer " + std::to_string(h) + " is null");
  }
  if (masks.mode == MaskMode::None && masks.weightScaled) {
    return Result::error(Status::InvalidArgument, "backward of the weight-scaled network is not defined");
  }
  const bool connections = net.spec().dropout == DropoutMode::Connections && masks.mode != MaskMode::None;
  ThreadPool* pool = net.pool();

  // The unit gates of the forward pass: given, or redrawn from the same Philox positions.
  UnitGates gates;
  r = gather_unit_gates(net, masks, rows, {}, threads, &gates);
  if (!r.ok()) return r;
  const std::vector<const uint8_t*>& unitMask = gates.mask;

  std::vector<bool> started(static_cast<size_t>(L + 1), false);  // dS[l] holds a partial dO_l
  for (int h = L; h >= 1; --h) {
    const int64_t nh = net.units(h);
    float* d = dS[h];
    // dS_h = dO_h ⊙ f′(S_h) once every reader of h (all above it) has added to dO_h; db_h.
    layer_delta_and_bias(net.layer(h), h < L, started[h], fwd.S[h], fwd.O[h], d, rows, nh, grad + net.bias_offset(h), pool, threads);
    for (int e : net.edges_into(h)) {
      const int l = net.edges()[e].l;
      const int64_t nl = net.units(l);
      const float* A = l == 0 ? input : fwd.O[l];
      float* dW = grad + net.edges()[e].offset;
      const bool gated = connections && !net.keeps_all(l) &&
                         !(masks.mode == MaskMode::Given &&
                           (static_cast<size_t>(e) >= masks.connections.size() || !masks.connections[e]));
      if (gated) {
        ConnectionGates g;
        g.unitsH = nh; g.unitsL = nl;
        g.seed = masks.seed; g.stream = connection_stream(masks.purpose, h, l); g.row0 = masks.row0;
        g.thresholds = net.thresholds(l);
        if (masks.mode == MaskMode::Given) g.given = masks.connections[e];
        if (masks.mode == MaskMode::Philox && static_cast<size_t>(e) < fwd.connectionGates.size()) g.replay = fwd.connectionGates[e];
        connection_weight_grad(g, rows, d, A, dW, pool, threads);
        if (l > 0) connection_input_grad(g, rows, d, net.weights(e), started[l], dS[l], pool, threads);
      } else {
        GemmArgs gw;  // dW[nh × nl] = dᵀ · (A ⊙ δ_l)
        gw.M = nh; gw.N = nl; gw.K = rows;
        gw.ta = Trans::Yes; gw.A = d; gw.lda = nh;
        gw.tb = Trans::No; gw.B = A; gw.ldb = nl;
        if (unitMask[l]) { gw.bMask = unitMask[l]; gw.ldbMask = nl; }
        gw.C = dW; gw.ldc = nl;
        gw.precision = precision;
        r = masked_gemm(gw, pool, threads);
        if (!r.ok()) return r;
        if (l > 0) {
          GemmArgs ga;  // dO_l[rows × nl] (+)= (d · W) ⊙ δ_l
          ga.M = rows; ga.N = nl; ga.K = nh;
          ga.A = d; ga.lda = nh;
          ga.B = net.weights(e); ga.ldb = nl;
          ga.C = dS[l]; ga.ldc = nl;
          ga.beta = started[l] ? 1.0f : 0.0f;
          if (unitMask[l]) { ga.cMask = unitMask[l]; ga.ldcMask = nl; }
          ga.precision = precision;
          r = masked_gemm(ga, pool, threads);
          if (!r.ok()) return r;
        }
      }
      if (l > 0) started[l] = true;
    }
  }
  return Result::success();
}

}  // namespace de
