import { Redis } from 'ioredis';

/** One command as Redis executed it. */
export interface MonitoredCommand {
  readonly name: string;
  readonly args: readonly string[];
  /** `ip:port` of the client that sent it, or `lua` for a call a script made inside Redis. */
  readonly source: string;
}

/**
 * Counts what clients send to a Redis server with `MONITOR`. Calls a script makes inside Redis
 * show as `lua` and are not round trips; everything else is one. Markers sent from a separate
 * connection before and after the measured action delimit exactly what the action caused, since
 * Redis reports commands in the order it executes them.
 */
export class CommandMonitor {
  private readonly seen: MonitoredCommand[] = [];
  private markers = 0;

  private constructor(
    private readonly monitor: Redis,
    private readonly probe: Redis,
  ) {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      this.seen.push({ name: args[0].toLowerCase(), args: args.slice(1), source });
    });
  }

  static async start(url: string): Promise<CommandMonitor> {
    const probe = new Redis(url);
    // `monitor()` opens a connection of its own, in monitor mode; the probe stays a normal client.
    const monitor = await probe.monitor();
    return new CommandMonitor(monitor, probe);
  }

  /** The round trips (commands not run by a script) that `action` caused. */
  async roundTrips<T>(
    action: () => Promise<T>,
  ): Promise<{ result: T; commands: MonitoredCommand[]; scripted: MonitoredCommand[] }> {
    const start = await this.mark();
    const result = await action();
    const end = await this.mark();
    const between = this.seen.slice(start + 1, end);
    return {
      result,
      commands: between.filter((command) => command.source !== 'lua'),
      scripted: between.filter((command) => command.source === 'lua'),
    };
  }

  async stop(): Promise<void> {
    this.monitor.disconnect();
    await this.probe.quit();
  }

  /** Sends a marker and waits until the monitor reports it; returns its position. */
  private async mark(): Promise<number> {
    const marker = `monitor-marker-${++this.markers}`;
    await this.probe.echo(marker);
    for (;;) {
      const index = this.seen.findIndex(
        (command) => command.name === 'echo' && command.args[0] === marker,
      );
      if (index >= 0) return index;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
