// Gauss–Hermite quadrature for expectations under a Gaussian: E f(X), X ~ N(μ, σ²), as
// Σ w_i f(μ + √2·σ·x_i) / √π. Nodes and weights by Newton's method on the Hermite recurrence
// (Golub–Welsch would need an eigen-solver); 48 nodes integrate smooth transfer functions to
// ~1e-12 over the spreads that occur.
const N = 48;

function hermiteNodes(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const m = (n + 1) >> 1;
  let z = 0;
  for (let i = 0; i < m; i++) {
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * Math.pow(2 * n + 1, -0.16667);
    else if (i === 1) z -= (1.14 * Math.pow(n, 0.426)) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0]!;
    else if (i === 3) z = 1.91 * z - 0.91 * x[1]!;
    else z = 2 * z - x[i - 2]!;
    let pp = 0;
    for (let iter = 0; iter < 100; iter++) {
      // Orthonormal Hermite recurrence.
      let p1 = Math.pow(Math.PI, -0.25);
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-15) break;
    }
    x[i] = z;
    x[n - 1 - i] = -z;
    w[i] = 2 / (pp * pp);
    w[n - 1 - i] = w[i]!;
  }
  return { x, w };
}

const NODES = hermiteNodes(N);

/** E f(X) and E f(X)² for X ~ N(mu, sigma²). */
export function gaussianMoments(f: (x: number) => number, mu: number, sigma: number): { mean: number; second: number } {
  if (sigma === 0) {
    const v = f(mu);
    return { mean: v, second: v * v };
  }
  let mean = 0;
  let second = 0;
  const s = Math.SQRT2 * sigma;
  for (let i = 0; i < N; i++) {
    const v = f(mu + s * NODES.x[i]!);
    mean += NODES.w[i]! * v;
    second += NODES.w[i]! * v * v;
  }
  const norm = 1 / Math.sqrt(Math.PI);
  return { mean: mean * norm, second: second * norm };
}
