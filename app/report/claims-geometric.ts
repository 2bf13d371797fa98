// Claims rows for Section 4's approximations by the geometric means: E − G ≈ V (Eqs. 17–21) and
// "the NWGM is a better approximation to E than G", judged per E bin over every hidden neuron-input.
import { finiteNumbers, num, pct } from './claim-format.js';
import type { Claim, GeometricGapBin, GeometricGapSummary, NwgmBetterCount } from './results.js';

/** E − G ≈ V is taken to hold in a bin where the median (E − G)/V lies in this range (and likewise for G′). */
export const E_MINUS_G_RANGE: readonly [number, number] = [0.8, 1.25];
/** Bins with fewer neuron-inputs are reported but not judged. */
export const MIN_BIN_COUNT = 20;
/** "NWGM better than G" is taken to hold when it does for at least this fraction of neuron-inputs. */
export const NWGM_BETTER_FRACTION = 0.99;

const binName = (b: GeometricGapBin) => `[${b.lo}, ${b.hi}${b.hi === 1 ? ']' : ')'}`;
const fraction = (k: NwgmBetterCount) => (k.count ? k.nwgmBetter / k.count : NaN);
const within = (x: number, [lo, hi]: readonly [number, number]) => x >= lo && x <= hi;

export function eMinusGClaim(g: GeometricGapSummary): Claim {
  const judged = g.bins.filter((b) => b.count >= MIN_BIN_COUNT);
  const agrees = judged.length > 0 && judged.every((b) => within(b.medianEMinusGOverV, E_MINUS_G_RANGE) && within(b.medianComplementOverV, E_MINUS_G_RANGE));
  return {
    id: 'e-minus-g',
    paper: 'To second order, E − G ≈ V and 1 − E − G′ ≈ V, with V = Var(O) (Eqs. 17–21).',
    measured: `Median (E − G)/V and (1 − E − G′)/V by E bin, beside the leading terms 1/(2E) and 1/(2(1 − E)) at the bin's median E: ` +
      g.bins.map((b) => `E in ${binName(b)} (${b.count}): ${num(b.medianEMinusGOverV, 2)} (1/(2E) ${num(b.leadingEMinusGOverV, 2)}) and ${num(b.medianComplementOverV, 2)} (${num(b.leadingComplementOverV, 2)})`).join('; ') +
      `; over the hidden neuron-inputs with V ≥ ${g.minVariance.toExponential(0)}. The expansion is around O = 0.5: for a small spread E − G ≈ V/(2E), which is V only at E = 0.5.`,
    agrees,
    criterion: `both medians within [${E_MINUS_G_RANGE[0]}, ${E_MINUS_G_RANGE[1]}] in every E bin holding at least ${MIN_BIN_COUNT} neuron-inputs (and in at least one such bin)`,
    numbers: finiteNumbers(g.bins.flatMap((b): Array<[string, number]> => [
      [`count${binName(b)}`, b.count], [`medianE${binName(b)}`, b.medianE],
      [`eMinusGOverV${binName(b)}`, b.medianEMinusGOverV], [`complementOverV${binName(b)}`, b.medianComplementOverV],
      [`leadingEMinusGOverV${binName(b)}`, b.leadingEMinusGOverV], [`leadingComplementOverV${binName(b)}`, b.leadingComplementOverV],
    ])),
  };
}

export function nwgmVsGClaim(g: GeometricGapSummary): Claim {
  const overall = fraction(g.all);
  const part = (k: NwgmBetterCount) => (k.count ? `${pct(fraction(k), 1)} of ${k.count}` : 'none');
  return {
    id: 'nwgm-vs-g',
    paper: 'The NWGM is a better approximation to E than the geometric mean G (Section 4).',
    measured: `|E − NWGM| < |E − G| for ${pct(overall, 2)} of ${g.all.count} hidden neuron-inputs with V ≥ ${g.minVariance.toExponential(0)}: ${part(g.lowE)} with E ≤ 2/3, ${part(g.highE)} with E > 2/3. ` +
      `Median |E − NWGM|/|E − G| by E bin, beside its small-spread limit |1 − 2E|/(1 − E) (above 1 for E > 2/3): ` +
      g.bins.map((b) => `${binName(b)} ${num(b.medianNwgmToGeometric, 3)} (${num(b.leadingNwgmToGeometric, 3)})`).join(', ') + '.',
    agrees: overall >= NWGM_BETTER_FRACTION,
    criterion: `|E − NWGM| < |E − G| for at least ${pct(NWGM_BETTER_FRACTION, 0)} of the hidden neuron-inputs with V ≥ ${g.minVariance.toExponential(0)}`,
    numbers: finiteNumbers([
      ['fraction', overall], ['units', g.all.count], ['fractionLowE', fraction(g.lowE)], ['unitsLowE', g.lowE.count],
      ['fractionHighE', fraction(g.highE)], ['unitsHighE', g.highE.count],
      ...g.bins.flatMap((b): Array<[string, number]> => [[`ratio${binName(b)}`, b.medianNwgmToGeometric], [`leadingRatio${binName(b)}`, b.leadingNwgmToGeometric]]),
    ]),
  };
}
