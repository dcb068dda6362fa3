import { Alert, Button, Card, Form, Input, Segmented, Typography } from "antd";
import { useState } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";

import { ApiError } from "../api/client";
import { useLang, useT, type Messages } from "../i18n";
import { useSession } from "../session";

const messages: Messages<"title" | "subtitle" | "email" | "password" | "submit" | "failed" | "required"> = {
  zh: {
    title: "Atelier 创作工作台",
    subtitle: "一份简报，百条合规、符合品牌调性的创意",
    email: "邮箱",
    password: "密码",
    submit: "登录",
    failed: "邮箱或密码错误",
    required: "必填",
  },
  en: {
    title: "Atelier creative studio",
    subtitle: "One brief, a hundred on-brand, compliant variants",
    email: "Email",
    password: "Password",
    submit: "Log in",
    failed: "Wrong email or password",
    required: "Required",
  },
};

export default function Login() {
  const t = useT(messages);
  const { lang, setLang } = useLang();
  const { token, login } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? "/";
  if (token) return <Navigate to={from} replace />;

  const submit = async (values: { email: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await login(values.email, values.password);
      navigate(from, { replace: true });
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? t("failed") : String(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main style={{ minHeight: "100vh", display: "grid", placeItems: "center", background: "#faf7f5", padding: 16 }}>
      <Card style={{ width: "100%", maxWidth: 400 }}>
        <div style={{ display: "flex", justifyContent: "flex-end" }}>
          <Segmented
            size="small"
            value={lang}
            options={[
              { value: "zh", label: "中文" },
              { value: "en", label: "EN" },
            ]}
            onChange={(value) => setLang(value as "zh" | "en")}
          />
        </div>
        <Typography.Title level={3}>{t("title")}</Typography.Title>
        <Typography.Paragraph type="secondary">{t("subtitle")}</Typography.Paragraph>
        {error && <Alert type="error" title={error} role="alert" style={{ marginBottom: 16 }} />}
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item label={t("email")} name="email" rules={[{ required: true, message: t("required") }]}>
            <Input type="email" autoComplete="username" />
          </Form.Item>
          <Form.Item label={t("password")} name="password" rules={[{ required: true, message: t("required") }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t("submit")}
          </Button>
        </Form>
      </Card>
    </main>
  );
}
