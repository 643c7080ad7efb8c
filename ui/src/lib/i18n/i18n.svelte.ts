// The UI's words in English and Urdu. `en.json` and `ur.json` hold the same keys (a unit test
// fails on any missing one); labels of closed lists come from the app's vocabulary instead.
import en from './en.json';
import ur from './ur.json';
import type { Lang } from '../generated/bindings';

export type Key = keyof typeof en;
const messages: Record<Lang, Record<Key, string>> = { en, ur };

export const i18n = $state({ lang: 'en' as Lang });

const locale = (lang: Lang) => (lang === 'ur' ? 'ur-PK' : 'en-PK');

export function t(key: Key, params: Record<string, string | number> = {}): string {
  let text = messages[i18n.lang][key];
  for (const [name, value] of Object.entries(params)) {
    text = text.replaceAll(`{${name}}`, typeof value === 'number' ? num(value) : value);
  }
  return text;
}

/** Keys said differently for one and for many: `key.one` and `key.other` in both files. */
export type PluralKey = { [K in Key]: K extends `${infer Base}.one` ? Base : never }[Key];

/**
 * Words for a count, in the reader's language and its plural rules (`Intl.PluralRules`: English
 * "1 child" / "2 children"; Urdu "1 بچہ" / "2 بچے"). `{count}` is the number, in the reader's
 * digits; other parameters as `t` takes them. Every count shown with a noun goes through here.
 */
export function plural(key: PluralKey, count: number, params: Record<string, string | number> = {}): string {
  const form = new Intl.PluralRules(locale(i18n.lang)).select(count);
  const chosen = `${key}.${form}`;
  return t((chosen in messages[i18n.lang] ? chosen : `${key}.other`) as Key, { ...params, count });
}

/** A bilingual label (a closed list's value, a place's name) in the reader's language. */
export function label(bilingual: { en: string; ur: string } | undefined): string {
  return bilingual ? bilingual[i18n.lang] : '';
}

export function num(value: number): string {
  return new Intl.NumberFormat(locale(i18n.lang)).format(value);
}

/** A calendar date (YYYY-MM-DD) as the reader writes it. */
export function day(iso: string | null | undefined): string {
  if (!iso) return '';
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return new Intl.DateTimeFormat(locale(i18n.lang), { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** A moment (RFC 3339) in the reader's words and time zone. */
export function moment(iso: string): string {
  const when = new Date(iso);
  if (i18n.lang === 'en') {
    return new Intl.DateTimeFormat(locale('en'), { dateStyle: 'medium', timeStyle: 'short' }).format(when);
  }
  // Urdu's locale data writes the time with the English "AM" and "PM": Urdu reads the 24-hour clock.
  const date = new Intl.DateTimeFormat(locale('ur'), { dateStyle: 'medium' }).format(when);
  const time = new Intl.DateTimeFormat(locale('ur'), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(when);
  return `${date}، ${time}`;
}

/** Switches the language and the page's direction at once. */
export function setLang(lang: Lang) {
  i18n.lang = lang;
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'ur' ? 'rtl' : 'ltr';
}

/** How long ago a moment (RFC 3339) was, in the reader's words: "5 minutes ago", "کل". */
export function ago(iso: string, now: Date = new Date()): string {
  const exact = Math.round((new Date(iso).getTime() - now.getTime()) / 1000);
  // Under a minute is "now": a device that synced 12 or 40 seconds ago synced just now.
  const seconds = Math.abs(exact) < 45 ? 0 : exact;
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['second', 60], ['minute', 60], ['hour', 24], ['day', 7], ['week', 4.35], ['month', 12], ['year', Infinity],
  ];
  let value = seconds;
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) {
      return new Intl.RelativeTimeFormat(locale(i18n.lang), { numeric: 'auto' }).format(Math.round(value), unit);
    }
    value /= size;
  }
  return moment(iso);
}
