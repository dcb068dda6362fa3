// Brand kit editor: the brand's VI pack (palette, fonts, logos, forbidden and required words, disclaimers)
// loaded from the repository as a form, validated by the API and saved as a commit of brand/vi.yaml: to
// main when the caller may publish, else to a branch that is reviewed and merged.
import { BgColorsOutlined, CheckCircleOutlined, DeleteOutlined, FontSizeOutlined, PictureOutlined, PlusOutlined, SaveOutlined, StopOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Col, Collapse, Empty, Flex, Form, Input, InputNumber, Radio, Row, Select, Skeleton, Tag, Tooltip, Typography } from "antd";
import { useCallback, useEffect, useMemo, useState } from "react";
import { Link } from "react-router";

import { api, ApiError, call, type Schemas } from "../../api/client";
import { errorText, MAIN, shortId } from "../../components/governance/format";
import { usePermissions } from "../../components/governance/perms";
import { useFeedback } from "../../feedback";
import { useLang, useT, type Messages } from "../../i18n";
import { useBrandId, useSession } from "../../session";
import { HexColorInput } from "./HexColorInput";
import { formField, fromForm, toForm, type KitForm } from "./kitForm";
import { LogoList, type PendingLogo } from "./LogoList";

type Kit = Schemas["BrandKitPublic"];
type Problem = Schemas["KitProblem"];
type Saved = Schemas["KitSaved"];

type Key =
  | "title"
  | "subtitle"
  | "loadFrom"
  | "current"
  | "none"
  | "noneBody"
  | "invalidStored"
  | "invalidStoredBody"
  | "storedText"
  | "basics"
  | "brand"
  | "version"
  | "versionHelp"
  | "palette"
  | "paletteHelp"
  | "colorName"
  | "hex"
  | "tolerance"
  | "toleranceHelp"
  | "addColor"
  | "minShare"
  | "minShareHelp"
  | "fonts"
  | "fontsHelp"
  | "fontsPlaceholder"
  | "logos"
  | "words"
  | "forbidden"
  | "forbiddenHelp"
  | "term"
  | "suggestion"
  | "suggestionPlaceholder"
  | "severity"
  | "block"
  | "warn"
  | "info"
  | "addWord"
  | "required"
  | "requiredHelp"
  | "disclaimers"
  | "disclaimersHelp"
  | "tagsPlaceholder"
  | "remove"
  | "publish"
  | "target"
  | "toMain"
  | "toMainHelp"
  | "toBranch"
  | "toBranchHelp"
  | "branchName"
  | "message"
  | "messagePlaceholder"
  | "validate"
  | "save"
  | "valid"
  | "invalid"
  | "yaml"
  | "saved"
  | "savedMain"
  | "savedBranch"
  | "compare"
  | "noRight"
  | "readOnly"
  | "fix"
  | "required_field"
  | "hexInvalid"
  | "loadFailed"
  | "retry"
  | "nothingChanged"
  | "moved";

const messages: Messages<Key> = {
  zh: {
    title: "品牌规范",
    subtitle: "品牌的色板、字体、标志与用词规范。合规检测和创作生成都按这里的规范执行。",
    loadFrom: "查看版本",
    current: "当前版本 {version} · 提交 {commit}",
    none: "还没有品牌规范",
    noneBody: "填写下面的表单并保存，即可建立品牌规范（brand/vi.yaml）。",
    invalidStored: "已保存的品牌规范有 {n} 处错误，暂未生效",
    invalidStoredBody: "已尽量载入原有内容，请按提示修正后重新保存。",
    storedText: "查看原始 YAML",
    basics: "基本信息",
    brand: "品牌标识",
    version: "规范版本",
    versionHelp: "每次修订递增，例如 2026.1",
    palette: "品牌色板",
    paletteHelp: "图片中的主色须落在这些颜色的容差范围内，否则提示偏离品牌色。",
    colorName: "颜色名称",
    hex: "色值",
    tolerance: "容差 ΔE",
    toleranceHelp: "CIEDE2000 色差，数值越小越严格；10 左右为常用值",
    addColor: "添加颜色",
    minShare: "忽略占比低于",
    minShareHelp: "画面中占比低于该值的杂色不计入检查",
    fonts: "指定字体",
    fontsHelp: "设计师使用的标准字体（供人工核对）",
    fontsPlaceholder: "输入字体名称后回车，例如 思源黑体",
    logos: "品牌标志",
    words: "用词规范",
    forbidden: "禁用词",
    forbiddenHelp: "文案中出现即提示，可给出替换词，合规检测会提供一键替换。",
    term: "禁用词",
    suggestion: "替换为",
    suggestionPlaceholder: "可选",
    severity: "级别",
    block: "禁止",
    warn: "警示",
    info: "提示",
    addWord: "添加禁用词",
    required: "必备词",
    requiredHelp: "每条文案都应包含的词，缺少时给出警示",
    disclaimers: "必备声明",
    disclaimersHelp: "每条文案都必须带上的声明，缺少时不可发布",
    tagsPlaceholder: "输入后回车添加",
    remove: "删除",
    publish: "保存与发布",
    target: "保存到",
    toMain: "主干，立即生效",
    toMainHelp: "合规检测与生成会马上使用新规范",
    toBranch: "分支，审核后合并",
    toBranchHelp: "在分支上保存，由有发布权限的同事对比后合并到主干",
    branchName: "分支名称",
    message: "修改说明",
    messagePlaceholder: "例如：新增 618 活动禁用词",
    validate: "校验",
    save: "保存",
    valid: "校验通过，可以保存",
    invalid: "有 {n} 处需要修正",
    yaml: "将要保存的 YAML",
    saved: "已保存品牌规范",
    savedMain: "已发布到主干（提交 {commit}），合规检测已按新规范执行。",
    savedBranch: "已保存到分支 {branch}（提交 {commit}），合并到主干后生效。",
    compare: "对比并合并",
    noRight: "你的角色只能查看品牌规范",
    readOnly: "只读",
    fix: "请先修正表单中的错误",
    required_field: "必填",
    hexInvalid: "请输入 #RRGGBB 格式的色值",
    loadFailed: "无法载入品牌规范",
    retry: "重试",
    nothingChanged: "内容与当前版本相同，无需保存",
    moved: "{branch} 在你编辑期间有了新的提交，请重新载入后再保存",
  },
  en: {
    title: "Brand kit",
    subtitle: "The brand's palette, fonts, logos and wording rules. Compliance checks and generation follow them.",
    loadFrom: "Version",
    current: "Version {version} · commit {commit}",
    none: "No brand kit yet",
    noneBody: "Fill in the form below and save to create the brand kit (brand/vi.yaml).",
    invalidStored: "The saved brand kit has {n} error(s) and is not in effect",
    invalidStoredBody: "What could be read is loaded below; fix the marked fields and save again.",
    storedText: "Show the stored YAML",
    basics: "Basics",
    brand: "Brand id",
    version: "Kit version",
    versionHelp: "Bump it on every revision, e.g. 2026.1",
    palette: "Palette",
    paletteHelp: "Dominant colours in images must be within tolerance of these colours.",
    colorName: "Colour name",
    hex: "Colour",
    tolerance: "Tolerance ΔE",
    toleranceHelp: "CIEDE2000 distance; smaller is stricter; about 10 is usual",
    addColor: "Add colour",
    minShare: "Ignore colours below",
    minShareHelp: "Colours covering less of the image than this are not checked",
    fonts: "Fonts",
    fontsHelp: "Approved typefaces (for designers to check)",
    fontsPlaceholder: "Type a font name and press Enter",
    logos: "Logos",
    words: "Wording",
    forbidden: "Forbidden words",
    forbiddenHelp: "Flagged wherever they appear; give a replacement and the check offers it in one click.",
    term: "Word",
    suggestion: "Replace with",
    suggestionPlaceholder: "Optional",
    severity: "Level",
    block: "Block",
    warn: "Warn",
    info: "Info",
    addWord: "Add word",
    required: "Required words",
    requiredHelp: "Words every copy should contain (a warning when missing)",
    disclaimers: "Required disclaimers",
    disclaimersHelp: "Disclaimers every copy must carry (cannot publish without)",
    tagsPlaceholder: "Type and press Enter",
    remove: "Remove",
    publish: "Save and publish",
    target: "Save to",
    toMain: "main, effective now",
    toMainHelp: "Checks and generation use the new kit at once",
    toBranch: "a branch, for review",
    toBranchHelp: "Saved on a branch; someone who may publish compares and merges it",
    branchName: "Branch name",
    message: "What changed",
    messagePlaceholder: "e.g. forbidden words for the 618 campaign",
    validate: "Validate",
    save: "Save",
    valid: "Valid; ready to save",
    invalid: "{n} thing(s) to fix",
    yaml: "YAML to be saved",
    saved: "Brand kit saved",
    savedMain: "Published to main (commit {commit}); checks now use the new kit.",
    savedBranch: "Saved to branch {branch} (commit {commit}); it takes effect once merged into main.",
    compare: "Compare and merge",
    noRight: "Your role can only view the brand kit",
    readOnly: "Read only",
    fix: "Fix the errors in the form first",
    required_field: "Required",
    hexInvalid: "Enter a colour as #RRGGBB",
    loadFailed: "Cannot load the brand kit",
    retry: "Retry",
    nothingChanged: "Nothing changed since the current version",
    moved: "{branch} got a new commit while you edited; reload before saving",
  },
};

const ZH_ERRORS: Record<string, string> = {
  missing: "必填",
  string_too_short: "不能为空",
  string_pattern_mismatch: "格式不正确",
  greater_than: "数值过小",
  greater_than_equal: "数值过小",
  less_than_equal: "数值过大",
  less_than: "数值过大",
  extra_forbidden: "不支持的字段",
  float_parsing: "需要数字",
  int_parsing: "需要整数",
  enum: "取值不在允许范围内",
};

function stamp(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `brand-kit/${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}`;
}

export default function BrandKitPage() {
  const t = useT(messages);
  const { lang } = useLang();
  const brandId = useBrandId();
  const { brands } = useSession();
  const { message } = useFeedback();
  const perms = usePermissions();
  const [form] = Form.useForm<KitForm>();
  const slug = brands.find((brand) => brand.id === brandId)?.slug ?? "brand";
  const [refName, setRefName] = useState(MAIN);
  const [branches, setBranches] = useState<string[]>([MAIN]);
  const [kit, setKit] = useState<Kit | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [pending, setPending] = useState<Map<string, PendingLogo>>(new Map());
  const [target, setTarget] = useState<"main" | "branch">(perms.canPublish ? "main" : "branch");
  const [branchName, setBranchName] = useState(stamp);
  const [note, setNote] = useState("");
  const [problems, setProblems] = useState<Problem[] | null>(null);
  const [yaml, setYaml] = useState<string | null>(null);
  const [busy, setBusy] = useState<"validate" | "save" | null>(null);
  const [saved, setSaved] = useState<Saved | null>(null);
  const [tick, setTick] = useState(0);
  const editable = perms.canWrite || perms.canPublish;

  useEffect(() => {
    setTarget(perms.canPublish ? "main" : "branch");
  }, [perms.canPublish]);

  useEffect(() => {
    let live = true;
    call(api.GET("/v1/brands/{brand_id}/branches", { params: { path: { brand_id: brandId } } }))
      .then((refs) => live && setBranches(refs.map((ref) => ref.name)))
      .catch((caught: unknown) => live && message.error(errorText(caught)));
    return () => {
      live = false;
    };
  }, [brandId, message, tick]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setLoadError(null);
    call(api.GET("/v1/brands/{brand_id}/brand-kit", { params: { path: { brand_id: brandId }, query: { ref: refName } } }))
      .then((loaded) => {
        if (!live) return;
        setKit(loaded);
        if (refName !== MAIN) setBranchName(refName);
        setPending(new Map());
        setProblems(null);
        setYaml(null);
        form.resetFields();
        form.setFieldsValue(toForm(loaded.vi ?? loaded.draft, slug));
      })
      .catch((caught: unknown) => live && setLoadError(errorText(caught)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [brandId, refName, tick, form, slug]);

  useEffect(() => {
    // A stored pack that does not validate: mark its fields once the rows it loaded have rendered.
    if (!kit || kit.vi || !kit.problems?.length) return undefined;
    const listed = kit.problems;
    const timer = window.setTimeout(() => showProblems(listed), 0);
    return () => window.clearTimeout(timer);
    // showProblems only marks form fields; run this when a new pack arrives, not when the helper changes.
  }, [kit]);

  const problemText = useCallback(
    (problem: Problem) => {
      if (lang !== "zh") return problem.error;
      if (problem.error === "empty word") return "不能包含空白项";
      if (problem.type === "string_pattern_mismatch" && problem.field.endsWith(".hex")) return "请输入 #RRGGBB 格式的色值";
      return ZH_ERRORS[problem.type] ?? problem.error;
    },
    [lang],
  );

  function showProblems(list: Problem[]) {
    const byField = new Map<string, { name: (string | number)[]; errors: string[] }>();
    for (const problem of list) {
      const name = formField(problem.field);
      if (!name) continue;
      const key = name.join(".");
      const entry = byField.get(key) ?? { name, errors: [] };
      entry.errors.push(problemText(problem));
      byField.set(key, entry);
    }
    form.setFields([...byField.values()].map((entry) => ({ name: entry.name as never, errors: entry.errors })));
  }

  const collect = async (): Promise<Record<string, unknown> | null> => {
    try {
      return fromForm(await form.validateFields());
    } catch {
      message.error(t("fix"));
      return null;
    }
  };

  const validate = async () => {
    const vi = await collect();
    if (!vi) return;
    setBusy("validate");
    try {
      const result = await call(api.POST("/v1/brands/{brand_id}/brand-kit/validate", { params: { path: { brand_id: brandId } }, body: { vi } }));
      setProblems(result.problems ?? []);
      setYaml(result.yaml ?? null);
      if (!result.valid) showProblems(result.problems ?? []);
    } catch (caught) {
      message.error(errorText(caught));
    } finally {
      setBusy(null);
    }
  };

  const save = async () => {
    const vi = await collect();
    if (!vi) return;
    const branch = target === "main" ? MAIN : branchName.trim();
    const paths = new Set(((vi.logos as { path: string }[]) ?? []).map((logo) => logo.path));
    const logos = [...pending.entries()].filter(([path]) => paths.has(path)).map(([path, logo]) => ({ path, blob: logo.blob }));
    setBusy("save");
    setSaved(null);
    try {
      const result = await call(
        api.PUT("/v1/brands/{brand_id}/brand-kit", {
          params: { path: { brand_id: brandId } },
          body: {
            vi,
            branch,
            from_ref: refName,
            message: note.trim() || undefined,
            expected_head: branch === kit?.ref ? kit.head : undefined,
            logos,
          },
        }),
      );
      setSaved(result);
      setProblems(null);
      setNote("");
      message.success(t("saved"));
      if (branch !== MAIN) setBranchName(stamp());
      setRefName(branch);
      setTick((n) => n + 1);
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === "invalid_brand_kit") {
        const listed = ((caught.body as { problems?: Problem[] } | null)?.problems ?? []) as Problem[];
        setProblems(listed);
        setYaml(null);
        showProblems(listed);
      } else if (caught instanceof ApiError && caught.code === "nothing_to_commit") {
        message.info(t("nothingChanged"));
      } else if (caught instanceof ApiError && caught.code === "ref_moved") {
        message.error(t("moved", { branch }));
      } else {
        message.error(errorText(caught));
      }
    } finally {
      setBusy(null);
    }
  };

  const storedProblems = kit && !kit.vi ? (kit.problems ?? []) : [];
  const severityOptions = useMemo(
    () => (["block", "warn", "info"] as const).map((value) => ({ value, label: t(value) })),
    [t],
  );
  const tags = (placeholder: string, label: string, testId: string) => (
    <Select mode="tags" open={false} suffixIcon={null} tokenSeparators={["\n"]} placeholder={placeholder} aria-label={label} disabled={!editable} data-testid={testId} />
  );

  return (
    <Flex vertical gap={16} style={{ maxWidth: 1400, margin: "0 auto" }}>
      <Flex justify="space-between" align="start" gap={12} wrap>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t("title")}
          </Typography.Title>
          <Typography.Text type="secondary">{t("subtitle")}</Typography.Text>
        </div>
        <Flex gap={8} align="center" wrap>
          {kit?.vi && (
            <Tag color="green" icon={<CheckCircleOutlined />} data-testid="brandkit-current">
              {t("current", { version: kit.vi.version, commit: shortId(kit.head) })}
            </Tag>
          )}
          {!editable && <Tag icon={<StopOutlined />}>{t("readOnly")}</Tag>}
          <Select
            aria-label={t("loadFrom")}
            prefix={`${t("loadFrom")}:`}
            value={refName}
            onChange={setRefName}
            showSearch
            style={{ minWidth: 220 }}
            options={branches.map((name) => ({ value: name, label: name }))}
            data-testid="brandkit-ref"
          />
        </Flex>
      </Flex>
      {loadError && (
        <Alert
          type="error"
          showIcon
          title={t("loadFailed")}
          description={loadError}
          action={
            <Button size="small" onClick={() => setTick((n) => n + 1)}>
              {t("retry")}
            </Button>
          }
        />
      )}
      {kit && !kit.exists && <Alert type="info" showIcon title={t("none")} description={t("noneBody")} data-testid="brandkit-none" />}
      {kit && storedProblems.length > 0 && (
        <Alert
          type="error"
          showIcon
          data-testid="brandkit-stored-problems"
          title={t("invalidStored", { n: storedProblems.length })}
          description={
            <Flex vertical gap={6}>
              <Typography.Text>{t("invalidStoredBody")}</Typography.Text>
              <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                {storedProblems.map((problem, index) => (
                  <li key={index}>
                    {problem.field && <Typography.Text code>{problem.field}</Typography.Text>} {problemText(problem)}
                    {problem.line ? ` · L${problem.line}` : ""}
                  </li>
                ))}
              </ul>
              {kit.text && (
                <Collapse
                  size="small"
                  items={[{ key: "yaml", label: t("storedText"), children: <pre style={{ margin: 0, whiteSpace: "pre-wrap" }}>{kit.text}</pre> }]}
                />
              )}
            </Flex>
          }
        />
      )}
      {loading && !kit && (
        <Card>
          <Skeleton active paragraph={{ rows: 10 }} />
        </Card>
      )}
      <Form<KitForm>
        form={form}
        layout="vertical"
        disabled={!editable || loading}
        requiredMark={false}
        data-testid="brandkit-form"
        scrollToFirstError
        style={kit ? undefined : { display: "none" }}
      >
        <Row gutter={[16, 16]} align="top">
          <Col xs={24} xl={16}>
            <Flex vertical gap={16}>
              <Card title={t("basics")} size="small">
                <Row gutter={12}>
                  <Col xs={24} sm={12}>
                    <Form.Item name="brand" label={t("brand")} rules={[{ required: true, whitespace: true, message: t("required_field") }]}>
                      <Input data-testid="brandkit-brand" />
                    </Form.Item>
                  </Col>
                  <Col xs={24} sm={12}>
                    <Form.Item name="version" label={t("version")} extra={t("versionHelp")} rules={[{ required: true, whitespace: true, message: t("required_field") }]}>
                      <Input data-testid="brandkit-version" />
                    </Form.Item>
                  </Col>
                </Row>
              </Card>
              <Card
                size="small"
                title={
                  <Flex gap={8} align="center">
                    <BgColorsOutlined aria-hidden />
                    {t("palette")}
                  </Flex>
                }
              >
                <Typography.Paragraph type="secondary">{t("paletteHelp")}</Typography.Paragraph>
                <Form.List name="palette">
                  {(fields, { add, remove }) => (
                    <Flex vertical gap={4}>
                      {fields.map((field) => (
                        <Row key={field.key} gutter={8} align="top" data-testid="brandkit-color">
                          <Col xs={24} sm={8}>
                            <Form.Item name={[field.name, "name"]} label={t("colorName")} rules={[{ required: true, whitespace: true, message: t("required_field") }]}>
                              <Input placeholder="中国红" />
                            </Form.Item>
                          </Col>
                          <Col xs={14} sm={8}>
                            <Form.Item
                              name={[field.name, "hex"]}
                              label={t("hex")}
                              rules={[
                                { required: true, message: t("required_field") },
                                { pattern: /^#?[0-9A-Fa-f]{6}$/, message: t("hexInvalid") },
                              ]}
                            >
                              <HexColorInput label={t("hex")} />
                            </Form.Item>
                          </Col>
                          <Col xs={7} sm={6}>
                            <Form.Item name={[field.name, "tolerance_de"]} label={t("tolerance")} tooltip={t("toleranceHelp")} rules={[{ required: true, message: t("required_field") }]}>
                              <InputNumber min={0.1} max={100} step={1} style={{ width: "100%" }} />
                            </Form.Item>
                          </Col>
                          <Col xs={3} sm={2}>
                            <Form.Item label=" " colon={false}>
                              <Button type="text" danger icon={<DeleteOutlined />} aria-label={t("remove")} onClick={() => remove(field.name)} />
                            </Form.Item>
                          </Col>
                        </Row>
                      ))}
                      <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ name: "", hex: "#000000", tolerance_de: 10 })} data-testid="brandkit-add-color">
                        {t("addColor")}
                      </Button>
                    </Flex>
                  )}
                </Form.List>
                <Form.Item name="palette_min_share_pct" label={t("minShare")} tooltip={t("minShareHelp")} style={{ marginTop: 16, marginBottom: 0 }}>
                  <InputNumber min={0.1} max={100} step={1} suffix="%" style={{ width: 160 }} />
                </Form.Item>
              </Card>
              <Card
                size="small"
                title={
                  <Flex gap={8} align="center">
                    <PictureOutlined aria-hidden />
                    {t("logos")}
                  </Flex>
                }
              >
                <LogoList
                  brandId={brandId}
                  refName={kit?.head ?? refName}
                  missing={kit?.missing_logos ?? []}
                  pending={pending}
                  onUploaded={(path, logo) => setPending((current) => new Map(current).set(path, logo))}
                  disabled={!editable}
                />
              </Card>
              <Card
                size="small"
                title={
                  <Flex gap={8} align="center">
                    <FontSizeOutlined aria-hidden />
                    {t("words")}
                  </Flex>
                }
              >
                <Typography.Text strong>{t("forbidden")}</Typography.Text>
                <Typography.Paragraph type="secondary">{t("forbiddenHelp")}</Typography.Paragraph>
                <Form.List name="forbidden_words">
                  {(fields, { add, remove }) => (
                    <Flex vertical gap={4}>
                      {fields.map((field) => (
                        <Row key={field.key} gutter={8} align="top" data-testid="brandkit-word">
                          <Col xs={24} sm={8}>
                            <Form.Item name={[field.name, "term"]} label={t("term")} rules={[{ required: true, whitespace: true, message: t("required_field") }]}>
                              <Input />
                            </Form.Item>
                          </Col>
                          <Col xs={14} sm={8}>
                            <Form.Item name={[field.name, "suggestion"]} label={t("suggestion")}>
                              <Input placeholder={t("suggestionPlaceholder")} />
                            </Form.Item>
                          </Col>
                          <Col xs={7} sm={6}>
                            <Form.Item name={[field.name, "severity"]} label={t("severity")}>
                              <Select options={severityOptions} aria-label={t("severity")} />
                            </Form.Item>
                          </Col>
                          <Col xs={3} sm={2}>
                            <Form.Item label=" " colon={false}>
                              <Button type="text" danger icon={<DeleteOutlined />} aria-label={t("remove")} onClick={() => remove(field.name)} />
                            </Form.Item>
                          </Col>
                        </Row>
                      ))}
                      <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ term: "", suggestion: "", severity: "block" })} data-testid="brandkit-add-word">
                        {t("addWord")}
                      </Button>
                    </Flex>
                  )}
                </Form.List>
                <Row gutter={12} style={{ marginTop: 16 }}>
                  <Col xs={24} md={12}>
                    <Form.Item name="required_words" label={t("required")} extra={t("requiredHelp")}>
                      {tags(t("tagsPlaceholder"), t("required"), "brandkit-required-words")}
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={12}>
                    <Form.Item name="required_disclaimers" label={t("disclaimers")} extra={t("disclaimersHelp")}>
                      {tags(t("tagsPlaceholder"), t("disclaimers"), "brandkit-disclaimers")}
                    </Form.Item>
                  </Col>
                </Row>
                <Form.Item name="fonts" label={t("fonts")} extra={t("fontsHelp")} style={{ marginBottom: 0 }}>
                  {tags(t("fontsPlaceholder"), t("fonts"), "brandkit-fonts")}
                </Form.Item>
              </Card>
            </Flex>
          </Col>
          <Col xs={24} xl={8} style={{ position: "sticky", top: 16 }}>
            <Card title={t("publish")} size="small" data-testid="brandkit-publish">
              {!editable ? (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("noRight")} />
              ) : (
                <Flex vertical gap={12}>
                  <div>
                    <Typography.Text type="secondary">{t("target")}</Typography.Text>
                    <Radio.Group
                      value={target}
                      onChange={(event) => setTarget(event.target.value as "main" | "branch")}
                      style={{ display: "flex", flexDirection: "column", gap: 8, marginTop: 6 }}
                      aria-label={t("target")}
                      data-testid="brandkit-target"
                    >
                      <Tooltip title={perms.canPublish ? undefined : t("noRight")}>
                        <Radio value="main" disabled={!perms.canPublish}>
                          {t("toMain")}
                          <div style={{ fontSize: 12, color: "#8c8c8c" }}>{t("toMainHelp")}</div>
                        </Radio>
                      </Tooltip>
                      <Radio value="branch" disabled={!perms.canWrite}>
                        {t("toBranch")}
                        <div style={{ fontSize: 12, color: "#8c8c8c" }}>{t("toBranchHelp")}</div>
                      </Radio>
                    </Radio.Group>
                  </div>
                  {target === "branch" && (
                    <Flex vertical gap={4}>
                      <label htmlFor="brandkit-branch" style={{ color: "#8c8c8c" }}>
                        {t("branchName")}
                      </label>
                      <Input
                        id="brandkit-branch"
                        value={branchName}
                        onChange={(event) => setBranchName(event.target.value)}
                        data-testid="brandkit-branch"
                      />
                    </Flex>
                  )}
                  <Input.TextArea
                    aria-label={t("message")}
                    placeholder={`${t("message")} · ${t("messagePlaceholder")}`}
                    value={note}
                    onChange={(event) => setNote(event.target.value)}
                    autoSize={{ minRows: 2, maxRows: 4 }}
                    maxLength={5000}
                    data-testid="brandkit-message"
                  />
                  <Flex gap={8}>
                    <Button onClick={() => void validate()} loading={busy === "validate"} disabled={busy !== null} data-testid="brandkit-validate">
                      {t("validate")}
                    </Button>
                    <Button
                      type="primary"
                      icon={<SaveOutlined />}
                      onClick={() => void save()}
                      loading={busy === "save"}
                      disabled={busy !== null || (target === "branch" && !branchName.trim())}
                      block
                      data-testid="brandkit-save"
                    >
                      {t("save")}
                    </Button>
                  </Flex>
                  {problems && problems.length > 0 && (
                    <Alert
                      type="error"
                      showIcon
                      data-testid="brandkit-problems"
                      title={t("invalid", { n: problems.length })}
                      description={
                        <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                          {problems.map((problem, index) => (
                            <li key={index}>
                              {problem.field && <Typography.Text code>{problem.field}</Typography.Text>} {problemText(problem)}
                            </li>
                          ))}
                        </ul>
                      }
                    />
                  )}
                  {problems && problems.length === 0 && <Alert type="success" showIcon title={t("valid")} data-testid="brandkit-valid" />}
                  {yaml && (
                    <Collapse
                      size="small"
                      items={[
                        {
                          key: "yaml",
                          label: t("yaml"),
                          children: (
                            <pre data-testid="brandkit-yaml" style={{ margin: 0, whiteSpace: "pre-wrap", fontSize: 12, maxHeight: 360, overflow: "auto" }}>
                              {yaml}
                            </pre>
                          ),
                        },
                      ]}
                    />
                  )}
                  {saved && (
                    <Alert
                      type="success"
                      showIcon
                      data-testid="brandkit-saved"
                      title={t("saved")}
                      description={
                        <Flex vertical gap={6}>
                          <span>
                            {saved.branch === MAIN
                              ? t("savedMain", { commit: shortId(saved.commit.id) })
                              : t("savedBranch", { branch: saved.branch, commit: shortId(saved.commit.id) })}
                          </span>
                          {saved.branch !== MAIN && (
                            <Link to={`/branches/compare?${new URLSearchParams({ base: MAIN, head: saved.branch })}`} data-testid="brandkit-compare">
                              {t("compare")} →
                            </Link>
                          )}
                        </Flex>
                      }
                    />
                  )}
                </Flex>
              )}
            </Card>
          </Col>
        </Row>
      </Form>
    </Flex>
  );
}
