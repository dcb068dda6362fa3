// Upload a file's bytes as a blob of the brand (raw body, the type declared by Content-Type), through the
// typed client; commit it afterwards by its sha256.
import { api, call, type Schemas } from "../../api/client";

export async function uploadBlob(brandId: string, file: File, kind: string): Promise<Schemas["BlobPublic"]> {
  const result = await call(
    api.POST("/v1/brands/{brand_id}/blobs", {
      params: { path: { brand_id: brandId }, query: { kind, filename: file.name } },
      body: file as unknown as string,
      bodySerializer: (body: unknown) => body as BodyInit,
      headers: { "Content-Type": file.type || "application/octet-stream" },
    }),
  );
  return result as Schemas["BlobPublic"];
}

/** A safe asset file name: lower-case letters, digits, dots and dashes (keeps the extension). */
export function safeFileName(name: string): string {
  const cleaned = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9.\-_]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
  return cleaned || "logo.png";
}
