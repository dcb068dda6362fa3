// Upload a file's bytes as the raw body of uploadBlob (POST /v1/brands/{brand_id}/blobs) with progress.
// openapi-fetch cannot report upload progress, so this one helper uses XMLHttpRequest; the response is
// still typed by the OpenAPI document (BlobPublic) and errors are the same ApiError as the typed client's.
import { ApiError, getToken, type Schemas } from "./client";

export type BlobPublic = Schemas["BlobPublic"];

export interface UploadOptions {
  /** Called with 0..1 as bytes leave the browser. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Store a file's bytes for the brand (validated and content-addressed); commit them later by sha256. */
export function uploadBlob(brandId: string, file: File, options: UploadOptions = {}): Promise<BlobPublic> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams({ filename: file.name.slice(0, 255) });
    xhr.open("POST", `/v1/brands/${encodeURIComponent(brandId)}/blobs?${query.toString()}`);
    const token = getToken();
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      const body = parse(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as BlobPublic);
      else reject(new ApiError(xhr.status, body));
    };
    xhr.onerror = () => reject(new ApiError(0, { code: "network_error", detail: "network error" }));
    xhr.onabort = () => reject(new ApiError(0, { code: "aborted", detail: "upload cancelled" }));
    options.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
