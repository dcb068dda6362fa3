// The typed API client: every call is checked against src/api/schema.d.ts, generated from the
// API's OpenAPI document (npm run gen:api). No hand-written fetch calls to /v1 elsewhere.
import createClient, { type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

const TOKEN_KEY = "atelier.token";

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** An RFC 9457 problem from the API, with its stable machine-readable `code`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    const problem = (body ?? {}) as { code?: string; title?: string; detail?: unknown };
    const detail = typeof problem.detail === "string" ? problem.detail : JSON.stringify(problem.detail ?? "");
    super(`${problem.code ?? status}: ${detail || problem.title || "request failed"}`);
    this.status = status;
    this.code = problem.code ?? `http_${status}`;
    this.detail = detail || problem.title || "";
    this.body = body;
  }
}

const unauthorizedListeners = new Set<() => void>();

/** Called when a request comes back 401 (expired or revoked session). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401 && getToken()) unauthorizedListeners.forEach((listener) => listener());
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: "" });
api.use(auth);

/** Unwrap an openapi-fetch result: the data, or throw an ApiError with the problem's code. */
export async function call<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) throw new ApiError(response.status, error);
  return data as T;
}

/** GET an API path with the session token and return its body as a Blob (for previews and downloads). */
export async function fetchBlob(path: string, signal?: AbortSignal): Promise<Blob> {
  const token = getToken();
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal });
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    throw new ApiError(response.status, body);
  }
  return response.blob();
}
