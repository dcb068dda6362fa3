// zh-CN by default, with an English switch; each page keeps its own messages next to its code.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

export type Lang = "zh" | "en";
export type Messages<K extends string> = Record<Lang, Record<K, string>>;

const LANG_KEY = "atelier.lang";

interface LangState {
  lang: Lang;
  setLang: (lang: Lang) => void;
}

const LangContext = createContext<LangState>({ lang: "zh", setLang: () => undefined });

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh"));
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(LANG_KEY, next);
    document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
    setLangState(next);
  }, []);
  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export function useLang(): LangState {
  return useContext(LangContext);
}

/** `t(key, {n: 3})` for this page's messages in the current language; `{name}` placeholders are filled. */
export function useT<K extends string>(messages: Messages<K>): (key: K, vars?: Record<string, string | number>) => string {
  const { lang } = useLang();
  return useCallback(
    (key: K, vars?: Record<string, string | number>) => {
      let text = messages[lang][key] ?? messages.zh[key] ?? key;
      if (vars) for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, String(value));
      return text;
    },
    [lang, messages],
  );
}
