// The studio: a brief → many on-brand, compliant variants per platform, with live progress; pick, edit,
// regenerate and save the best to a campaign branch. The run's jobs live in the URL (?job=…&swap=…), so a
// reload resumes following them.
import { BranchesOutlined, ExperimentOutlined } from "@ant-design/icons";
import { Alert, Button, Col, Empty, Flex, Grid, Row, Skeleton, Typography } from "antd";
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";

import { api, ApiError, call } from "../../api/client";
import { LightCard } from "../../components/LightCard";
import { BriefForm } from "../../components/studio/BriefForm";
import type { PlatformNote, Slot } from "../../components/studio/Gallery";
import { useFeedback } from "../../feedback";
import {
  assess,
  isTerminal,
  PLATFORM_LABELS,
  platformOf,
  readRun,
  regenerateBrief,
  requestsFor,
  variantsOf,
  writeRun,
  type BriefValues,
  type Job,
  type Rendition,
  type RunState,
  type Variant,
} from "../../components/studio/model";
import type { PosterEdit } from "../../components/studio/PosterEditor";
import { RecentJobs } from "../../components/studio/RecentJobs";

import { useJobs } from "../../components/studio/useJobs";
import type { CopyEdit, PosterState } from "../../components/studio/VariantCard";
import { useLang, useT, type Messages } from "../../i18n";
import { useBrandId, useSession } from "../../session";

// What shows only once a run exists loads on demand: the first screen is the brief form and recent jobs.
const Gallery = lazy(() => import("../../components/studio/Gallery").then((m) => ({ default: m.Gallery })));
const VariantCard = lazy(() => import("../../components/studio/VariantCard").then((m) => ({ default: m.VariantCard })));
const RunProgress = lazy(() => import("../../components/studio/RunProgress").then((m) => ({ default: m.RunProgress })));
const PosterEditor = lazy(() => import("../../components/studio/PosterEditor").then((m) => ({ default: m.PosterEditor })));
const SaveToBranch = lazy(() => import("../../components/studio/SaveToBranch").then((m) => ({ default: m.SaveToBranch })));

type Key =
  | "title"
  | "subtitle"
  | "brief"
  | "results"
  | "emptyTitle"
  | "emptyHint"
  | "selected"
  | "save"
  | "clear"
  | "submitted"
  | "submitFailed"
  | "nothing"
  | "cancelled"
  | "regenStarted"
  | "regenFailed"
  | "otherBrand"
  | "newRun"
  | "copy"
  | "creative"
  | "video";

const messages: Messages<Key> = {
  zh: {
    title: "创作工作台",
    subtitle: "写一份需求，批量生成多平台、多版本且合规的内容；挑选、修改后保存到活动分支。",
    brief: "创作需求",
    results: "生成结果",
    emptyTitle: "还没有生成结果",
    emptyHint: "在左侧填写产品、卖点和投放平台，点「开始生成」；也可以从「最近的任务」打开之前的结果。",
    selected: "已选 {n} 条",
    save: "保存到分支",
    clear: "清空选择",
    submitted: "已提交 {n} 个生成任务",
    submitFailed: "{what} 提交失败：{error}",
    nothing: "所选平台与内容组合没有可生成的任务",
    cancelled: "已取消未完成的任务",
    regenStarted: "正在为这个位置生成新的一条",
    regenFailed: "重新生成失败：{error}",
    otherBrand: "这些结果属于其他品牌，切换品牌后请重新生成。",
    newRun: "新的需求",
    copy: "文案",
    creative: "文案 + 海报",
    video: "短视频",
  },
  en: {
    title: "Studio",
    subtitle: "One brief → many on-brand, compliant variants for every platform; pick, edit and save the best to a campaign branch.",
    brief: "Brief",
    results: "Results",
    emptyTitle: "No results yet",
    emptyHint: "Fill in the product, selling points and platforms on the left and press Generate, or reopen a recent job.",
    selected: "{n} selected",
    save: "Save to branch",
    clear: "Clear selection",
    submitted: "{n} generation jobs submitted",
    submitFailed: "{what} was not submitted: {error}",
    nothing: "Nothing to generate for these platforms and outputs",
    cancelled: "Unfinished jobs cancelled",
    regenStarted: "Generating a new variant for this card",
    regenFailed: "Regeneration failed: {error}",
    otherBrand: "These results belong to another brand; generate again for this one.",
    newRun: "New brief",
    copy: "Copy",
    creative: "Copy + posters",
    video: "Video",
  },
};

function errorText(e: unknown): string {
  return e instanceof ApiError ? e.message : String(e);
}

function newKey(): string {
  return typeof crypto.randomUUID === "function" ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

interface EditingPoster {
  variant: Variant;
  rendition: Rendition;
  at: string;
}

export default function StudioPage() {
  const t = useT(messages);
  const { lang } = useLang();
  const { message } = useFeedback();
  const brandId = useBrandId();
  const { brands } = useSession();
  const brandName = brands.find((b) => b.id === brandId)?.name ?? "";
  const [params, setParams] = useSearchParams();
  const run = useMemo(() => readRun(params), [params]);
  const ids = useMemo(() => [...run.jobs, ...Object.values(run.swaps)], [run]);
  const { jobs, reload } = useJobs(ids);

  const [submitting, setSubmitting] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [copyEdits, setCopyEdits] = useState<Record<string, CopyEdit>>({});
  const [posterStates, setPosterStates] = useState<Record<string, PosterState>>({});
  const [editingPoster, setEditingPoster] = useState<EditingPoster | null>(null);
  const [saving, setSaving] = useState(false);
  const wide = Grid.useBreakpoint().xl ?? false;
  const resultsRef = useRef<HTMLDivElement>(null);

  const setRun = useCallback(
    (next: RunState, replace = false) => setParams(writeRun(next), { replace }),
    [setParams],
  );

  // A new run starts with nothing picked or edited.
  const runKey = run.jobs.join(",");
  useEffect(() => {
    setSelected(new Set());
    setCopyEdits({});
    setPosterStates({});
  }, [runKey]);

  // Switching brand leaves the other brand's run behind.
  const lastBrand = useRef(brandId);
  useEffect(() => {
    if (lastBrand.current !== brandId) {
      lastBrand.current = brandId;
      setRun({ jobs: [], swaps: {} });
    }
  }, [brandId, setRun]);

  const kindLabel = useCallback(
    (kind: string) => (kind === "copy" || kind === "creative" || kind === "video" ? t(kind) : kind),
    [t],
  );

  const submit = async (values: BriefValues) => {
    const requests = requestsFor(values);
    if (requests.length === 0) {
      message.warning(t("nothing"));
      return;
    }
    setSubmitting(true);
    const created: string[] = [];
    try {
      for (const request of requests) {
        const what = `${PLATFORM_LABELS[lang][request.platform]} ${kindLabel(request.kind)}`;
        try {
          const job = await call(
            api.POST("/v1/generations", {
              params: { header: { "idempotency-key": newKey() } },
              body: { brand_id: brandId, kind: request.kind, brief: request.brief },
            }),
          );
          created.push(job.id);
        } catch (e) {
          message.error(t("submitFailed", { what, error: errorText(e) }), 8);
        }
      }
    } finally {
      setSubmitting(false);
    }
    if (created.length) {
      setRun({ jobs: created, swaps: {} });
      message.success(t("submitted", { n: created.length }));
      // one column (tablet): bring the progress into view
      if (!wide) setTimeout(() => resultsRef.current?.scrollIntoView({ behavior: "smooth", block: "start" }), 100);
    }
  };

  const cancel = async () => {
    setCancelling(true);
    try {
      const live = ids.filter((id) => {
        const job = jobs[id]?.job;
        return job && !isTerminal(job.status);
      });
      const results = await Promise.allSettled(
        live.map((id) => call(api.POST("/v1/jobs/{job_id}/cancel", { params: { path: { job_id: id } } }))),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) message.error(errorText(failed.reason));
      else message.success(t("cancelled"));
      await Promise.allSettled(live.map((id) => reload(id)));
    } finally {
      setCancelling(false);
    }
  };

  // ---- slots: each generated variant, or the one a regeneration replaced it with -------------------
  const slots: Slot[] = useMemo(() => {
    const out: Slot[] = [];
    for (const id of run.jobs) {
      const job = jobs[id]?.job;
      if (!job || job.status !== "succeeded") continue;
      for (const generated of variantsOf(job)) {
        const swapId = run.swaps[generated.key];
        const swap = swapId ? jobs[swapId]?.job : undefined;
        const replacement = swap?.status === "succeeded" ? variantsOf(swap)[0] : undefined;
        const variant = replacement ? { ...replacement, platform: generated.platform } : generated;
        const pending = swapId && (!swap || !isTerminal(swap.status)) ? (swap?.progress ?? 0) : null;
        const verdict = assess(variant, copyEdits[variant.key]?.check, posterStates).verdict;
        out.push({ key: generated.key, variant, verdict, pending });
      }
    }
    return out;
  }, [run, jobs, copyEdits, posterStates]);

  const notes: PlatformNote[] = useMemo(
    () =>
      run.jobs.flatMap((id) => {
        const job = jobs[id]?.job;
        const platform = job ? platformOf(job) : null;
        if (!job || !platform) return [];
        const error = job.status === "failed" && job.error ? `${kindLabel(job.kind)} · ${job.error.code}: ${job.error.detail ?? ""}` : null;
        const cancelled = job.status === "cancelled" ? kindLabel(job.kind) : null;
        return [{ platform, running: !isTerminal(job.status), error, cancelled }];
      }),
    [run.jobs, jobs, kindLabel],
  );

  // A regeneration that failed or was cancelled gives its card back, and says why.
  useEffect(() => {
    const ended = Object.entries(run.swaps).filter(([, id]) => {
      const status = jobs[id]?.job?.status;
      return status === "failed" || status === "cancelled";
    });
    if (ended.length === 0) return;
    for (const [, id] of ended) {
      const job = jobs[id]?.job;
      message.error(t("regenFailed", { error: job?.error ? `${job.error.code}: ${job.error.detail ?? ""}` : (job?.status ?? "") }));
    }
    const swaps = Object.fromEntries(Object.entries(run.swaps).filter(([key]) => !ended.some(([k]) => k === key)));
    setRun({ jobs: run.jobs, swaps }, true);
  }, [run, jobs, message, setRun, t]);

  const regenerate = async (slot: Slot) => {
    const job: Job | null | undefined = jobs[slot.variant.jobId]?.job;
    if (!job) return;
    try {
      const created = await call(
        api.POST("/v1/generations", {
          params: { header: { "idempotency-key": newKey() } },
          body: { brand_id: brandId, kind: job.kind, brief: regenerateBrief(job) },
        }),
      );
      setSelected((all) => {
        const next = new Set(all);
        next.delete(slot.variant.key);
        return next;
      });
      setRun({ jobs: run.jobs, swaps: { ...run.swaps, [slot.key]: created.id } }, true);
      message.info(t("regenStarted"));
    } catch (e) {
      message.error(t("regenFailed", { error: errorText(e) }));
    }
  };

  const select = (keys: string[], on: boolean) =>
    setSelected((all) => {
      const next = new Set(all);
      for (const key of keys) {
        if (on) next.add(key);
        else next.delete(key);
      }
      return next;
    });

  const onPosterEdited = (edit: PosterEdit) =>
    setPosterStates((all) => ({
      ...all,
      [edit.path]: { ref: edit.commit_id, verdict: edit.verdict, status: edit.status, findings: edit.findings },
    }));

  const finished = ids.filter((id) => isTerminal(jobs[id]?.job?.status)).length;
  const firstJob = run.jobs.map((id) => jobs[id]?.job).find((job): job is Job => Boolean(job));
  const product = String(firstJob?.brief.product ?? firstJob?.brief.hook_text ?? "");
  const industry = typeof firstJob?.brief.industry === "string" ? firstJob.brief.industry : null;
  const otherBrand = firstJob && firstJob.brand_id !== brandId;
  const picked = slots.filter((s) => selected.has(s.variant.key)).map((s) => s.variant);
  const blocked = slots.filter((s) => selected.has(s.variant.key) && s.verdict === "block").length;

  const recent = (
    <RecentJobs refreshKey={`${runKey}:${brandId}:${finished}`} onOpen={(id) => setRun({ jobs: [id], swaps: {} })} />
  );

  return (
    <Flex vertical gap={16}>
      <div>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t("title")}
        </Typography.Title>
        <Typography.Text type="secondary">{t("subtitle")}</Typography.Text>
      </div>
      <Row gutter={[16, 16]} align="top">
        <Col xs={24} xl={8}>
          <Flex vertical gap={16}>
            <LightCard title={t("brief")} size="small">
              <BriefForm key={brandId} brandName={brandName} busy={submitting} onSubmit={submit} />
            </LightCard>
            {wide ? recent : null}
          </Flex>
        </Col>
        <Col xs={24} xl={16}>
          <Flex vertical gap={16} ref={resultsRef}>
            {otherBrand ? <Alert type="warning" showIcon title={t("otherBrand")} /> : null}
            {run.jobs.length ? (
              <Suspense fallback={<LightCard size="small"><Skeleton active /></LightCard>}>
                <RunProgress ids={run.jobs} jobs={jobs} cancelling={cancelling} onCancel={() => void cancel()} />
              </Suspense>
            ) : null}
            {run.jobs.length ? (
              <LightCard
                size="small"
                title={t("results")}
                extra={
                  <Flex gap={8} align="center" wrap>
                    <Typography.Text type="secondary" data-testid="selected-count">
                      {t("selected", { n: picked.length })}
                    </Typography.Text>
                    {picked.length ? (
                      <Button size="small" type="text" onClick={() => setSelected(new Set())}>
                        {t("clear")}
                      </Button>
                    ) : null}
                    <Button
                      type="primary"
                      icon={<BranchesOutlined />}
                      disabled={picked.length === 0}
                      onClick={() => setSaving(true)}
                      data-testid="save-to-branch"
                    >
                      {t("save")}
                    </Button>
                  </Flex>
                }
              >
                <Suspense fallback={<Skeleton active />}>
                <Gallery
                  slots={slots}
                  notes={notes}
                  selected={selected}
                  onSelect={select}
                  renderCard={(slot, number) => (
                    <VariantCard
                      variant={slot.variant}
                      number={number}
                      selected={selected.has(slot.variant.key)}
                      onSelect={(on) => select([slot.variant.key], on)}
                      copyEdit={copyEdits[slot.variant.key]}
                      onCopyEdit={(edit) => setCopyEdits((all) => ({ ...all, [slot.variant.key]: edit }))}
                      posters={posterStates}
                      onEditPoster={(rendition, at) => setEditingPoster({ variant: slot.variant, rendition, at })}
                      onRegenerate={() => void regenerate(slot)}
                      regenerating={slot.pending}
                      industry={industry}
                    />
                  )}
                />
                </Suspense>
              </LightCard>
            ) : (
              <LightCard>
                <Empty
                  image={<ExperimentOutlined style={{ fontSize: 56, color: "#c2410c" }} />}
                  description={
                    <Flex vertical gap={4}>
                      <Typography.Text strong>{t("emptyTitle")}</Typography.Text>
                      <Typography.Text type="secondary">{t("emptyHint")}</Typography.Text>
                    </Flex>
                  }
                  data-testid="studio-empty"
                />
              </LightCard>
            )}
            {wide ? null : recent}
          </Flex>
        </Col>
      </Row>
      <Suspense fallback={null}>
      {editingPoster && editingPoster.variant.branch ? (
        <PosterEditor
          rendition={editingPoster.rendition}
          branch={editingPoster.variant.branch}
          at={editingPoster.at}
          platform={editingPoster.variant.platform}
          industry={industry}
          onClose={() => setEditingPoster(null)}
          onEdited={onPosterEdited}
        />
      ) : null}
      {saving ? (
        <SaveToBranch variants={picked} copyEdits={copyEdits} product={product} blocked={blocked} onClose={() => setSaving(false)} />
      ) : null}
      </Suspense>
    </Flex>
  );
}
