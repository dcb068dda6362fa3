// Save picked variants to a campaign branch: every asset a variant is made of (copy, poster renditions
// with their specs, video and cover) is read where its job committed it and committed, in one commit, at
// the same path on the campaign branch, keeping its metadata and lineage; edited copy is uploaded as new
// bytes linked to the generated version.
import { api, call, type Schemas } from "../../api/client";
import type { CopyEdit } from "./VariantCard";
import type { Variant } from "./model";

type Asset = Schemas["AssetPublic"];
type Change = Schemas["PutChange"];
type Metadata = Schemas["AssetMetadata"];

const PARALLEL = 6;

interface Wanted {
  path: string;
  ref: string;
  edit?: CopyEdit;
}

/** The asset paths of a variant, at the branch its job committed them to. */
export function assetsOf(variant: Variant, edit?: CopyEdit): Wanted[] {
  const ref = variant.branch;
  if (!ref) return [];
  const out: Wanted[] = [];
  if (variant.copy?.path) out.push({ path: variant.copy.path, ref, edit });
  for (const rendition of variant.poster?.renditions ?? []) {
    if (rendition.path) out.push({ path: rendition.path, ref });
    if (rendition.specPath) out.push({ path: rendition.specPath, ref });
  }
  if (variant.video) out.push({ path: variant.video.path, ref }, { path: variant.video.cover, ref });
  return out;
}

async function inParallel<T, R>(items: T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      out[index] = await run(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  return out;
}

async function readAsset(brandId: string, wanted: Wanted): Promise<Asset> {
  return call(
    api.GET("/v1/brands/{brand_id}/tree/{path}", {
      params: { path: { brand_id: brandId, path: wanted.path }, query: { ref: wanted.ref } },
    }),
  );
}

async function uploadText(brandId: string, text: string, filename: string): Promise<string> {
  const blob = await call(
    api.POST("/v1/brands/{brand_id}/blobs", {
      params: { path: { brand_id: brandId }, query: { kind: "copy", filename } },
      body: text,
      bodySerializer: (body: string) => body,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    }),
  );
  return blob.sha256;
}

function withCampaign(metadata: Record<string, unknown>, campaign: string): Metadata {
  return { ...(metadata as Metadata), campaign };
}

async function changeFor(brandId: string, wanted: Wanted, campaign: string): Promise<Change> {
  const asset = await readAsset(brandId, wanted);
  const metadata = withCampaign(asset.metadata, campaign);
  if (!wanted.edit) return { op: "put", path: asset.path, blob: asset.blob, metadata };
  const name = asset.path.split("/").pop() ?? "copy.txt";
  const blob = await uploadText(brandId, wanted.edit.text, name);
  const lineage: NonNullable<Metadata["lineage"]> = metadata.lineage ?? { derived_from: [] };
  const link = { path: asset.path, commit: asset.commit_id, blob: asset.blob, relation: "edit" };
  return {
    op: "put",
    path: asset.path,
    blob,
    metadata: { ...metadata, lineage: { ...lineage, derived_from: [...(lineage.derived_from ?? []), link].slice(-100) } },
  };
}

/** The campaign label written into each asset's metadata: the branch name without its folder. */
export function campaignOf(branch: string): string {
  return (branch.split("/").pop() ?? branch).slice(0, 200);
}

export async function saveToBranch(
  brandId: string,
  branch: string,
  create: boolean,
  variants: Variant[],
  copyEdits: Record<string, CopyEdit>,
  message: string,
  onCreated?: () => void,
): Promise<Schemas["CommitPublic"]> {
  const wanted = variants.flatMap((variant) => assetsOf(variant, copyEdits[variant.key]));
  if (create) {
    await call(
      api.POST("/v1/brands/{brand_id}/branches", {
        params: { path: { brand_id: brandId } },
        body: { name: branch, from_ref: "main" },
      }),
    );
    onCreated?.();
  }
  const campaign = campaignOf(branch);
  const changes = await inParallel(wanted, (item) => changeFor(brandId, item, campaign));
  const jobs = [...new Set(variants.map((v) => v.jobId))];
  return call(
    api.POST("/v1/brands/{brand_id}/commits", {
      params: { path: { brand_id: brandId } },
      body: { branch, message, changes, meta: { source: "studio", jobs, variants: variants.map((v) => v.key) } },
    }),
  );
}
