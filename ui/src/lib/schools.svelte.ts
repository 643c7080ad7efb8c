// The union council whose schools are shown, shared by the school list and its forms.
import { app } from './state.svelte';
import { call } from './transport';
import type { SchoolRow } from './generated/bindings';

export const schoolsOf = $state({ uc: '' });

/** The schools of the chosen union council (the one in settings, else the first). */
export async function loadSchools(): Promise<SchoolRow[]> {
  if (!schoolsOf.uc) schoolsOf.uc = app.settings?.uc_code ?? app.unionCouncils[0]?.code ?? '';
  return call('schools', { uc_code: schoolsOf.uc || null });
}
