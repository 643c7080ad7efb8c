// The supervisors' dashboard talks to `daakhla-server` over HTTP with the token a one-time
// enrolment code gave; the server limits every answer to the token's places.
import type { ChildStory, Report, ReportChild } from '../lib/generated/bindings';

const TOKEN = 'daakhla.dashboard.token';

export const session = $state({ token: localStorage.getItem(TOKEN) ?? '' });

/** A refusal, in both languages as the server words it. */
export class Refused extends Error {
  constructor(public en: string, public ur: string) {
    super(en);
  }
}

async function answer<T>(response: Response): Promise<T> {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Refused(body.error ?? response.statusText, body.error_ur ?? body.error ?? '');
  return body as T;
}

export async function logIn(code: string): Promise<void> {
  const response = await fetch('/v1/enrol', { method: 'POST', body: JSON.stringify({ code: code.trim() }) });
  const { token } = await answer<{ token: string }>(response);
  localStorage.setItem(TOKEN, token);
  session.token = token;
}

export function logOut() {
  localStorage.removeItem(TOKEN);
  session.token = '';
}

async function get<T>(path: string, query: Record<string, string>): Promise<T> {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v));
  const response = await fetch(`${path}?${params}`, { headers: { Authorization: `Bearer ${session.token}` } });
  return answer<T>(response);
}

export const report = (area: string, from: string, to: string) =>
  get<Report>('/v1/report', { area, from, to });
export const villageChildren = (village: string) =>
  get<ReportChild[]>('/v1/report/children', { village });
export const childStory = (id: string) => get<ChildStory>('/v1/report/child', { id });
