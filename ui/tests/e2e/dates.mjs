// The app's own date input (`DateInput.svelte`: day, month and year selects named NAME.day,
// NAME.month, NAME.year), set as a user would choose; '' clears it.
export async function fillDate(page, name, iso) {
  const [year = '', month = '', day = ''] = iso ? iso.split('-') : [];
  await page.selectOption(`[name="${name}.year"]`, iso ? String(Number(year)) : '');
  await page.selectOption(`[name="${name}.month"]`, iso ? String(Number(month)) : '');
  await page.selectOption(`[name="${name}.day"]`, iso ? String(Number(day)) : '');
}
