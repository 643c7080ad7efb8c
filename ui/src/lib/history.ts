// Who changed a record, in the reader's language: a field by the label its form gives it
// (never its column name), a person by name, and the device by "this device" or its id.
import { t, moment, type Key } from './i18n/i18n.svelte';
import en from './i18n/en.json';
import type { ConflictChange } from './generated/bindings';

/** Record fields whose form label has another key than `field.<name>`. */
const labelled: Record<string, Key> = {
  name: 'field.child_name',
  uc_code: 'field.uc',
  village_code: 'field.village',
  reasons_out_of_school: 'field.reasons_out_of_school',
  days_attended_last_week: 'field.days_attended',
};

/** The form's label for a record's field; "another field" for one no form shows. */
export function fieldLabel(field: string): string {
  const key = (labelled[field] ?? 'field.' + field) as Key;
  return key in en ? t(key) : t('field.other_field');
}

/** A device as the reader knows it: this one, or the end of its id (a UUIDv7 begins with its time, which devices made together share). */
export function deviceName(change: ConflictChange): string {
  return change.this_device ? t('history.this_device') : t('history.device', { device: change.device.slice(-6) });
}

/** Who made a change: the person it names, or "someone" when it named nobody. */
export function author(change: ConflictChange): string {
  return change.author || t('history.someone');
}

/** One line of a record's history: who, on which device, when. */
export function changeLine(change: ConflictChange): string {
  return t('history.change', { author: author(change), device: deviceName(change), moment: moment(change.at) });
}
