import type { Static } from "typebox";
import type { configSchema } from "./schema.js";

/**
 * The validated configuration of one node: the static type of `configSchema` (schema.ts),
 * so the two cannot drift. Keys with a default are always present; `?` marks the keys and
 * sections that are absent unless set. Components take their own option types; the
 * composition root maps these sections onto them.
 */
export type Config = Static<typeof configSchema>;

export type ServerConfig = Config["server"];
export type EndpointConfig = Config["endpoints"][number];
export type EndpointAuthConfig = NonNullable<EndpointConfig["auth"]>;
export type AuthConfig = Config["auth"];
export type StaticTokenConfig = AuthConfig["tokens"][number];
export type JwtConfig = NonNullable<AuthConfig["jwt"]>;
export type WebhookConfig = NonNullable<AuthConfig["webhook"]>;
export type MailboxConfig = Config["mailbox"];
export type LimitsConfig = Config["limits"];
export type RateBucketConfig = LimitsConfig["rate"]["connection"];
export type RoomsConfig = Config["rooms"];
export type PermissionsConfig = Config["permissions"];
export type EventsConfig = Config["events"];
export type ChatConfig = Config["chat"];
export type RedisConfig = Config["redis"];
export type ValidationConfig = Config["validation"];
export type MetricsConfig = Config["metrics"];
export type LogConfig = Config["log"];
export type LogLevel = LogConfig["level"];
