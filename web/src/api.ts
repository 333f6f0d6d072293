// The gateway's HTTP API, same origin. Every error answer is JSON {code, message, field?,
// errors?}; it becomes an ApiError whose fields the page shows next to the control they name.

const KEY_STORAGE = "prolight.apiKey";

export function apiKey(): string {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return "";
  }
}

export function setApiKey(key: string): void {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: the key lasts for this page only
  }
}

export interface FieldProblem { field: string; message: string }

/** An answer that was not 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
  }

  /** True when the server has no such route (an endpoint this gateway does not have yet). */
  get noRoute(): boolean {
    return (this.status === 404 && /^no route\b/.test(this.message)) || this.status === 405;
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = apiKey();
  return key ? { ...extra, "X-API-Key": key } : extra;
}

/** Pydantic's wording, said the way a person would, without the field path in front. */
export function plainMessage(field: string, message: string): string {
  let text = message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  text = text
    .replace(/^Input should be less than or equal to (\S+)$/, "must be at most $1")
    .replace(/^Input should be greater than or equal to (\S+)$/, "must be at least $1")
    .replace(/^Input should be greater than (\S+)$/, "must be more than $1")
    .replace(/^Input should be less than (\S+)$/, "must be less than $1")
    .replace(/^Input should be a valid number.*$/, "must be a number");
  return text;
}

async function failure(response: Response): Promise<ApiError> {
  let body: { code?: string; message?: string; field?: string; errors?: FieldProblem[] } = {};
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's page): fall back to the status line
  }
  const problems = (body.errors ?? (body.field ? [{ field: body.field, message: body.message ?? "" }] : []))
    .map((p) => ({ field: p.field, message: plainMessage(p.field, p.message) }));
  const message = body.message ?? `${response.status} ${response.statusText}`.trim();
  const hint = response.status === 401 || response.status === 403
    ? " — set the API key under Settings" : "";
  return new ApiError(response.status, body.code ?? "http_error", message + hint, problems);
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { "content-type": "application/json" }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "unreachable", "the gateway does not answer — is ProLight running?");
  }
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** A binary resource's bytes (the sitter's glTF), with the API key when one is set. */
export async function fetchBytes(path: string): Promise<ArrayBuffer> {
  const response = await fetch(path, { headers: headers() });
  if (!response.ok) throw await failure(response);
  return response.arrayBuffer();
}

/** An artifact's bytes as an object URL (used when an API key must travel in a header). */
export async function artifactBlobUrl(url: string): Promise<string> {
  const response = await fetch(url, { headers: headers() });
  if (!response.ok) throw await failure(response);
  return URL.createObjectURL(await response.blob());
}

/** Point an <img> at an artifact: directly, or through fetch when a key is needed. */
export function showArtifact(img: HTMLImageElement, url: string): void {
  if (!apiKey()) {
    img.src = url;
    return;
  }
  artifactBlobUrl(url).then((blob) => { img.src = blob; }).catch(() => { img.alt = "image unavailable"; });
}

/** Download an artifact under a file name. */
export async function download(url: string, filename: string): Promise<void> {
  const a = document.createElement("a");
  a.href = apiKey() ? await artifactBlobUrl(url) : url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
}
