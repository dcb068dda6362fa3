// "Submit for review": pick a branch and the asset path(s) on it; the AI check starts at once.
import { SendOutlined } from "@ant-design/icons";
import { Button, Card, Col, Collapse, Form, Input, Row, Select, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";

import { api, ApiError, call, type Schemas } from "../../api/client";
import { useFeedback } from "../../feedback";
import { useLang, useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";
import type { ReviewItem } from "./model";
import { INDUSTRIES, optionsOf, PLATFORMS } from "./taxonomy";

const messages: Messages<
  | "title"
  | "hint"
  | "branch"
  | "paths"
  | "pathsHelp"
  | "pathsPlaceholder"
  | "more"
  | "industry"
  | "platform"
  | "region"
  | "note"
  | "notePlaceholder"
  | "submit"
  | "required"
  | "done"
  | "already"
  | "missing"
  | "auto"
> = {
  zh: {
    title: "提交审核",
    hint: "选择分支上的素材送审：AI 先做合规检测，再依次由代理商、品牌审核。",
    branch: "分支",
    paths: "素材",
    pathsHelp: "可多选，也可直接输入路径后回车",
    pathsPlaceholder: "选择或输入素材路径",
    more: "更多选项（行业、投放平台、备注）",
    industry: "行业",
    platform: "投放平台",
    region: "区域",
    note: "给审核人的备注",
    notePlaceholder: "例如：双十一主推款，周五前需上线",
    submit: "提交审核",
    required: "请选择",
    done: "已提交 {n} 项，AI 检测中",
    already: "这些版本已在审核中（或已通过），未重复提交",
    missing: "分支上找不到：{paths}",
    auto: "自动识别",
  },
  en: {
    title: "Submit for review",
    hint: "Send assets on a branch for review: the AI check runs first, then the agency and the brand decide.",
    branch: "Branch",
    paths: "Assets",
    pathsHelp: "Pick several, or type a path and press Enter",
    pathsPlaceholder: "Pick or type asset paths",
    more: "More options (industry, platform, note)",
    industry: "Industry",
    platform: "Platform",
    region: "Region",
    note: "Note to reviewers",
    notePlaceholder: "e.g. hero product for 11.11, must go live by Friday",
    submit: "Submit for review",
    required: "Required",
    done: "Submitted {n}; the AI check is running",
    already: "These versions are already in review (or approved); nothing new was submitted",
    missing: "Not on the branch: {paths}",
    auto: "Auto",
  },
};

interface Values {
  branch: string;
  paths: string[];
  industry?: string;
  platform?: string;
  region_id?: string;
  note?: string;
}

export interface SubmitReviewFormProps {
  initialBranch?: string | null;
  initialPaths?: string[];
  /** Region ids the caller is limited to (a region must then be chosen); null: every region. */
  regionIds: string[] | null;
  onSubmitted: (items: ReviewItem[]) => void;
}

function describe(error: unknown, t: (key: "missing", vars: Record<string, string>) => string): string {
  if (error instanceof ApiError && error.code === "asset_not_found") {
    const missing = (error.body as { missing?: string[] } | null)?.missing;
    if (missing?.length) return t("missing", { paths: missing.join(", ") });
  }
  return error instanceof ApiError ? error.detail || error.message : String(error);
}

export function SubmitReviewForm({ initialBranch, initialPaths, regionIds, onSubmitted }: SubmitReviewFormProps) {
  const t = useT(messages);
  const { lang } = useLang();
  const brandId = useBrandId();
  const { message } = useFeedback();
  const [form] = Form.useForm<Values>();
  const branch = Form.useWatch("branch", form);
  const [branches, setBranches] = useState<Schemas["RefPublic"][]>([]);
  const [assets, setAssets] = useState<Schemas["EntryPublic"][]>([]);
  const [loadingBranches, setLoadingBranches] = useState(false);
  const [loadingAssets, setLoadingAssets] = useState(false);
  const [busy, setBusy] = useState(false);
  const [regions, setRegions] = useState<Schemas["RegionPublic"][]>([]);

  const loadBranches = useCallback(async () => {
    setLoadingBranches(true);
    try {
      const list = await call(api.GET("/v1/brands/{brand_id}/branches", { params: { path: { brand_id: brandId } } }));
      const sorted = [...list].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
      setBranches(sorted);
      if (!form.getFieldValue("branch")) {
        const preferred = sorted.find((ref) => ref.name !== "main") ?? sorted[0];
        if (preferred) form.setFieldValue("branch", preferred.name);
      }
    } catch (error) {
      void message.error(describe(error, t));
    } finally {
      setLoadingBranches(false);
    }
  }, [brandId, form, message, t]);

  const loadAssets = useCallback(
    async (ref: string) => {
      setLoadingAssets(true);
      try {
        const page = await call(
          api.GET("/v1/brands/{brand_id}/assets", {
            params: { path: { brand_id: brandId }, query: { ref, limit: 1000 } },
          }),
        );
        setAssets(page.items.filter((entry) => !entry.path.startsWith("brand/")));
      } catch (error) {
        setAssets([]);
        void message.error(describe(error, t));
      } finally {
        setLoadingAssets(false);
      }
    },
    [brandId, message, t],
  );

  const initialKey = (initialPaths ?? []).join("\n");
  useEffect(() => {
    form.setFieldsValue({ branch: initialBranch ?? undefined, paths: initialKey ? initialKey.split("\n") : [] });
  }, [brandId, initialBranch, initialKey, form]);

  useEffect(() => {
    void loadBranches();
  }, [loadBranches]);

  useEffect(() => {
    if (branch) void loadAssets(branch);
  }, [branch, loadAssets]);

  useEffect(() => {
    if (!regionIds) return;
    call(api.GET("/v1/brands/{brand_id}/regions", { params: { path: { brand_id: brandId } } }))
      .then((page) => setRegions(page.items.filter((region) => regionIds.includes(region.id))))
      .catch((error: unknown) => void message.error(describe(error, t)));
  }, [brandId, regionIds, message, t]);

  const submit = async (values: Values) => {
    setBusy(true);
    try {
      const body: Schemas["SubmitRequest"] = {
        brand_id: brandId,
        branch: values.branch,
        paths: values.paths.map((path) => path.trim()).filter(Boolean),
        industry: values.industry ?? null,
        platform: values.platform ?? null,
        region_id: values.region_id ?? null,
        note: values.note?.trim() || null,
      };
      const result = await call(api.POST("/v1/reviews", { body }));
      if (result.created > 0) void message.success(t("done", { n: result.created }));
      else void message.info(t("already"));
      form.setFieldsValue({ paths: [], note: undefined });
      onSubmitted(result.items);
    } catch (error) {
      void message.error(describe(error, t));
    } finally {
      setBusy(false);
    }
  };

  const regionRequired = regionIds !== null;
  return (
    <Card
      size="small"
      title={t("title")}
      data-testid="submit-review-card"
      style={{ marginBottom: 16 }}
      styles={{ body: { paddingBottom: 4 } }}
    >
      <Typography.Paragraph type="secondary" style={{ marginBottom: 12 }}>
        {t("hint")}
      </Typography.Paragraph>
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={submit}
        requiredMark={false}
        data-testid="submit-review-form"
        aria-label={t("title")}
      >
        <Row gutter={[12, 0]} align="bottom">
          <Col xs={24} md={7}>
            <Form.Item name="branch" label={t("branch")} rules={[{ required: true, message: t("required") }]}>
              <Select
                data-testid="submit-review-branch"
                aria-label={t("branch")}
                showSearch
                loading={loadingBranches}
                options={branches.map((ref) => ({ value: ref.name, label: ref.name }))}
                onOpenChange={(open) => open && void loadBranches()}
                onChange={() => form.setFieldValue("paths", [])}
              />
            </Form.Item>
          </Col>
          <Col xs={24} md={13}>
            <Form.Item
              name="paths"
              label={t("paths")}
              tooltip={t("pathsHelp")}
              rules={[{ required: true, type: "array", min: 1, message: t("required") }]}
            >
              <Select
                mode="tags"
                data-testid="submit-review-paths"
                aria-label={t("paths")}
                placeholder={t("pathsPlaceholder")}
                loading={loadingAssets}
                tokenSeparators={[",", "\n"]}
                maxTagCount="responsive"
                options={assets.map((entry) => ({ value: entry.path, label: `${entry.path}  ·  ${entry.kind}` }))}
                onOpenChange={(open) => open && branch && void loadAssets(branch)}
              />
            </Form.Item>
          </Col>
          <Col xs={24} md={4}>
            <Form.Item label=" " colon={false}>
              <Button
                type="primary"
                htmlType="submit"
                icon={<SendOutlined />}
                loading={busy}
                block
                data-testid="submit-review-submit"
              >
                {t("submit")}
              </Button>
            </Form.Item>
          </Col>
        </Row>
        <Collapse
          ghost
          size="small"
          style={{ marginTop: -8, marginInline: -12 }}
          defaultActiveKey={regionRequired ? ["more"] : []}
          items={[
            {
              key: "more",
              label: t("more"),
              forceRender: true,
              children: (
                <Row gutter={[12, 0]}>
                  <Col xs={24} sm={12} lg={6}>
                    <Form.Item name="industry" label={t("industry")}>
                      <Select
                        allowClear
                        showSearch={{ optionFilterProp: "label" }}
                        aria-label={t("industry")}
                        placeholder={t("auto")}
                        options={optionsOf(INDUSTRIES, lang)}
                      />
                    </Form.Item>
                  </Col>
                  <Col xs={24} sm={12} lg={6}>
                    <Form.Item name="platform" label={t("platform")}>
                      <Select
                        allowClear
                        aria-label={t("platform")}
                        placeholder={t("auto")}
                        options={optionsOf(PLATFORMS, lang)}
                      />
                    </Form.Item>
                  </Col>
                  {regionRequired && (
                    <Col xs={24} sm={12} lg={6}>
                      <Form.Item name="region_id" label={t("region")} rules={[{ required: true, message: t("required") }]}>
                        <Select
                          aria-label={t("region")}
                          options={regions.map((region) => ({ value: region.id, label: region.name }))}
                        />
                      </Form.Item>
                    </Col>
                  )}
                  <Col xs={24} lg={regionRequired ? 6 : 12}>
                    <Form.Item name="note" label={t("note")}>
                      <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} maxLength={4000} placeholder={t("notePlaceholder")} />
                    </Form.Item>
                  </Col>
                </Row>
              ),
            },
          ]}
        />
      </Form>
    </Card>
  );
}
