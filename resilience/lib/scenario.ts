export type ProfileName = 'short' | 'full';

/** How hard and how long: `short` fits CI's budget, `full` is the numbers. */
export interface Profile {
  name: ProfileName;
  /** Seed of every generated case and random choice, printed so a failure can be replayed. */
  seed: number;
}

export interface Check {
  must: string;
  measured: string;
  ok: boolean;
}

/** What one scenario found: checks that must hold, and figures worth reporting. */
export class Findings {
  readonly checks: Check[] = [];
  readonly figures: Array<{ name: string; value: string }> = [];

  check(must: string, ok: boolean, measured: string): void {
    this.checks.push({ must, ok, measured });
  }

  figure(name: string, value: string): void {
    this.figures.push({ name, value });
  }

  get ok(): boolean {
    return this.checks.length > 0 && this.checks.every((c) => c.ok);
  }
}

export interface ScenarioContext {
  profile: Profile;
  /** Folder every process of the run writes its log into. */
  logDir: string;
  findings: Findings;
  log(line: string): void;
}

export interface Scenario {
  id: string;
  title: string;
  run(context: ScenarioContext): Promise<void>;
}
