// Names of the platforms, industries, finding categories and severities the compliance check knows
// (compliance_rules/taxonomy.py and the rule packs), in both studio languages.
import type { Lang } from "../../i18n";

type Named = Record<string, Record<Lang, string>>;

export const PLATFORMS: Named = {
  douyin: { zh: "抖音", en: "Douyin" },
  xiaohongshu: { zh: "小红书", en: "Xiaohongshu" },
  taobao: { zh: "淘宝 / 天猫", en: "Taobao / Tmall" },
  wechat: { zh: "微信 / 视频号", en: "WeChat / Channels" },
  weibo: { zh: "微博", en: "Weibo" },
  kuaishou: { zh: "快手", en: "Kuaishou" },
  bilibili: { zh: "哔哩哔哩", en: "Bilibili" },
  offline_screen: { zh: "线下屏幕", en: "Offline screens" },
};

export const INDUSTRIES: Named = {
  cosmetics: { zh: "美妆护肤", en: "Cosmetics" },
  food_beverage: { zh: "食品饮料", en: "Food & beverage" },
  health_food: { zh: "保健食品", en: "Health food" },
  pharma: { zh: "药品", en: "Pharma" },
  medical_device: { zh: "医疗器械", en: "Medical devices" },
  mother_baby: { zh: "母婴", en: "Mother & baby" },
  finance_insurance: { zh: "金融保险", en: "Finance & insurance" },
  education: { zh: "教育培训", en: "Education" },
  real_estate: { zh: "房地产", en: "Real estate" },
  alcohol: { zh: "酒类", en: "Alcohol" },
  tobacco: { zh: "烟草", en: "Tobacco" },
  games: { zh: "游戏", en: "Games" },
  apparel: { zh: "服饰", en: "Apparel" },
  auto: { zh: "汽车", en: "Auto" },
  electronics: { zh: "3C 数码", en: "Electronics" },
  home_appliances: { zh: "家电", en: "Home appliances" },
  home_furnishing: { zh: "家居", en: "Home furnishing" },
  jewelry: { zh: "珠宝首饰", en: "Jewelry" },
  pet: { zh: "宠物", en: "Pets" },
  retail: { zh: "零售电商", en: "Retail" },
  sports: { zh: "运动健身", en: "Sports" },
  travel: { zh: "旅游出行", en: "Travel" },
  other: { zh: "其他", en: "Other" },
};

const CATEGORIES: Named = {
  ABSOLUTE_TERMS: { zh: "绝对化用语", en: "Absolute terms" },
  STATE_SYMBOLS: { zh: "国家机关与国家象征", en: "State symbols" },
  MEDICAL_CLAIMS: { zh: "医疗功效宣称", en: "Medical claims" },
  GUARANTEES: { zh: "承诺与保证", en: "Guarantees" },
  SUPERSTITION: { zh: "封建迷信", en: "Superstition" },
  DISCRIMINATION: { zh: "歧视性内容", en: "Discrimination" },
  VULGAR: { zh: "低俗不良", en: "Vulgar content" },
  DISPARAGING: { zh: "贬低他人", en: "Disparaging others" },
  MINORS: { zh: "未成年人保护", en: "Minors" },
  FALSE_ENDORSEMENT: { zh: "虚假代言与背书", en: "False endorsement" },
  PLATFORM_DIVERSION: { zh: "站外导流", en: "Off-platform diversion" },
  PLATFORM_INDUCEMENT: { zh: "诱导互动", en: "Engagement bait" },
  BRAND_FORBIDDEN_WORD: { zh: "品牌禁用词", en: "Brand forbidden word" },
  BRAND_DISCLAIMER_MISSING: { zh: "缺少品牌声明", en: "Missing disclaimer" },
  BRAND_REQUIRED_WORD_MISSING: { zh: "缺少品牌必备词", en: "Missing required word" },
  BRAND_OFF_PALETTE: { zh: "偏离品牌色", en: "Off-palette colour" },
  BRAND_LOGO_MISSING: { zh: "缺少品牌标志", en: "Logo missing" },
  BRAND_LOGO_TOO_SMALL: { zh: "品牌标志过小", en: "Logo too small" },
  BRAND_LOGO_UNAVAILABLE: { zh: "标志文件缺失", en: "Logo file missing" },
  SPEC_TITLE_TOO_LONG: { zh: "标题超长", en: "Title too long" },
  SPEC_BODY_TOO_LONG: { zh: "正文超长", en: "Body too long" },
  SPEC_TOO_MANY_HASHTAGS: { zh: "话题标签过多", en: "Too many hashtags" },
  SPEC_RESOLUTION_TOO_LOW: { zh: "分辨率过低", en: "Resolution too low" },
  SPEC_FILE_TOO_LARGE: { zh: "文件过大", en: "File too large" },
  SPEC_DURATION_TOO_SHORT: { zh: "时长过短", en: "Too short" },
  SPEC_DURATION_TOO_LONG: { zh: "时长过长", en: "Too long" },
  SPEC_ASPECT_RATIO: { zh: "画幅比例不符", en: "Aspect ratio" },
  SPEC_OFFLINE_CTA: { zh: "线下屏幕行动号召", en: "Offline call to action" },
};

const SOURCES: Named = {
  text: { zh: "正文", en: "Body" },
  title: { zh: "标题", en: "Title" },
  ocr: { zh: "图中文字", en: "Text in image" },
  image: { zh: "画面", en: "Image" },
  subtitle: { zh: "字幕", en: "Subtitles" },
  video: { zh: "视频", en: "Video" },
  spec: { zh: "平台规格", en: "Platform spec" },
};

export const SEVERITY: Record<string, { zh: string; en: string; color: string; tag: string; mark: string; order: number }> = {
  block: { zh: "禁止", en: "Block", color: "#cf1322", tag: "red", mark: "#ffd6d3", order: 0 },
  warn: { zh: "警示", en: "Warning", color: "#d46b08", tag: "orange", mark: "#ffe7ba", order: 1 },
  info: { zh: "提示", en: "Info", color: "#1d4ed8", tag: "blue", mark: "#dbeafe", order: 2 },
};

function named(table: Named, key: string, lang: Lang): string {
  return table[key]?.[lang] ?? key;
}

export const categoryName = (code: string, lang: Lang) =>
  CATEGORIES[code]?.[lang] ?? (code.startsWith("SPEC_") ? named(SOURCES, "spec", lang) : code);
export const sourceName = (source: string, lang: Lang) => named(SOURCES, source, lang);
export const severityOf = (severity: string) => SEVERITY[severity] ?? SEVERITY.info;
