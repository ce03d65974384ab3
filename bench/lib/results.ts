// What one bench run measured: written to results.json, read by the report and the tests.
import type { Profile } from './profile.js';
import type { S1Result, S2Result, S3Result, S4Result, S5Result, S6Result } from './scenarios.js';
import type { ServerName } from './targets.js';

export interface Check {
  scenario: string;
  what: string;
  goal: string;
  measured: string;
  met: boolean;
}

export interface BenchResults {
  profile: Profile['name'];
  date: string;
  machine: { cpu: string; cores: number; node: string; socketIo: string; pinned: boolean };
  s1?: Record<ServerName, S1Result>;
  s2?: Record<ServerName, S2Result>;
  s3?: Record<ServerName, S3Result>;
  s4?: S4Result;
  s5?: S5Result;
  s6?: S6Result;
  /** Scenarios that could not complete, with the reason; their figures are missing. */
  errors: Record<string, string>;
  /** Scenarios carried over from an earlier run (`--update`), with that run's date. */
  carried?: Record<string, string>;
  checks: Check[];
}
