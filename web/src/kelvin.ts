// Colour temperature → display colour, the same model as prolight.domain.physics.kelvin: the Planckian
// locus below 4,000 K (Krystek 1985), the CIE daylight locus from 4,000 K, CIE XYZ → linear sRGB,
// white-balanced (von Kries) to the camera, brightest channel scaled to 1, sRGB-encoded.

const XYZ_TO_SRGB = [
  [3.2404542, -1.5371385, -0.4985314],
  [-0.969266, 1.8760108, 0.041556],
  [0.0556434, -0.2040259, 1.0572252],
];

function planckianXy(t: number): [number, number] {
  const u = (0.860117757 + 1.54118254e-4 * t + 1.28641212e-7 * t * t) /
    (1 + 8.42420235e-4 * t + 7.08145163e-7 * t * t);
  const v = (0.317398726 + 4.22806245e-5 * t + 4.20481691e-8 * t * t) /
    (1 - 2.89741816e-5 * t + 1.61456053e-7 * t * t);
  const d = 2 * u - 8 * v + 4;
  return [(3 * u) / d, (2 * v) / d];
}

function daylightXy(t: number): [number, number] {
  const x = t <= 7000
    ? -4.607e9 / t ** 3 + 2.9678e6 / t ** 2 + 0.09911e3 / t + 0.244063
    : -2.0064e9 / t ** 3 + 1.9018e6 / t ** 2 + 0.24748e3 / t + 0.23704;
  return [x, -3 * x * x + 2.87 * x - 0.275];
}

function linear(kelvin: number): number[] {
  const k = Math.min(Math.max(kelvin, 1000), 25000);
  const [x, y] = k < 4000 ? planckianXy(k) : daylightXy(k);
  const xyz = [x / y, 1, (1 - x - y) / y];
  return XYZ_TO_SRGB.map((row) => row[0] * xyz[0] + row[1] * xyz[1] + row[2] * xyz[2]);
}

function encode(c: number): number {
  const v = Math.min(Math.max(c, 0), 1);
  return v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
}

/** Linear RGB of a light at `kelvin` under a camera balanced to `whiteBalanceK`, peak 1. */
export function kelvinToLinear(kelvin: number, whiteBalanceK = 6504): [number, number, number] {
  const light = linear(kelvin);
  const white = linear(whiteBalanceK);
  const balanced = light.map((c, i) => Math.max(c / Math.max(white[i], 1e-4), 0));
  const peak = Math.max(...balanced) || 1;
  return [balanced[0] / peak, balanced[1] / peak, balanced[2] / peak];
}

/** '#rrggbb' swatch of a light (prolight.domain.physics.kelvin.kelvin_to_srgb_hex). */
export function kelvinToHex(kelvin: number, whiteBalanceK = 6504): string {
  return "#" + kelvinToLinear(kelvin, whiteBalanceK)
    .map((c) => Math.round(encode(c) * 255).toString(16).padStart(2, "0")).join("");
}

/** Colour temperature after a gel, mixing in mireds (prolight.domain.schema.light.effective_kelvin). */
export function effectiveKelvin(kelvin: number, gel: { kind: string; amount: number } | null | undefined): number {
  if (!gel) return kelvin;
  const shift = gel.kind === "cto" ? 159 * gel.amount : gel.kind === "ctb" ? -137 * gel.amount : gel.amount;
  const mired = 1e6 / kelvin + shift;
  return 1e6 / Math.max(mired, 1e6 / 40000);
}
