/** Quality flags reuse the XEP-0323 (Internet of Things - Sensor Data) vocabulary. */
export const QUALITY_FLAGS = [
  "automaticReadout",
  "automaticEstimate",
  "missing",
  "warning",
  "error",
  "outOfRange",
] as const;
export type QualityFlag = (typeof QUALITY_FLAGS)[number];

export type ReadingValue = number | boolean | string;

/** The one normalized reading every sink receives (DESIGN.md "Reading"). */
export interface Reading {
  readonly device: string;
  readonly channel: string;
  readonly value: ReadingValue;
  /** A SenML unit (RFC 8428 section 12.1) when the channel has one. */
  readonly unit?: string;
  /** Epoch seconds, millisecond precision. */
  readonly time: number;
  readonly quality?: readonly QualityFlag[];
  /** Stable id: a resend after a reconnect replaces instead of duplicating. */
  readonly id: string;
}
