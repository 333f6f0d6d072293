// The live 3D set (three.js, bundled): floor, backdrop, the sitter the renderer draws (the
// gateway's /api/sitter.glb for the subject's description; a simple stand-in until it has
// loaded) or a product box, each light as its modifier turned to the subject with a faint
// beam, and the camera. Lit as the renderer lights it (studioLights.ts: area lights of the
// modifiers' size, spots for grids and snoots, shadows from the first two lights, brightness
// in lux) and exposed as its camera is (exposure.ts: the meter's lux to mid-grey, ACES), so
// moving a light or changing its power changes the shading as the render will. The camera's
// view frames the shot as the renderer does and, like it, sees through the gear; the set view
// adds a faint work light to see the gear by. Renders on demand (a change or an orbit).
// The browser tests read `frames`, `sitterShown`, `lux`, `exposure` and `probes()`.

import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { fetchBytes } from "./api";
import { cheekProbes, type CheekProbes } from "./cheekProbes";
import { byId, h } from "./dom";
import { toneMappingExposure } from "./exposure";
import { cameraDistance, type Light, type Role, type Setup } from "./model";
import { meterLux, onAxisLux } from "./photometry";
import type { Store } from "./store";
import { areaRect, faceSize, initAreaLights, isSpot, lightColour, modifierSpec, placement, studioLight } from "./studioLights";

const EYE_HEIGHT = 1.5; // metres above the floor: a seated or standing sitter's eyes
// The renderer's framing (render/scene.py): the eye line, the top of the hair, the headroom.
const EYE_Y = 0.018;
const HEAD_TOP_Y = 0.145;
const HEADROOM = 0.07;
// The overview: high and a little camera-left, looking down over the lights (most keys stand
// camera-right, and from up here no light in front hides the subject).
const SET_VIEW: [number, number, number] = [-1.2, 3.2, 3.2];
// The set view's work light, in stops under the meter: enough to see the gear from behind; the
// camera's view has only the studio's lights, as the render has.
const WORK_LIGHT_STOPS = 4;
// Shadow maps, texels a side, for the first and second light that cast shadows.
const SHADOW_MAPS = [1024, 512];

function webglAvailable(): boolean {
  try {
    const canvas = document.createElement("canvas");
    return Boolean(canvas.getContext("webgl2") ?? canvas.getContext("webgl"));
  } catch {
    return false;
  }
}

/** The modifier, its face glowing at `luminance` nits (the light's own, so it shows as bright
 * as the render would show it; dark when the light is off). */
function modifierMesh(lt: Light, colour: THREE.Color, luminance: number): THREE.Object3D {
  const spec = modifierSpec(lt);
  const size = faceSize(lt);
  const face = new THREE.MeshStandardMaterial({ color: lt.modifier === "reflector" ? 0xe4e4e4 : colour,
    emissive: colour, emissiveIntensity: luminance, roughness: 0.6, side: THREE.DoubleSide,
    // A little see-through: a light between the viewer and the face must not hide the face.
    transparent: true, opacity: 0.7, depthWrite: false });
  const shell = new THREE.MeshStandardMaterial({ color: 0x1d1f23, roughness: 0.8 });
  const group = new THREE.Group();
  let geometry: THREE.BufferGeometry;
  const [width, height] = areaRect(lt);
  switch (spec.shape) {
    case "rect": case "strip": geometry = new THREE.BoxGeometry(width, height, 0.04); break;
    case "octagon": geometry = new THREE.CylinderGeometry(size / 2, size / 2, 0.04, 8).rotateX(Math.PI / 2); break;
    case "round": geometry = new THREE.CylinderGeometry(size / 2, size / 2, 0.02, 24).rotateX(Math.PI / 2); break;
    case "dish": geometry = new THREE.CylinderGeometry(size / 2, size / 2.6, size * 0.35, 24).rotateX(Math.PI / 2); break;
    default: geometry = new THREE.CylinderGeometry(Math.max(size, 0.08) / 2, 0.09, 0.3, 16).rotateX(Math.PI / 2);
  }
  const front = new THREE.Mesh(geometry, face);
  group.add(front);
  if (lt.modifier !== "reflector") {
    const body = new THREE.Mesh(new THREE.CylinderGeometry(0.07, 0.09, 0.25, 12).rotateX(Math.PI / 2), shell);
    body.position.z = -0.2;
    group.add(body);
  }
  return group;
}

/** A glTF loader that decodes the sitter's colour texture through an <img> (TextureLoader):
 * the gateway's Content-Security-Policy lets images load blob: URLs but not fetch them, and
 * GLTFLoader's default ImageBitmapLoader fetches — the skin would come out untextured white. */
function sitterLoader(): GLTFLoader {
  return new GLTFLoader().register((parser) => {
    parser.textureLoader = new THREE.TextureLoader();
    return { name: "prolight_image_textures" };
  });
}

export class Preview3D {
  private readonly renderer: THREE.WebGLRenderer | null = null;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(45, 1, 0.05, 60);
  private readonly controls: OrbitControls | null = null;
  private readonly dynamic = new THREE.Group();
  private readonly backdrop: THREE.Mesh;
  private readonly subject = new THREE.Group();
  private pending = false;
  private mode: "set" | "camera" = "set";
  /** Frames drawn: the browser tests read it to see the preview follow the controls. */
  frames = 0;
  /** The description whose sitter (glTF) is on the set, once loaded; the tests read it. */
  sitterShown: string | null = null;
  /** On-axis lux of each light as lit here (the tests compare it with the analysis's meter). */
  lux: Partial<Record<Role, number>> = {};
  private readonly sitters = new Map<string, THREE.Group | null>();

  constructor(private readonly host: HTMLElement, private readonly store: Store) {
    host.setAttribute("role", "img");
    host.setAttribute("aria-label", "3D preview of the set");
    if (!webglAvailable()) {
      host.append(h("p", { class: "muted no-webgl" }, "The 3D preview needs WebGL, which this browser has switched off. The top view and everything else work without it."));
      this.backdrop = new THREE.Mesh();
      return;
    }
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.shadowMap.enabled = true;
    this.renderer.toneMapping = THREE.ACESFilmicToneMapping; // why ACES: exposure.ts
    initAreaLights();
    host.append(this.renderer.domElement);
    this.scene.background = new THREE.Color(0x16181c);
    const floor = new THREE.Mesh(new THREE.PlaneGeometry(30, 30), new THREE.MeshStandardMaterial({ color: 0x2a2c30, roughness: 0.95 }));
    floor.rotation.x = -Math.PI / 2;
    floor.position.y = -EYE_HEIGHT;
    floor.receiveShadow = true;
    this.scene.add(floor);
    const grid = new THREE.GridHelper(12, 24, 0x3a3d44, 0x303338);
    grid.position.y = -EYE_HEIGHT + 0.002;
    (grid.material as THREE.Material).toneMapped = false; // a drawing aid, not lit or exposed
    this.scene.add(grid);
    this.backdrop = new THREE.Mesh(new THREE.PlaneGeometry(4.5, 3.2), new THREE.MeshStandardMaterial({ roughness: 1 }));
    this.backdrop.receiveShadow = true;
    this.scene.add(this.backdrop, this.subject, this.dynamic);
    this.camera.position.set(...SET_VIEW);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.target.set(0, -0.25, -0.35);
    this.controls.maxDistance = 14;
    this.controls.minDistance = 1;
    this.controls.addEventListener("change", () => this.request());
    this.controls.update();
    byId("view-set").addEventListener("click", () => this.view("set"));
    byId("view-camera").addEventListener("click", () => this.view("camera"));
    new ResizeObserver(() => this.resize()).observe(host);
    store.on(() => this.request());
    this.resize();
    this.request();
  }

  /** `renderer.toneMappingExposure`: set from the camera's settings only (exposure.ts). */
  get exposure(): number {
    return this.renderer?.toneMappingExposure ?? 0;
  }

  /** Where the cheek probes are on the canvas (cheekProbes.ts), for the frame last drawn; null
   * until the renderer's sitter is on the set. */
  probes(): CheekProbes | null {
    const body = this.subject.getObjectByName("body") as THREE.Mesh | undefined;
    if (!this.renderer || !body?.isMesh) return null;
    const canvas = this.renderer.domElement;
    return cheekProbes(body, this.store.setup.subject.head_turn_deg, this.camera, canvas.width, canvas.height);
  }

  /** "set": the three-quarter overview; "camera": from the photographer's camera, with its lens. */
  view(kind: "set" | "camera"): void {
    if (!this.controls) return;
    this.mode = kind;
    const { camera } = this.store.setup;
    if (kind === "camera") {
      const distance = cameraDistance(camera);
      const up = ({ eye_level: 0, high_angle: 20, low_angle: -15, overhead: 60 }[camera.camera_angle] ?? 0) * Math.PI / 180;
      // Vertical field of view of a 4:5 portrait frame on full frame (36 mm wide, 45 mm tall).
      const tanHalf = 45 / (2 * camera.focal_length_mm);
      this.camera.fov = (2 * Math.atan(tanHalf) * 180) / Math.PI;
      // As the renderer frames a sitter: from the top of the head down, a little headroom.
      const portrait = this.store.setup.subject.kind === "portrait" && camera.shot_type !== "product";
      const frameHeight = 2 * distance * tanHalf;
      const targetY = portrait ? Math.min(0, Math.max(-1, HEAD_TOP_Y - (0.5 - HEADROOM) * frameHeight)) : 0.015;
      const eyeY = portrait ? EYE_Y : targetY;
      this.camera.position.set(0, eyeY + Math.sin(up) * distance, Math.cos(up) * distance);
      this.controls.target.set(0, targetY, 0);
    } else {
      this.camera.position.set(...SET_VIEW);
      this.camera.fov = 45;
      this.controls.target.set(0, -0.25, -0.35);
    }
    this.camera.updateProjectionMatrix();
    this.controls.update();
    this.request();
  }

  private resize(): void {
    if (!this.renderer) return;
    const width = Math.max(this.host.clientWidth, 50);
    const height = Math.max(this.host.clientHeight, 50);
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
    this.request();
  }

  private request(): void {
    if (this.pending || !this.renderer) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.build(this.store.setup);
      this.renderer?.render(this.scene, this.camera);
      this.frames += 1;
    });
  }

  private build(setup: Setup): void {
    for (const child of [...this.dynamic.children, ...this.subject.children]) {
      child.traverse((o) => {
        if ((o as THREE.Light).isLight) (o as THREE.Light).dispose(); // frees its shadow map
        if (o.userData.cached) return; // the sitter's geometry and materials serve every rebuild
        const mesh = o as THREE.Mesh;
        mesh.geometry?.dispose();
        const material = mesh.material as THREE.Material | THREE.Material[] | undefined;
        if (Array.isArray(material)) material.forEach((m) => m.dispose());
        else material?.dispose();
      });
    }
    this.dynamic.clear();
    this.subject.clear();
    (this.backdrop.material as THREE.MeshStandardMaterial).color.set(setup.background.color);
    this.backdrop.position.set(0, -EYE_HEIGHT + 1.6, -setup.background.distance_m);
    this.buildSubject(setup);
    const meter = meterLux(setup.camera);
    if (this.renderer) this.renderer.toneMappingExposure = toneMappingExposure(meter);
    if (this.mode === "set") {
      this.dynamic.add(new THREE.HemisphereLight(0xffffff, 0x606060, meter / 2 ** WORK_LIGHT_STOPS));
    }
    this.lux = {};
    let shadows = 0;
    for (const [roleName, lt] of Object.entries(setup.lighting)) {
      const role = roleName as Role;
      if (!lt) continue;
      const colour = lightColour(lt, setup.camera.white_balance_k);
      if (role === "ambient") {
        // The renderer's uniform room: E lux on every open surface (three.js: irradiance in lux).
        this.lux.ambient = onAxisLux(role, lt);
        this.dynamic.add(new THREE.AmbientLight(colour, this.lux.ambient));
        continue;
      }
      const castsShadow = onAxisLux(role, lt) > 0 && shadows < SHADOW_MAPS.length;
      const built = studioLight(role, lt, setup, castsShadow ? SHADOW_MAPS[shadows] : 0);
      if (castsShadow) shadows += 1;
      if (lt.enabled) this.lux[role] = built.lux;
      this.dynamic.add(...built.lights);
      // The gear: from the camera's view the renderer sees through it, and so does this.
      if (this.mode === "camera") continue;
      const { position, target } = placement(role, lt, setup);
      const rig = modifierMesh(lt, colour, built.luminance);
      rig.position.copy(position);
      rig.lookAt(target);
      this.dynamic.add(rig);
      // Stand: a thin pole to the floor, so height reads at a glance.
      const pole = new THREE.Mesh(new THREE.CylinderGeometry(0.015, 0.015, position.y + EYE_HEIGHT, 6), new THREE.MeshStandardMaterial({ color: 0x55595f }));
      pole.position.set(position.x, (position.y - EYE_HEIGHT) / 2, position.z);
      this.dynamic.add(pole);
      if (built.lux > 0) {
        // The beam, faintly: a drawing aid, so neither lit nor exposed.
        const beamAngle = (Math.min(modifierSpec(lt).beam, 140) * Math.PI) / 360;
        const length = position.distanceTo(target);
        const cone = new THREE.Mesh(
          new THREE.ConeGeometry(Math.tan(beamAngle) * length * 0.5, length, 24, 1, true),
          new THREE.MeshBasicMaterial({ color: colour, transparent: true, toneMapped: false,
            opacity: isSpot(lt) ? 0.12 : 0.05, depthWrite: false, side: THREE.DoubleSide }),
        );
        cone.geometry.translate(0, -length / 2, 0).rotateX(-Math.PI / 2);
        cone.position.copy(position);
        cone.lookAt(target);
        this.dynamic.add(cone);
      }
    }
    // The camera body at its distance and height.
    const camDist = cameraDistance(setup.camera);
    const camHeight = { eye_level: 0, high_angle: 20, low_angle: -15, overhead: 60 }[setup.camera.camera_angle] ?? 0;
    const ce = (camHeight * Math.PI) / 180;
    const body = new THREE.Group();
    body.add(new THREE.Mesh(new THREE.BoxGeometry(0.16, 0.11, 0.08), new THREE.MeshStandardMaterial({ color: 0x2b2e33 })));
    const lens = new THREE.Mesh(new THREE.CylinderGeometry(0.04, 0.04, 0.1, 16).rotateX(Math.PI / 2), new THREE.MeshStandardMaterial({ color: 0x111111 }));
    lens.position.z = 0.08; // lookAt turns +z to the subject
    body.add(lens);
    body.position.set(0, Math.sin(ce) * camDist, Math.cos(ce) * camDist);
    body.lookAt(0, 0, 0);
    if (this.mode === "set") this.dynamic.add(body); // from the camera's view it would fill the frame
  }

  private buildSubject(setup: Setup): void {
    const skin = new THREE.MeshStandardMaterial({ color: 0xc9a48a, roughness: 0.55 });
    const cloth = new THREE.MeshStandardMaterial({ color: 0x3b3f47, roughness: 0.9 });
    if (setup.subject.kind === "product") {
      const box = new THREE.Mesh(new THREE.BoxGeometry(0.18, 0.26, 0.12), new THREE.MeshStandardMaterial({ color: 0xd9d4cc, roughness: 0.35 }));
      box.castShadow = box.receiveShadow = true;
      const table = new THREE.Mesh(new THREE.BoxGeometry(1.0, 0.04, 0.7), cloth);
      table.position.y = -0.15;
      box.position.y = -0.0;
      this.subject.add(box, table);
      return;
    }
    const turn = (setup.subject.head_turn_deg * Math.PI) / 180;
    // Below the renderer's sitter (cut at the hips): a stool to the floor.
    const stool = new THREE.Mesh(new THREE.CylinderGeometry(0.17, 0.2, EYE_HEIGHT - 1.0, 20), cloth);
    stool.position.y = -1.0 - (EYE_HEIGHT - 1.0) / 2;
    stool.castShadow = stool.receiveShadow = true;
    this.subject.add(stool);
    const description = setup.subject.description;
    const sitter = this.sitters.get(description);
    if (sitter) {
      const copy = sitter.clone();
      copy.rotation.y = turn;
      this.subject.add(copy);
      this.sitterShown = description;
      return;
    }
    if (!this.sitters.has(description)) this.loadSitter(description);
    const head = new THREE.Mesh(new THREE.SphereGeometry(0.1, 32, 24), skin);
    head.scale.set(0.85, 1.15, 0.95);
    const nose = new THREE.Mesh(new THREE.ConeGeometry(0.018, 0.05, 12).rotateX(Math.PI / 2), skin);
    nose.position.set(0, -0.01, 0.1);
    const neck = new THREE.Mesh(new THREE.CylinderGeometry(0.045, 0.05, 0.12, 16), skin);
    neck.position.y = -0.16;
    const torso = new THREE.Mesh(new THREE.CapsuleGeometry(0.17, 0.5, 8, 16).rotateZ(Math.PI / 2), cloth);
    torso.scale.set(1, 1, 0.55);
    torso.position.y = -0.32;
    const face = new THREE.Group();
    face.add(head, nose);
    face.rotation.y = turn;
    for (const mesh of [head, nose, neck, torso]) mesh.castShadow = mesh.receiveShadow = true;
    this.subject.add(face, neck, torso);
  }

  /** Fetch the renderer's sitter for `description`; the set is redrawn when it arrives (the
   * stand-in stays if the gateway cannot serve it). */
  private loadSitter(description: string): void {
    this.sitters.set(description, null);
    fetchBytes(`/api/sitter.glb?description=${encodeURIComponent(description)}`)
      .then((bytes) => sitterLoader().parseAsync(bytes, ""))
      .then((gltf) => {
        gltf.scene.traverse((o) => {
          o.userData.cached = true; // clones share its geometry and materials: never disposed
          const mesh = o as THREE.Mesh;
          if (mesh.isMesh) mesh.castShadow = mesh.receiveShadow = true;
        });
        const group = new THREE.Group();
        group.add(gltf.scene);
        this.sitters.set(description, group);
        this.request();
      })
      .catch(() => { /* keep the stand-in */ });
  }
}
