// A process as its code sees it: a PID, up to 32 connections, the name server, and (for spawned processes) the
// servers it registers. The same classes serve the calling thread (kernel.process) and code inside a worker; only
// the KernelLink differs (direct calls, or messages to the kernel's thread).
import { Connection, type Caller, type TraceSink } from './connection.ts';
import type { Token } from './names.ts';
import { IpcError, XousError } from './errors.ts';
import type { Route, ServerInfo } from './route.ts';
import type { OpcodeTable, ServerSpec } from './server.ts';
import type { Sid } from './sid.ts';

export interface Grant {
  cid: number;
  token: Token | undefined;
  info: ServerInfo;
  /** Undefined when this process already holds a connection to the server (same CID, as in Xous). */
  route: Route | undefined;
}

/** The kernel services a process uses; every call is made on behalf of `pid`. */
export interface KernelLink {
  connect(pid: number, name: string, timeoutMs: number | undefined): Promise<Grant>;
  lookup(pid: number, name: string): Promise<Grant>;
  connectSid(pid: number, sid: readonly number[]): Promise<Grant>;
  disconnect(pid: number, cid: number): Promise<void>;
  disconnectWithToken(pid: number, name: string, token: readonly number[]): Promise<void>;
  trustedInitDone(pid: number): Promise<boolean>;
}

export interface ConnectOptions<T extends OpcodeTable = OpcodeTable> {
  /** Blocking connect gives up with Timeout after this long. Default: wait for as long as it takes. */
  timeoutMs?: number;
  /** The server's opcode table, imported from its api module: only types the connection (`request` etc.). */
  api?: T;
}

export class ClientProcess implements Caller {
  private readonly conns = new Map<number, Connection>();

  constructor(
    readonly pid: number,
    readonly name: string,
    /** @internal */ protected readonly link: KernelLink,
    /** @internal */ readonly traceSink: TraceSink | undefined,
  ) {}

  /** Blocking connect (xous-names BlockingConnect): waits until `name` is registered. ServerNotFound if its limit is used up. */
  async connect<T extends OpcodeTable = OpcodeTable>(
    name: string,
    opts: ConnectOptions<T> = {},
  ): Promise<Connection<T>> {
    return this.adopt(await this.link.connect(this.pid, name, opts.timeoutMs)) as Connection<T>;
  }

  /** Non-blocking connect (xous-names Lookup): ServerNotFound when the name is unknown or its limit is used up. */
  async lookup<T extends OpcodeTable = OpcodeTable>(
    name: string,
    _opts: Pick<ConnectOptions<T>, 'api'> = {},
  ): Promise<Connection<T>> {
    return this.adopt(await this.link.lookup(this.pid, name)) as Connection<T>;
  }

  /** Connect to a server by its SID (how anonymous servers are reached: the SID is passed along as 4 words). */
  async connectSid<T extends OpcodeTable = OpcodeTable>(
    sid: Sid | readonly number[],
    _opts: Pick<ConnectOptions<T>, 'api'> = {},
  ): Promise<Connection<T>> {
    const words = Array.isArray(sid) ? (sid as readonly number[]) : (sid as Sid).words;
    return this.adopt(await this.link.connectSid(this.pid, words)) as Connection<T>;
  }

  /** Close a connection: its CID slot is freed and its token (if any) frees the server's connection count. */
  async disconnect(conn: Connection): Promise<void> {
    if (conn.closed || this.conns.get(conn.cid) !== conn) return;
    conn.closed = true;
    this.conns.delete(conn.cid);
    await this.link.disconnect(this.pid, conn.cid);
  }

  /** xous-names disconnect_with_token: free one limited slot of `name` (ServerNotFound if the token is stale). */
  disconnectWithToken(name: string, token: readonly number[]): Promise<void> {
    return this.link.disconnectWithToken(this.pid, name, token);
  }

  /** True once every server registered with a connection limit has all its connections made. */
  trustedInitDone(): Promise<boolean> {
    return this.link.trustedInitDone(this.pid);
  }

  /** Connections currently held, by CID. */
  connections(): Connection[] {
    return [...this.conns.values()];
  }

  private adopt(g: Grant): Connection {
    const held = this.conns.get(g.cid);
    if (g.route === undefined && held !== undefined) return held;
    if (g.route === undefined) throw new Error('kernel granted a reused CID that this process does not hold');
    if (held !== undefined) held.closed = true;
    const conn = new Connection(g.cid, g.info, g.token, g.route, this);
    this.conns.set(g.cid, conn);
    return conn;
  }
}

export interface ServerHandle {
  readonly sid: Sid;
  readonly name: string | undefined;
}

/** What a spawned process's main function gets. */
export abstract class ProcessContext extends ClientProcess {
  /** Create a server: registered with the name server if it has a name, anonymous otherwise. */
  abstract registerServer<T extends OpcodeTable>(spec: ServerSpec<T>): Promise<ServerHandle>;
  /** End this process: its servers are destroyed and their waiting callers fail with ProcessTerminated. */
  abstract exit(code?: number): void;
}

/** The signature of a process module's export. `init` is a structured clone of SpawnOptions.init. */
export type ProcessMain<I = unknown> = (ctx: ProcessContext, init: I) => void | Promise<void>;

/** Load a process module and pick its main function. */
export async function loadMain(url: string, exportName = 'default'): Promise<ProcessMain> {
  const mod = (await import(url)) as Record<string, unknown>;
  const main = mod[exportName];
  if (typeof main !== 'function')
    throw new IpcError(XousError.InvalidArgument, `module has no function export '${exportName}'`);
  return main as ProcessMain;
}
