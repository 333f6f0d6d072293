// The studio's lights as three.js lights, matched to the renderer's emitters
// (libs/prolight/.../photoreal/studio.py) in place, shape, size and brightness.
//
// - A light whose beam is wider than `SPOT_BEAM_DEG` is an area light in the renderer (softbox
//   rectangle, 1:4 strip, octagon, disc, beauty-dish ring). Here it is a RectAreaLight of the
//   same rectangle (softbox, strip) or a square of the same area (the round faces), turned to
//   what it lights: its soft wrap and falloff. RectAreaLight casts no shadow, so for the lights
//   that cast the preview's shadows a SpotLight at the centre of the face, with a share of the
//   light (`shadowShare`), casts them, and its twin with minus that share cancels it wherever
//   the centre is seen: shadows `share` deep, and the area light's shading everywhere else. The
//   share shrinks as the source grows, as a big source's shadows are paler.
// - Grids, snoots and fresnels (beam ≤ 60°) are spots in the renderer and SpotLights here, with
//   the renderer's cut-off (0.65 × the beam) and start of the falloff (0.35 × the beam).
// - Brightness in physical units: each light puts its `onAxisLux` on a surface facing it
//   where it is aimed, as the renderer's radiance does (`emitter_radiance`): a RectAreaLight's
//   intensity is the face's luminance (nits), a SpotLight's is candela (lux · d²), decay 2.
// - Colour: the light's kelvin after its gel, white-balanced, at luminance 1 (as
//   physics.kelvin.kelvin_to_linear_rgb), so colour never changes brightness.

import * as THREE from "three";
import { RectAreaLightUniformsLib } from "three/addons/lights/RectAreaLightUniformsLib.js";
import { effectiveKelvin, kelvinToLinear } from "./kelvin";
import { MODIFIER_SPECS, type Light, type ModifierSpec, type Role, type Setup } from "./model";
import { onAxisLux } from "./photometry";

/** Beams this narrow or narrower are spots (studio.SPOT_BEAM_DEG), full angle in degrees. */
export const SPOT_BEAM_DEG = 60;
/** A background light stands at most this share of the backdrop's distance from the point it
 * lights (studio.BACKGROUND_REACH). */
export const BACKGROUND_REACH = 0.45;
/** A beauty dish's centre deflector as a share of its radius (studio.DISH_DEFLECTOR). */
const DISH_DEFLECTOR = 0.3;
/** Half-angle (radians) of the cone an area light casts shadows in: wide enough for the sitter
 * and the backdrop behind; the shadow map's resolution is spread over it. Outside it the light
 * is the area light's alone, unshadowed. */
const SHADOW_CONE = (50 * Math.PI) / 180;

let areaLightsReady = false;

/** RectAreaLight needs its lookup tables in the renderer's uniforms: once, before drawing. */
export function initAreaLights(): void {
  if (areaLightsReady) return;
  RectAreaLightUniformsLib.init();
  areaLightsReady = true;
}

export function modifierSpec(light: Light): ModifierSpec {
  return MODIFIER_SPECS[light.modifier] ?? MODIFIER_SPECS.bare;
}

/** The face's size in metres: as set, or the modifier's own. */
export function faceSize(light: Light): number {
  return light.modifier_size ?? modifierSpec(light).size;
}

export function isSpot(light: Light): boolean {
  return modifierSpec(light).beam <= SPOT_BEAM_DEG;
}

function polygonArea(sides: number, radius: number): number {
  return (sides / 2) * radius * radius * Math.sin((2 * Math.PI) / sides);
}

/** Width and height (metres) of the emitting rectangle: a softbox's square, a strip's 1:4
 * (studio._outline), or a square of the area of a round face (octagon, 48-gon disc, dish ring). */
export function areaRect(light: Light): [number, number] {
  const size = faceSize(light);
  const r = size / 2;
  switch (modifierSpec(light).shape) {
    case "rect": return [size, size];
    case "strip": return [size / 4, size];
    case "octagon": return square(polygonArea(8, r));
    case "dish": return square(polygonArea(48, r) * (1 - DISH_DEFLECTOR ** 2));
    default: return square(polygonArea(48, r));
  }
}

function square(area: number): [number, number] {
  const side = Math.sqrt(area);
  return [side, side];
}

/** Luminance of a Lambertian rectangle `width` × `height` whose on-axis illuminance at
 * `distance` metres is 1 lux (studio.emitter_radiance, "rect"). */
export function rectRadiance(width: number, height: number, distance: number): number {
  const a = width / 2;
  const b = height / 2;
  const ra = Math.hypot(a, distance);
  const rb = Math.hypot(b, distance);
  return 1 / (2 * ((a / ra) * Math.atan(b / ra) + (b / rb) * Math.atan(a / rb)));
}

/** How deep an area light's shadows are, as a share of its light: about half for a softbox
 * at portrait distance, more for a small hard source, less for a big close one (a big
 * source's penumbra is wide and the preview's shadow edge is not). `distance` in metres. */
export function shadowShare(light: Light, distance: number): number {
  return 1 / (1 + 1.6 * (faceSize(light) / distance));
}

export interface Placement {
  position: THREE.Vector3;
  target: THREE.Vector3;
  distance: number; // metres from the face to the target: where `onAxisLux` is reached
}

/** Where the renderer puts the light (render/scene.py, studio._placed): `distance` along its
 * direction from the subject; a background light from the backdrop point behind the subject,
 * at most `BACKGROUND_REACH` × the backdrop's distance from it. */
export function placement(role: Role, light: Light, setup: Setup): Placement {
  const az = (light.direction.azimuth * Math.PI) / 180;
  const el = (light.direction.elevation * Math.PI) / 180;
  const dir = new THREE.Vector3(Math.cos(el) * Math.sin(az), Math.sin(el), Math.cos(el) * Math.cos(az));
  if (role !== "background") {
    return { position: dir.clone().multiplyScalar(light.distance), target: new THREE.Vector3(), distance: light.distance };
  }
  const backdrop = setup.background.distance_m;
  const target = new THREE.Vector3(0, setup.subject.kind === "portrait" ? 0 : 0.05, -backdrop);
  const reach = Math.min(light.distance, BACKGROUND_REACH * backdrop);
  return { position: target.clone().addScaledVector(dir, reach), target, distance: reach };
}

/** Linear RGB of the light's colour under the camera's white balance, at luminance 1. */
export function lightColour(light: Light, whiteBalanceK: number): THREE.Color {
  const [r, g, b] = kelvinToLinear(effectiveKelvin(light.kelvin, light.gel), whiteBalanceK);
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b || 1;
  return new THREE.Color(r / luminance, g / luminance, b / luminance);
}

export interface StudioLight {
  lights: THREE.Object3D[]; // the three.js lights and their targets, to add to the scene
  lux: number; // on-axis lux where it is aimed
  luminance: number; // nits of its face, for the modifier's glow
}

function spot(colour: THREE.Color, candela: number, halfAngle: number, penumbra: number, at: Placement): THREE.SpotLight {
  const light = new THREE.SpotLight(colour, candela, 0, halfAngle, penumbra, 2);
  light.position.copy(at.position);
  light.target.position.copy(at.target);
  return light;
}

function castShadows(light: THREE.SpotLight, mapSize: number, radius: number): void {
  light.castShadow = true;
  light.shadow.mapSize.set(mapSize, mapSize);
  light.shadow.radius = radius;
  light.shadow.bias = -0.0004;
  light.shadow.normalBias = 0.004;
  light.shadow.camera.near = 0.1;
  light.shadow.camera.far = 20;
}

/** The three.js lights for one studio light (not the ambient role); `shadowMap` > 0 makes it
 * cast shadows with a map of that many texels a side. */
export function studioLight(role: Role, light: Light, setup: Setup, shadowMap: number): StudioLight {
  const lux = onAxisLux(role, light);
  const at = placement(role, light, setup);
  const colour = lightColour(light, setup.camera.white_balance_k);
  const candela = lux * at.distance ** 2;
  if (lux <= 0) return { lights: [], lux, luminance: 0 };
  if (isSpot(light)) {
    const beam = (modifierSpec(light).beam * Math.PI) / 180;
    const cutoff = Math.min(0.65 * beam, (89 * Math.PI) / 180);
    const light3 = spot(colour, candela, cutoff, 1 - (0.35 * beam) / cutoff, at);
    if (shadowMap > 0) castShadows(light3, shadowMap, 1.5);
    const r = faceSize(light) / 2;
    return { lights: [light3, light3.target], lux, luminance: candela / (Math.PI * r * r) };
  }
  const [width, height] = areaRect(light);
  const luminance = lux * rectRadiance(width, height, at.distance);
  const area = new THREE.RectAreaLight(colour, luminance, width, height);
  area.position.copy(at.position);
  area.lookAt(at.target); // a light's -z to the target: the face shines that way
  const lights: THREE.Object3D[] = [area];
  if (shadowMap > 0) {
    // The shadow: a spot at the face's centre with `share` of the light, casting shadows, and
    // its twin with minus that, casting none. Where the centre is seen they cancel exactly
    // (the same sums in the same shader), so lit surfaces keep the area light's own shading;
    // where it is hidden, `share` of the light is taken away.
    // The spot is even across its cone; the area light falls off as cos(angle off its axis).
    // Kept inside the angle where the area light still gives more than the spot's share, a
    // shadow never takes away more light than there is.
    const share = shadowShare(light, at.distance);
    const cone = Math.min(SHADOW_CONE, Math.acos(share));
    const shadow = spot(colour, candela * share, cone, 0.2, at);
    castShadows(shadow, shadowMap, 1 + 6 * Math.min(faceSize(light) / at.distance, 1));
    const twin = spot(colour, -candela * share, cone, 0.2, at);
    lights.push(shadow, shadow.target, twin, twin.target);
  }
  return { lights, lux, luminance };
}
