// The charts' colours: each readable against white and told apart by more than hue alone
// (every bar has its number and its legend's words beside it).
export const colours = {
  girls: '#a23b72',
  boys: '#1f5f8b',
  transgender: '#c98a00',
  found: '#c98a00',
  enrolled: '#0e6e56',
  open: '#b3261e',
  resolved: '#0e6e56',
  checked: '#5d6b66',
  retained: '#0e6e56',
  reasons: '#8a5a00',
};
