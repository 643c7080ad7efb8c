// Where the progress views get their figures: the server's /v1/report routes (the supervisors'
// dashboard) or the app's own commands over the device's store (the app's progress screen).
// Both answer with the same report types, so one set of views serves both.
import type { ChildStory, Report, ReportChild } from '../lib/generated/bindings';

/** A failure as a sentence in both languages. */
export type Refusal = { en: string; ur: string };

export interface ProgressSource {
  /** An area's figures (`''`: everywhere the reader may see) over a date range (`''`: open). */
  report(area: string, from: string, to: string): Promise<Report>;
  villageChildren(village: string): Promise<ReportChild[]>;
  childStory(id: string): Promise<ChildStory>;
  /** Any failure of the three, worded for the reader. */
  refusal(error: unknown): Refusal;
}
