/** A clock the test moves by hand, so expiry is tested without sleeping. */
export class TestClock {
  constructor(public time = Date.now()) {}

  readonly now = (): number => this.time;

  advance(seconds: number): void {
    this.time += seconds * 1000;
  }
}
