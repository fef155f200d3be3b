/**
 * ES modules' position tables, as the loader hooks' thread packed them while preparing each
 * module (prepare/esm-hooks.ts), kept until the module's flags module binds it and the registry
 * hands the table to the worker. The hooks post a module's table before its source returns, so
 * before its flags module can ask: taken off the port then, synchronously, it is there even while
 * the main thread has not turned its event loop since. (A module whose graph fails to link never
 * binds: its table stays here, as its prepared output stays with the hooks.)
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { PackedTable } from '../prepare/packed-table.js';
import type { PatternMiss } from '../prepare/prepare-settings.js';
import type { PatternMissReport, ModuleTable, PreparedOutcomeReport } from '../prepare/prepared-messages.js';

type FromHooks = ModuleTable | PreparedOutcomeReport | PatternMissReport;

export class ModuleTables {
  private readonly tables = new Map<string, PackedTable>();
  private port: MessagePort | undefined;
  private outcome: (report: PreparedOutcomeReport) => void = () => {};
  private missed: (miss: PatternMiss) => void = () => {};

  /** Reads the hooks' port: tables are kept here, outcomes go to `outcome`, patterns that missed a dependency to `missed`. */
  listen(port: MessagePort, outcome: (report: PreparedOutcomeReport) => void, missed: (miss: PatternMiss) => void): void {
    this.port = port;
    this.outcome = outcome;
    this.missed = missed;
    port.on('message', (message: FromHooks) => this.receive(message));
  }

  /** The table of the module at `url`, once: the registry binds a module once. */
  take(url: string): PackedTable | undefined {
    this.drain();
    const table = this.tables.get(url);
    this.tables.delete(url);
    return table;
  }

  /** Reads what the hooks posted that the event loop has not delivered yet (at exit, the port being unref'd). */
  drain(): void {
    if (this.port !== undefined)
      for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port))
        this.receive(m.message as FromHooks);
  }

  private receive(message: FromHooks): void {
    if (message.t === 'table') this.tables.set(message.url, message.table);
    else if (message.t === 'missed') this.missed(message);
    else this.outcome(message);
  }
}
