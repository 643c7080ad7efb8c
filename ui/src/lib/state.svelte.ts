// What every screen reads: the closed lists, the device's settings, the places to survey in.
import { call } from './transport';
import { setLang } from './i18n/i18n.svelte';
import type { PlaceChoice, Settings, Vocabulary } from './generated/bindings';

export const app = $state({
  vocabulary: null as Vocabulary | null,
  settings: null as Settings | null,
  unionCouncils: [] as PlaceChoice[],
});

export async function load() {
  const [vocabulary, settings, unionCouncils] = await Promise.all([
    call('vocabulary', {}),
    call('settings', {}),
    call('places', { union_council: null }),
  ]);
  app.vocabulary = vocabulary;
  app.settings = settings;
  app.unionCouncils = unionCouncils;
  setLang(settings.lang);
}

/** A closed list's label for a code, from the app's vocabulary. */
export function choiceOf(list: keyof Vocabulary, code: string | null | undefined) {
  return app.vocabulary?.[list].find((c) => c.code === code);
}
