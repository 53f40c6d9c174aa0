import type { PermissionsConfig } from "../rules/permissions-config.js";

/**
 * The validated configuration of one node. `schema.ts` is the source of truth for defaults,
 * limits and descriptions; this type mirrors it and a test keeps the two in step.
 */
export interface Config {
  preset: "none" | "chat";
  server: ServerConfig;
  auth: AuthConfig;
  mailbox: MailboxConfig;
  limits: LimitsConfig;
  rooms: RoomsConfig;
  permissions: PermissionsConfig;
  chat: ChatConfig;
  redis: RedisConfig;
  validation: ValidationConfig;
  metrics: MetricsConfig;
  log: LogConfig;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** Browser origins allowed (exact or `*` wildcards); empty: any (cookie logins: same origin only). */
  allowedOrigins: string[];
  /** URL path where WebSocket upgrades are accepted. */
  path: string;
  dataDir: string;
  heartbeat: {
    /** A WebSocket ping is sent this often; a peer that has not answered by the next one is cut. */
    intervalMs: number;
  };
  shutdown: {
    /** How long a drain may take before the remaining connections are cut and the process exits. */
    drainTimeoutMs: number;
    /** Told to clients in the 1001 close: spread reconnects uniformly over this window. */
    reconnectWindowMs: number;
  };
}

export interface StaticTokenConfig {
  token: string;
  user: string;
  roles: string[];
}

export interface JwtConfig {
  /** Shared secret for HS256/384/512. */
  secret?: string;
  /** PEM-encoded SPKI public key for RS256/ES256 (and the other RS/PS/ES algorithms). */
  publicKey?: string;
  /** Path to a PEM public key file; read at start. */
  publicKeyFile?: string;
  /** URL of a JSON Web Key Set. */
  jwksUrl?: string;
  /** Algorithms accepted; defaults to what the configured key allows. Never `none`. */
  algorithms?: string[];
  issuer?: string;
  audience?: string;
  /** Claim holding the user id. */
  userClaim: string;
  /** Claim holding the roles (an array of strings, or one space-separated string). */
  rolesClaim: string;
  clockToleranceSec: number;
}

export interface WebhookConfig {
  url: string;
  timeoutMs: number;
  /** How long a successful answer is reused for the same token. 0 = never. */
  cacheTtlMs: number;
}

export interface AuthConfig {
  /** A session must authenticate within this time or is closed with 4408. */
  timeoutMs: number;
  /** Query parameter that may carry the token. */
  queryParam: string;
  /** Cookie that may carry the token (GoDispatch's browser app uses `session-token`). */
  cookieName: string;
  tokens: StaticTokenConfig[];
  jwt?: JwtConfig;
  webhook?: WebhookConfig;
  anonymous: {
    /** Development only: anyone may connect, named by `?client_id=`, `?id=` or `?username=`. */
    enabled: boolean;
    /** Anonymous mode refuses to bind a non-loopback host unless this is set. */
    allowNonLoopback: boolean;
  };
}

export interface MailboxConfig {
  /** `sqlite`: durable, in the data directory. `memory`: fast, lost on restart. */
  store: "sqlite" | "memory" | "redis";
  /** Most mails a mailbox holds; acknowledged mail is evicted first to make room. */
  maxMessages: number;
  /** A full mailbox of unacknowledged mail refuses the sender (`mailbox_full`) or drops its oldest. */
  overflow: "refuse" | "dropOldest";
  /** Mail and receipts older than this are removed, delivered or not. */
  ttlMs: number;
  /** A send retried with the same frame `id` within this window is stored once. */
  idempotencyWindowMs: number;
  /** How often expired mail is swept. */
  expireIntervalMs: number;
  sqlite: {
    /** Database file; relative paths are inside server.dataDir. */
    file: string;
    /** `full`: each commit reaches the disk (survives power loss). `normal`: survives a process crash. */
    synchronous: "full" | "normal";
    /** How long a write waits for a lock held by another connection before failing. */
    busyTimeoutMs: number;
  };
}

export interface RateBucketConfig {
  /** Average frames per second; 0 = no limit. */
  perSecond: number;
  burst: number;
}

export interface LimitsConfig {
  /** Largest frame a client may send; larger closes with 1009. */
  maxFrameBytes: number;
  /** Deepest nesting of objects and arrays in a frame. */
  maxNestingDepth: number;
  /** Longest string anywhere in a frame. */
  maxStringLength: number;
  /** Read binary frames as UTF-8 JSON; off: refused. */
  binaryFrames: boolean;
  /** Bytes held for a slow reader before it is closed with 1013. */
  outboundBufferBytes: number;
  /** The HTTP handshake must arrive within this time. */
  handshakeTimeoutMs: number;
  /** 0 = no limit, for the three caps. */
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxSessionsPerUser: number;
  rate: {
    connection: RateBucketConfig;
    user: RateBucketConfig;
    message: RateBucketConfig;
    /** Refusals in a row after which a flooding connection is closed with 4429. */
    closeAfterRefusals: number;
  };
}

export interface RoomsConfig {
  maxPerConnection: number;
  maxMembers: number;
  /** First match wins. */
  settings: Array<{ match: string; presence: boolean; history: number }>;
}

export interface RedisConfig {
  /** Empty: one node on its own. */
  url: string;
  keyPrefix: string;
  presenceTtlMs: number;
}

export interface ChatConfig {
  /** One room for everyone, unique display names, text clients (the Broadcast Server). */
  enabled: boolean;
  room: string;
}

export interface ValidationConfig {
  /** JSON Schema for the `data` of `message` frames. */
  message?: Record<string, unknown>;
}

export interface MetricsConfig {
  enabled: boolean;
  /** Include Node.js process metrics (CPU, memory, event-loop lag). */
  processMetrics: boolean;
}

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface LogConfig {
  level: LogLevel;
  /** `auto` = human-readable on a terminal, JSON otherwise. */
  format: "auto" | "json" | "pretty";
}
