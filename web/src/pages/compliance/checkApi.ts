// The compliance check call, and its result types as the typed client returns them.
import { api, call, type Schemas } from "../../api/client";

export function checkCompliance(body: Schemas["CheckRequest"]) {
  return call(api.POST("/v1/compliance/check", { body }));
}

export type CheckResponse = Awaited<ReturnType<typeof checkCompliance>>;
export type Finding = CheckResponse["findings"][number];
