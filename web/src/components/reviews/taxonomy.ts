// Industries and platforms the AI check knows (compliance_rules/taxonomy.py), with display names.
type Named = { value: string; zh: string; en: string };

export const INDUSTRIES: readonly Named[] = [
  { value: "apparel", zh: "服饰", en: "Apparel" },
  { value: "cosmetics", zh: "美妆个护", en: "Cosmetics" },
  { value: "food_beverage", zh: "食品饮料", en: "Food & beverage" },
  { value: "health_food", zh: "保健食品", en: "Health food" },
  { value: "mother_baby", zh: "母婴", en: "Mother & baby" },
  { value: "electronics", zh: "数码电子", en: "Electronics" },
  { value: "home_appliances", zh: "家用电器", en: "Home appliances" },
  { value: "home_furnishing", zh: "家居", en: "Home furnishing" },
  { value: "jewelry", zh: "珠宝首饰", en: "Jewelry" },
  { value: "auto", zh: "汽车", en: "Auto" },
  { value: "finance_insurance", zh: "金融保险", en: "Finance & insurance" },
  { value: "education", zh: "教育培训", en: "Education" },
  { value: "real_estate", zh: "房地产", en: "Real estate" },
  { value: "travel", zh: "旅游", en: "Travel" },
  { value: "games", zh: "游戏", en: "Games" },
  { value: "sports", zh: "运动", en: "Sports" },
  { value: "pet", zh: "宠物", en: "Pet" },
  { value: "retail", zh: "零售", en: "Retail" },
  { value: "alcohol", zh: "酒类", en: "Alcohol" },
  { value: "pharma", zh: "药品", en: "Pharma" },
  { value: "medical_device", zh: "医疗器械", en: "Medical device" },
  { value: "tobacco", zh: "烟草", en: "Tobacco" },
  { value: "other", zh: "其他", en: "Other" },
];

export const PLATFORMS: readonly Named[] = [
  { value: "douyin", zh: "抖音", en: "Douyin" },
  { value: "xiaohongshu", zh: "小红书", en: "Xiaohongshu" },
  { value: "wechat", zh: "微信", en: "WeChat" },
  { value: "weibo", zh: "微博", en: "Weibo" },
  { value: "taobao", zh: "淘宝/天猫", en: "Taobao / Tmall" },
  { value: "kuaishou", zh: "快手", en: "Kuaishou" },
  { value: "bilibili", zh: "哔哩哔哩", en: "Bilibili" },
  { value: "offline_screen", zh: "线下屏幕", en: "Offline screens" },
];

export function optionsOf(list: readonly Named[], lang: "zh" | "en") {
  return list.map((entry) => ({ value: entry.value, label: entry[lang] }));
}

export function nameOf(list: readonly Named[], value: string | null | undefined, lang: "zh" | "en"): string | null {
  if (!value) return null;
  return list.find((entry) => entry.value === value)?.[lang] ?? value;
}
