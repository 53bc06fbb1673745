/** Messages between the benchmark runner and the Recoup process it starts (Node IPC). */

export interface RecoupProcessOptions {
  /** `all`: worker and API in one process (PGlite); `worker` or `api` alone (PostgreSQL). */
  role: 'all' | 'worker' | 'api';
  /** Base of the portal links in messages, when the API runs elsewhere. */
  publicBaseUrl?: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** PostgreSQL URL; unset → embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  smtpUrl: string;
}

export interface MemorySample {
  /** After a full GC of the main thread and of the SDK's workflow threads. */
  rssBytes: number;
  /** After the main thread's GC only: the workflow threads' garbage counted too. */
  rssBeforeWorkflowThreadGcBytes?: number;
  /** Peak RSS of the process so far (VmHWM). */
  peakRssBytes: number;
  heapUsedBytes: number;
  /** V8 heap reserved (used or not): RSS that a GC does not give back. */
  heapTotalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  cachedWorkflows: number;
  /** The V8 heap of each of the SDK's workflow threads, after a full GC there (RSS counts them; the heap columns do not). */
  workflowThreads?: WorkflowThreadHeap[];
}

export interface WorkflowThreadHeap {
  heapUsedBytes: number;
  /** Reserved by that heap (used or not). */
  heapTotalBytes: number;
  /** Of the reserved, what is backed by memory. */
  physicalBytes: number;
  /** Allocated by V8 itself outside the heap (malloc). */
  mallocedBytes: number;
  /** Outside the heap, held by heap objects (buffers). */
  externalBytes: number;
}

export interface SeededImport {
  key: string;
  partnerId: string;
  companyId: string;
  importId: string;
  invoiceIds: string[];
}

export type Command =
  /** `debtors`: how many debtors the invoices belong to, consecutive invoices sharing one (default: one debtor each). */
  | { id: number; type: 'seed'; invoices: number; timezone: string; dueDate: string; debtors?: number }
  | { id: number; type: 'noop'; count: number; concurrency: number; timeoutMs: number }
  | { id: number; type: 'sentMessages'; importId: string }
  | { id: number; type: 'noticesRecorded'; importId: string }
  | { id: number; type: 'memory' }
  /** Writes a heap snapshot of the (first) workflow thread to `path`; answers the file's size. */
  | { id: number; type: 'workflowThreadSnapshot'; path: string }
  /** CPU seconds the process used so far (user + system, every thread). */
  | { id: number; type: 'cpuSeconds' }
  | { id: number; type: 'consoleUser'; email: string; password: string }
  | { id: number; type: 'stop' };

export interface NoopResult {
  /** From the first start request to the last start acknowledged. */
  allStartedMs: number;
  /** Until every no-op workflow ran its one activity. */
  allRanActivityMs: number;
}

/** The import's invoices whose notice (`invoice_notice`) was recorded as accepted, and when the first and last were sent. */
export interface NoticesRecorded {
  invoices: number;
  firstSentAt: number | null;
  lastSentAt: number | null;
}

export type Reply =
  | { type: 'ready'; apiUrl: string; bareUrl: string; databaseKind: 'pglite' | 'postgres'; databaseVersion: string; pid: number }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };
