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
  return new Intl.DateTimeFormat(locale(i18n.lang), { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(iso),
  );
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
