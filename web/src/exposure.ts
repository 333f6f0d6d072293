// The camera's exposure and tone curve in the 3D preview, as the renderer applies them
// (photoreal/renderer → render/tonemap.py): scene value = radiance · π / meter_lux, so a surface
// of albedo ρ under the metered light is ρ, then a filmic curve that keeps mid-grey at 0.18.
//
// The curve is three.js's ACESFilmicToneMapping. tonemap.py uses Narkowicz's fit of the ACES
// RRT+ODT; three.js uses Stephen Hill's fit of the same transform (applied in ACES AP1, whose
// matrices leave greys grey). Both pre-scaled so that 0.18 stays 0.18, they agree within 0.01
// of display value from 4 stops under mid-grey to 4 over (0.0028/0.0024 at -4, 0.388/0.393 at
// +1, 0.920/0.914 at +4). AgX, the other filmic curve three.js has, is flatter through the
// mid-tones and desaturates highlights, which the renderer's curve does not: ACES is the closer.

/** Stephen Hill's RRT+ODT fit, as three.js's tonemapping_pars_fragment has it. */
export function hillAces(v: number): number {
  return (v * (v + 0.0245786) - 0.000090537) / (v * (0.983729 * v + 0.432951) + 0.238081);
}

/** k with hillAces(k · 0.18) = 0.18, by bisection (tonemap._mid_grey_scale does the same for
 * its curve): the mid-tones keep the camera's exposure. */
function midGreyScale(): number {
  let lo = 0.1;
  let hi = 5;
  for (let i = 0; i < 60; i += 1) {
    const mid = (lo + hi) / 2;
    if (hillAces(mid * 0.18) < 0.18) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** ≈ 1.462. */
export const MID_GREY_SCALE = midGreyScale();

/** `renderer.toneMappingExposure` for a camera exposed for `meterLux` lux.
 *
 * A Lambertian surface of albedo ρ under E lux leaves three.js's shader as ρ·E/π (lights in
 * physical units: candela, nits, lux), and ACESFilmicToneMapping multiplies by exposure / 0.6
 * before the curve; so exposure = 0.6 · k · π / meter_lux gives the curve k · ρ·E/meter_lux,
 * the renderer's scene value times its own mid-grey scale. */
export function toneMappingExposure(meterLux: number): number {
  return (0.6 * MID_GREY_SCALE * Math.PI) / meterLux;
}
