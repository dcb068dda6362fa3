import { Alert, Button, Input, Typography } from "antd";
import { useState, type FormEvent } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";

import { ApiError } from "../api/client";
import { LightCard } from "../components/LightCard";
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
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [touched, setTouched] = useState(false);
  if (token) return <Navigate to={from} replace />;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTouched(true);
    if (!email || !password) return;
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
      navigate(from, { replace: true });
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? t("failed") : String(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main style={{ minHeight: "100vh", display: "grid", placeItems: "center", background: "#faf7f5", padding: 16 }}>
      <LightCard style={{ width: "100%", maxWidth: 400 }}>
        <div style={{ display: "flex", justifyContent: "flex-end" }}>
          <Button size="small" type="text" onClick={() => setLang(lang === "zh" ? "en" : "zh")}>
            {lang === "zh" ? "English" : "中文"}
          </Button>
        </div>
        <Typography.Title level={3}>{t("title")}</Typography.Title>
        <Typography.Paragraph type="secondary">{t("subtitle")}</Typography.Paragraph>
        {error && <Alert type="error" title={error} role="alert" style={{ marginBottom: 16 }} />}
        <form onSubmit={submit} noValidate aria-label={t("title")}>
          <label htmlFor="login-email" style={{ display: "block", marginBottom: 4 }}>
            {t("email")}
          </label>
          <Input
            id="login-email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            status={touched && !email ? "error" : undefined}
            aria-invalid={touched && !email}
          />
          <div style={{ color: "#dc2626", minHeight: 22, fontSize: 12 }}>{touched && !email ? t("required") : ""}</div>
          <label htmlFor="login-password" style={{ display: "block", marginBottom: 4 }}>
            {t("password")}
          </label>
          <Input.Password
            id="login-password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            status={touched && !password ? "error" : undefined}
            aria-invalid={touched && !password}
          />
          <div style={{ color: "#dc2626", minHeight: 22, fontSize: 12 }}>
            {touched && !password ? t("required") : ""}
          </div>
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
            {t("submit")}
          </Button>
        </form>
      </LightCard>
    </main>
  );
}
