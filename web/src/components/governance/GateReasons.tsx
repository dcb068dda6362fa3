// Why the pre-merge gate refuses (or would refuse) a merge: one line per blocked asset, with the way out.
import { Alert, Button, Flex, Tag, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router";

import { api, call } from "../../api/client";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { errorText, type GateViolation } from "./format";
import { useGovLabels } from "./labels";

const SHOWN = 20;

const messages: Messages<"blocked" | "predicted" | "explain" | "submit" | "submitted" | "queue" | "more"> = {
  zh: {
    blocked: "合并被门禁拦截：{n} 项素材未通过品牌审核",
    predicted: "门禁预检：{n} 项素材尚未通过品牌审核，现在合并会被拦截",
    explain: "发布到主干的每一项素材都必须先通过品牌审核（品牌规范文件 brand/ 除外）。",
    submit: "提交 {n} 项未送审素材",
    submitted: "已提交 {n} 项审核，AI 检测完成后进入人工审核",
    queue: "前往审核队列",
    more: "以及另外 {n} 项",
  },
  en: {
    blocked: "The merge gate refused: {n} asset(s) are not brand-approved",
    predicted: "Gate pre-check: {n} asset(s) are not brand-approved yet; merging now would be refused",
    explain: "Every asset published to main must be approved by the brand first (the brand kit under brand/ excepted).",
    submit: "Submit {n} unsubmitted asset(s) for review",
    submitted: "Submitted {n} item(s); after the AI check they go to the reviewers",
    queue: "Open the review queue",
    more: "and {n} more",
  },
};

interface Props {
  violations: GateViolation[];
  /** True for the gate's real answer to a merge, false for the preview's prediction. */
  refused: boolean;
  brandId: string;
  /** The branch holding the versions; enables submitting the unsubmitted ones for review. */
  branch?: string | null;
  onSubmitted?: () => void;
}

export function GateReasons({ violations, refused, brandId, branch, onSubmitted }: Props) {
  const t = useT(messages);
  const { label, color } = useGovLabels();
  const { message } = useFeedback();
  const [busy, setBusy] = useState(false);
  const unsubmitted = violations.filter((v) => v.code === "not_reviewed").map((v) => v.path);

  const submit = async () => {
    if (!branch) return;
    setBusy(true);
    try {
      const result = await call(api.POST("/v1/reviews", { body: { brand_id: brandId, branch, paths: unsubmitted } }));
      message.success(t("submitted", { n: result.items.length }));
      onSubmitted?.();
    } catch (caught) {
      message.error(errorText(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Alert
      type={refused ? "error" : "warning"}
      showIcon
      data-testid="gate-reasons"
      data-refused={refused ? "true" : "false"}
      title={t(refused ? "blocked" : "predicted", { n: violations.length })}
      description={
        <Flex vertical gap={8}>
          <Typography.Text type="secondary">{t("explain")}</Typography.Text>
          <ul style={{ margin: 0, paddingInlineStart: 18 }}>
            {violations.slice(0, SHOWN).map((v) => (
              <li key={v.path} data-testid="gate-violation" data-path={v.path} data-code={v.code} style={{ marginBottom: 4 }}>
                <Typography.Text code style={{ wordBreak: "break-all" }}>
                  {v.path}
                </Typography.Text>{" "}
                <Tag color={color(v.code)}>{label(v.code)}</Tag>
              </li>
            ))}
          </ul>
          {violations.length > SHOWN && <Typography.Text type="secondary">{t("more", { n: violations.length - SHOWN })}</Typography.Text>}
          <Flex wrap gap={12} align="center">
            {branch && unsubmitted.length > 0 && (
              <Button size="small" type="primary" ghost loading={busy} onClick={() => void submit()} data-testid="gate-submit-review">
                {t("submit", { n: unsubmitted.length })}
              </Button>
            )}
            <Link to="/reviews">{t("queue")}</Link>
          </Flex>
        </Flex>
      }
    />
  );
}
