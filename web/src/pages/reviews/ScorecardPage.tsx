// Agency scorecard: first-pass approval, AI block rate, violations, refusals and turnaround per agency and
// period, with the current overdue count and a CSV export for finance and agency reviews.
import { DownloadOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Col, Empty, Flex, Row, Segmented, Select, Space, Statistic, Table, Tag, Tooltip, Typography, type TableColumnsType } from "antd";
import { useCallback, useEffect, useState, type HTMLAttributes } from "react";

import { api, call, fetchBlob, type Schemas } from "../../api/client";
import { useReviewLabels } from "../../components/reviews/labels";
import { errorCode, errorText, formatHours } from "../../components/reviews/model";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";

type Period = "week" | "month" | "all";

type Turnaround = Schemas["TurnaroundPublic"];
type ScorecardRow = Schemas["ScorecardRowPublic"];
type Scorecard = Schemas["ScorecardPublic"];

const messages: Messages<
  | "title"
  | "subtitle"
  | "period"
  | "byWeek"
  | "byMonth"
  | "whole"
  | "window"
  | "days"
  | "export"
  | "exported"
  | "refresh"
  | "agency"
  | "inHouse"
  | "submissions"
  | "submissionsHelp"
  | "firstPass"
  | "firstPassHelp"
  | "aiBlock"
  | "violations"
  | "refusals"
  | "refusalsHelp"
  | "changes"
  | "overrides"
  | "falseAlarms"
  | "turnaround"
  | "turnaroundHelp"
  | "agencyLevel"
  | "brandLevel"
  | "endToEnd"
  | "overdueNow"
  | "agencies"
  | "totalSubmissions"
  | "totalRefusals"
  | "totalOverdue"
  | "empty"
  | "periodCol"
  | "weekOf"
  | "noDecision"
  | "median"
  | "forbidden"
> = {
  zh: {
    title: "代理商评分",
    subtitle: "按代理商统计送审质量与审核效率，可作为违规扣款与季度复盘依据",
    period: "统计粒度",
    byWeek: "按周",
    byMonth: "按月",
    whole: "汇总",
    window: "时间范围",
    days: "近 {n} 天",
    export: "导出 CSV",
    exported: "已导出",
    refresh: "刷新",
    agency: "代理商",
    inHouse: "品牌自有团队",
    submissions: "送审",
    submissionsHelp: "素材条数 / 送审次数（含重新提交）",
    firstPass: "一次通过率",
    firstPassHelp: "首版即获品牌终审通过、中途未被驳回或退改的比例（只计已有结论的素材）",
    aiBlock: "AI 拦截率",
    violations: "违规类别",
    refusals: "驳回",
    refusalsHelp: "代理商驳回 / 品牌驳回",
    changes: "退回修改",
    overrides: "豁免放行",
    falseAlarms: "误报",
    turnaround: "审核时长（中位）",
    turnaroundHelp: "代理商审核 / 品牌审核 / 从提交到终审通过；悬停看 P90",
    agencyLevel: "代理商",
    brandLevel: "品牌",
    endToEnd: "全程",
    overdueNow: "当前超时",
    agencies: "参与统计的团队",
    totalSubmissions: "送审次数",
    totalRefusals: "驳回与退改",
    totalOverdue: "当前超时未审",
    empty: "这段时间没有送审记录",
    periodCol: "周期",
    weekOf: "{date} 当周",
    noDecision: "尚无终审结论",
    median: "中位 {m} · P90 {p}",
    forbidden: "代理商评分只对审核人和品牌管理员开放",
  },
  en: {
    title: "Agency scorecard",
    subtitle: "Submission quality and review speed per agency: the basis for charge-backs and quarterly reviews",
    period: "Bucket",
    byWeek: "Weekly",
    byMonth: "Monthly",
    whole: "Total",
    window: "Window",
    days: "Last {n} days",
    export: "Export CSV",
    exported: "Exported",
    refresh: "Refresh",
    agency: "Agency",
    inHouse: "In-house team",
    submissions: "Submitted",
    submissionsHelp: "assets / submissions (incl. resubmissions)",
    firstPass: "First-pass rate",
    firstPassHelp: "Share of assets brand-approved on the first version with no rejection or change request (decided only)",
    aiBlock: "AI block rate",
    violations: "Violations",
    refusals: "Rejections",
    refusalsHelp: "agency / brand",
    changes: "Changes requested",
    overrides: "Overrides",
    falseAlarms: "False alarms",
    turnaround: "Turnaround (median)",
    turnaroundHelp: "agency review / brand review / submission to sign-off; hover for P90",
    agencyLevel: "Agency",
    brandLevel: "Brand",
    endToEnd: "End to end",
    overdueNow: "Overdue now",
    agencies: "Teams",
    totalSubmissions: "Submissions",
    totalRefusals: "Rejections & changes",
    totalOverdue: "Overdue now",
    empty: "No submissions in this window",
    periodCol: "Period",
    weekOf: "Week of {date}",
    noDecision: "No sign-off yet",
    median: "median {m} · P90 {p}",
    forbidden: "The scorecard is for reviewers and brand admins",
  },
};

const WINDOWS = [30, 90, 180, 365];
const IN_HOUSE = "__in_house__";

function percent(value: number | null): string {
  return value === null ? "—" : `${Math.round(value * 100)}%`;
}

function rateColor(value: number | null, higherIsBetter: boolean): string | undefined {
  if (value === null) return undefined;
  const good = higherIsBetter ? value >= 0.8 : value <= 0.1;
  const bad = higherIsBetter ? value < 0.5 : value > 0.3;
  return good ? "#15803d" : bad ? "#b91c1c" : "#b45309";
}

export default function ScorecardPage() {
  const t = useT(messages);
  const labels = useReviewLabels();
  const brandId = useBrandId();
  const { message } = useFeedback();
  const [period, setPeriod] = useState<Period>("month");
  const [days, setDays] = useState(90);
  const [card, setCard] = useState<Scorecard | null>(null);
  const [overdue, setOverdue] = useState<Record<string, number>>({});
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);

  const [range, setRange] = useState<{ start: string; end: string } | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    const end = new Date();
    const start = new Date(end.getTime() - days * 86_400_000);
    try {
      const [body, late] = await Promise.all([
        call(
          api.GET("/v1/reviews/scorecard", {
            params: { query: { brand_id: brandId, period, start: start.toISOString(), end: end.toISOString() } },
          }),
        ),
        call(api.GET("/v1/reviews", { params: { query: { brand_id: brandId, overdue: true, limit: 200 } } })),
      ]);
      setCard(body);
      setRange({ start: start.toISOString(), end: end.toISOString() });
      const counts: Record<string, number> = {};
      for (const item of late.items) counts[item.agency_id ?? IN_HOUSE] = (counts[item.agency_id ?? IN_HOUSE] ?? 0) + 1;
      setOverdue(counts);
    } catch (caught) {
      setCard(null);
      setError(caught);
    } finally {
      setLoading(false);
    }
  }, [brandId, period, days]);

  useEffect(() => {
    void load();
  }, [load]);

  const exportCsv = async () => {
    if (!range) return;
    setExporting(true);
    try {
      const query = new URLSearchParams({ brand_id: brandId, period, start: range.start, end: range.end });
      const blob = await fetchBlob(`/v1/reviews/scorecard.csv?${query.toString()}`);
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = `agency-scorecard-${period}-${range.end.slice(0, 10)}.csv`;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      void message.success(t("exported"));
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setExporting(false);
    }
  };

  const agencyName = (id: string | null) => (id === null ? t("inHouse") : (card?.agency_names[id] ?? id));
  const periodName = (row: ScorecardRow) => {
    const date = new Date(row.period_start);
    if (row.period === "month")
      return date.toLocaleDateString(labels.lang === "zh" ? "zh-CN" : "en-GB", { year: "numeric", month: "long", timeZone: "UTC" });
    if (row.period === "week")
      return t("weekOf", {
        date: date.toLocaleDateString(labels.lang === "zh" ? "zh-CN" : "en-GB", { month: "2-digit", day: "2-digit", timeZone: "UTC" }),
      });
    return t("whole");
  };
  const turnaround = (value: Turnaround) => (
    <Tooltip
      title={t("median", { m: formatHours(value.median_hours, labels.lang), p: formatHours(value.p90_hours, labels.lang) })}
    >
      <span>{formatHours(value.median_hours, labels.lang)}</span>
    </Tooltip>
  );

  const metricColumns = (withOverdue: boolean): TableColumnsType<ScorecardRow> => [
    {
      key: "submissions",
      title: <Tooltip title={t("submissionsHelp")}>{t("submissions")}</Tooltip>,
      align: "right",
      width: 76,
      render: (_, row) => (
        <span>
          {row.threads}
          <Typography.Text type="secondary"> / {row.submissions}</Typography.Text>
        </span>
      ),
    },
    {
      key: "firstPass",
      title: <Tooltip title={t("firstPassHelp")}>{t("firstPass")}</Tooltip>,
      align: "right",
      width: 112,
      sorter: (a, b) => (a.first_pass_pass_rate ?? -1) - (b.first_pass_pass_rate ?? -1),
      render: (_, row) =>
        row.first_pass_pass_rate === null ? (
          <Tooltip title={t("noDecision")}>
            <Typography.Text type="secondary">—</Typography.Text>
          </Tooltip>
        ) : (
          <Typography.Text strong style={{ color: rateColor(row.first_pass_pass_rate, true) }}>
            {percent(row.first_pass_pass_rate)}
          </Typography.Text>
        ),
    },
    {
      key: "aiBlock",
      title: t("aiBlock"),
      align: "right",
      width: 112,
      sorter: (a, b) => (a.ai_block_rate ?? -1) - (b.ai_block_rate ?? -1),
      render: (_, row) => <span style={{ color: rateColor(row.ai_block_rate, false) }}>{percent(row.ai_block_rate)}</span>,
    },
    {
      key: "violations",
      title: t("violations"),
      render: (_, row) => {
        const entries = Object.entries(row.violations_by_category).sort((a, b) => b[1] - a[1]);
        if (!entries.length) return <Typography.Text type="secondary">—</Typography.Text>;
        return (
          <Flex wrap gap={4}>
            {entries.slice(0, 4).map(([code, n]) => (
              <Tag key={code} color="volcano" style={{ marginInlineEnd: 0 }}>
                {labels.category(code)} ×{n}
              </Tag>
            ))}
            {entries.length > 4 && <Tag>+{entries.length - 4}</Tag>}
          </Flex>
        );
      },
    },
    {
      key: "refusals",
      title: <Tooltip title={t("refusalsHelp")}>{t("refusals")}</Tooltip>,
      align: "right",
      width: 72,
      render: (_, row) => `${row.agency_rejections} / ${row.brand_rejections}`,
    },
    { key: "changes", title: t("changes"), align: "right", width: 90, dataIndex: "changes_requested" },
    {
      key: "overrides",
      title: `${t("overrides")} / ${t("falseAlarms")}`,
      align: "right",
      width: 90,
      responsive: ["xxl"],
      render: (_, row) => `${row.overrides} / ${row.false_alarms}`,
    },
    {
      key: "turnaround",
      title: <Tooltip title={t("turnaroundHelp")}>{t("turnaround")}</Tooltip>,
      width: 150,
      render: (_, row) => (
        <Space orientation="vertical" size={0} style={{ fontSize: 12 }}>
          {(
            [
              ["agencyLevel", row.agency_turnaround],
              ["brandLevel", row.brand_turnaround],
              ["endToEnd", row.end_to_end_turnaround],
            ] as const
          ).map(([name, value]) => (
            <span key={name}>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t(name)}{" "}
              </Typography.Text>
              {turnaround(value)}
            </span>
          ))}
        </Space>
      ),
    },
    ...(withOverdue
      ? [
          {
            key: "overdue",
            title: t("overdueNow"),
            align: "right" as const,
            width: 90,
            render: (_: unknown, row: ScorecardRow) => {
              const n = overdue[row.agency_id ?? IN_HOUSE] ?? 0;
              return n > 0 ? <Tag color="red">{n}</Tag> : <Typography.Text type="secondary">0</Typography.Text>;
            },
          },
        ]
      : []),
  ];

  const columns: TableColumnsType<ScorecardRow> = [
    {
      key: "agency",
      title: t("agency"),
      fixed: "left",
      width: 150,
      render: (_, row) => <Typography.Text strong>{agencyName(row.agency_id)}</Typography.Text>,
    },
    ...metricColumns(true),
  ];
  const periodColumns: TableColumnsType<ScorecardRow> = [
    { key: "period", title: t("periodCol"), width: 150, render: (_, row) => periodName(row) },
    ...metricColumns(false),
  ];

  const totals = card?.totals ?? [];
  const sum = (pick: (row: ScorecardRow) => number) => totals.reduce((acc, row) => acc + pick(row), 0);
  const overdueTotal = Object.values(overdue).reduce((acc, n) => acc + n, 0);
  const forbidden = errorCode(error) === "forbidden";

  return (
    <div>
      <Flex justify="space-between" align="flex-start" wrap gap={12} style={{ marginBottom: 16 }}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t("title")}
          </Typography.Title>
          <Typography.Text type="secondary">{t("subtitle")}</Typography.Text>
        </div>
        <Space wrap>
          <Segmented<Period>
            aria-label={t("period")}
            data-testid="scorecard-period"
            value={period}
            onChange={setPeriod}
            options={[
              { value: "week", label: t("byWeek") },
              { value: "month", label: t("byMonth") },
              { value: "all", label: t("whole") },
            ]}
          />
          <Select
            aria-label={t("window")}
            data-testid="scorecard-window"
            value={days}
            onChange={setDays}
            style={{ width: 130 }}
            options={WINDOWS.map((n) => ({ value: n, label: t("days", { n }) }))}
          />
          <Button icon={<ReloadOutlined />} aria-label={t("refresh")} onClick={() => void load()} />
          <Button
            type="primary"
            icon={<DownloadOutlined />}
            loading={exporting}
            disabled={!card || !range}
            onClick={() => void exportCsv()}
            data-testid="scorecard-export"
          >
            {t("export")}
          </Button>
        </Space>
      </Flex>

      {forbidden && (
        <Alert type="info" showIcon title={t("forbidden")} description={errorText(error)} role="alert" />
      )}
      {error !== null && !forbidden && (
        <Alert type="error" showIcon title={errorText(error)} role="alert" style={{ marginBottom: 16 }} />
      )}
      {!forbidden && (
        <>
          <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
            {[
              { key: "agencies", title: t("agencies"), value: totals.length },
              { key: "submissions", title: t("totalSubmissions"), value: sum((row) => row.submissions) },
              {
                key: "refusals",
                title: t("totalRefusals"),
                value: sum((row) => row.agency_rejections + row.brand_rejections + row.changes_requested),
              },
              { key: "overdue", title: t("totalOverdue"), value: overdueTotal, danger: overdueTotal > 0 },
            ].map((stat) => (
              <Col key={stat.key} xs={12} md={6}>
                <Card size="small" loading={loading && !card}>
                  <Statistic
                    title={stat.title}
                    value={stat.value}
                    styles={{ content: stat.danger ? { color: "#b91c1c" } : undefined }}
                  />
                </Card>
              </Col>
            ))}
          </Row>

          <Card size="small">
            <Table<ScorecardRow>
              data-testid="scorecard-table"
              rowKey={(row) => row.agency_id ?? IN_HOUSE}
              size="middle"
              loading={loading}
              columns={columns}
              dataSource={totals}
              pagination={false}
              scroll={{ x: 960 }}
              locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("empty")} /> }}
              onRow={(row) => ({ "data-agency-id": row.agency_id ?? "" }) as HTMLAttributes<HTMLElement>}
              expandable={
                period === "all"
                  ? undefined
                  : {
                      rowExpandable: (row) => (card?.rows ?? []).some((r) => r.agency_id === row.agency_id),
                      expandedRowRender: (row) => (
                        <Table<ScorecardRow>
                          size="small"
                          rowKey="period_start"
                          columns={periodColumns}
                          dataSource={(card?.rows ?? []).filter((r) => r.agency_id === row.agency_id)}
                          pagination={false}
                        />
                      ),
                    }
              }
            />
          </Card>
        </>
      )}
    </div>
  );
}
