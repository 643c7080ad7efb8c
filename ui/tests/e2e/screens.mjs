// Every screen of the field app with something on it: a store seeded through the app's own
// commands (a household with its children, a visit, a school and its need, a likely duplicate,
// an official and a digest sent, a half-done survey at each of its steps), and the routes of
// `ui/src/lib/route.svelte.ts` to visit in a language. Shared by the tests that look at every
// screen (`screens.test.mjs`, `glyphs.test.mjs`).

/** Names typed as a resource person would: Urdu, so that Latin letters on Urdu screens are the app's. */
export const typed = {
  surveyor: 'عائشہ',
  head: 'غلام رسول',
  children: ['ثنا', 'گل ژالہ'],
  school: 'گورنمنٹ گرلز پرائمری اسکول',
};

function child(name, sex, age, reasons) {
  return {
    name, sex, age_years: age, relation_to_head: 'child', father_name: null,
    schooling: reasons.length ? 'never_enrolled' : 'enrolled', school_name: reasons.length ? null : typed.school,
    class: reasons.length ? null : 2, last_class_passed: null, year_left: null,
    reasons_out_of_school: reasons, other_reason: null, willing_to_enrol: reasons.length ? true : null,
  };
}

function survey(uc, village, number) {
  return {
    household: {
      uc_code: uc, village_code: village, household_number: number, landmark: 'مسجد کے ساتھ', consent: true, gps: null,
      respondent_name: null, respondent_relation: null, respondent_phone: null, head_name: typed.head,
      head_sex: 'man', mother_schooling: null, father_schooling: null, house_type: null, members: 6,
      surveyed_by: typed.surveyor,
    },
    children: [child(typed.children[0], 'girl', 9, ['cost']), child(typed.children[1], 'girl', 7, [])],
  };
}

/** Fills a fresh store; answers the ids the routes need. */
export async function seed(api) {
  const uc = (await api('places', { union_council: null }))[0].code;
  const village = (await api('places', { union_council: uc }))[0].code;
  await api('save_settings', { lang: null, surveyor_name: typed.surveyor, uc_code: uc, server_url: null, token: null });
  const household = await api('save_survey', survey(uc, village, '12'));
  // The same household again: a likely duplicate for the coordinator to review.
  await api('save_survey', survey(uc, village, '13'));
  const osc = household.children.find((c) => c.name === typed.children[0]).id;
  await api('add_follow_up', {
    child_id: osc, visited_by: typed.surveyor, outcome: 'refused', school_name: null, class: null,
    admitted_on: null, why: 'فیس', milestone: null, attending_regularly: null, days_attended_last_week: null,
    dropped_out: false, dropout_reasons: [], notes: null,
  });
  const school = await api('save_school', {
    id: null, name: typed.school, emis_code: '31210045', level: 'primary', gender: 'girls', functional: true,
    closed_reason: null, uc_code: uc, village_code: village, teachers: 1, classrooms: 2, enrolment: 90,
  });
  const row = await api('save_need', {
    id: null, school_id: school.school.id, category: 'latrines', severity: 'urgent',
    description: 'بیت الخلا نہیں', identified_on: '2025-03-10', raised_on: null, promised_on: null, resolved_on: null,
  });
  const recipient = await api('add_digest_recipient', { name: 'رانا اکرم', office: 'mpa', phone: '03001234567' });
  const preview = await api('digest_preview', { uc_code: uc, lang: 'ur' });
  await api('record_digest_sent', { recipient_id: recipient.id, uc_code: uc, lang: 'ur', channel: 'sms', text: preview.text });
  return {
    uc, village, household: household.id, child: osc, school: school.school.id, need: row.needs[0].need.id,
    draft: survey(uc, village, '14'),
  };
}

/** The survey's steps with two children, one out of school: where, household, roster, each child, review. */
const surveySteps = ['place', 'household', 'roster', 'child-1', 'child-2', 'review'];

/** Every route, with a name for messages and screenshots. */
export function routes(ids) {
  return [
    { name: 'home', hash: '#/home' },
    ...surveySteps.map((step, index) => ({ name: `survey-${step}`, hash: '#/survey', draft: { step: index, input: ids.draft } })),
    { name: 'survey-draft-offer', hash: '#/survey', draft: { step: 1, input: ids.draft }, keepOffer: true },
    { name: 'followups', hash: '#/followups' },
    { name: 'child', hash: `#/child/${ids.child}` },
    { name: 'household', hash: `#/household/${ids.household}` },
    { name: 'search', hash: '#/search', search: typed.children[0] },
    { name: 'sync', hash: '#/sync' },
    { name: 'settings', hash: '#/settings' },
    { name: 'hub', hash: '#/hub' },
    { name: 'digest', hash: '#/digest' },
    { name: 'setup', hash: '#/setup' },
    { name: 'schools', hash: '#/schools' },
    { name: 'school', hash: `#/school/${ids.school}` },
    { name: 'school-new', hash: '#/school/new' },
    { name: 'need', hash: `#/need/${ids.school}/${ids.need}` },
    { name: 'need-new', hash: `#/need/${ids.school}/new` },
    { name: 'conflicts', hash: '#/conflicts' },
    { name: 'duplicates', hash: '#/duplicates' },
    { name: 'progress', hash: '#/progress' },
  ];
}

/** Opens the app in `lang` (a full load, as after a restart), counting the commands under way. */
export async function openIn(page, bridge, lang) {
  if (!page.__counting) {
    page.__counting = true;
    await page.addInitScript(() => {
      const fetch = window.fetch.bind(window);
      window.__pending = 0;
      window.fetch = async (...args) => {
        window.__pending++;
        try {
          return await fetch(...args);
        } finally {
          window.__pending--;
        }
      };
    });
  }
  await bridge.api('save_settings', { lang, surveyor_name: null, uc_code: null, server_url: null, token: null });
  await page.goto(`${bridge.url}/?lang=${lang}#/home`);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

/** Shows one route and waits until its screen has drawn what it loaded. */
export async function show(page, bridge, route) {
  if (route.draft) await bridge.api('save_draft', { text: JSON.stringify(route.draft) });
  // Through another screen, so that the same screen twice (the survey's steps) is drawn anew.
  const away = route.hash === '#/settings' ? '#/search' : '#/settings';
  await page.evaluate((hash) => (location.hash = hash), away);
  await page.waitForFunction(() => window.__pending === 0);
  await page.evaluate((hash) => (location.hash = hash), route.hash);
  await page.waitForSelector('main h2, main [data-testid=draft-offer]');
  if (route.draft && !route.keepOffer) {
    await page.click('[data-testid=resume-draft]');
  }
  if (route.search) {
    await page.fill('[name=search]', route.search);
    await page.click('[data-testid=search-go]');
    await page.waitForSelector('[data-testid=search-results] li');
  }
  // Screens load with one or two commands; let them answer and the fonts settle.
  await page.waitForTimeout(150);
  await page.waitForFunction(() => window.__pending === 0);
  await page.waitForTimeout(150);
  await page.evaluate(() => document.fonts.ready);
}
