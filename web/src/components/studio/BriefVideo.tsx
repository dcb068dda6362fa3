// The brief's video part (shown once "short video" is ticked): footage, quality and the platform notes.
// Loaded on demand, so the first screen does not carry the footage picker and Segmented.
import { Alert, Segmented } from "antd";
import { useEffect } from "react";

import { useT, type Messages } from "../../i18n";
import type { BriefDraft, BriefErrors, FocusRequest } from "./briefRules";
import { FIELD_IDS, focusField } from "./briefRules";
import { FootagePicker } from "./FootagePicker";
import { errorId, Field } from "./LightFields";
import { MAX_VIDEOS } from "./model";

const messages: Messages<"footage" | "quality" | "preview" | "hd" | "noVideoPreset" | "videoCap"> = {
  zh: {
    footage: "视频素材",
    quality: "视频画质",
    preview: "快速预览（半分辨率，不宜投放）",
    hd: "原画质",
    noVideoPreset: "微博暂无视频规格，将不生成微博视频",
    videoCap: "每个平台最多生成 {n} 条视频",
  },
  en: {
    footage: "Footage",
    quality: "Video quality",
    preview: "Quick preview (half size, not for release)",
    hd: "Full quality",
    noVideoPreset: "Weibo has no video format: no Weibo video will be made",
    videoCap: "At most {n} videos per platform",
  },
};

export default function BriefVideo({
  draft,
  count,
  errors,
  footageRef,
  focus,
  onChange,
  onFootageRefChange,
}: {
  draft: BriefDraft;
  count: number;
  errors: BriefErrors;
  footageRef: string;
  /** a field the form asked to bring into view (once this part has mounted) */
  focus: FocusRequest;
  onChange: (patch: Partial<BriefDraft>) => void;
  onFootageRefChange: (ref: string) => void;
}) {
  const t = useT(messages);
  useEffect(() => {
    if (focus?.field === "footage") focusField("footage");
  }, [focus]);
  return (
    <>
      <Field id={FIELD_IDS.footage} label={t("footage")} required group error={errors.footage}>
        <div
          id={FIELD_IDS.footage}
          role="group"
          aria-labelledby={`${FIELD_IDS.footage}-label`}
          aria-describedby={errors.footage ? errorId(FIELD_IDS.footage) : undefined}
        >
          <FootagePicker
            value={draft.footage}
            onChange={(footage) => onChange({ footage })}
            branch={footageRef}
            onBranchChange={onFootageRefChange}
          />
        </div>
      </Field>
      <Field id="brief_quality" label={t("quality")} group>
        <Segmented
          aria-labelledby="brief_quality-label"
          value={draft.videoScale}
          onChange={(videoScale) => onChange({ videoScale: Number(videoScale) })}
          options={[
            { value: 1, label: t("hd") },
            { value: 0.5, label: t("preview") },
          ]}
        />
      </Field>
      {draft.platforms.includes("weibo") ? <Alert type="info" showIcon title={t("noVideoPreset")} style={{ marginBottom: 12 }} /> : null}
      {count > MAX_VIDEOS ? <Alert type="info" showIcon title={t("videoCap", { n: MAX_VIDEOS })} style={{ marginBottom: 12 }} /> : null}
    </>
  );
}
