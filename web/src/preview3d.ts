// The live 3D set (three.js, bundled): floor, backdrop, the sitter the renderer draws (the
// gateway's /api/sitter.glb for the subject's description; a simple stand-in until it has
// loaded) or a product box, each light as its modifier turned to the subject with a faint
// beam, and the camera. Lit by one shadow-casting spot light per studio light, its penumbra
// and shadow blur widened with the light's softness (an area light's look), so moving a light
// moves the shading and the shadows. The camera's view frames the shot as the renderer does.
// Renders on demand (a change or an orbit), not every frame.

import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { fetchBytes } from "./api";
import { byId, h } from "./dom";
import { effectiveKelvin, kelvinToLinear } from "./kelvin";
import { MODIFIER_SPECS, cameraDistance, type Light, type Role, type Setup } from "./model";
import type { Store } from "./store";

const EYE_HEIGHT = 1.5; // metres above the floor: a seated or standing sitter's eyes
// The renderer's framing (render/scene.py): the eye line, the top of the hair, the headroom.
const EYE_Y = 0.018;
const HEAD_TOP_Y = 0.145;
const HEADROOM = 0.07;
// The overview: high and a little camera-left, looking down over the lights (most keys stand
// camera-right, and from up here no light in front hides the subject).
const SET_VIEW: [number, number, number] = [-1.2, 3.2, 3.2];

function webglAvailable(): boolean {
  try {
    const canvas = document.createElement("canvas");
    return Boolean(canvas.getContext("webgl2") ?? canvas.getContext("webgl"));
  } catch {
    return false;
  }
}

function modifierMesh(lt: Light, colour: THREE.Color): THREE.Object3D {
  const spec = MODIFIER_SPECS[lt.modifier] ?? MODIFIER_SPECS.bare;
  const size = lt.modifier_size ?? spec.size;
  const face = new THREE.MeshStandardMaterial({ color: colour, emissive: colour,
    emissiveIntensity: lt.enabled ? 0.35 + 0.9 * lt.intensity : 0.02, side: THREE.DoubleSide,
    // A little see-through: a light between the viewer and the face must not hide the face.
    transparent: true, opacity: 0.7, depthWrite: false });
  const shell = new THREE.MeshStandardMaterial({ color: 0x1d1f23, roughness: 0.8 });
  const group = new THREE.Group();
  let geometry: THREE.BufferGeometry;
  switch (spec.shape) {
    case "rect": geometry = new THREE.BoxGeometry(size, size * 0.75, 0.04); break;
    case "strip": geometry = new THREE.BoxGeometry(0.3, size, 0.04); break;
    case "octagon": geometry = new THREE.CylinderGeometry(size / 2, size / 2, 0.04, 8).rotateX(Math.PI / 2); break;
    case "round": geometry = new THREE.CylinderGeometry(size / 2, size / 2, 0.02, 24).rotateX(Math.PI / 2); break;
    case "dish": geometry = new THREE.CylinderGeometry(size / 2, size / 2.6, size * 0.35, 24).rotateX(Math.PI / 2); break;
    default: geometry = new THREE.CylinderGeometry(Math.max(size, 0.08) / 2, 0.09, 0.3, 16).rotateX(Math.PI / 2);
  }
  const front = new THREE.Mesh(geometry, lt.modifier === "reflector" ? new THREE.MeshStandardMaterial({ color: 0xe4e4e4, emissive: 0x303030, roughness: 0.6, side: THREE.DoubleSide }) : face);
  group.add(front);
  if (lt.modifier !== "reflector") {
    const body = new THREE.Mesh(new THREE.CylinderGeometry(0.07, 0.09, 0.25, 12).rotateX(Math.PI / 2), shell);
    body.position.z = -0.2;
    group.add(body);
  }
  return group;
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
    this.renderer.toneMapping = THREE.ACESFilmicToneMapping;
    host.append(this.renderer.domElement);
    this.scene.background = new THREE.Color(0x16181c);
    this.scene.add(new THREE.HemisphereLight(0x8a8f99, 0x202020, 0.35));
    const floor = new THREE.Mesh(new THREE.PlaneGeometry(30, 30), new THREE.MeshStandardMaterial({ color: 0x2a2c30, roughness: 0.95 }));
    floor.rotation.x = -Math.PI / 2;
    floor.position.y = -EYE_HEIGHT;
    floor.receiveShadow = true;
    this.scene.add(floor);
    const grid = new THREE.GridHelper(12, 24, 0x3a3d44, 0x303338);
    grid.position.y = -EYE_HEIGHT + 0.002;
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
    const wb = setup.camera.white_balance_k;
    let shadows = 0;
    for (const [roleName, lt] of Object.entries(setup.lighting)) {
      const role = roleName as Role;
      if (!lt) continue;
      const rgb = kelvinToLinear(effectiveKelvin(lt.kelvin, lt.gel), wb);
      const colour = new THREE.Color(rgb[0], rgb[1], rgb[2]);
      const power = lt.enabled ? lt.intensity : 0;
      if (role === "ambient") {
        this.dynamic.add(new THREE.AmbientLight(colour, power * 1.2));
        continue;
      }
      const az = (lt.direction.azimuth * Math.PI) / 180;
      const el = (lt.direction.elevation * Math.PI) / 180;
      const dir = new THREE.Vector3(Math.cos(el) * Math.sin(az), Math.sin(el), Math.cos(el) * Math.cos(az));
      const target = role === "background"
        ? new THREE.Vector3(0, 0, -setup.background.distance_m) : new THREE.Vector3(0, 0, 0);
      const position = role === "background"
        ? target.clone().add(dir.clone().multiplyScalar(lt.distance)).setZ(Math.min(target.z + dir.z * lt.distance, -0.4))
        : dir.clone().multiplyScalar(lt.distance);
      const rig = modifierMesh(lt, colour);
      rig.position.copy(position);
      rig.lookAt(target);
      this.dynamic.add(rig);
      // Stand: a thin pole to the floor, so height reads at a glance.
      const pole = new THREE.Mesh(new THREE.CylinderGeometry(0.015, 0.015, position.y + EYE_HEIGHT, 6), new THREE.MeshStandardMaterial({ color: 0x55595f }));
      pole.position.set(position.x, (position.y - EYE_HEIGHT) / 2, position.z);
      this.dynamic.add(pole);
      const spec = MODIFIER_SPECS[lt.modifier] ?? MODIFIER_SPECS.bare;
      const beamAngle = (Math.min(spec.beam, 140) * Math.PI) / 360;
      if (power > 0) {
        const length = position.distanceTo(target);
        const cone = new THREE.Mesh(
          new THREE.ConeGeometry(Math.tan(beamAngle) * length * 0.5, length, 24, 1, true),
          new THREE.MeshBasicMaterial({ color: colour, transparent: true, opacity: 0.04 + 0.1 * power, depthWrite: false, side: THREE.DoubleSide }),
        );
        cone.geometry.translate(0, -length / 2, 0).rotateX(-Math.PI / 2);
        cone.position.copy(position);
        cone.lookAt(target);
        this.dynamic.add(cone);
        // Decay 2: three.js falls off with 1/d² as the studio does; power scales like the unit's.
        const spot = new THREE.SpotLight(colour, power * 14, 0, Math.min(beamAngle * 1.2, Math.PI / 2 - 0.01), 0.2 + 0.75 * lt.softness, 2);
        spot.position.copy(position);
        spot.target.position.copy(target);
        if (shadows < 2) {
          spot.castShadow = true;
          spot.shadow.mapSize.set(512, 512);
          spot.shadow.radius = 1 + 6 * lt.softness;
          shadows += 1;
        }
        this.dynamic.add(spot, spot.target);
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
      .then((bytes) => new GLTFLoader().parseAsync(bytes, ""))
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
