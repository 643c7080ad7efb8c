// Screens are addressed by the URL's hash, so reload and the back button keep the place.
export type Route =
  | { screen: 'home' }
  | { screen: 'survey' }
  | { screen: 'followups' }
  | { screen: 'child'; id: string }
  | { screen: 'household'; id: string }
  | { screen: 'edit'; id: string }
  | { screen: 'search' }
  | { screen: 'sync' }
  | { screen: 'settings' }
  | { screen: 'hub' }
  | { screen: 'digest' }
  | { screen: 'setup' }
  | { screen: 'schools' }
  | { screen: 'school'; id: string }
  | { screen: 'need'; id: string; need: string }
  | { screen: 'conflicts' }
  | { screen: 'duplicates' }
  | { screen: 'progress' };

function parse(hash: string): Route {
  const [screen, id, sub] = hash.replace(/^#\/?/, '').split('/');
  switch (screen) {
    case 'survey':
    case 'followups':
    case 'search':
    case 'sync':
    case 'settings':
    case 'hub':
    case 'digest':
    case 'setup':
    case 'schools':
    case 'conflicts':
    case 'duplicates':
    case 'progress':
      return { screen };
    case 'school':
      if (id) return { screen, id };
      break;
    case 'need':
      if (id && sub) return { screen, id, need: sub };
      break;
    case 'household':
      if (id && sub === 'edit') return { screen: 'edit', id };
      if (id) return { screen, id };
      break;
    case 'child':
      if (id) return { screen, id };
  }
  return { screen: 'home' };
}

export const route = $state({ current: parse(location.hash) });

addEventListener('hashchange', () => {
  route.current = parse(location.hash);
  scrollTo(0, 0);
});

export function go(hash: string) {
  location.hash = hash;
}
