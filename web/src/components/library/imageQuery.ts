// Turn a dropped or chosen image into the base64 data URL that image search accepts (at most ~1 MB):
// small files go as they are; larger ones are scaled down in the browser first (search compares
// pictures, not bytes, so a 1024-pixel copy finds the same assets).
const MAX_BYTES = 900_000;
const MAX_SIDE = 1024;

function readDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error("cannot read the file"));
    reader.readAsDataURL(blob);
  });
}

export async function imageQuery(file: File): Promise<string> {
  if (file.size <= MAX_BYTES && /^image\/(jpeg|png|webp|gif|bmp)$/.test(file.type)) return readDataUrl(file);
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const context = canvas.getContext("2d");
  if (!context) throw new Error("canvas unavailable");
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return canvas.toDataURL("image/jpeg", 0.88);
}
