// Paths of a brand's asset bytes and previews at a ref (for fetchBlob / useObjectUrl: <img> and <video>
// cannot send the bearer header).

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** GET path of an asset's bytes at `ref`. */
export function rawPath(brandId: string, path: string, ref: string): string {
  return `/v1/brands/${encodeURIComponent(brandId)}/raw/${encodePath(path)}?ref=${encodeURIComponent(ref)}`;
}

/** GET path of an image's or video's thumbnail (or a video's poster frame) at `ref`. */
export function previewPath(brandId: string, path: string, ref: string, role: "thumbnail" | "poster" = "thumbnail"): string {
  return `/v1/brands/${encodeURIComponent(brandId)}/previews/${encodePath(path)}?ref=${encodeURIComponent(ref)}&role=${role}`;
}
